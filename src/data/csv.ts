import { basename } from 'node:path';
import { argNames, optionsOf, show } from '../config/validate.js';
import { DataFormatError } from './errors.js';
import { readDataFile } from './files.js';
import type { Dataset } from './types.js';

/** How to fill missing and non-finite cells when asked to (`impute`). */
export type ImputeStrategy = 'mean' | 'zero' | number | number[];

/** Options for {@link parseCsv}, {@link readCsv} and {@link streamCsvBatches}. */
export interface CsvOptions {
  /** Field separator. Default: guessed from the first line among `,` `;` tab `|`. */
  delimiter?: string;
  /**
   * Whether the first line is a header. Default `'auto'`: it is a header when
   * some cell in it is not a number while the cell below it is (or when the file
   * has one line and none of its cells is a number).
   */
  header?: boolean | 'auto';
  /**
   * Column with the class of each row, by header name or 0-based index. Integer
   * values are used as class indices; any other values are class names, mapped
   * to indices in sorted order (or in the order of `labelNames` when given).
   */
  labelColumn?: string | number;
  /** Class names, fixing the name → index mapping of a text label column. */
  labelNames?: string[];
  /**
   * Feature columns to keep (names or 0-based indices), or `'numeric'`: the
   * columns whose first data cell is a number (or missing), dropping text
   * columns such as ids or dates. Default: every column but the label.
   */
  columns?: (string | number)[] | 'numeric';
  /** Cell texts that mean "missing". Default: empty, `NA`, `N/A`, `null`, `?`. */
  naValues?: string[];
  /**
   * Missing cells and NaN/Inf values are errors unless this is set; then they are
   * replaced by the column mean (of the finite values), zero, a constant, or one
   * value per feature column, and listed in the result's `missing` report.
   */
  impute?: ImputeStrategy;
  /**
   * Longest line accepted, in characters (default {@link DEFAULT_MAX_LINE_LENGTH},
   * 16 Mi). A file with no line breaks would otherwise be split into one huge
   * record, at many times its size in memory; such a file is rejected naming the line.
   */
  maxLineLength?: number;
}

/** The keys of {@link CsvOptions}, for the unknown-option checks (the streams add theirs). */
export const CSV_OPTIONS = argNames<CsvOptions>()(['delimiter', 'header', 'labelColumn', 'labelNames', 'columns', 'naValues', 'impute', 'maxLineLength']);

/** Default {@link CsvOptions.maxLineLength}: 16 Mi characters, far beyond any row of numbers (a million columns fit). */
export const DEFAULT_MAX_LINE_LENGTH = 1 << 24;

/** Checks {@link CsvOptions.maxLineLength} and returns it or the default. */
export function resolveMaxLineLength(opts: { maxLineLength?: number }): number {
  const v = opts.maxLineLength;
  if (v === undefined) return DEFAULT_MAX_LINE_LENGTH;
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) throw new RangeError(`maxLineLength must be a positive integer, got ${show(v)}`);
  return v;
}

/** The error for a line over {@link CsvOptions.maxLineLength}; the same from the in-memory parser and the streams. */
export function lineTooLongError(file: string, line: number, max: number): DataFormatError {
  return new DataFormatError(file, { line }, `line longer than ${max} characters (not a CSV file, or no line breaks?); raise maxLineLength if it is meant to be`);
}

/** Where cells were missing or non-finite (and so were imputed). */
export interface MissingReport {
  /** Total number of missing or non-finite cells. */
  count: number;
  /** Count per feature column, in the order of `columns`. */
  perColumn: number[];
  /** The first few locations (at most 20), for messages. */
  first: { line: number; field: string }[];
}

/** The result of parsing a CSV file: a {@link Dataset} plus what was found in it. */
export interface CsvDataset extends Dataset {
  /** Names of the feature columns (header names, or `col1`, `col2`... without a header). */
  columns: string[];
  /** Whether the first line was taken as a header. */
  header: boolean;
  /** The delimiter used. */
  delimiter: string;
  missing: MissingReport;
}

const DEFAULT_NA = ['', 'NA', 'N/A', 'null', '?'];
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NONFINITE_RE = /^[+-]?(nan|inf|infinity)$/i;
const MAX_FIRST = 20;
/** The largest finite float32: a value beyond it is out of range for a Float32Array feature. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Splits one CSV record. Supports RFC 4180 quoting within a line ("a,b", "say ""hi""");
 * a quoted field spanning lines is reported as unterminated, since numeric data
 * never needs one and supporting it would make streaming by lines impossible.
 */
export function splitCsvLine(line: string, delimiter: string, file: string, lineNo: number): string[] {
  if (line.indexOf('"') < 0) return line.split(delimiter);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let s = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new DataFormatError(file, { line: lineNo, field: out.length + 1 }, 'unterminated quoted field');
        s += line.slice(j, q);
        if (line[q + 1] === '"') { s += '"'; j = q + 2; continue; }
        j = q + 1;
        break;
      }
      if (j < line.length && !line.startsWith(delimiter, j)) {
        throw new DataFormatError(file, { line: lineNo, field: out.length + 1 }, 'unexpected text after a closing quote');
      }
      out.push(s);
      if (j >= line.length) return out;
      i = j + delimiter.length;
    } else {
      const d = line.indexOf(delimiter, i);
      if (d < 0) { out.push(line.slice(i)); return out; }
      out.push(line.slice(i, d));
      i = d + delimiter.length;
    }
  }
}

function guessDelimiter(line: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of [',', ';', '\t', '|']) {
    let n = 0;
    let inQuote = false;
    for (const ch of line) {
      if (ch === '"') inQuote = !inQuote;
      else if (ch === d && !inQuote) n++;
    }
    if (n > bestCount) { best = d; bestCount = n; }
  }
  return best;
}

type CellKind = 'number' | 'missing' | 'nonfinite' | 'text';

/**
 * Turns records into rows of numbers. Holds everything learnt from the first
 * lines (delimiter, header, column roles) so that the in-memory parser and the
 * streaming reader apply exactly the same rules.
 */
export class CsvRowDecoder {
  readonly file: string;
  delimiter = ',';
  header = false;
  columns: string[] = [];
  labelNames: string[] | undefined;
  readonly missing: MissingReport = { count: 0, perColumn: [], first: [] };
  /** The fields of the record {@link decode} read last, untrimmed (for columns a caller passes through as text). */
  lastFields: readonly string[] = [];
  private names: string[] = [];
  private nFields = 0;
  private featureIdx: number[] = [];
  private labelIdx = -1;
  private labelMap: Map<string, number> | undefined;
  private labelsAreText: boolean | undefined;
  private readonly na: Set<string>;
  private ready = false;

  constructor(file: string, private readonly opts: CsvOptions) {
    this.file = file;
    this.na = new Set((opts.naValues ?? DEFAULT_NA).map((s) => s.trim()));
    if (opts.labelNames) {
      this.labelNames = [...opts.labelNames];
      this.labelMap = new Map(opts.labelNames.map((n, i) => [n, i]));
    }
    if (opts.impute !== undefined) checkImpute(opts.impute, file);
  }

  get hasLabels(): boolean { return this.labelIdx >= 0; }
  get numFeatures(): number { return this.featureIdx.length; }
  get isReady(): boolean { return this.ready; }
  /** Every column's name, features or not (header names, or `col1`, `col2`... without a header); set by {@link init}. */
  get fieldNames(): readonly string[] { return this.names; }

  /**
   * Learns the layout from the first record and, for header detection, the
   * second. Returns true if the first record was a header (and so must not be
   * decoded as data).
   */
  init(first: string, firstLine: number, second: string | undefined): boolean {
    const o = this.opts;
    if (o.delimiter !== undefined && o.delimiter.length === 0) {
      throw new DataFormatError(this.file, {}, 'delimiter must not be empty');
    }
    this.delimiter = o.delimiter ?? guessDelimiter(first);
    const f1 = splitCsvLine(first, this.delimiter, this.file, firstLine).map((s) => s.trim());
    const f2 = second === undefined ? undefined : splitCsvLine(second, this.delimiter, this.file, firstLine + 1).map((s) => s.trim());
    this.nFields = f1.length;
    if (o.header === true || o.header === false) this.header = o.header;
    else {
      const kind1 = f1.map((c) => this.kind(c));
      if (f2 === undefined) this.header = kind1.every((k) => k === 'text');
      else this.header = kind1.some((k, i) => k === 'text' && i < f2.length && this.kind(f2[i]!) !== 'text');
    }
    this.names = this.header ? f1.map((s, i) => (s === '' ? `col${i + 1}` : s)) : f1.map((_, i) => `col${i + 1}`);
    if (this.header && new Set(this.names).size !== this.names.length) {
      const dup = this.names.find((n, i) => this.names.indexOf(n) !== i)!;
      throw new DataFormatError(this.file, { line: firstLine, field: dup }, `duplicate column name ${JSON.stringify(dup)}`);
    }
    if (o.labelColumn !== undefined) this.labelIdx = this.resolveColumn(o.labelColumn, firstLine, 'labelColumn');
    if (o.columns === 'numeric') {
      const data = this.header ? f2 : f1;
      this.featureIdx = this.names.map((_, i) => i)
        .filter((i) => i !== this.labelIdx && (data === undefined || (data[i] !== undefined && this.kind(data[i]!) !== 'text')));
    } else if (o.columns !== undefined) {
      if (!Array.isArray(o.columns)) throw new DataFormatError(this.file, {}, "columns must be an array of names/indices or 'numeric'");
      this.featureIdx = o.columns.map((c) => this.resolveColumn(c, firstLine, 'columns'));
      if (this.featureIdx.includes(this.labelIdx)) {
        throw new DataFormatError(this.file, { line: firstLine, field: this.names[this.labelIdx]! }, 'the label column cannot also be a feature column');
      }
    } else {
      this.featureIdx = this.names.map((_, i) => i).filter((i) => i !== this.labelIdx);
    }
    this.columns = this.featureIdx.map((i) => this.names[i]!);
    this.missing.perColumn = this.featureIdx.map(() => 0);
    this.ready = true;
    return this.header;
  }

  /**
   * The 0-based position of a column given by header name or 0-based index.
   * @param what names the option in the error, e.g. `labelColumn`.
   * @throws {DataFormatError} for a name not in the header or an index out of range.
   */
  resolveColumn(c: string | number, line: number, what: string): number {
    if (typeof c === 'number') {
      if (!Number.isInteger(c) || c < 0 || c >= this.nFields) {
        throw new DataFormatError(this.file, { line, field: c + 1 }, `${what}: column index ${c} is out of range (the file has ${this.nFields} columns, 0-based)`);
      }
      return c;
    }
    const i = this.names.indexOf(c);
    if (i < 0) {
      throw new DataFormatError(this.file, { line, field: c },
        this.header ? `${what}: no column named ${JSON.stringify(c)} (columns: ${this.names.join(', ')})`
          : `${what}: no column named ${JSON.stringify(c)}: the file has no header; give a 0-based index`);
    }
    return i;
  }

  private kind(cell: string): CellKind {
    if (this.na.has(cell)) return 'missing';
    if (NUMBER_RE.test(cell)) return Number.isFinite(Number(cell)) ? 'number' : 'nonfinite';
    if (NONFINITE_RE.test(cell)) return 'nonfinite';
    return 'text';
  }

  /**
   * Decodes one data record into `out[offset..offset+numFeatures)`; missing and
   * non-finite cells become NaN (to be imputed by the caller) when imputing is on.
   * Returns the class index (or -1 without a label column).
   */
  decode(line: string, lineNo: number, out: Float32Array, offset: number): number {
    const fields = splitCsvLine(line, this.delimiter, this.file, lineNo);
    this.lastFields = fields;
    if (fields.length !== this.nFields) {
      throw new DataFormatError(this.file, { line: lineNo },
        `ragged row: expected ${this.nFields} fields (as on the first line) but found ${fields.length}`);
    }
    const fi = this.featureIdx;
    for (let j = 0; j < fi.length; j++) {
      const rawCell = fields[fi[j]!]!;
      const v = parseNumberCell(rawCell);
      if (!Number.isNaN(v)) {
        out[offset + j] = v;
        continue;
      }
      const cell = rawCell.trim();
      let k = this.kind(cell);
      // Finite in float64 but Infinity once stored as float32.
      if (k === 'number') k = 'nonfinite';
      if (k === 'text') {
        throw new DataFormatError(this.file, { line: lineNo, field: this.names[fi[j]!]! }, `non-numeric value ${JSON.stringify(clip(cell))}`);
      }
      if (this.opts.impute === undefined) {
        throw new DataFormatError(this.file, { line: lineNo, field: this.names[fi[j]!]! },
          k === 'missing' ? 'missing value (pass impute: "mean" | "zero" | number to fill missing values)'
            : `non-finite value ${JSON.stringify(clip(cell))} (pass impute to replace NaN/Inf)`);
      }
      out[offset + j] = NaN;
      this.missing.count++;
      this.missing.perColumn[j]!++;
      if (this.missing.first.length < MAX_FIRST) this.missing.first.push({ line: lineNo, field: this.names[fi[j]!]! });
    }
    if (this.labelIdx < 0) return -1;
    return this.label(fields[this.labelIdx]!.trim(), lineNo);
  }

  private label(cell: string, lineNo: number): number {
    const field = this.names[this.labelIdx]!;
    if (this.labelMap && this.labelsAreText !== false) {
      const k = this.labelMap.get(cell);
      if (k !== undefined) { this.labelsAreText = true; return k; }
      if (this.opts.labelNames) {
        throw new DataFormatError(this.file, { line: lineNo, field }, `label ${JSON.stringify(clip(cell))} is not one of labelNames`);
      }
    }
    if (this.labelsAreText !== true && /^[+-]?\d+$/.test(cell)) {
      const v = Number(cell);
      if (v >= 0 && v <= 0x7fffffff) { this.labelsAreText = false; return v; }
      throw new DataFormatError(this.file, { line: lineNo, field }, `class index ${cell} is out of range [0, 2^31)`);
    }
    if (this.labelsAreText === false || cell === '' || this.na.has(cell)) {
      throw new DataFormatError(this.file, { line: lineNo, field },
        cell === '' || this.na.has(cell) ? 'missing label' : `label ${JSON.stringify(clip(cell))} is not an integer class index like the labels above it`);
    }
    // Text labels in a stream: indices in order of first appearance. The in-memory
    // parser renumbers them into sorted order afterwards.
    this.labelsAreText = true;
    if (!this.labelMap) { this.labelMap = new Map(); this.labelNames = []; }
    const k = this.labelNames!.length;
    this.labelMap.set(cell, k);
    this.labelNames!.push(cell);
    return k;
  }

  /** Whether labels were class names (then `labelNames` is set). */
  get textLabels(): boolean { return this.labelsAreText === true; }
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * A CSV cell's number as every reader of aekit takes it: a decimal (spaces
 * around it allowed) whose value fits a float32, else NaN (missing, text,
 * NaN/Inf or out of range; the caller says which).
 */
export function parseNumberCell(rawCell: string): number {
  // Fast path: most cells are short plain decimals.
  const fast = parseShortDecimal(rawCell);
  if (Math.abs(fast) <= FLOAT32_MAX) return fast;
  const cell = rawCell.trim();
  const v = cell.length > 0 ? Number(cell) : NaN;
  return Number.isFinite(v) && Math.abs(v) <= FLOAT32_MAX && NUMBER_RE.test(cell) ? v : NaN;
}

/**
 * Parses `[+-]digits[.digits][e[+-]digits]` with at most 15 digits and a
 * decimal exponent within ±22, else returns NaN (the caller then takes the
 * general path). In that range `m × 10^e` and `m / 10^e` are exact operations
 * on exact operands, so the result is the correctly rounded double, identical to
 * `Number(s)` (Clinger's fast path), at a fraction of the cost; CSV streaming
 * spends most of its time here.
 */
export function parseShortDecimal(s: string): number {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  const neg = c === 45;
  if (neg || c === 43) c = s.charCodeAt(++i);
  let m = 0;
  let nd = 0;
  while (c >= 48 && c <= 57) {
    m = m * 10 + (c - 48);
    nd++;
    c = s.charCodeAt(++i);
  }
  let frac = 0;
  if (c === 46) {
    c = s.charCodeAt(++i);
    while (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      nd++;
      frac++;
      c = s.charCodeAt(++i);
    }
  }
  if (nd === 0 || nd > 15) return NaN;
  let e = 0;
  if (c === 101 || c === 69) {
    c = s.charCodeAt(++i);
    const eneg = c === 45;
    if (eneg || c === 43) c = s.charCodeAt(++i);
    let ed = 0;
    while (c >= 48 && c <= 57 && ed < 4) {
      e = e * 10 + (c - 48);
      ed++;
      c = s.charCodeAt(++i);
    }
    if (ed === 0) return NaN;
    if (eneg) e = -e;
  }
  if (i !== n) return NaN;
  const ex = e - frac;
  let v: number;
  if (ex === 0) v = m;
  else if (ex > 0 && ex <= 22) v = m * POW10[ex]!;
  else if (ex < 0 && ex >= -22) v = m / POW10[-ex]!;
  else return NaN;
  return neg ? -v : v;
}

function checkImpute(imp: ImputeStrategy, file: string): void {
  if (imp === 'mean' || imp === 'zero') return;
  const vals = typeof imp === 'number' ? [imp] : Array.isArray(imp) ? imp : [NaN];
  if (vals.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new DataFormatError(file, {}, `impute must be 'mean', 'zero', a finite number or an array of finite numbers`);
  }
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** Fills the NaN cells of `x` ([n, d]) as `impute` says. */
export function imputeInPlace(x: Float32Array, d: number, impute: ImputeStrategy, file: string): void {
  if (d === 0) return;
  const n = x.length / d;
  let fill: ArrayLike<number>;
  if (impute === 'zero') fill = new Float32Array(d);
  else if (typeof impute === 'number') fill = new Float32Array(d).fill(impute);
  else if (Array.isArray(impute)) {
    if (impute.length !== d) throw new DataFormatError(file, {}, `impute has ${impute.length} values but there are ${d} feature columns`);
    fill = impute;
  } else {
    const sum = new Float64Array(d);
    const cnt = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = x[i * d + j]!;
        if (!Number.isNaN(v)) { sum[j]! += v; cnt[j]!++; }
      }
    }
    // A column with no finite value at all has no mean; zero is the only neutral choice.
    fill = Array.from(sum, (s, j) => (cnt[j]! > 0 ? s / cnt[j]! : 0));
  }
  for (let i = 0; i < x.length; i++) if (x[i] !== x[i]) x[i] = fill[i % d]!;
}

/**
 * Splits text into lines, keeping 1-based line numbers; a trailing `\r` is
 * dropped. A line over `max` characters is an error before it is copied.
 */
function* lines(text: string, max: number, file: string): Generator<[string, number]> {
  let start = 0;
  let no = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start > max && !(end - start === max + 1 && text.charCodeAt(end - 1) === 13)) throw lineTooLongError(file, no, max);
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    yield [line, no++];
    start = end + 1;
  }
}

/**
 * Parses CSV text of numbers into a {@link CsvDataset} of shape `[rows, features]`.
 * Blank lines are skipped. A header with no rows gives a data set of 0 rows
 * (training or evaluating on it is an error: `<file>: holds no samples`).
 * @param file name used in error messages.
 * @throws {DataFormatError} for ragged rows, non-numeric cells, missing or
 *   NaN/Inf cells (unless `impute` is set), unknown columns, bad labels, lines
 *   over `maxLineLength`.
 * @throws {RangeError} for a `maxLineLength` that is not a positive integer.
 * @throws {ConfigError} for an unknown option.
 */
export function parseCsv(text: string, options?: CsvOptions, file = '<string>'): CsvDataset {
  options = optionsOf(options, 'parseCsv', CSV_OPTIONS);
  const dec = new CsvRowDecoder(file, options);
  const max = resolveMaxLineLength(options);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 byte order mark
  const data: [string, number][] = [];
  for (const [line, no] of lines(text, max, file)) if (line.trim() !== '') data.push([line, no]);
  if (data.length === 0) {
    throw new DataFormatError(file, { line: 1 }, 'no data: the file is empty');
  }
  const skip = dec.init(data[0]![0], data[0]![1], data[1]?.[0]) ? 1 : 0;
  const n = data.length - skip;
  const d = dec.numFeatures;
  const x = new Float32Array(n * d);
  const labels = dec.hasLabels ? new Int32Array(n) : undefined;
  for (let r = 0; r < n; r++) {
    const [line, no] = data[r + skip]!;
    const k = dec.decode(line, no, x, r * d);
    if (labels) labels[r] = k;
  }
  if (dec.missing.count > 0) imputeInPlace(x, d, options.impute!, file);
  let labelNames = dec.labelNames;
  if (labels && dec.textLabels && !options.labelNames && labelNames) {
    // Sorted names make the mapping independent of row order.
    const sorted = [...labelNames].sort();
    const remap = labelNames.map((nm) => sorted.indexOf(nm));
    for (let i = 0; i < n; i++) labels[i] = remap[labels[i]!]!;
    labelNames = sorted;
  }
  const out: CsvDataset = {
    x,
    shape: [n, d],
    description: `CSV ${file}: ${n} rows × ${d} features${labels ? `, labels from column ${JSON.stringify(options.labelColumn)}` : ''}` +
      (dec.missing.count > 0 ? `, ${dec.missing.count} missing/non-finite cells imputed (${typeof options.impute === 'object' ? 'per-column values' : options.impute})` : ''),
    columns: dec.columns,
    header: dec.header,
    delimiter: dec.delimiter,
    missing: dec.missing,
  };
  if (labels) out.labels = labels;
  if (labels && dec.textLabels && labelNames) out.labelNames = labelNames;
  return out;
}

/**
 * Reads and parses a CSV file; see {@link parseCsv}.
 * @throws {DataFormatError} also for a path that is missing or not a regular file (a directory, a named pipe).
 * @throws {ConfigError} for an unknown option (checked before the file is read).
 */
export async function readCsv(path: string, options?: CsvOptions): Promise<CsvDataset> {
  options = optionsOf(options, 'readCsv', CSV_OPTIONS);
  const text = await readDataFile(path, basename(path), 'utf8');
  return parseCsv(text, options, basename(path));
}
