/**
 * Denoising with a trained autoencoder: noisy images in, clean estimates out,
 * and a {@link DenoisingReport} of how much closer to the clean images they
 * came (MSE, PSNR, SSIM from src/eval/image-quality.ts). The classical
 * denoisers a user would otherwise reach for (a 3×3 median filter, a Gaussian
 * blur, a PCA projection) are here too, so a benchmark can put them in the
 * same table.
 */
import { Rng } from '../data/random.js';
import { type ImageQuality, type ImageSet, type SsimOptions, gaussianTaps, grayImageDims, imageQuality, meanSquaredError, psnrOf } from '../eval/image-quality.js';
import { type AutoencoderModel } from '../models/base.js';
import { PCA } from '../models/pca.js';

export * from '../eval/image-quality.js';

/** Options of {@link denoise}. */
export interface DenoiseOptions {
  /** Images per model run. Default 1024. */
  batchSize?: number;
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * The model's estimate of the clean images behind noisy `x` (n images stored
 * one after the other, each as the model's input shape or any shape with as
 * many values, e.g. flat MNIST for a [1, 28, 28] conv model): an
 * autoencoder's reconstruction a(g(f(x))) with no corruption added, or a
 * {@link PCA}'s projection onto its components. Returns the n estimates in
 * the same layout.
 */
export async function denoise(model: AutoencoderModel | PCA, x: Float32Array | ImageSet, options: DenoiseOptions = {}): Promise<Float32Array> {
  const data = x instanceof Float32Array ? x : x?.x;
  if (!(data instanceof Float32Array)) throw new TypeError('denoise: x must be a Float32Array of images stored one after the other, or { x: Float32Array, shape }');
  const batchSize = options.batchSize ?? 1024;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`denoise: options.batchSize must be a positive integer, got ${batchSize}`);
  const size = model instanceof PCA ? model.features : product(model.inputShape);
  const what = model instanceof PCA ? `the PCA (${size} features)` : `the ${model.className} (input [${model.inputShape}], ${size} values)`;
  if (data.length === 0 || data.length % size !== 0) throw new Error(`denoise: ${data.length} values are not a whole number of images for ${what}`);
  if (!(x instanceof Float32Array) && Array.isArray(x.shape) && product(x.shape.slice(1)) !== size) {
    throw new Error(`denoise: images of shape [${x.shape.slice(1)}] (${product(x.shape.slice(1))} values) do not fit ${what}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new Error(`denoise: image ${Math.floor(i / size)} holds ${data[i]} at value ${i % size}; inputs must be finite`);
  }
  if (model instanceof PCA) return model.reconstruct(data);
  const n = data.length / size;
  const out = new Float32Array(data.length);
  // Batches bound the memory ONNX Runtime needs for the activations.
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    out.set(await model.reconstruct(data.subarray(start * size, end * size)), start * size);
  }
  return out;
}

/** Options of {@link addGaussianNoise}. */
export interface GaussianNoiseOptions {
  /** Seed of the noise (aekit's xoshiro128** generator). Default 0. */
  seed?: number;
  /** Clip the result to [0, 1] (default true, the protocol of ANCHORS.md and keras-io). */
  clip?: boolean;
}

/**
 * x̃ = x + factor · ε, ε ~ N(0, 1) per value, clipped to [0, 1] unless
 * `clip` is false. The same seed gives the same noise, so a benchmark's test
 * inputs depend only on it.
 */
export function addGaussianNoise(x: Float32Array, factor: number, options: GaussianNoiseOptions = {}): Float32Array {
  if (!(x instanceof Float32Array)) throw new TypeError('addGaussianNoise: x must be a Float32Array');
  if (!(typeof factor === 'number' && factor >= 0 && Number.isFinite(factor))) throw new Error(`addGaussianNoise: the noise factor must be a number >= 0, got ${String(factor)}`);
  const rng = new Rng(options.seed ?? 0);
  const clip = options.clip ?? true;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]! + factor * rng.normal();
    out[i] = clip ? Math.min(1, Math.max(0, v)) : v;
  }
  return out;
}

/**
 * Median of each pixel's size×size neighbourhood (default 3×3), image by
 * image; pixels beyond the border repeat the nearest edge pixel (as
 * scipy.ndimage.median_filter's mode 'nearest').
 */
export function medianFilter(images: ImageSet, size = 3): Float32Array {
  const [n, h, w] = grayImageDims(images.shape, images.x.length, 'medianFilter');
  if (!(Number.isInteger(size) && size >= 1 && size % 2 === 1)) throw new Error(`medianFilter: size must be an odd positive integer, got ${size}`);
  const r = (size - 1) / 2;
  const window = new Float32Array(size * size);
  const out = new Float32Array(images.x.length);
  const mid = (size * size - 1) / 2;
  for (let i = 0; i < n; i++) {
    const base = i * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let k = 0;
        for (let dy = -r; dy <= r; dy++) {
          const yy = Math.min(h - 1, Math.max(0, y + dy));
          for (let dx = -r; dx <= r; dx++) window[k++] = images.x[base + yy * w + Math.min(w - 1, Math.max(0, x + dx))]!;
        }
        // Insertion sort: 9 values, faster than a generic sort call per pixel.
        for (let a = 1; a < window.length; a++) {
          const v = window[a]!;
          let b = a - 1;
          while (b >= 0 && window[b]! > v) {
            window[b + 1] = window[b]!;
            b--;
          }
          window[b + 1] = v;
        }
        out[base + y * w + x] = window[mid]!;
      }
    }
  }
  return out;
}

/**
 * Gaussian blur of each image with standard deviation `sigma` (pixels): a
 * separable kernel of radius ⌈3σ⌉ normalized to sum 1, borders repeating the
 * nearest edge pixel.
 */
export function gaussianBlur(images: ImageSet, sigma: number): Float32Array {
  const [n, h, w] = grayImageDims(images.shape, images.x.length, 'gaussianBlur');
  if (!(typeof sigma === 'number' && sigma > 0 && Number.isFinite(sigma))) throw new Error(`gaussianBlur: sigma must be a positive number, got ${String(sigma)}`);
  const r = Math.ceil(3 * sigma);
  const taps = gaussianTaps(2 * r + 1, sigma);
  const tmp = new Float64Array(h * w);
  const out = new Float32Array(images.x.length);
  for (let i = 0; i < n; i++) {
    const base = i * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let k = -r; k <= r; k++) acc += taps[k + r]! * images.x[base + y * w + Math.min(w - 1, Math.max(0, x + k))]!;
        tmp[y * w + x] = acc;
      }
    }
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let k = -r; k <= r; k++) acc += taps[k + r]! * tmp[Math.min(h - 1, Math.max(0, y + k)) * w + x]!;
        out[base + y * w + x] = acc;
      }
    }
  }
  return out;
}

/** The σ values {@link bestGaussianBlur} tries by default: 0.3 to 3 pixels in steps of 0.1. */
export const BLUR_SIGMAS: readonly number[] = Array.from({ length: 28 }, (_, i) => Math.round((0.3 + 0.1 * i) * 10) / 10);

/**
 * The Gaussian blur of `noisy` whose PSNR against `clean` is highest among
 * `sigmas`. Choosing σ on the images it is scored on is an oracle: it favours
 * the baseline, which is what a fair comparison against a trained model wants.
 */
export function bestGaussianBlur(noisy: ImageSet, clean: ImageSet, sigmas: readonly number[] = BLUR_SIGMAS): { sigma: number; psnr: number; images: Float32Array } {
  if (!Array.isArray(sigmas) || sigmas.length === 0) throw new Error('bestGaussianBlur: sigmas must be a non-empty array of positive numbers');
  if (noisy.x.length !== clean.x.length) throw new Error(`bestGaussianBlur: ${noisy.x.length} noisy values against ${clean.x.length} clean ones`);
  let best: { sigma: number; psnr: number; images: Float32Array } | undefined;
  for (const sigma of sigmas) {
    const images = gaussianBlur(noisy, sigma);
    const psnr = psnrOf(meanSquaredError(images, clean.x));
    if (!best || psnr > best.psnr) best = { sigma, psnr, images };
  }
  return best!;
}

/** How noisy inputs and their denoised versions compare with the clean images. */
export interface DenoisingReport {
  /** Number of images. */
  images: number;
  /** The noisy inputs against the clean images. */
  noisy: ImageQuality;
  /** The denoised images against the clean images. */
  denoised: ImageQuality;
  /** denoised − noisy: dB of PSNR and points of SSIM gained (negative: the denoiser made things worse). */
  gain: { psnr: number; ssim: number };
}

/**
 * MSE, PSNR and SSIM (src/eval/image-quality.ts: pooled MSE, PSNR with peak 1,
 * mean SSIM with an 11×11 Gaussian window) of noisy inputs and of their
 * denoised versions, both against the clean images. All three sets share one
 * shape: [n, H, W], [n, 1, H, W] or flat [n, H·W] with square images.
 */
export function denoisingReport(clean: ImageSet, noisy: ImageSet | Float32Array, denoised: ImageSet | Float32Array, options: SsimOptions = {}): DenoisingReport {
  const [n] = grayImageDims(clean.shape, clean.x.length, 'denoisingReport: clean');
  const as = (v: ImageSet | Float32Array): ImageSet => (v instanceof Float32Array ? { x: v, shape: clean.shape } : v);
  const noisyQ = imageQuality(as(noisy), clean, options);
  const denoisedQ = imageQuality(as(denoised), clean, options);
  return { images: n, noisy: noisyQ, denoised: denoisedQ, gain: { psnr: denoisedQ.psnr - noisyQ.psnr, ssim: denoisedQ.ssim - noisyQ.ssim } };
}

/**
 * One line when denoising made a metric worse (a model not trained on
 * corrupted inputs reconstructs the noise too), naming the denoising
 * presets; undefined when PSNR and SSIM both improved or held.
 */
export function worseningWarning(report: DenoisingReport): string | undefined {
  const worse = [report.gain.psnr < 0 ? `PSNR fell ${(-report.gain.psnr).toFixed(2)} dB` : '', report.gain.ssim < 0 ? `SSIM fell ${(-report.gain.ssim).toFixed(3)}` : ''].filter(Boolean);
  if (worse.length === 0) return undefined;
  return `denoising made the images worse (${worse.join(', ')}): this model was not trained to denoise; train one with --model unet-denoising, conv-denoising or denoising (and --noise)`;
}

/** Options of {@link evaluateDenoising}. */
export interface EvaluateDenoisingOptions extends DenoiseOptions {
  /** Gaussian noise factor of the test inputs (x + factor·N(0, 1), clipped to [0, 1]). Required unless `noisy` is given. */
  noiseFactor?: number;
  /** Seed of that noise. Default 0. */
  seed?: number;
  /** Noisy versions of the clean images to use instead of drawing noise. */
  noisy?: Float32Array;
}

/**
 * Corrupts the clean test images with Gaussian noise (or takes `noisy`),
 * denoises them with the model and reports both against the clean images.
 */
export async function evaluateDenoising(model: AutoencoderModel | PCA, clean: ImageSet, options: EvaluateDenoisingOptions = {}): Promise<DenoisingReport & { noisyImages: Float32Array; denoisedImages: Float32Array }> {
  grayImageDims(clean.shape, clean.x.length, 'evaluateDenoising: clean');
  let noisy = options.noisy;
  if (noisy === undefined) {
    if (options.noiseFactor === undefined) throw new Error('evaluateDenoising: give options.noiseFactor (to draw Gaussian noise) or options.noisy (noisy images)');
    noisy = addGaussianNoise(clean.x, options.noiseFactor, { seed: options.seed ?? 0 });
  } else if (!(noisy instanceof Float32Array) || noisy.length !== clean.x.length) {
    throw new Error(`evaluateDenoising: options.noisy must be a Float32Array of ${clean.x.length} values (the clean images' shape)`);
  }
  const denoised = await denoise(model, noisy, options);
  return { ...denoisingReport(clean, noisy, denoised), noisyImages: noisy, denoisedImages: denoised };
}
