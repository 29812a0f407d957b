/**
 * Whole clips through a model of fixed-length segments: each clip is scaled
 * to a set RMS, padded by half a segment at both ends and cut into segments
 * that overlap by half; the model's output segments are cross-faded back
 * with sin² weights (which sum to one where two overlap) and the gain is
 * undone. `ComplexMaskDenoiser.denoise` and the dashboard's Try it (which
 * runs the exported model in the browser) share this, so the page hears what
 * `aekit denoise` writes. No Node imports: the page bundles this module.
 */

/** Clips cut into segments: the model's input, and what {@link joinSegments} needs to undo the cut. */
export interface ClipSegments {
  /** Segments [count, segment], row-major. */
  x: Float32Array;
  /** Segments per clip. */
  counts: number[];
  /** The gain each clip was multiplied by. */
  gains: number[];
  lengths: number[];
  segment: number;
}

/** Root mean square of `x` (0 for an empty array). */
export function rmsOf(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, x.length));
}

/**
 * Cuts `clips` into half-overlapping segments of `segment` samples (an even
 * number), each clip first scaled to RMS `rms` (a silent clip stays silent).
 */
export function cutSegments(clips: readonly Float32Array[], segment: number, rms: number): ClipSegments {
  const half = segment / 2;
  if (!Number.isInteger(half) || half < 1) throw new Error(`cutSegments: the segment must have an even length, got ${segment}`);
  const counts = clips.map((c) => Math.max(1, Math.ceil(c.length / half)) + 1);
  const gains = clips.map((c) => rms / (rmsOf(c) || 1));
  const x = new Float32Array(counts.reduce((a, b) => a + b, 0) * segment);
  let w = 0;
  clips.forEach((c, i) => {
    for (let j = 0; j < counts[i]!; j++, w++) {
      for (let n = 0; n < segment; n++) {
        const t = j * half + n - half;
        if (t >= 0 && t < c.length) x[w * segment + n] = gains[i]! * c[t]!;
      }
    }
  });
  return { x, counts, gains, lengths: clips.map((c) => c.length), segment };
}

/** The model's output segments `y` (same layout as `cut.x`) cross-faded back into clips at their own level. */
export function joinSegments(y: ArrayLike<number>, cut: ClipSegments): Float32Array[] {
  const { counts, gains, lengths, segment } = cut;
  const half = segment / 2;
  const fade = Float64Array.from({ length: segment }, (_, n) => Math.sin((Math.PI * n) / segment) ** 2);
  let w = 0;
  return lengths.map((len, i) => {
    const acc = new Float64Array(len);
    const norm = new Float64Array(len);
    for (let j = 0; j < counts[i]!; j++, w++) {
      for (let n = 0; n < segment; n++) {
        const t = j * half + n - half;
        if (t < 0 || t >= len) continue;
        acc[t] += fade[n]! * y[w * segment + n]!;
        norm[t] += fade[n]!;
      }
    }
    return Float32Array.from(acc, (v, t) => (norm[t]! > 1e-9 ? v / norm[t]! : 0) / gains[i]!);
  });
}
