import { basename } from 'node:path';
import { DataFormatError } from './errors.js';
import { readDataFile } from './files.js';
import type { Dataset } from './types.js';

const FLOAT32_MAX = 3.4028234663852886e38;
const MAX_RANK = 32;

/**
 * Parses JSON data: either a rectangular nested array of numbers (`[[0.1, 0.2], ...]`,
 * any rank ≥ 1, first axis = samples), or an object
 * `{ "x": <nested array>, "labels"?: [ints], "labelNames"?: [strings] }`
 * (`"data"` is accepted for `"x"`).
 * @throws {DataFormatError} with `offset` for JSON syntax errors and `field`
 *   (a path such as `x[3][1]`) for ragged arrays, non-numbers or values outside float32.
 */
export function parseJsonData(text: string, file = '<string>'): Dataset {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    // V8's messages do not always give a position, so find it ourselves.
    const at = jsonErrorOffset(text);
    const offset = Buffer.byteLength(text.slice(0, Math.max(at, 0)), 'utf8');
    const msg = at >= text.length ? 'unexpected end of input'
      : `unexpected ${JSON.stringify(String.fromCodePoint(text.codePointAt(Math.max(at, 0)) ?? 0x20))}`;
    throw new DataFormatError(file, { offset }, `invalid JSON: ${msg}`);
  }
  let xs: unknown = root;
  let path = '';
  let labels: Int32Array | undefined;
  let labelNames: string[] | undefined;
  if (root !== null && typeof root === 'object' && !Array.isArray(root)) {
    const o = root as Record<string, unknown>;
    path = 'x' in o ? 'x' : 'data' in o ? 'data' : '';
    if (path === '') throw new DataFormatError(file, { field: 'x' }, 'expected an array, or an object with an "x" (or "data") array');
    xs = o[path];
    if (o.labels !== undefined) labels = parseLabels(o.labels, file);
    if (o.labelNames !== undefined) {
      if (!Array.isArray(o.labelNames) || o.labelNames.some((s) => typeof s !== 'string')) {
        throw new DataFormatError(file, { field: 'labelNames' }, 'labelNames must be an array of strings');
      }
      labelNames = o.labelNames as string[];
    }
  }
  // Each number takes at least one character and a separator.
  const { shape, data } = flattenNested(xs, file, path, Math.ceil(text.length / 2));
  if (labels && labels.length !== shape[0]) {
    throw new DataFormatError(file, { field: 'labels' }, `has ${labels.length} labels for ${shape[0]} samples`);
  }
  if (labels && labelNames) {
    const bad = labels.findIndex((k) => k >= labelNames!.length);
    if (bad >= 0) throw new DataFormatError(file, { field: `labels[${bad}]` }, `class ${labels[bad]} has no name in labelNames (${labelNames.length} names)`);
  }
  const ds: Dataset = { x: data, shape, description: `JSON ${file}: shape [${shape.join(', ')}]${labels ? ', with labels' : ''}` };
  if (labels) ds.labels = labels;
  if (labelNames) ds.labelNames = labelNames;
  return ds;
}

function parseLabels(v: unknown, file: string): Int32Array {
  if (!Array.isArray(v)) throw new DataFormatError(file, { field: 'labels' }, 'labels must be an array of integers');
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const k = v[i];
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > 0x7fffffff) {
      throw new DataFormatError(file, { field: `labels[${i}]` }, `expected a class index (integer ≥ 0), got ${short(k)}`);
    }
    out[i] = k;
  }
  return out;
}

/**
 * Shape and values of a rectangular nested array, checked leaf by leaf.
 * `maxValues` bounds how many numbers the source text can hold: the shape is
 * inferred from the first element at every depth, so a ragged array can imply
 * far more values than exist, and is then walked without allocating for them
 * until the walk finds where it is ragged.
 */
function flattenNested(v: unknown, file: string, path: string, maxValues: number): { shape: number[]; data: Float32Array } {
  // The shape is read off the first element at every depth; everything else must match it.
  const shape: number[] = [];
  let probe: unknown = v;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (shape.length > MAX_RANK) throw new DataFormatError(file, { field: path }, `nesting deeper than ${MAX_RANK}`);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  if (shape.length === 0) throw new DataFormatError(file, { field: path || '$' }, `expected an array of samples, got ${short(v)}`);
  let size = 1;
  for (const d of shape) size *= d;
  const store = size <= maxValues;
  const data = new Float32Array(store ? size : 0);
  let k = 0;
  // Indices of the current position; the path string is only built for an error.
  const idx: number[] = [];
  const at = (): string => path + idx.map((i) => `[${i}]`).join('');
  const walk = (a: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof a !== 'number') throw new DataFormatError(file, { field: at() }, `expected a number, got ${short(a)}`);
      if (!(Math.abs(a) <= FLOAT32_MAX)) throw new DataFormatError(file, { field: at() }, `value ${a} is outside the float32 range`);
      if (store) data[k] = a;
      k++;
      return;
    }
    if (!Array.isArray(a)) {
      throw new DataFormatError(file, { field: at() || '$' }, `ragged array: expected an array of length ${shape[depth]} (shape [${shape.join(', ')}]), got ${short(a)}`);
    }
    if (a.length !== shape[depth]) {
      throw new DataFormatError(file, { field: at() || '$' }, `ragged array: length ${a.length}, expected ${shape[depth]} (shape [${shape.join(', ')}])`);
    }
    if (depth === shape.length - 1) {
      for (let i = 0; i < a.length; i++) {
        const x = a[i];
        if (typeof x === 'number' && Math.abs(x) <= FLOAT32_MAX) {
          if (store) data[k] = x;
          k++;
        } else { idx.push(i); walk(x, depth + 1); }
      }
      return;
    }
    for (let i = 0; i < a.length; i++) {
      idx.push(i);
      walk(a[i], depth + 1);
      idx.pop();
    }
  };
  walk(v, 0);
  // A complete walk found shape-many numbers, which the text must hold; this guards the bound above.
  if (!store) throw new Error(`internal: ${size} values walked but the text holds at most ${maxValues}`);
  return { shape, data };
}

function short(v: unknown): string {
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/**
 * Reads and parses a JSON data file; see {@link parseJsonData}.
 * @throws {DataFormatError} also for a path that is missing or not a regular file (a directory, a named pipe).
 */
export async function readJsonData(path: string): Promise<Dataset> {
  return parseJsonData(await readDataFile(path, basename(path), 'utf8'), basename(path));
}

const NUM_RE = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const LIT_RE = /true|false|null/y;

/**
 * Index of the first syntax error in `s` (RFC 8259), or -1 if it is valid.
 * Iterative, so deeply nested input cannot overflow the stack.
 */
export function jsonErrorOffset(s: string): number {
  let i = 0;
  const stack: number[] = []; // 0x5b '[' or 0x7b '{'
  let state: 'value' | 'firstValue' | 'key' | 'firstKey' | 'after' = 'value';
  const ws = (): void => {
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else return;
    }
  };
  const str = (): boolean => {
    i++;
    for (;;) {
      if (i >= s.length) return false;
      const c = s.charCodeAt(i);
      if (c === 34) { i++; return true; }
      if (c < 0x20) return false;
      if (c === 92) {
        const e = s[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) { i++; return false; }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else { i++; return false; }
      } else i++;
    }
  };
  for (;;) {
    ws();
    if (i >= s.length) return state === 'after' && stack.length === 0 ? -1 : i;
    const c = s.charCodeAt(i);
    if (state === 'value' || state === 'firstValue') {
      if (c === 0x5d && state === 'firstValue') { i++; stack.pop(); state = 'after'; continue; }
      if (c === 0x5b || c === 0x7b) { stack.push(c); i++; state = c === 0x5b ? 'firstValue' : 'firstKey'; continue; }
      if (c === 34) { if (!str()) return i; state = 'after'; continue; }
      NUM_RE.lastIndex = i;
      LIT_RE.lastIndex = i;
      if (NUM_RE.test(s)) i = NUM_RE.lastIndex;
      else if (LIT_RE.test(s)) i = LIT_RE.lastIndex;
      else return i;
      state = 'after';
    } else if (state === 'key' || state === 'firstKey') {
      if (c === 0x7d && state === 'firstKey') { i++; stack.pop(); state = 'after'; continue; }
      if (c !== 34 || !str()) return i;
      ws();
      if (s.charCodeAt(i) !== 0x3a) return i;
      i++;
      state = 'value';
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) return i;
      if (c === 0x2c) { i++; state = top === 0x5b ? 'value' : 'key'; continue; }
      if ((c === 0x5d && top === 0x5b) || (c === 0x7d && top === 0x7b)) { i++; stack.pop(); continue; }
      return i;
    }
  }
}
