/**
 * Rows of numbers from a CSV or NDJSON text stream of any length (a file,
 * stdin, a socket), handed out batch by batch: memory holds one chunk of
 * input and one batch of rows, whatever the input's size. The consumer's pace
 * sets the reading pace (the next chunk is asked for only when a batch has
 * been taken), so a fast producer on a pipe is held back by the pipe.
 *
 * CSV lines are decoded by {@link CsvRowDecoder}, the in-memory parser's own
 * rules (delimiter guessed, header detected, quoting, NA values); NDJSON is one
 * JSON object (`{"a": 1.5, "b": 2, "id": "x7"}`) or one array (`[1.5, 2]`) per line.
 */
import { CsvRowDecoder, DEFAULT_MAX_LINE_LENGTH, resolveMaxLineLength } from './csv.js';
import { DataFormatError } from './errors.js';
import { jsonErrorOffset } from './json.js';
import { type NumberedLine, textLines } from './lines.js';

/** The text formats {@link readTableRows} reads. */
export type TableFormat = 'csv' | 'ndjson';

/** Options of {@link readTableRows}. */
export interface TableRowsOptions {
  /** Rows per batch. */
  batchSize: number;
  /** `'csv'`, `'ndjson'`, or `'auto'` (default): NDJSON when the first non-blank line starts with `{` or `[`, else CSV. */
  format?: TableFormat | 'auto';
  /** CSV field separator. Default: guessed from the first line among `,` `;` tab `|`. */
  delimiter?: string;
  /** CSV: whether the first line is a header; default `'auto'`, as {@link CsvOptions.header}. */
  header?: boolean | 'auto';
  /** CSV cell texts that mean "missing" (an error here: a stream cannot impute). Default as {@link CsvOptions.naValues}. */
  naValues?: string[];
  /** Longest line accepted, in characters; default 16 Mi as {@link CsvOptions.maxLineLength}. */
  maxLineLength?: number;
  /**
   * The feature columns: names (CSV header names, NDJSON keys) or 0-based
   * indices, or `'numeric'` (default): the columns whose first data value is a
   * number or missing, so that text columns (ids, dates) are dropped as
   * `readTabular` drops them.
   */
  columns?: (string | number)[] | 'numeric';
  /**
   * Columns kept out of the features and handed back as text, row by row
   * (an id, a label): by name or 0-based index. Never features.
   */
  passColumns?: (string | number)[];
  /** Called once the feature columns are known, before any row is decoded; throw to refuse them. */
  onColumns?: (columns: readonly string[], format: TableFormat) => void;
  /**
   * Called with the error of a bad row (a non-numeric, missing or
   * out-of-range value, a ragged row, invalid JSON), which is then skipped.
   * Default: none, and the first bad row ends the read with its error.
   * Errors of the first lines (header, columns) and a line over
   * `maxLineLength` always end the read.
   */
  onBadRow?: (error: DataFormatError) => void;
  /** Stop after this many rows. */
  limit?: number;
}

/** A batch of rows from {@link readTableRows}. */
export interface TableBatch {
  /** The rows' feature values, row-major: `shape[0] × shape[1]`. */
  x: Float32Array;
  /** `[rows, features]`. */
  shape: [number, number];
  /** Each row's 0-based position among the data rows of the input (rows skipped as bad leave gaps). */
  index: Float64Array;
  /** Each row's 1-based line number in the input. */
  lines: Float64Array;
  /** Per column of `passColumns`, in order: each row's value as text. */
  passed: string[][];
}

/** One line's decoding into a row: shared by the CSV and NDJSON formats. */
interface RowDecoder {
  /** Feature column names. */
  readonly columns: readonly string[];
  /** Writes the features of a data line at `out[offset..)` and returns the pass-through values. */
  decode(line: string, lineNo: number, out: Float32Array, offset: number): string[];
}

const FLOAT32_MAX = 3.4028234663852886e38;

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

function checkPass(pass: readonly (string | number)[]): void {
  for (const c of pass) {
    if (!(typeof c === 'string' || (Number.isInteger(c) && c >= 0))) throw new RangeError(`passColumns: expected column names or 0-based indices, got ${JSON.stringify(c)}`);
  }
}

/** CSV: learns the layout from the first two lines with {@link CsvRowDecoder} and decodes every later line with it. */
function csvDecoder(file: string, o: TableRowsOptions, first: NumberedLine, second: NumberedLine | undefined): { dec: RowDecoder; headerLine: boolean } {
  const base = {
    ...(o.delimiter !== undefined ? { delimiter: o.delimiter } : {}),
    ...(o.header !== undefined ? { header: o.header } : {}),
    ...(o.naValues ? { naValues: o.naValues } : {}),
  };
  // First the file's columns and header; then the features without the pass-through columns.
  const probe = new CsvRowDecoder(file, { ...base, columns: o.columns ?? 'numeric' });
  probe.init(first[0], first[1], second?.[0]);
  const passIdx = (o.passColumns ?? []).map((c) => probe.resolveColumn(c, first[1], 'column'));
  const passNames = new Set(passIdx.map((i) => probe.fieldNames[i]!));
  if (Array.isArray(o.columns)) {
    const both = probe.columns.find((c) => passNames.has(c));
    if (both !== undefined) throw new DataFormatError(file, { line: first[1], field: both }, 'a column passed through (id, label) cannot also be a feature column');
  }
  const features = probe.columns.filter((c) => !passNames.has(c));
  const csv = new CsvRowDecoder(file, { ...base, delimiter: probe.delimiter, header: probe.header, columns: features });
  const headerLine = csv.init(first[0], first[1], second?.[0]);
  const dec: RowDecoder = {
    columns: csv.columns,
    decode(line, lineNo, out, offset) {
      csv.decode(line, lineNo, out, offset);
      const f = csv.lastFields;
      return passIdx.map((i) => f[i]!.trim());
    },
  };
  return { dec, headerLine };
}

function parseJsonLine(line: string, lineNo: number, file: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    const at = Math.max(jsonErrorOffset(line), 0);
    const what = at >= line.length ? 'unexpected end of line' : `unexpected ${JSON.stringify(String.fromCodePoint(line.codePointAt(at) ?? 0x20))}`;
    throw new DataFormatError(file, { line: lineNo }, `invalid JSON at column ${at + 1}: ${what} (NDJSON: one JSON object or array per line)`);
  }
}

function asText(v: unknown): string {
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * NDJSON: the first line fixes the layout. Objects: the keys of the first
 * object are the columns; arrays: `col1`, `col2`... (or 0-based indices).
 */
function ndjsonDecoder(file: string, o: TableRowsOptions, first: NumberedLine): RowDecoder {
  const v0 = parseJsonLine(first[0], first[1], file);
  const isArray = Array.isArray(v0);
  if (!isArray && (v0 === null || typeof v0 !== 'object')) {
    throw new DataFormatError(file, { line: first[1] }, `expected a JSON object or array per line, got ${clip(first[0].trim())}`);
  }
  const names = isArray ? (v0 as unknown[]).map((_, i) => `col${i + 1}`) : Object.keys(v0 as object);
  const width = names.length;
  const keyOf = (i: number): string | number => (isArray ? i : names[i]!);
  const resolve = (c: string | number, what: string): number => {
    const i = typeof c === 'number' ? (isArray && c < width ? c : -1) : names.indexOf(c);
    if (i < 0) {
      throw new DataFormatError(file, { line: first[1], field: c },
        typeof c === 'number' && !isArray ? `${what}: an index names a column of array lines; these lines are objects with keys ${names.join(', ')}`
          : `${what}: no column ${JSON.stringify(c)} (the first line has ${isArray ? `${width} values: col1..col${width} or 0-based indices` : `keys ${names.join(', ')}`})`);
    }
    return i;
  };
  const passIdx = (o.passColumns ?? []).map((c) => resolve(c, 'column'));
  let featureIdx: number[];
  if (Array.isArray(o.columns)) {
    featureIdx = o.columns.map((c) => resolve(c, 'columns'));
    const both = featureIdx.find((i) => passIdx.includes(i));
    if (both !== undefined) throw new DataFormatError(file, { line: first[1], field: names[both]! }, 'a column passed through (id, label) cannot also be a feature column');
  } else {
    const row = v0 as Record<string | number, unknown>;
    featureIdx = names.map((_, i) => i).filter((i) => !passIdx.includes(i) && (typeof row[keyOf(i)] === 'number' || row[keyOf(i)] === null));
  }
  const columns = featureIdx.map((i) => names[i]!);
  const featureKeys = featureIdx.map(keyOf);
  const passKeys = passIdx.map(keyOf);
  return {
    columns,
    decode(line, lineNo, out, offset) {
      const v = parseJsonLine(line, lineNo, file);
      if (isArray) {
        if (!Array.isArray(v)) throw new DataFormatError(file, { line: lineNo }, `expected an array like the first line, got ${clip(line.trim())}`);
        if (v.length !== width) throw new DataFormatError(file, { line: lineNo }, `ragged row: expected ${width} values (as on the first line) but found ${v.length}`);
      } else if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        throw new DataFormatError(file, { line: lineNo }, `expected an object like the first line, got ${clip(line.trim())}`);
      }
      const row = v as Record<string | number, unknown>;
      for (let j = 0; j < featureKeys.length; j++) {
        const x = row[featureKeys[j]!];
        if (typeof x === 'number' && Math.abs(x) <= FLOAT32_MAX) {
          out[offset + j] = x;
          continue;
        }
        const field = isArray ? (featureKeys[j] as number) + 1 : columns[j]!;
        throw new DataFormatError(file, { line: lineNo, field },
          x === undefined ? 'missing: the first line has this key'
            : x === null ? 'missing value (null)'
              : typeof x === 'number' ? `value ${x} is outside the float32 range`
                : `non-numeric value ${clip(JSON.stringify(x))}`);
      }
      return passKeys.map((k) => asText(row[k]));
    },
  };
}

/**
 * Reads rows of numbers from CSV or NDJSON text, batch by batch, with
 * bounded memory. Blank lines are skipped; line numbers in errors count them.
 * @param chunks the input: a `Readable` (`process.stdin`, `createReadStream`) or any async iterable of bytes or text.
 * @param file name used in errors (`<stdin>` for standard input).
 * @throws {DataFormatError} naming the line and field (CSV column name, NDJSON
 *   key, or 1-based position in an array line) of the first bad value, unless `onBadRow` is given.
 * @throws {RangeError} for a bad `batchSize`, `limit` or `passColumns`.
 */
export async function* readTableRows(chunks: AsyncIterable<Uint8Array | string>, file: string, options: TableRowsOptions): AsyncGenerator<TableBatch> {
  const o = options;
  const bs = o.batchSize;
  if (!(Number.isInteger(bs) && bs >= 1)) throw new RangeError(`batchSize must be a positive integer, got ${bs}`);
  if (o.limit !== undefined && !(Number.isInteger(o.limit) && o.limit >= 1)) throw new RangeError(`limit must be a positive integer, got ${o.limit}`);
  if (o.format !== undefined && !['csv', 'ndjson', 'auto'].includes(o.format)) throw new RangeError(`format must be 'csv', 'ndjson' or 'auto', got ${JSON.stringify(o.format)}`);
  checkPass(o.passColumns ?? []);
  const maxLine = o.maxLineLength === undefined ? DEFAULT_MAX_LINE_LENGTH : resolveMaxLineLength(o);
  const limit = o.limit ?? Infinity;
  let dec: RowDecoder | undefined;
  let pending: NumberedLine | undefined;
  let d = 0;
  let x = new Float32Array(0);
  let index = new Float64Array(0);
  let lines = new Float64Array(0);
  let passed: string[][] = [];
  let m = 0;
  /** Data rows seen, bad ones included: the next row's index. */
  let row = 0;
  let taken = 0;
  const fresh = (): void => {
    x = new Float32Array(bs * d);
    index = new Float64Array(bs);
    lines = new Float64Array(bs);
    passed = (o.passColumns ?? []).map(() => []);
    m = 0;
  };
  const flush = (): TableBatch => {
    const full = m === bs;
    const b: TableBatch = { x: full ? x : x.slice(0, m * d), shape: [m, d], index: full ? index : index.slice(0, m), lines: full ? lines : lines.slice(0, m), passed };
    fresh();
    return b;
  };
  const take = ([line, no]: NumberedLine): void => {
    const r = row++;
    let values: string[];
    try {
      values = dec!.decode(line, no, x, m * d);
    } catch (e) {
      if (o.onBadRow && e instanceof DataFormatError) {
        o.onBadRow(e);
        return;
      }
      throw e;
    }
    index[m] = r;
    lines[m] = no;
    for (let j = 0; j < values.length; j++) passed[j]!.push(values[j]!);
    m++;
    taken++;
  };
  const start = (first: NumberedLine, second: NumberedLine | undefined): void => {
    const format = o.format === 'csv' || o.format === 'ndjson' ? o.format : /^\s*[[{]/.test(first[0]) ? 'ndjson' : 'csv';
    let headerLine = false;
    if (format === 'csv') ({ dec, headerLine } = csvDecoder(file, o, first, second));
    else dec = ndjsonDecoder(file, o, first);
    d = dec.columns.length;
    if (d === 0) throw new DataFormatError(file, { line: first[1] }, 'no numeric feature columns');
    o.onColumns?.(dec.columns, format);
    fresh();
    if (!headerLine) take(first);
  };
  for await (const group of textLines(chunks, file, maxLine)) {
    for (const rec of group) {
      if (taken >= limit) break;
      if (!dec) {
        if (pending === undefined) { pending = rec; continue; }
        start(pending, rec);
        pending = undefined;
        if (taken >= limit) break;
      }
      take(rec);
      if (m === bs) yield flush();
    }
    if (taken >= limit) break;
  }
  if (!dec) {
    if (pending === undefined) throw new DataFormatError(file, { line: 1 }, 'no data: the input is empty');
    start(pending, undefined);
  }
  if (m > 0) yield flush();
}
