/**
 * Per-channel uniform scalar quantization of codes, shared by the compressed
 * file format and the benchmarks that put other codes (PCA) through the same
 * quantizer.
 */

/** Quantized codes: one b-bit integer per value and one offset and step per channel. */
export interface QuantizedCodes {
  /** Bits per value, 1 … 8. */
  bits: number;
  /** Values per sample (the product of the code shape). */
  channels: number;
  /** q[i] ∈ [0, 2^bits − 1], row-major [n, channels]. */
  q: Uint8Array;
  /** Per channel: the smallest value, float32. */
  offset: Float32Array;
  /** Per channel: the step between levels, float32 (0 when the channel is constant). */
  scale: Float32Array;
}

/**
 * Quantizes row-major codes [n, channels] to `bits` bits per value. Channel c
 * maps its range [lo_c, hi_c] over the n samples onto the levels
 * lo_c + k·s_c, k = 0 … 2^bits − 1, with s_c = (hi_c − lo_c) / (2^bits − 1),
 * and each value goes to the nearest level. Offsets and steps are rounded to
 * float32 before use, so what a file stores is exactly what quantized the data.
 * @throws {RangeError} on a non-finite value (naming its sample and channel) or bad arguments.
 */
export function quantizeCodes(codes: Float32Array, channels: number, bits: number): QuantizedCodes {
  if (!(Number.isInteger(bits) && bits >= 1 && bits <= 8)) throw new RangeError(`quantizeCodes: bits must be an integer in [1, 8], got ${bits}`);
  if (!(Number.isInteger(channels) && channels >= 1)) throw new RangeError(`quantizeCodes: channels must be a positive integer, got ${channels}`);
  const n = codes.length / channels;
  if (!Number.isInteger(n)) throw new RangeError(`quantizeCodes: ${codes.length} values are not a whole number of ${channels}-channel codes`);
  const lo = new Float32Array(channels).fill(Infinity);
  const hi = new Float32Array(channels).fill(-Infinity);
  for (let i = 0, c = 0; i < codes.length; i++) {
    const v = codes[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`quantizeCodes: sample ${Math.floor(i / channels)} has ${v} in channel ${c}`);
    if (v < lo[c]!) lo[c] = v;
    if (v > hi[c]!) hi[c] = v;
    if (++c === channels) c = 0;
  }
  const levels = (1 << bits) - 1;
  const scale = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    if (n === 0) lo[c] = 0;
    else scale[c] = (hi[c]! - lo[c]!) / levels;
  }
  const q = new Uint8Array(codes.length);
  for (let i = 0, c = 0; i < codes.length; i++) {
    const s = scale[c]!;
    if (s > 0) {
      const k = Math.round((codes[i]! - lo[c]!) / s);
      q[i] = k < 0 ? 0 : k > levels ? levels : k;
    }
    if (++c === channels) c = 0;
  }
  return { bits, channels, q, offset: lo, scale };
}

/** The codes the quantized values stand for: offset_c + q · scale_c, in float32. */
export function dequantizeCodes(quantized: Pick<QuantizedCodes, 'q' | 'offset' | 'scale'>): Float32Array {
  const { q, offset, scale } = quantized;
  const channels = offset.length;
  const out = new Float32Array(q.length);
  for (let i = 0, c = 0; i < q.length; i++) {
    out[i] = offset[c]! + q[i]! * scale[c]!;
    if (++c === channels) c = 0;
  }
  return out;
}
