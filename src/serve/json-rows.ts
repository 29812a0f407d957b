/**
 * The common JSON bodies of `aekit serve`, `{"row": [numbers]}` and
 * `{"rows": [[numbers], ...]}`, read straight from the body's bytes into
 * float32 rows. Decoding a body into a string and JSON.parse were the
 * server's largest costs after the model: the parse builds an array of boxed
 * numbers per row only for the server to copy them out again, and the
 * string of a 64-row MNIST body (270 kB) is fresh memory the size of the
 * body, slow to touch on a virtual machine.
 *
 * The result is the same to the bit as JSON.parse followed by a float32
 * store (the reference: {@link rowsFromJson}). A number with at most 15
 * significant digits and a small exponent is converted exactly (every step is
 * one correctly rounded double operation). A longer one, such as the 17
 * digits JSON.stringify writes for a float32 value, is approximated to within
 * 2⁻⁴⁹ of its value, and that is enough when the whole interval rounds to one
 * float32; when it does not (a value within a hair of a float32 rounding
 * boundary), the number's text goes through Number(), as JSON.parse would.
 *
 * Anything else (another field, a string or null among the numbers, a row of
 * another width, a value float32 cannot hold, malformed JSON) returns
 * undefined, and the caller takes the general path, which names what is
 * wrong.
 */
import { type RowSpec, type Rows } from './bodies.js';

/** 10^0 … 10^22: every one is a double exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** 10^0 … 10^-22, each the double nearest (within 2⁻⁵³ of itself). */
const NEG_POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e-${i}`));
/** Relative half-width of the interval around an approximated number (its error is below 6·2⁻⁵³). */
const APPROX = 2 ** -49;

const SPACE = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d;
const QUOTE = 0x22, COMMA = 0x2c, MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e, ZERO = 0x30, NINE = 0x39, COLON = 0x3a;
const OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d, OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, LOWER_E = 0x65, UPPER_E = 0x45;

/** The index of the first byte at or after `i` that is not JSON whitespace. */
function skipSpace(b: Uint8Array, i: number): number {
  while (i < b.length) {
    const c = b[i]!;
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    i++;
  }
  return i;
}

/** After optional whitespace, the index past byte `c`; -1 when the next one is something else. */
function take(b: Uint8Array, i: number, c: number): number {
  i = skipSpace(b, i);
  return b[i]! === c ? i + 1 : -1;
}

/**
 * The JSON number at `start` (JSON.parse's grammar), rounded to float32 and
 * stored in x[at]; returns the index past it, or -1 when there is no number
 * there or float32 cannot hold it (the general path says which).
 */
function readNumber(b: Uint8Array, start: number, x: Float32Array, at: number): number {
  let i = start;
  const negative = b[i]! === MINUS;
  if (negative) i++;
  // Significant digits: the first 15 in `high` (exact in a double), up to 4 more in `low`, the rest only
  // noted (they move the value by under 10⁻¹⁸ of itself, inside the approximation's interval). The value
  // is (high · 10^lowDigits + low) · 10^scale.
  let high = 0, low = 0, lowDigits = 0, significant = 0, scale = 0, dropped = false;
  let c = b[i]!;
  if (c === ZERO) c = b[++i]!;
  else if (c > ZERO && c <= NINE) {
    do {
      if (significant < 15) high = high * 10 + (c - ZERO);
      else if (significant < 19) {
        low = low * 10 + (c - ZERO);
        lowDigits++;
      } else {
        scale++;
        if (c !== ZERO) dropped = true;
      }
      significant++;
      c = b[++i]!;
    } while (c >= ZERO && c <= NINE);
  } else return -1;
  if (c === DOT) {
    c = b[++i]!;
    if (!(c >= ZERO && c <= NINE)) return -1;
    if (significant === 0) {
      // The zeros of 0.000123 only move the point.
      while (c === ZERO) {
        scale--;
        c = b[++i]!;
      }
    }
    while (c >= ZERO && c <= NINE && significant < 15) {
      high = high * 10 + (c - ZERO);
      scale--;
      significant++;
      c = b[++i]!;
    }
    while (c >= ZERO && c <= NINE && significant < 19) {
      low = low * 10 + (c - ZERO);
      lowDigits++;
      scale--;
      significant++;
      c = b[++i]!;
    }
    while (c >= ZERO && c <= NINE) {
      if (c !== ZERO) dropped = true;
      c = b[++i]!;
    }
  }
  if (c === LOWER_E || c === UPPER_E) {
    c = b[++i]!;
    let exponentNegative = false;
    if (c === MINUS || c === PLUS) {
      exponentNegative = c === MINUS;
      c = b[++i]!;
    }
    if (!(c >= ZERO && c <= NINE)) return -1;
    let e = 0;
    do {
      if (e < 1e6) e = e * 10 + (c - ZERO);
      c = b[++i]!;
    } while (c >= ZERO && c <= NINE);
    scale += exponentNegative ? -e : e;
  }
  let f: number;
  if (significant === 0) f = 0;
  else if (lowDigits === 0 && !dropped && scale >= -22 && scale <= 22) {
    // Exact: an integer below 10¹⁵ times or divided by an exact power of ten, one rounding (Clinger's fast path).
    f = Math.fround(scale >= 0 ? high * POW10[scale]! : high / POW10[-scale]!);
  } else {
    f = NaN;
    if (scale >= -22 && scale <= 22) {
      let v = high * POW10[lowDigits]! + low;
      // A product, not a quotient: one more rounding (the power's) is well inside the interval, and faster.
      v *= scale >= 0 ? POW10[scale]! : NEG_POW10[-scale]!;
      const lower = Math.fround(v * (1 - APPROX));
      if (lower === Math.fround(v * (1 + APPROX))) f = lower;
    }
    // Near a float32 rounding boundary, or an exponent beyond the exact powers: the number's own text.
    if (f !== f) {
      let text = '';
      for (let j = negative ? start + 1 : start; j < i; j++) text += String.fromCharCode(b[j]!);
      f = Math.fround(Number(text));
    }
  }
  if (f - f !== 0) return -1;
  x[at] = negative ? -f : f;
  return i;
}

/** The row `[width numbers]` at `i` into x from `offset`; the index past it, or -1. */
function readRow(b: Uint8Array, i: number, x: Float32Array, offset: number, width: number): number {
  i = take(b, i, OPEN_BRACKET);
  if (i < 0) return -1;
  for (let j = 0; ; j++) {
    if (b[i]! <= SPACE) i = skipSpace(b, i);
    i = readNumber(b, i, x, offset + j);
    if (i < 0) return -1;
    if (b[i]! <= SPACE) i = skipSpace(b, i);
    const c = b[i]!;
    if (j === width - 1) return c === CLOSE_BRACKET ? i + 1 : -1;
    if (c !== COMMA) return -1;
    i++;
  }
}

/** After `{`, the index past `"row"` or `"rows"` and which; plain ASCII keys only. */
function readKey(b: Uint8Array, i: number): { key: 'row' | 'rows'; at: number } | undefined {
  i = take(b, i, QUOTE);
  // r o w, then " or s".
  if (i < 0 || b[i]! !== 0x72 || b[i + 1]! !== 0x6f || b[i + 2]! !== 0x77) return undefined;
  if (b[i + 3]! === QUOTE) return { key: 'row', at: i + 4 };
  if (b[i + 3]! === 0x73 && b[i + 4]! === QUOTE) return { key: 'rows', at: i + 5 };
  return undefined;
}

/**
 * Rows of a JSON body `{"row": [...]}` or `{"rows": [[...], ...]}` read from
 * its bytes, equal to the bit to {@link rowsFromJson} of its JSON.parse;
 * undefined for any body that is not one of these two forms with rows of
 * `spec.width` finite float32 values (the caller parses it in full, and
 * refuses it with a reason or reads a form this reader does not know), and
 * with `forms: 'rows'` for a `{"row": ...}` body too.
 */
export function rowsFromJsonBytes(b: Uint8Array, spec: RowSpec, forms: 'both' | 'rows' = 'both'): Rows | undefined {
  const { width } = spec;
  let i = take(b, 0, OPEN_BRACE);
  const found = i < 0 ? undefined : readKey(b, i);
  if (!found || (forms === 'rows' && found.key === 'row')) return undefined;
  i = take(b, found.at, COLON);
  if (i < 0) return undefined;
  let x: Float32Array;
  let n = 0;
  if (found.key === 'row') {
    x = new Float32Array(width);
    i = readRow(b, i, x, 0, width);
    n = 1;
  } else {
    i = take(b, i, OPEN_BRACKET);
    if (i < 0) return undefined;
    // Rows are counted before they are read, so the array is allocated once at its size: every closing
    // bracket but the last ends a row (a body with more, or fewer, is not one of the forms read here).
    let most = -1;
    for (let at = b.indexOf(CLOSE_BRACKET, i); at >= 0; at = b.indexOf(CLOSE_BRACKET, at + 1)) most++;
    if (most < 1) return undefined;
    x = new Float32Array(most * width);
    while (i >= 0) {
      if (n === most) return undefined;
      i = readRow(b, i, x, n * width, width);
      if (i < 0) return undefined;
      n++;
      const next = take(b, i, COMMA);
      if (next < 0) break;
      i = next;
    }
    if (n !== most) return undefined;
    i = take(b, i, CLOSE_BRACKET);
  }
  if (i >= 0) i = take(b, i, CLOSE_BRACE);
  if (i < 0 || skipSpace(b, i) !== b.length) return undefined;
  return { x, n, single: found.key === 'row' };
}
