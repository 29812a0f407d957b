/**
 * Workspace helpers for the review: writing fixture files, the reference
 * checkpoint every checkpoint case starts from (trained once, copied per case),
 * snapshots of a workspace and their differences.
 */
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import { Autoencoder } from '../../src/models/index.js';

/** Writes a file (text or bytes) under `ws`, creating folders. */
export function put(ws: string, rel: string, content: string | Uint8Array): string {
  const path = join(ws, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** 16 samples of 8 features in (0, 1): the data of the tiny model. */
export function tinyData(n = 16): { x: Float32Array; shape: number[] } {
  const x = new Float32Array(n * 8);
  for (let i = 0; i < x.length; i++) x[i] = 0.1 + 0.8 * ((i * 37) % 101) / 101;
  return { x, shape: [n, 8] };
}

/** The 8-3-8 dense autoencoder most API cases use. */
export function tinyModel(): Autoencoder {
  return new Autoencoder({ inputShape: [8], encoder: { sizes: [3] } });
}

let reference: string | undefined;

/**
 * A trained checkpoint of the tiny model (one epoch, seed 1), made once per
 * review next to the case workspaces (`<root>/cases/<case>`) and copied into
 * `ws` as `rel`.
 */
export async function copyCheckpoint(ws: string, rel = 'ck'): Promise<string> {
  if (!reference) {
    const dir = join(ws, '..', '..', 'reference-checkpoint');
    const m = tinyModel();
    m.compile({ seed: 1 });
    await m.fit(tinyData(), { epochs: 1, batchSize: 8, worker: false });
    m.save(dir);
    reference = dir;
  }
  const dest = join(ws, rel);
  cpSync(reference, dest, { recursive: true });
  return dest;
}

let referenceDetector: string | undefined;

/**
 * A saved detector around the tiny model (trained one epoch, seed 1, z-scored
 * input), made once per review next to the case workspaces and copied into
 * `ws` as `rel`: what the `aekit serve` cases serve.
 */
export async function copyDetector(ws: string, rel = 'det'): Promise<string> {
  if (!referenceDetector) {
    const dir = join(ws, '..', '..', 'reference-detector');
    const m = tinyModel();
    m.compile({ seed: 1 });
    const det = new AnomalyDetector(m, { scaler: 'zscore' });
    await det.fit(tinyData(), { train: { epochs: 1, batchSize: 8, worker: false } });
    det.save(dir);
    referenceDetector = dir;
  }
  const dest = join(ws, rel);
  cpSync(referenceDetector, dest, { recursive: true });
  return dest;
}

/** Rewrites a checkpoint file and then its SHA-256 in checkpoint.json, so only the damage under test remains. */
export function forge(ckDir: string, file: string, edit: (bytes: Uint8Array) => Uint8Array): void {
  const path = join(ckDir, file);
  const bytes = edit(new Uint8Array(readFileSync(path)));
  writeFileSync(path, bytes);
  const metaPath = join(ckDir, 'checkpoint.json');
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { checksums?: Record<string, string> };
  if (meta.checksums && file in meta.checksums) {
    meta.checksums[file] = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(metaPath, JSON.stringify(meta, null, 2));
  }
}

/** Edits checkpoint.json as an object. */
export function editMeta(ckDir: string, edit: (meta: Record<string, unknown>) => unknown): void {
  const path = join(ckDir, 'checkpoint.json');
  const meta = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const out = edit(meta);
  writeFileSync(path, JSON.stringify(out === undefined ? meta : out, null, 2));
}

/** path → signature (type, size, SHA-256 of the content, link target), for every entry under `dir`, links not followed. */
export type Snapshot = Map<string, string>;

export function snapshot(dir: string): Snapshot {
  const out: Snapshot = new Map();
  const walk = (abs: string, rel: string) => {
    let entries: string[];
    try {
      entries = readdirSync(abs).sort();
    } catch {
      return; // unreadable: nothing to compare
    }
    for (const name of entries) {
      const a = join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(a);
      if (st.isSymbolicLink()) out.set(r, `link ${readlinkSync(a)}`);
      else if (st.isDirectory()) {
        out.set(r, 'dir');
        walk(a, r);
      } else if (st.isFile()) {
        let sum = '?';
        try {
          sum = createHash('sha256').update(readFileSync(a)).digest('hex').slice(0, 16);
        } catch { /* unreadable file: size only */ }
        out.set(r, `file ${st.size} ${sum}`);
      } else out.set(r, st.isFIFO() ? 'fifo' : 'special');
    }
  };
  walk(dir, '');
  return out;
}

/** What changed between two snapshots, outside the allowed path prefixes. */
export function changes(before: Snapshot, after: Snapshot, allowed: readonly string[] = []): string[] {
  const free = (p: string) => allowed.some((a) => p === a.replace(/\/$/, '') || p.startsWith(a.endsWith('/') ? a : `${a}/`));
  const out: string[] = [];
  for (const [p, sig] of before) {
    if (free(p)) continue;
    const now = after.get(p);
    if (now === undefined) out.push(`deleted ${p}`);
    else if (now !== sig) out.push(`changed ${p}`);
  }
  for (const p of after.keys()) if (!before.has(p) && !free(p)) out.push(`left ${p}`);
  // A deleted folder implies its content: name the folder only.
  return out.filter((line) => !out.some((o) => o !== line && o.startsWith('deleted ') && line.startsWith('deleted ') && line.slice(8).startsWith(`${o.slice(8)}/`)));
}
