/**
 * Time-series CSV files: a timestamp column (optional) and one or more
 * numeric channels, one row per step, e.g. NAB's `timestamp,value`.
 * The channels go through {@link parseCsv} (same delimiter, header and
 * number rules, same errors); the timestamps are parsed here.
 */
import { basename } from 'node:path';
import { parseCsv, splitCsvLine } from './csv.js';
import { DataFormatError } from './errors.js';
import { readDataFile } from './files.js';

/** A series read from CSV: T steps × F channels, step-major. */
export interface SeriesCsv {
  /** Values, step after step ([steps, channels]). */
  x: Float32Array;
  shape: [number, number];
  /** Names of the numeric channels. */
  columns: string[];
  /** The timestamp column's name, or null when the file has none. */
  timestampColumn: string | null;
  /** Milliseconds since 1970 (UTC) per step, or null without a timestamp column. */
  timestamps: Float64Array | null;
  /** The timestamp cells as written (null without a timestamp column). */
  timestampText: string[] | null;
  /** Rows whose timestamp is earlier than the row above's (the steps stay in file order). */
  backwards: number;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses an ISO-8601-like timestamp: `YYYY-MM-DD`, optionally followed by
 * ` HH:MM[:SS[.fff…]]` (or `T`), optionally by `Z` or `±HH:MM`. Without a
 * zone the time is taken as UTC (so a series' steps do not shift with the
 * machine's time zone). Returns milliseconds since 1970, or NaN when the text
 * is not such a timestamp.
 */
export function parseTimestamp(text: string): number {
  const m = DATE_RE.exec(text.trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return NaN;
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second) + (frac ? Math.round(Number(frac) * 1000) : 0);
  if (new Date(Date.UTC(Number(y), month - 1, day)).getUTCDate() !== day) return NaN;
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Whether the first line names columns of which one holds timestamps on the second (`timestamp,value` over `2014-04-01 00:00:00,1`). */
function headerOverTimestamps(first: string, second: string): boolean {
  const d = [',', ';', '\t', '|'].find((c) => first.includes(c)) ?? ',';
  const a = first.split(d).map((c) => c.trim().replace(/^"|"$/g, ''));
  const b = second.split(d).map((c) => c.trim().replace(/^"|"$/g, ''));
  return a.length === b.length && a.every((c) => !NUMBER_RE.test(c) && !Number.isFinite(parseTimestamp(c))) && b.some((c) => Number.isFinite(parseTimestamp(c)));
}

/**
 * Parses a series CSV. The timestamp column is the first column whose first
 * data cell is a timestamp (see {@link parseTimestamp}); every other column
 * must be numeric. The steps are the rows in file order: real series have
 * repeated timestamps and the odd step back in time (NAB's machine
 * temperature series at a clock change), counted in `backwards`, not refused.
 * @param file name used in error messages.
 * @throws {DataFormatError} naming the line and field of a bad cell: a
 *   timestamp that does not parse, a non-numeric value,
 *   a missing value; or a file without numeric columns.
 */
export function parseSeriesCsv(text: string, file = '<string>'): SeriesCsv {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines: [string, number][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() !== '') lines.push([line, i + 1]);
  });
  // A header over a timestamp column: the CSV reader takes a timestamp for text, so it cannot tell by itself.
  const header = lines.length >= 2 && headerOverTimestamps(lines[0]![0], lines[1]![0]) ? true : 'auto';
  const csv = parseCsv(text, { columns: 'numeric', header }, file);
  const head = splitCsvLine(lines[0]![0], csv.delimiter, file, lines[0]![1]).map((s) => s.trim());
  const names = csv.header ? head.map((s, i) => (s === '' ? `col${i + 1}` : s)) : head.map((_, i) => `col${i + 1}`);
  const skip = csv.header ? 1 : 0;
  const firstData = lines[skip] ? splitCsvLine(lines[skip]![0], csv.delimiter, file, lines[skip]![1]).map((s) => s.trim()) : [];
  const tsIdx = firstData.findIndex((c) => Number.isFinite(parseTimestamp(c)));
  const others = names.filter((n, i) => i !== tsIdx && !csv.columns.includes(n));
  if (others.length > 0) {
    const i = names.indexOf(others[0]!);
    throw new DataFormatError(file, { line: lines[skip]?.[1] ?? 1, field: others[0]! }, `column ${JSON.stringify(others[0])} is neither numeric nor a timestamp (first value ${JSON.stringify(firstData[i] ?? '')}); a series CSV holds one timestamp column and numeric columns`);
  }
  if (csv.columns.length === 0) throw new DataFormatError(file, {}, 'no numeric column: a series CSV holds one timestamp column and numeric columns');
  const steps = csv.shape[0]!;
  if (steps === 0) throw new DataFormatError(file, {}, 'holds no rows');
  let timestamps: Float64Array | null = null;
  let timestampText: string[] | null = null;
  let backwards = 0;
  if (tsIdx >= 0) {
    timestamps = new Float64Array(steps);
    timestampText = new Array<string>(steps);
    backwards = 0;
    for (let r = 0; r < steps; r++) {
      const [line, no] = lines[r + skip]!;
      const cell = (splitCsvLine(line, csv.delimiter, file, no)[tsIdx] ?? '').trim();
      const t = parseTimestamp(cell);
      if (!Number.isFinite(t)) throw new DataFormatError(file, { line: no, field: names[tsIdx]! }, `${JSON.stringify(cell)} is not a timestamp (expected YYYY-MM-DD[ HH:MM[:SS]])`);
      if (r > 0 && t < timestamps[r - 1]!) backwards++;
      timestamps[r] = t;
      timestampText[r] = cell;
    }
  }
  return { x: csv.x, shape: [steps, csv.columns.length], columns: csv.columns, timestampColumn: tsIdx >= 0 ? names[tsIdx]! : null, timestamps, timestampText, backwards };
}

/** Reads a series CSV; see {@link parseSeriesCsv}. */
export async function readSeriesCsv(path: string): Promise<SeriesCsv> {
  return parseSeriesCsv(await readDataFile(path, basename(path), 'utf8'), basename(path));
}
