/**
 * Random small affine distortions of images (shifts and rotations), the data
 * augmentation that deep clustering with augmentation (DEC-DA, Guo et al.,
 * ACML 2018) trains its autoencoder and its clustering refinement with: the
 * codes learn to ignore where and at what slant a digit is drawn.
 */
import { Rng } from '../data/random.js';

/** Options of {@link randomAffine}. */
export interface RandomAffineOptions {
  /** Image height and width in pixels (single channel, row-major). */
  height: number;
  width: number;
  /** Largest shift along each axis, as a fraction of the size. Default 0.1 (Keras' width_shift_range/height_shift_range in DEC-DA). */
  shift?: number;
  /** Largest rotation in degrees, either way. Default 10. */
  rotation?: number;
  /** Seeds the draws. Default 0. */
  seed?: number;
}

/**
 * Applies an independent random rotation (uniform in ±`rotation` degrees,
 * about the image centre) and shift (uniform in ±`shift`·size pixels per axis)
 * to each image of `x` (n images of height × width, row-major), sampling the
 * source bilinearly; pixels that come from outside the image are 0.
 * Returns a new array; deterministic for a given seed.
 */
export function randomAffine(x: Float32Array, options: RandomAffineOptions): Float32Array {
  const { height: h, width: w } = options;
  if (!(Number.isInteger(h) && h >= 1 && Number.isInteger(w) && w >= 1)) throw new Error(`randomAffine: height and width must be positive integers, got ${h} and ${w}`);
  const size = h * w;
  if (x.length % size !== 0) throw new Error(`randomAffine: ${x.length} values are not a whole number of ${h}×${w} images`);
  const shift = options.shift ?? 0.1;
  const rotation = options.rotation ?? 10;
  if (!(shift >= 0 && shift < 1)) throw new Error(`randomAffine: shift must be in [0, 1), got ${shift}`);
  if (!(rotation >= 0 && rotation <= 180)) throw new Error(`randomAffine: rotation must be in [0, 180] degrees, got ${rotation}`);
  const rng = new Rng(options.seed ?? 0);
  const out = new Float32Array(x.length);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  for (let img = 0; img < x.length / size; img++) {
    const angle = ((rng.float() * 2 - 1) * rotation * Math.PI) / 180;
    const ty = (rng.float() * 2 - 1) * shift * h;
    const tx = (rng.float() * 2 - 1) * shift * w;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const base = img * size;
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        // Inverse map: where in the source the output pixel (r, c) comes from.
        const dy = r - cy - ty;
        const dx = c - cx - tx;
        const sy = cos * dy - sin * dx + cy;
        const sx = sin * dy + cos * dx + cx;
        const y0 = Math.floor(sy);
        const x0 = Math.floor(sx);
        const fy = sy - y0;
        const fx = sx - x0;
        const inY0 = y0 >= 0 && y0 < h;
        const inY1 = y0 + 1 >= 0 && y0 + 1 < h;
        const inX0 = x0 >= 0 && x0 < w;
        const inX1 = x0 + 1 >= 0 && x0 + 1 < w;
        let v = 0;
        if (inY0 && inX0) v += (1 - fy) * (1 - fx) * x[base + y0 * w + x0]!;
        if (inY0 && inX1) v += (1 - fy) * fx * x[base + y0 * w + x0 + 1]!;
        if (inY1 && inX0) v += fy * (1 - fx) * x[base + (y0 + 1) * w + x0]!;
        if (inY1 && inX1) v += fy * fx * x[base + (y0 + 1) * w + x0 + 1]!;
        out[base + r * w + c] = v;
      }
    }
  }
  return out;
}
