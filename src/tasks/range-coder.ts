/**
 * An adaptive binary range coder for quantized codes (the entropy coder of
 * {@link compress}).
 *
 * Symbols of b ≤ 8 bits are coded most significant bit first down a binary
 * tree with one adaptive probability per node, and one tree per channel, so
 * every channel learns its own distribution and each bit is predicted from
 * the bits above it (an exact adaptive model of the channel's b-bit
 * histogram). The arithmetic is the carry-propagating range coder of LZMA
 * (32-bit range, 33-bit low, a cached byte and a run of 0xFF bytes waiting for
 * a carry), with 16-bit probabilities. A probability adapts with rate
 * 1/(count + 2) while its node has been seen fewer than {@link RATE_LIMIT}
 * times and 1/{@link RATE_LIMIT} after that: the early symbols of a channel
 * move the estimate as fast as a frequency count would, the later ones
 * average over a long window. Everything is integer arithmetic, so encoder
 * and decoder agree bit for bit on every platform.
 */

const PROB_BITS = 16;
const PROB_ONE = 1 << PROB_BITS;
/** Probabilities stay inside [PROB_MIN, PROB_ONE − PROB_MIN] so no bit ever costs more than ~11 bits. */
const PROB_MIN = 32;
/** The slowest adaptation rate is 1/RATE_LIMIT (a window of about this many symbols per node). */
export const RATE_LIMIT = 256;
const TOP = 2 ** 24;
const TWO_32 = 2 ** 32;

/** Per-node probabilities (of a 0 bit) and counts for `contexts` bit trees of `bits` levels. */
class Model {
  readonly p: Uint16Array;
  readonly n: Uint16Array;
  readonly nodes: number;

  constructor(contexts: number, bits: number) {
    this.nodes = 1 << bits; // node indices 1 … 2^bits − 1
    this.p = new Uint16Array(contexts * this.nodes).fill(PROB_ONE >>> 1);
    this.n = new Uint16Array(contexts * this.nodes);
  }

  update(i: number, bit: number): void {
    const count = this.n[i]!;
    const rate = count + 2 < RATE_LIMIT ? count + 2 : RATE_LIMIT;
    const p = this.p[i]!;
    let q = bit === 0 ? p + Math.floor((PROB_ONE - p) / rate) : p - Math.floor(p / rate);
    if (q < PROB_MIN) q = PROB_MIN;
    else if (q > PROB_ONE - PROB_MIN) q = PROB_ONE - PROB_MIN;
    this.p[i] = q;
    if (count < RATE_LIMIT) this.n[i] = count + 1;
  }
}

/** A growable byte buffer. */
class Bytes {
  buf = new Uint8Array(1 << 12);
  length = 0;

  push(b: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b;
  }
}

/**
 * Range-codes `symbols` (each < 2^bits), where symbol i belongs to channel
 * i mod `channels` (row-major [n, channels] codes). Returns the coded bytes.
 */
export function rangeEncode(symbols: Uint8Array, channels: number, bits: number): Uint8Array {
  checkParams(channels, bits, 'rangeEncode');
  if (symbols.length % channels !== 0) throw new RangeError(`rangeEncode: ${symbols.length} symbols are not a whole number of ${channels}-channel rows`);
  const model = new Model(channels, bits);
  const out = new Bytes();
  let low = 0; // < 2^33 between calls: a carry sits in bit 32
  let range = 0xffffffff;
  let cache = 0;
  let pending = 1; // the cached byte plus the 0xFF bytes after it that a carry would turn into 0x00
  const shiftLow = () => {
    if (low < 0xff000000 || low >= TWO_32) {
      const carry = low >= TWO_32 ? 1 : 0;
      let b = cache;
      for (; pending > 0; pending--) {
        out.push((b + carry) & 0xff);
        b = 0xff;
      }
      cache = Math.floor(low / TOP) & 0xff;
    }
    pending++;
    low = (low % TOP) * 256;
  };
  const limit = 1 << bits;
  for (let i = 0, c = 0; i < symbols.length; i++) {
    const s = symbols[i]!;
    if (s >= limit) throw new RangeError(`rangeEncode: symbol ${s} at index ${i} does not fit in ${bits} bits`);
    const base = c * model.nodes;
    let node = 1;
    for (let k = bits - 1; k >= 0; k--) {
      const bit = (s >>> k) & 1;
      const idx = base + node;
      const bound = (range >>> PROB_BITS) * model.p[idx]!;
      if (bit === 0) range = bound;
      else {
        low += bound;
        range -= bound;
      }
      model.update(idx, bit);
      while (range < TOP) {
        range = (range * 256) >>> 0;
        shiftLow();
      }
      node = (node << 1) | bit;
    }
    if (++c === channels) c = 0;
  }
  for (let k = 0; k < 5; k++) shiftLow();
  return out.buf.slice(0, out.length);
}

/**
 * Decodes `count` symbols coded by {@link rangeEncode} with the same
 * `channels` and `bits`. Reading past the end of `bytes` (a truncated or
 * damaged stream) throws a RangeError; a damaged stream can also decode to
 * wrong symbols, which the file's checksum is there to catch first.
 */
export function rangeDecode(bytes: Uint8Array, count: number, channels: number, bits: number): Uint8Array {
  checkParams(channels, bits, 'rangeDecode');
  if (!(Number.isInteger(count) && count >= 0) || count % channels !== 0) throw new RangeError(`rangeDecode: ${count} symbols are not a whole number of ${channels}-channel rows`);
  const model = new Model(channels, bits);
  const symbols = new Uint8Array(count);
  let pos = 0;
  const next = () => {
    if (pos >= bytes.length) throw new RangeError(`rangeDecode: the coded stream ends after ${bytes.length} bytes, before its ${count} symbols`);
    return bytes[pos++]!;
  };
  if (count === 0) return symbols;
  next(); // the encoder's first byte is always 0 (its initial cache)
  let code = 0;
  for (let k = 0; k < 4; k++) code = (code * 256 + next()) >>> 0;
  let range = 0xffffffff;
  const top = 1 << bits;
  for (let i = 0, c = 0; i < count; i++) {
    const base = c * model.nodes;
    let node = 1;
    while (node < top) {
      const idx = base + node;
      const bound = (range >>> PROB_BITS) * model.p[idx]!;
      let bit: number;
      if (code < bound) {
        range = bound;
        bit = 0;
      } else {
        code -= bound;
        range -= bound;
        bit = 1;
      }
      model.update(idx, bit);
      while (range < TOP) {
        range = (range * 256) >>> 0;
        code = ((code * 256) >>> 0) + next();
        code >>>= 0;
      }
      node = (node << 1) | bit;
    }
    symbols[i] = node - top;
    if (++c === channels) c = 0;
  }
  return symbols;
}

function checkParams(channels: number, bits: number, what: string): void {
  if (!(Number.isInteger(channels) && channels >= 1)) throw new RangeError(`${what}: channels must be a positive integer, got ${channels}`);
  if (!(Number.isInteger(bits) && bits >= 1 && bits <= 8)) throw new RangeError(`${what}: bits must be an integer in [1, 8], got ${bits}`);
}
