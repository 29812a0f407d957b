/**
 * Full-reference image quality: MSE, PSNR and SSIM of a batch of images
 * against their clean originals, for the denoising task and its benchmark.
 *
 * Pixels are taken to lie in [0, 1] (the peak value L is 1). Sums are kept in
 * float64 so that a 10,000-image set loses nothing to float32 rounding.
 */

/**
 * SSIM's constants, as in Wang, Bovik, Sheikh & Simoncelli, "Image quality
 * assessment: from error visibility to structural similarity" (IEEE TIP 2004)
 * and their reference MATLAB code `ssim_index.m`: an 11×11 Gaussian window
 * with σ = 1.5 (normalized to sum 1), K1 = 0.01, K2 = 0.03, dynamic range
 * L = 1 for images in [0, 1]; C1 = (K1·L)², C2 = (K2·L)².
 */
export const SSIM_DEFAULTS = { windowSize: 11, sigma: 1.5, k1: 0.01, k2: 0.03, dynamicRange: 1 } as const;

/** Options of {@link ssim}; every field defaults to {@link SSIM_DEFAULTS}. */
export interface SsimOptions {
  /** Side of the square Gaussian window (odd). Default 11. */
  windowSize?: number;
  /** Standard deviation of the window, pixels. Default 1.5. */
  sigma?: number;
  k1?: number;
  k2?: number;
  /** Dynamic range L of the pixel values. Default 1 (images in [0, 1]). */
  dynamicRange?: number;
}

/** Image quality of a set of images against their references (pixels in [0, 1]). */
export interface ImageQuality {
  /** Mean over every pixel of every image of (x − y)². */
  mse: number;
  /** 10·log10(1 / mse) from the pooled MSE (the peak is 1), as `reconstructionMetrics` reports it. */
  psnr: number;
  /** Mean over images of each image's mean SSIM ({@link ssim}). */
  ssim: number;
}

/** An image batch as the metrics read it: `n` gray images of `height`×`width` stored one after the other. */
export interface ImageSet {
  x: Float32Array;
  /** [n, H, W], [n, 1, H, W] or [n, H·W] with a square H·W (MNIST's flat [n, 784]). */
  shape: readonly number[];
}

/** [n, h, w] of a gray image batch shape, or an error naming `what` and the shapes accepted. */
export function grayImageDims(shape: readonly number[], length: number, what: string): [number, number, number] {
  if (!Array.isArray(shape) || shape.some((d) => !(Number.isInteger(d) && d >= 1))) {
    throw new Error(`${what}: shape must hold positive integers, got ${JSON.stringify(shape)}`);
  }
  let dims: [number, number, number];
  if (shape.length === 2) {
    const side = Math.round(Math.sqrt(shape[1]!));
    if (side * side !== shape[1]) throw new Error(`${what}: flat images of ${shape[1]} values are not square; give the shape as [n, H, W] or [n, 1, H, W]`);
    dims = [shape[0]!, side, side];
  } else if (shape.length === 3) {
    dims = [shape[0]!, shape[1]!, shape[2]!];
  } else if (shape.length === 4 && shape[1] === 1) {
    dims = [shape[0]!, shape[2]!, shape[3]!];
  } else {
    throw new Error(`${what}: expected gray images of shape [n, H, W], [n, 1, H, W] or [n, H·W], got [${shape}]`);
  }
  if (length !== dims[0] * dims[1] * dims[2]) throw new Error(`${what}: shape [${shape}] needs ${dims[0] * dims[1] * dims[2]} values, got ${length}`);
  return dims;
}

/** The normalized 1-D Gaussian taps; the 2-D window is their outer product (the Gaussian is separable). */
export function gaussianTaps(size: number, sigma: number): Float64Array {
  if (!(Number.isInteger(size) && size >= 1 && size % 2 === 1)) throw new Error(`gaussianTaps: size must be an odd positive integer, got ${size}`);
  if (!(sigma > 0 && Number.isFinite(sigma))) throw new Error(`gaussianTaps: sigma must be a positive number, got ${sigma}`);
  const taps = new Float64Array(size);
  const r = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) s += taps[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < size; i++) taps[i]! /= s;
  return taps;
}

/** Separable 'valid' filtering of an h×w float64 image by `taps` in both directions: (h−s+1)×(w−s+1). */
function filterValid(img: Float64Array, h: number, w: number, taps: Float64Array, tmp: Float64Array, out: Float64Array): void {
  const s = taps.length;
  const oh = h - s + 1;
  const ow = w - s + 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let acc = 0;
      for (let k = 0; k < s; k++) acc += taps[k]! * img[y * w + x + k]!;
      tmp[y * ow + x] = acc;
    }
  }
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let acc = 0;
      for (let k = 0; k < s; k++) acc += taps[k]! * tmp[(y + k) * ow + x]!;
      out[y * ow + x] = acc;
    }
  }
}

function resolveSsim(options: SsimOptions): Required<SsimOptions> {
  const o = { ...SSIM_DEFAULTS, ...options };
  for (const key of ['sigma', 'k1', 'k2', 'dynamicRange'] as const) {
    if (!(typeof o[key] === 'number' && o[key] > 0 && Number.isFinite(o[key]))) throw new Error(`ssim: options.${key} must be a positive number, got ${String(o[key])}`);
  }
  if (!(Number.isInteger(o.windowSize) && o.windowSize >= 1 && o.windowSize % 2 === 1)) throw new Error(`ssim: options.windowSize must be an odd positive integer, got ${String(o.windowSize)}`);
  return o;
}

/**
 * Structural similarity of each image of `x` to the same image of `reference`
 * (Wang et al. 2004). With Gaussian-weighted local means μ, variances σ² and
 * covariance σ_xy over the window,
 *
 *   SSIM(p) = (2 μ_x μ_y + C1)(2 σ_xy + C2) / ((μ_x² + μ_y² + C1)(σ_x² + σ_y² + C2)),
 *
 * computed at every position where the whole window fits inside the image
 * ('valid', as the reference code does: 18×18 positions on a 28×28 image),
 * and averaged over those positions. Returns one mean SSIM per image; 1 means
 * identical. Constants: {@link SSIM_DEFAULTS}.
 */
export function ssimPerImage(x: ImageSet, reference: ImageSet, options: SsimOptions = {}): Float64Array {
  const [n, h, w] = grayImageDims(x.shape, x.x.length, 'ssim: x');
  const [nr, hr, wr] = grayImageDims(reference.shape, reference.x.length, 'ssim: reference');
  if (n !== nr || h !== hr || w !== wr) throw new Error(`ssim: x holds ${n} images of ${h}×${w}, the reference ${nr} of ${hr}×${wr}`);
  const o = resolveSsim(options);
  const s = o.windowSize;
  if (h < s || w < s) throw new Error(`ssim: images of ${h}×${w} are smaller than the ${s}×${s} window`);
  const taps = gaussianTaps(s, o.sigma);
  const c1 = (o.k1 * o.dynamicRange) ** 2;
  const c2 = (o.k2 * o.dynamicRange) ** 2;
  const size = h * w;
  const oh = h - s + 1;
  const ow = w - s + 1;
  const a = new Float64Array(size);
  const b = new Float64Array(size);
  const aa = new Float64Array(size);
  const bb = new Float64Array(size);
  const ab = new Float64Array(size);
  const tmp = new Float64Array(h * ow);
  const [ma, mb, maa, mbb, mab] = Array.from({ length: 5 }, () => new Float64Array(oh * ow));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < size; p++) {
      const u = x.x[i * size + p]!;
      const v = reference.x[i * size + p]!;
      a[p] = u;
      b[p] = v;
      aa[p] = u * u;
      bb[p] = v * v;
      ab[p] = u * v;
    }
    filterValid(a, h, w, taps, tmp, ma!);
    filterValid(b, h, w, taps, tmp, mb!);
    filterValid(aa, h, w, taps, tmp, maa!);
    filterValid(bb, h, w, taps, tmp, mbb!);
    filterValid(ab, h, w, taps, tmp, mab!);
    let sum = 0;
    for (let p = 0; p < oh * ow; p++) {
      const mu1 = ma![p]!;
      const mu2 = mb![p]!;
      const v1 = maa![p]! - mu1 * mu1;
      const v2 = mbb![p]! - mu2 * mu2;
      const cov = mab![p]! - mu1 * mu2;
      sum += ((2 * mu1 * mu2 + c1) * (2 * cov + c2)) / ((mu1 * mu1 + mu2 * mu2 + c1) * (v1 + v2 + c2));
    }
    out[i] = sum / (oh * ow);
  }
  return out;
}

/** Mean SSIM over the images of a set ({@link ssimPerImage}). */
export function ssim(x: ImageSet, reference: ImageSet, options: SsimOptions = {}): number {
  const per = ssimPerImage(x, reference, options);
  let s = 0;
  for (const v of per) s += v;
  return s / per.length;
}

/** PSNR in dB of a mean squared error for pixels in [0, 1]: 10·log10(1 / mse) (Infinity for mse 0). */
export function psnrOf(mse: number): number {
  return 10 * Math.log10(1 / mse);
}

/** Mean over all values of (x − y)², in float64. */
export function meanSquaredError(x: Float32Array, y: Float32Array): number {
  if (x.length !== y.length) throw new Error(`meanSquaredError: ${x.length} values against ${y.length}`);
  if (x.length === 0) throw new Error('meanSquaredError: no values');
  let se = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - y[i]!;
    se += d * d;
  }
  return se / x.length;
}

/** MSE, PSNR and mean SSIM of `x` against `reference` (same shape, gray images in [0, 1]). */
export function imageQuality(x: ImageSet, reference: ImageSet, options: SsimOptions = {}): ImageQuality {
  // SSIM first: it checks both shapes, so a mismatch is reported as one.
  const structural = ssim(x, reference, options);
  const mse = meanSquaredError(x.x, reference.x);
  return { mse, psnr: psnrOf(mse), ssim: structural };
}
