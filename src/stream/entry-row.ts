/**
 * One Redis Streams entry as one row of a detector's input. An entry's fields
 * carry the row in one of two ways:
 *
 *     row  1.5,2,0.25            the values in the detector's order, comma-separated
 *     row  [1.5,2,0.25]          the same as a JSON array
 *     f1 1.5  f2 2  f3 0.25      one field per feature name (detectors that record names)
 *
 * A `row` field wins when both are there. Other fields are ignored, so a
 * producer may add its own (a timestamp, a key). A value is read as the CSV
 * and NDJSON readers read one (src/data/csv.ts `parseNumberCell`, a JSON
 * number), into float32, so a row scores exactly as the same row in a file.
 */
import { FLOAT32_MAX, parseNumberCell } from '../data/csv.js';

/** The field holding a whole row. */
export const ROW_FIELD = 'row';

/** What a detector takes: values per row and, when it records them, the feature names in order. */
export interface RowLayout {
  width: number;
  names: readonly string[] | null;
}

const clip = (s: string): string => (s.length > 40 ? `${s.slice(0, 37)}...` : s);

function listed(names: readonly string[]): string {
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 6).join(', ')}, … ${names.at(-1)}`;
}

/**
 * Decodes an entry's fields (`[name, value, name, value, …]` as Redis sends
 * them) into `out[offset, offset + layout.width)`.
 * @returns undefined, or why the entry is not a row (for the dead-letter stream).
 */
export function decodeEntryRow(fields: readonly string[], layout: RowLayout, out: Float32Array, offset: number): string | undefined {
  const { width, names } = layout;
  let row: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === ROW_FIELD) { row = fields[i + 1]!; break; }
  }
  if (row !== undefined) return /^\s*[[{]/.test(row) ? jsonRow(row, width, out, offset) : csvRow(row, width, out, offset);
  if (!names) return `no field "${ROW_FIELD}" (the detector records no feature names, so the values must come as one "${ROW_FIELD}" field: comma-separated numbers or a JSON array)`;
  const byName = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) byName.set(fields[i]!, fields[i + 1]!);
  for (let j = 0; j < width; j++) {
    const text = byName.get(names[j]!);
    if (text === undefined) {
      const missing = names.filter((n) => !byName.has(n));
      return `no field "${ROW_FIELD}" and no field${missing.length > 1 ? 's' : ''} ${listed(missing)} (a row is one "${ROW_FIELD}" field or one field per feature: ${listed(names)})`;
    }
    const v = parseNumberCell(text);
    if (Number.isNaN(v)) return `field "${names[j]}": ${notANumber(text)}`;
    out[offset + j] = v;
  }
  return undefined;
}

function csvRow(row: string, width: number, out: Float32Array, offset: number): string | undefined {
  const cells = row.split(',');
  if (cells.length !== width) return `${ROW_FIELD}: ${cells.length} values but the detector takes ${width}`;
  for (let j = 0; j < width; j++) {
    const v = parseNumberCell(cells[j]!);
    if (Number.isNaN(v)) return `${ROW_FIELD}: value ${j + 1}: ${notANumber(cells[j]!)}`;
    out[offset + j] = v;
  }
  return undefined;
}

function jsonRow(row: string, width: number, out: Float32Array, offset: number): string | undefined {
  let values: unknown;
  try {
    values = JSON.parse(row);
  } catch (e) {
    return `${ROW_FIELD}: invalid JSON (${(e as Error).message})`;
  }
  if (!Array.isArray(values)) return `${ROW_FIELD}: expected a JSON array of numbers, got ${clip(row.trim())}`;
  if (values.length !== width) return `${ROW_FIELD}: ${values.length} values but the detector takes ${width}`;
  for (let j = 0; j < width; j++) {
    const x: unknown = values[j];
    if (typeof x !== 'number') return `${ROW_FIELD}: value ${j + 1}: non-numeric value ${clip(JSON.stringify(x) ?? String(x))}`;
    if (!(Math.abs(x) <= FLOAT32_MAX)) return `${ROW_FIELD}: value ${j + 1}: ${x} is outside the float32 range`;
    out[offset + j] = x;
  }
  return undefined;
}

function notANumber(text: string): string {
  const t = text.trim();
  if (t === '') return 'missing value';
  const v = Number(t);
  return Number.isFinite(v) && Math.abs(v) > FLOAT32_MAX ? `${t} is outside the float32 range` : `non-numeric value ${JSON.stringify(clip(t))}`;
}
