/**
 * Request bodies of `aekit serve` into rows of float32: JSON (`{"rows":
 * [[...], ...]}` or `{"row": [...]}`) or an NPY file. Everything a client can
 * get wrong is refused here, before any row reaches the batcher (where one
 * bad request would share a call with good ones), with one line that says
 * what was expected.
 */
import { parseNpy, parseNpyHeader } from '../data/npy.js';
import { DataFormatError } from '../data/errors.js';
import { toFloat32 } from '../data/dtype.js';

/** A request the server refuses: an HTTP status (4xx) and a one-line reason. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** What a row must be: `width` numbers (a sample of `sampleShape`, flattened; named `columns` when known). */
export interface RowSpec {
  width: number;
  sampleShape: readonly number[];
  columns?: readonly string[];
}

/** Rows of a request: n rows of `spec.width` values, and whether the client sent one `row` (it gets one answer back, not a list). */
export interface Rows {
  x: Float32Array;
  n: number;
  single: boolean;
}

/** "8 numbers (the columns a, b, …)" or "784 numbers (a sample of shape [1, 28, 28], flattened)". */
export function rowWords(spec: RowSpec): string {
  const cols = spec.columns;
  if (cols && cols.length === spec.width) return `${spec.width} numbers (the columns ${cols.length <= 6 ? cols.join(', ') : `${cols.slice(0, 4).join(', ')}, … ${cols.at(-1)}`})`;
  return `${spec.width} numbers${spec.sampleShape.length > 1 ? ` (a sample of shape [${spec.sampleShape.join(', ')}], flattened)` : ''}`;
}

/** The accepted JSON forms, for messages. */
export function jsonForms(spec: RowSpec): string {
  return `{"rows": [[...], ...]} or {"row": [...]}, each row ${rowWords(spec)}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)})`;
  if (typeof v === 'number') return String(v);
  return `${typeof v === 'object' ? 'an object' : `a ${typeof v}`}`;
}

/** Text of a JSON body into its value; an empty or malformed body is a {@link RequestError}. */
export function parseJsonBody(text: string, spec: RowSpec): unknown {
  if (text.trim() === '') throw new RequestError(400, `empty body: expected ${jsonForms(spec)}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RequestError(400, `body is not valid JSON (${(e as Error).message}): expected ${jsonForms(spec)}`);
  }
}

/**
 * Copies `row` (already checked to hold `width` entries) into `x` at `at`,
 * each entry a finite number that float32 holds. `where(j)` names entry j in
 * a message; it is called only for a bad entry (a string per value would cost
 * more than the rest of the check).
 */
function putRow(x: Float32Array, at: number, row: unknown[], width: number, where: (j: number) => string): void {
  for (let j = 0; j < width; j++) {
    const v = row[j];
    if (typeof v !== 'number') throw new RequestError(400, `${where(j)} is ${describe(v)}: expected a number`);
    x[at + j] = v;
    if (x[at + j]! - x[at + j]! !== 0) throw new RequestError(400, `${where(j)} is ${v}: outside float32's range (about ±3.4e38); expected a finite number`);
  }
}

/**
 * Rows from a parsed JSON body.
 * @throws {RequestError} (400) for any other shape, a row of another width, or a value that is not a finite number.
 */
export function rowsFromJson(body: unknown, spec: RowSpec): Rows {
  const forms = jsonForms(spec);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RequestError(400, `body is ${describe(body)}: expected ${forms}`);
  const keys = Object.keys(body);
  const unknown = keys.find((k) => k !== 'rows' && k !== 'row');
  if (unknown !== undefined) throw new RequestError(400, `unknown field ${JSON.stringify(unknown)}: expected ${forms}`);
  if (keys.length !== 1) throw new RequestError(400, keys.length === 0 ? `no "rows" or "row": expected ${forms}` : `both "rows" and "row": give one of them (${forms})`);
  const { width } = spec;
  const o = body as { rows?: unknown; row?: unknown };
  if (keys[0] === 'row') {
    const row = o.row;
    if (!Array.isArray(row)) throw new RequestError(400, `"row" is ${describe(row)}: expected an array of ${rowWords(spec)}`);
    if (row.length !== width) throw new RequestError(400, `"row" has ${row.length} values: expected ${rowWords(spec)}`);
    const x = new Float32Array(width);
    putRow(x, 0, row, width, (j) => `"row"[${j}]`);
    return { x, n: 1, single: true };
  }
  const rows = o.rows;
  if (!Array.isArray(rows)) throw new RequestError(400, `"rows" is ${describe(rows)}: expected an array of rows, each ${rowWords(spec)}`);
  if (rows.length === 0) throw new RequestError(400, `"rows" is empty: expected at least one row of ${rowWords(spec)}`);
  const x = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as unknown;
    if (!Array.isArray(row)) throw new RequestError(400, `"rows"[${i}] is ${describe(row)}: expected an array of ${rowWords(spec)}`);
    if (row.length !== width) throw new RequestError(400, `"rows"[${i}] has ${row.length} values: expected ${rowWords(spec)}`);
    putRow(x, i * width, row, width, (j) => `"rows"[${i}][${j}]`);
  }
  return { x, n: rows.length, single: false };
}

/**
 * Rows from an NPY body: float32 or float64, of shape [n, width], [n,
 * ...sampleShape], or [width] for one row.
 * @throws {RequestError} (400) for a damaged file, another dtype or shape, no rows, or a value that is not finite.
 */
export function rowsFromNpy(bytes: Uint8Array, spec: RowSpec): Rows {
  const { width, sampleShape } = spec;
  const expected = `an NPY array of float32 or float64, shape [n, ${width}]${sampleShape.length > 1 ? ` or [n, ${sampleShape.join(', ')}]` : ''} or [${width}] for one row`;
  if (bytes.length === 0) throw new RequestError(400, `empty body: expected ${expected}`);
  let dtype: string;
  let shape: number[];
  try {
    ({ dtype, shape } = parseNpyHeader(bytes, 'NPY body'));
  } catch (e) {
    if (e instanceof DataFormatError) throw new RequestError(400, `${e.message}; expected ${expected}`);
    throw e;
  }
  if (dtype !== 'float32' && dtype !== 'float64') throw new RequestError(400, `NPY body: dtype ${dtype}: expected ${expected} (scaled as the model's training data was)`);
  const single = shape.length === 1;
  const rowShape = single ? shape : shape.slice(1);
  const fits = rowShape.length === 1 ? rowShape[0] === width : rowShape.join() === sampleShape.join();
  if (!fits) throw new RequestError(400, `NPY body: shape [${shape.join(', ')}]: expected ${expected}`);
  const n = single ? 1 : shape[0]!;
  if (n === 0) throw new RequestError(400, `NPY body: shape [${shape.join(', ')}] holds no rows: expected ${expected}`);
  let data;
  try {
    data = parseNpy(bytes, 'NPY body', { nonFinite: 'allow' }).data;
  } catch (e) {
    if (e instanceof DataFormatError) throw new RequestError(400, `${e.message}; expected ${expected}`);
    throw e;
  }
  const x = data instanceof Float32Array ? data : toFloat32(data);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v - v !== 0) {
      const source = data[i]!;
      throw new RequestError(400, `NPY body: row ${Math.floor(i / width)}, value ${i % width} is ${source}${Number.isFinite(source) ? ": outside float32's range (about ±3.4e38)" : ''}; expected finite numbers`);
    }
  }
  return { x, n, single };
}
