/**
 * Reconstruction quality over a whole set, shared by the CLI, the tasks and
 * the benchmarks.
 */

/** Reconstruction metrics over a whole set, per value (pixel). */
export interface ReconstructionMetrics {
  /** Mean over all values of (x − x̂)². */
  mse: number;
  /** Mean over all values of −[x·ln p + (1−x)·ln(1−p)], p = x̂ clipped to [1e-7, 1 − 1e-7] (as Keras does); meaningful for x in [0, 1]. */
  bce: number;
  /** 10·log10(1 / mse): peak signal 1 (data in [0, 1]), from the pooled MSE. */
  psnr: number;
}

const EPS = 1e-7;

/** Per-value MSE, BCE and PSNR of reconstructions `rec` against `x` (same length), accumulated in float64. */
export function reconstructionMetrics(x: Float32Array, rec: Float32Array): ReconstructionMetrics {
  if (x.length !== rec.length) throw new Error(`reconstructionMetrics: ${rec.length} reconstructed values for ${x.length} inputs`);
  const meter = new ReconstructionMeter();
  meter.add(x, rec);
  return meter.result();
}

/**
 * {@link reconstructionMetrics} batch by batch: `add` each batch's inputs and
 * reconstructions in order, then `result`. The sums run in the same order as
 * over the whole set, so the numbers are the same to the last bit, without
 * the set's reconstructions ever held at once.
 */
export class ReconstructionMeter {
  private se = 0;
  private ce = 0;
  private n = 0;

  add(x: Float32Array, rec: Float32Array): void {
    if (x.length !== rec.length) throw new Error(`ReconstructionMeter.add: ${rec.length} reconstructed values for ${x.length} inputs`);
    let se = this.se;
    let ce = this.ce;
    for (let i = 0; i < x.length; i++) {
      const t = x[i]!;
      const r = rec[i]!;
      se += (t - r) * (t - r);
      const p = Math.min(1 - EPS, Math.max(EPS, r));
      // A term whose weight is 0 adds exactly ±0 (log p and log(1 − p) are finite), so its
      // logarithm is skipped: the same sum, and half the logarithms on mostly-black images.
      ce -= (t === 0 ? 0 : t * Math.log(p)) + (t === 1 ? 0 : (1 - t) * Math.log(1 - p));
    }
    this.se = se;
    this.ce = ce;
    this.n += x.length;
  }

  result(): ReconstructionMetrics {
    const mse = this.se / this.n;
    return { mse, bce: this.ce / this.n, psnr: 10 * Math.log10(1 / mse) };
  }
}
