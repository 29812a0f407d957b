/**
 * The NAB series of the time-series benchmark (../shared/data/nab, README
 * there): each CSV `timestamp,value`, and `combined_windows.json`, the
 * anomaly windows of each file as `[start, end]` timestamps. A step is an
 * anomaly when its timestamp lies inside a window, ends included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSeriesCsv, parseTimestamp } from '../../src/data/series.js';

/** One labelled series. */
export interface NabSeries {
  /** The key in combined_windows.json: `category/file.csv`. */
  file: string;
  category: string;
  values: Float32Array;
  timestamps: Float64Array;
  /** 1 for a step inside an anomaly window. */
  labels: Uint8Array;
  /** The windows as [start, end] in ms. */
  windows: [number, number][];
}

/**
 * Point labels from anomaly windows: 1 where `timestamps[t]` lies in some
 * window [start, end], ends included (NAB's rule), else 0.
 */
export function pointLabels(timestamps: ArrayLike<number>, windows: readonly (readonly [number, number])[]): Uint8Array {
  const y = new Uint8Array(timestamps.length);
  for (const [a, b] of windows) {
    if (!(a <= b)) throw new RangeError(`pointLabels: window [${a}, ${b}] ends before it starts`);
    for (let t = 0; t < timestamps.length; t++) if (timestamps[t]! >= a && timestamps[t]! <= b) y[t] = 1;
  }
  return y;
}

/** Parses combined_windows.json: file → [start, end] in ms, each timestamp checked. */
export function parseWindows(text: string, file = 'combined_windows.json'): Map<string, [number, number][]> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${file}: expected an object { "category/file.csv": [[start, end], ...] }`);
  const out = new Map<string, [number, number][]>();
  for (const [key, list] of Object.entries(raw as Record<string, unknown>)) {
    if (!Array.isArray(list)) throw new Error(`${file}: field '${key}': expected a list of [start, end] pairs`);
    out.set(key, list.map((w, i) => {
      const where = `${file}: field '${key}[${i}]'`;
      if (!Array.isArray(w) || w.length !== 2 || typeof w[0] !== 'string' || typeof w[1] !== 'string') throw new Error(`${where}: expected [start, end] timestamps, got ${JSON.stringify(w)}`);
      const [a, b] = [parseTimestamp(w[0]), parseTimestamp(w[1])];
      if (!Number.isFinite(a) || !Number.isFinite(b)) throw new Error(`${where}: ${JSON.stringify(w)} are not timestamps`);
      if (b < a) throw new Error(`${where}: the window ends before it starts`);
      return [a, b] as [number, number];
    }));
  }
  return out;
}

/** Reads every series listed in `dir/combined_windows.json` (files under `dir/data/`), sorted by key. */
export function readNab(dir: string, only?: (file: string) => boolean): NabSeries[] {
  const windows = parseWindows(readFileSync(join(dir, 'combined_windows.json'), 'utf8'), join(dir, 'combined_windows.json'));
  const out: NabSeries[] = [];
  for (const file of [...windows.keys()].sort()) {
    if (only && !only(file)) continue;
    const path = join(dir, 'data', file);
    const s = parseSeriesCsv(readFileSync(path, 'utf8'), path);
    if (!s.timestamps) throw new Error(`${path}: no timestamp column`);
    if (s.shape[1] !== 1) throw new Error(`${path}: expected one value column, got ${s.shape[1]} (${s.columns.join(', ')})`);
    const w = windows.get(file)!;
    out.push({ file, category: file.split('/')[0]!, values: s.x, timestamps: s.timestamps, labels: pointLabels(s.timestamps, w), windows: w });
  }
  return out;
}

/** Development / held-out parts of the benchmark. */
export type NabPart = 'dev' | 'heldout';

/**
 * The split of the labelled series into a development part (tuned on) and a
 * held-out part (only evaluated): within each category, in sorted order, the
 * 1st, 3rd, 5th… series are development and the 2nd, 4th… held out, so both
 * parts hold every category. Series without anomalies get a part too (they
 * are excluded from the means anyway).
 */
export function nabParts(files: readonly string[]): Map<string, NabPart> {
  const byCategory = new Map<string, string[]>();
  for (const f of [...files].sort()) {
    const c = f.split('/')[0]!;
    byCategory.set(c, [...(byCategory.get(c) ?? []), f]);
  }
  const out = new Map<string, NabPart>();
  for (const list of byCategory.values()) list.forEach((f, i) => out.set(f, i % 2 === 0 ? 'dev' : 'heldout'));
  return out;
}
