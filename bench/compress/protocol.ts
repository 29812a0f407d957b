/**
 * Rate–distortion benchmark of compression (issue 12): bytes per image,
 * PSNR and SSIM on the MNIST test images for aekit's {@link compress} at
 * several code sizes and bit depths, for PCA codes through the same quantizer
 * and entropy coder, for JPEG (jpeg-js, one file per image) and PNG (lossless,
 * size only), and for image codecs used fairly (./codecs.ts, issue 24): JPEG
 * and PNG of one mosaic of all test images, WebP and AVIF per image and as a
 * mosaic.
 * `bench/compress.ts` is the command line; this module holds the
 * protocol so a test can run it on a slice.
 *
 * PSNR is over the set: 10·log10(1 / MSE), with the MSE averaged over every
 * pixel of every test image, pixels in [0, 1] (the peak is 1). It weighs each
 * squared error equally, like the file's bytes, where a mean of per-image
 * PSNRs would favour images that are easy to code.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { mnist } from '../../src/data/datasets.js';
import { type Dataset } from '../../src/data/types.js';
import { Autoencoder } from '../../src/models/dense.js';
import { PCA } from '../../src/models/pca.js';
import { Adam } from '../../src/optim/optimizers.js';
import { type ProgressEvent } from '../../src/train/trainer.js';
import { ssim } from '../../src/eval/image-quality.js';
import { type MnistSliceOptions, resolveSlice } from '../lib/run-options.js';
import { type Codec, codecMosaic, codecPerImage, codecVersions, ENCODER_SETTINGS, MOSAIC_TILE } from './codecs.js';
import { compress, decodeCompressed, decompress, encodeCompressed, modelIdentity } from '../../src/tasks/compress.js';

/**
 * The methods of the table. 'jpeg' and 'png' are one file per image (jpeg-js,
 * pngjs); the others after aekit and PCA go through sharp ({@link Codec}):
 * '-mosaic' is one file holding every test image, the rest one file per image.
 */
export const METHODS = ['aekit', 'pca', 'jpeg', 'png', 'jpeg-mosaic', 'png-mosaic', 'webp', 'webp-mosaic', 'avif', 'avif-mosaic'] as const;
export type Method = (typeof METHODS)[number];

/** One point of the rate–distortion table; `--json` prints `{ points }`. */
export interface RatePoint {
  method: Method;
  /** E.g. 'code 32, 5 bits', 'k 64, 4 bits', 'quality 50', 'lossless'. */
  setting: string;
  /** Mean file bytes per test image (aekit, PCA and mosaics: one file for the whole set, divided by its images). */
  bytesPerImage: number;
  /** PSNR over the set in dB (see the module's TSDoc); null for lossless PNG. */
  psnr: number | null;
  /** Mean SSIM over the test images (src/eval/image-quality.ts; 11×11 Gaussian window); null for lossless PNG. */
  ssim: number | null;
}

/** Whether aekit is the cheapest at every PSNR of the goal's range. */
export interface GoalCheck {
  /** The PSNR range checked, dB. */
  from: number;
  to: number;
  met: boolean;
  /**
   * Where aekit's margin is smallest: the PSNR, each method's cheapest bytes
   * per image reaching it (null when no setting reaches it) and aekit's
   * bytes over the best competitor's.
   */
  worst: { psnr: number; aekit: number | null; pca: number | null; jpeg: number | null; ratio: number | null };
  /** PSNRs (on the checked grid) where aekit is not the cheapest, at most 20. */
  failures: number[];
}

export interface CompressBenchResult {
  points: RatePoint[];
  goal: GoalCheck;
  /** What ran: samples, epochs, models, seconds. */
  protocol: Record<string, unknown>;
  /** Bytes per image of each aekit and PCA point with the range coder (the points') and with deflate instead. */
  coders: { method: 'aekit' | 'pca'; setting: string; range: number; deflate: number }[];
  /** At each of {@link REPORT_PSNRS} (keyed as printed, "20"), each lossy method's cheapest bytes per image reaching it, null where none does. */
  bytesAtPsnr: Record<string, Partial<Record<Method, number | null>>>;
}

/** One aekit model of the benchmark: a dense autoencoder with this code size. */
export interface AekitSpec {
  /** Code size (values per image). */
  code: number;
  /** Hidden layers of the encoder, mirrored by the decoder. */
  hidden: number[];
}

/** Options of {@link runCompressBenchmark}; `quick` runs {@link QUICK}. */
export interface CompressBenchOptions extends MnistSliceOptions {
  /** Epochs per model (default {@link EPOCHS}; quick: 2). */
  epochs?: number;
  models?: readonly AekitSpec[];
  /** Bit depths tried for aekit and PCA codes. */
  bits?: readonly number[];
  pcaComponents?: readonly number[];
  jpegQualities?: readonly number[];
  /** Qualities of the sharp codecs (JPEG mosaic, WebP, AVIF; default {@link CODEC_QUALITIES}). */
  codecQualities?: readonly number[];
  /** Where the compressed files go (default: a new temporary folder, removed afterwards). */
  workDir?: string;
}

/**
 * aekit's models: dense autoencoders 784-512-256-k-256-512-784, ELU hidden
 * layers, a linear code, sigmoid output, BCE loss. The code sizes span the
 * PSNR range of the goal: k = 8 reaches 15 dB with a few bytes, k = 64 goes
 * past 25 dB.
 */
export const MODELS: readonly AekitSpec[] = [8, 16, 32, 64].map((code) => ({ code, hidden: [512, 256] }));
/** Epochs per model: a cosine decay from {@link LEARNING_RATE} to 1e-5 over them. */
export const EPOCHS = 20;
export const LEARNING_RATE = 5e-3;
export const BATCH_SIZE = 128;
export const BITS: readonly number[] = [2, 3, 4, 5, 6, 7, 8];
export const PCA_COMPONENTS: readonly number[] = [4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256];
export const JPEG_QUALITIES: readonly number[] = [10, 20, 30, 40, 50, 60, 70, 80, 90];
/** Qualities of the sharp codecs: low ones too, since their files reach the goal's 15–25 dB only at low settings. */
export const CODEC_QUALITIES: readonly number[] = [1, 5, 10, 25, 50, 90];
/** PSNRs (dB) at which the report lists each method's cheapest bytes per image. */
export const REPORT_PSNRS: readonly number[] = [15, 20, 25, 30];
/** The slice and schedule of `--quick`. */
export const QUICK = { trainSamples: 3000, testSamples: 500, epochs: 2, models: [8, 32].map((code) => ({ code, hidden: [128] })), pcaComponents: [8, 16, 32, 64], jpegQualities: [10, 50, 90], codecQualities: [5, 25, 75] } as const;

/** PSNR over the set, in dB: 10·log10(1 / mean squared error over all values), for values in [0, 1]. */
export function psnrOverSet(x: ArrayLike<number>, reconstruction: ArrayLike<number>): number {
  if (x.length !== reconstruction.length || x.length === 0) throw new RangeError(`psnrOverSet: ${reconstruction.length} reconstructed values for ${x.length} inputs`);
  let se = 0;
  for (let i = 0; i < x.length; i++) se += (x[i]! - reconstruction[i]!) ** 2;
  return 10 * Math.log10(x.length / se);
}

/** A lossy point: PSNR over the set and mean SSIM of `reconstruction` (pixels in [0, 1], `count` 28×28 images) against `x`. */
function lossyPoint(method: Method, setting: string, bytes: number, x: Float32Array, reconstruction: Float32Array): RatePoint {
  const shape = [x.length / 784, 784];
  return { method, setting, bytesPerImage: bytes, psnr: psnrOverSet(x, reconstruction), ssim: ssim({ x: reconstruction, shape }, { x, shape }) };
}

/**
 * The fewest bytes per image with which `method` reaches at least `psnr` dB
 * (the cheapest of its settings that do), or null when none does: an
 * operational rate–distortion curve, a staircase that assumes nothing between
 * measured settings.
 */
export function cheapestAt(points: readonly RatePoint[], method: RatePoint['method'], psnr: number): number | null {
  let best: number | null = null;
  for (const p of points) {
    if (p.method !== method || p.psnr === null || p.psnr < psnr) continue;
    if (best === null || p.bytesPerImage < best) best = p.bytesPerImage;
  }
  return best;
}

/**
 * Checks the goal on a grid of PSNRs from `from` to `to` dB (every `step`):
 * at each, aekit's cheapest bytes per image must be below PCA's and JPEG's
 * (a method that cannot reach that PSNR at all counts as infinitely costly;
 * aekit must reach it).
 */
export function checkGoal(points: readonly RatePoint[], from = 15, to = 25, step = 0.05): GoalCheck {
  let worst: GoalCheck['worst'] | undefined;
  const failures: number[] = [];
  const steps = Math.round((to - from) / step);
  for (let i = 0; i <= steps; i++) {
    const psnr = Math.round((from + i * step) * 1e6) / 1e6;
    const aekit = cheapestAt(points, 'aekit', psnr);
    const pca = cheapestAt(points, 'pca', psnr);
    const jpg = cheapestAt(points, 'jpeg', psnr);
    const rivals = [pca, jpg].filter((v): v is number => v !== null);
    const rival = rivals.length ? Math.min(...rivals) : null;
    const ratio = aekit === null ? null : rival === null ? 0 : aekit / rival;
    const ok = aekit !== null && (rival === null || aekit < rival);
    if (!ok && failures.length < 20) failures.push(psnr);
    const rank = (r: number | null) => (r === null ? Infinity : r);
    if (!worst || rank(ratio) > rank(worst.ratio)) worst = { psnr, aekit, pca, jpeg: jpg, ratio };
  }
  return { from, to, met: failures.length === 0, worst: worst!, failures };
}

/** An identity for PCA codes' files: SHA-256 of the fitted mean and axes. */
function pcaIdentity(pca: PCA): string {
  const h = createHash('sha256');
  h.update('aekit-pca-identity-v1\0');
  for (const a of [pca.mean, pca.axes]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

type JpegEncode = (rgba: Uint8Array, quality: number) => Uint8Array;

/**
 * jpeg-js's `encode` builds a new encoder for every image, and that setup
 * (its 65,536-entry category tables) is about 13 ms of the 13.3 ms a 28×28
 * image takes here: 20 minutes for the benchmark's 90,000 encodes. Its
 * encoder class is not exported, so its file is evaluated once more to reach
 * the class and keep one encoder per quality. The result is checked byte for
 * byte against jpeg-js's own `encode` on every quality's first image; where
 * the file cannot be evaluated (another jpeg-js version), the slow path is used.
 */
function jpegEncoder(log: (line: string) => void): JpegEncode {
  const slow: JpegEncode = (rgba, quality) => new Uint8Array(jpeg.encode({ data: rgba, width: 28, height: 28 }, quality).data);
  try {
    const require = createRequire(import.meta.url);
    const source = readFileSync(require.resolve('jpeg-js/lib/encoder.js'), 'utf8');
    // jpeg-js's own file as a CommonJS module body, returning the class it defines.
    const Encoder = new Function('module', 'require', `${source}\n;return JPEGEncoder;`)({ exports: {} }, require) as new (quality: number) => { encode(image: object, quality: number): Uint8Array };
    const encoders = new Map<number, { encode(image: object, quality: number): Uint8Array }>();
    const checked = new Set<number>();
    return (rgba, quality) => {
      let e = encoders.get(quality);
      if (!e) encoders.set(quality, (e = new Encoder(quality)));
      const out = new Uint8Array(e.encode({ data: rgba, width: 28, height: 28 }, quality));
      if (!checked.has(quality)) {
        checked.add(quality);
        const reference = slow(rgba, quality);
        if (Buffer.compare(Buffer.from(out), Buffer.from(reference)) !== 0) throw new Error(`jpeg-js: the reused encoder's file differs from jpeg-js's encode at quality ${quality}`);
      }
      return out;
    };
  } catch (e) {
    log(`  (jpeg-js encoder not reusable here: ${(e as Error).message}; using jpeg-js's encode, about 13 ms per image)`);
    return slow;
  }
}

const fmt = (v: number, d = 2) => v.toFixed(d);

/**
 * Runs the benchmark: trains each aekit model on the training images,
 * compresses the test images with it at each bit depth (real files, read back
 * with {@link decompress}), and measures PCA, JPEG and PNG on the same images.
 */
export async function runCompressBenchmark(options: CompressBenchOptions = {}): Promise<CompressBenchResult> {
  const { log, quick, seed, session, trainSamples, testSamples } = resolveSlice(options, QUICK);
  const epochs = options.epochs ?? (quick ? QUICK.epochs : EPOCHS);
  const models = options.models ?? (quick ? QUICK.models : MODELS);
  const bits = options.bits ?? BITS;
  const pcaComponents = options.pcaComponents ?? (quick ? QUICK.pcaComponents : PCA_COMPONENTS);
  const jpegQualities = options.jpegQualities ?? (quick ? QUICK.jpegQualities : JPEG_QUALITIES);
  const codecQualities = options.codecQualities ?? (quick ? QUICK.codecQualities : CODEC_QUALITIES);
  const train: Dataset = mnist({ split: 'train', limit: trainSamples });
  const test: Dataset = mnist({ split: 'test', limit: testSamples });
  const n = test.shape[0]!;
  const points: RatePoint[] = [];
  const t0 = performance.now();
  const ownDir = options.workDir === undefined;
  const dir = options.workDir ?? mkdtempSync(join(tmpdir(), 'aekit-bench-compress-'));
  const seconds: Record<string, number> = {};
  const coders: CompressBenchResult['coders'] = [];
  try {
    // aekit
    for (const spec of models) {
      const name = `code ${spec.code}`;
      const model = new Autoencoder({ inputShape: [784], encoder: { sizes: [...spec.hidden, spec.code], activation: 'elu', codeActivation: 'linear' }, loss: 'bce' });
      model.compile({ optimizer: new Adam({ learningRate: LEARNING_RATE }), seed, session });
      const tm = performance.now();
      log(`aekit ${name}: dense 784-${[...spec.hidden, spec.code, ...[...spec.hidden].reverse()].join('-')}-784, ${epochs} epochs on ${train.shape[0]} images`);
      const fit = await model.fit(train, {
        epochs, batchSize: BATCH_SIZE, seed, schedule: { type: 'cosine', totalEpochs: epochs, minLr: 1e-5 },
        onProgress: (e: ProgressEvent) => {
          if (e.type === 'epoch') log(`  epoch ${e.epoch}/${epochs}: loss ${e.metrics.loss!.toPrecision(5)}, ${e.seconds.toFixed(1)} s`);
        },
      });
      if (fit.stopReason) throw new Error(`aekit ${name}: training stopped: ${fit.stopReason}`);
      const full = psnrOverSet(test.x, await model.reconstruct(test.x));
      log(`  unquantized codes: ${fmt(full)} dB`);
      const rawCodes = await model.encode(test.x);
      const id = modelIdentity(model);
      for (const b of bits) {
        const path = join(dir, `aekit-code${spec.code}-${b}bit.aez`);
        const written = await compress(model, test, path, { bits: b });
        const back = await decompress(path, model);
        const point = lossyPoint('aekit', `code ${spec.code}, ${b} bits`, written.fileBytes / n, test.x, back.x);
        points.push(point);
        const deflate = encodeCompressed(rawCodes, { inputShape: [784], codeShape: [spec.code] }, id, { bits: b, coder: 'deflate' }).bytes.length / n;
        coders.push({ method: 'aekit', setting: point.setting, range: point.bytesPerImage, deflate });
        log(`  ${b} bits: ${fmt(point.bytesPerImage)} bytes/image (deflate: ${fmt(deflate)}), ${fmt(point.psnr!)} dB, SSIM ${fmt(point.ssim!, 3)}`);
        rmSync(path, { force: true });
      }
      seconds[`aekit ${name}`] = (performance.now() - tm) / 1000;
    }

    // PCA through the same quantizer and coder; reconstructions clipped to [0, 1] (the pixel range), which only helps PCA.
    let tm = performance.now();
    const maxK = Math.min(Math.max(0, ...pcaComponents), 784);
    const pcaAll = maxK > 0 ? PCA.fit({ x: train.x, shape: [train.shape[0]!, 784] }, { components: maxK }) : undefined;
    if (pcaAll) log(`PCA: ${maxK} components fitted on ${train.shape[0]} images in ${fmt((performance.now() - tm) / 1000, 1)} s`);
    for (const k of pcaAll ? pcaComponents : []) {
      const pca = pcaAll!.truncate(k);
      const codes = pca.transform(test.x);
      const id = pcaIdentity(pca);
      for (const b of bits) {
        const { bytes } = encodeCompressed(codes, { inputShape: [784], codeShape: [k] }, id, { bits: b });
        const rec = pca.inverseTransform(decodeCompressed(bytes, `PCA k=${k}`).codes);
        for (let i = 0; i < rec.length; i++) rec[i] = Math.min(1, Math.max(0, rec[i]!));
        points.push(lossyPoint('pca', `k ${k}, ${b} bits`, bytes.length / n, test.x, rec));
        const deflate = encodeCompressed(codes, { inputShape: [784], codeShape: [k] }, id, { bits: b, coder: 'deflate' }).bytes.length / n;
        coders.push({ method: 'pca', setting: `k ${k}, ${b} bits`, range: bytes.length / n, deflate });
      }
      log(`  k ${k}: ${bits.map((b) => { const p = points[points.length - bits.length + bits.indexOf(b)]!; return `${b} bits ${fmt(p.bytesPerImage)} B ${fmt(p.psnr!)} dB`; }).join(', ')}`);
    }
    seconds.pca = (performance.now() - tm) / 1000;

    // JPEG: each image its own file (grey in all three channels; jpeg-js writes YCbCr 4:4:4).
    tm = performance.now();
    const encode = jpegEncoder(log);
    const rgba = new Uint8Array(784 * 4);
    const pixels = Uint8Array.from(test.x, (v) => Math.round(v * 255));
    for (const quality of jpegQualities) {
      let bytes = 0;
      let headers = 0;
      const rec = new Float32Array(test.x.length);
      for (let i = 0; i < n; i++) {
        for (let p = 0; p < 784; p++) {
          const v = pixels[i * 784 + p]!;
          rgba[4 * p] = v;
          rgba[4 * p + 1] = v;
          rgba[4 * p + 2] = v;
          rgba[4 * p + 3] = 255;
        }
        const file = encode(rgba, quality);
        bytes += file.length;
        headers += jpegHeaderBytes(file);
        const img = jpeg.decode(file, { useTArray: true, formatAsRGBA: false });
        for (let p = 0; p < 784; p++) rec[i * 784 + p] = img.data[3 * p]! / 255;
      }
      const point = lossyPoint('jpeg', `quality ${quality}`, bytes / n, test.x, rec);
      points.push(point);
      log(`JPEG quality ${quality}: ${fmt(point.bytesPerImage, 1)} bytes/image (${fmt(headers / n, 0)} of them headers), ${fmt(point.psnr!)} dB`);
    }
    seconds.jpeg = (performance.now() - tm) / 1000;

    // PNG: 8-bit greyscale, lossless (checked by decoding every file).
    tm = performance.now();
    let pngBytes = 0;
    for (let i = 0; i < n; i++) {
      const image = pixels.subarray(i * 784, (i + 1) * 784);
      const png = new pngjs.PNG({ width: 28, height: 28 });
      png.data = Buffer.from(image);
      const file = pngjs.PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
      pngBytes += file.length;
      const back = pngjs.PNG.sync.read(file);
      for (let p = 0; p < 784; p++) if (back.data[4 * p] !== image[p]) throw new Error(`PNG: image ${i} did not round-trip at pixel ${p}`);
    }
    points.push({ method: 'png', setting: 'lossless', bytesPerImage: pngBytes / n, psnr: null, ssim: null });
    log(`PNG (lossless, 8-bit greyscale): ${fmt(pngBytes / n, 1)} bytes/image`);
    seconds.png = (performance.now() - tm) / 1000;

    // The codecs used fairly (./codecs.ts): one mosaic file for the set (JPEG, PNG, WebP, AVIF), and WebP and AVIF per image.
    const runs: { method: Method; codec: Codec; mosaic: boolean }[] = [
      { method: 'png-mosaic', codec: 'png', mosaic: true }, { method: 'jpeg-mosaic', codec: 'jpeg', mosaic: true },
      { method: 'webp', codec: 'webp', mosaic: false }, { method: 'webp-mosaic', codec: 'webp', mosaic: true },
      { method: 'avif', codec: 'avif', mosaic: false }, { method: 'avif-mosaic', codec: 'avif', mosaic: true },
    ];
    for (const { method, codec, mosaic } of runs) {
      tm = performance.now();
      for (const quality of codec === 'png' ? [undefined] : codecQualities) {
        const run = mosaic ? await codecMosaic(pixels, n, 28, codec, quality) : await codecPerImage(pixels, n, 28, codec, quality);
        if (quality === undefined) {
          for (let i = 0; i < pixels.length; i++) if (run.decoded[i] !== pixels[i]) throw new Error(`${method}: pixel ${i % 784} of image ${Math.floor(i / 784)} did not round-trip`);
          points.push({ method, setting: 'lossless', bytesPerImage: run.bytesPerImage, psnr: null, ssim: null });
          log(`${method} (lossless): ${fmt(run.bytesPerImage)} bytes/image`);
          continue;
        }
        const point = lossyPoint(method, `quality ${quality}`, run.bytesPerImage, test.x, Float32Array.from(run.decoded, (v) => v / 255));
        points.push(point);
        log(`${method} quality ${quality}: ${fmt(point.bytesPerImage)} bytes/image, ${fmt(point.psnr!)} dB, SSIM ${fmt(point.ssim!, 3)}`);
      }
      seconds[method] = (performance.now() - tm) / 1000;
    }
  } finally {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  }
  const goal = checkGoal(points);
  const lossy = METHODS.filter((m) => points.some((p) => p.method === m && p.psnr !== null));
  const bytesAtPsnr = Object.fromEntries(REPORT_PSNRS.map((db) => [String(db), Object.fromEntries(lossy.map((m) => [m, cheapestAt(points, m, db)]))]));
  return {
    points, goal, coders, bytesAtPsnr,
    protocol: {
      quick, seed, trainSamples: train.shape[0], testSamples: n, epochs, batchSize: BATCH_SIZE, learningRate: LEARNING_RATE,
      models: models.map((m) => `784-${[...m.hidden, m.code, ...[...m.hidden].reverse()].join('-')}-784`),
      bits, pcaComponents, jpegQualities, codecQualities, codecSettings: ENCODER_SETTINGS, mosaicTile: MOSAIC_TILE, codecVersions: codecVersions(),
      ssim: 'mean over the test images of SSIM with an 11×11 Gaussian window (σ 1.5), pixels in [0, 1]', psnr: 'over the set: 10·log10(1 / MSE over all pixels of all test images), pixels in [0, 1]',
      seconds: { ...seconds, total: (performance.now() - t0) / 1000 },
    },
  };
}

/** Bytes of a JPEG file before its entropy-coded data: every marker segment up to and including the start of scan. */
export function jpegHeaderBytes(file: Uint8Array): number {
  let pos = 2; // SOI
  while (pos + 4 <= file.length && file[pos] === 0xff) {
    const marker = file[pos + 1]!;
    const length = (file[pos + 2]! << 8) | file[pos + 3]!;
    pos += 2 + length;
    if (marker === 0xda) return pos;
  }
  return pos;
}

/** The table of a run: one row per point, grouped by method, and the goal's verdict. */
export function formatCompressTable(result: CompressBenchResult): string {
  const lines = ['| method | setting | bytes/image | PSNR (dB) | SSIM |', '| --- | --- | ---: | ---: | ---: |'];
  for (const p of result.points) lines.push(`| ${p.method} | ${p.setting} | ${p.bytesPerImage.toFixed(2)} | ${p.psnr === null ? 'lossless' : p.psnr.toFixed(2)} | ${p.ssim === null ? 'lossless' : p.ssim.toFixed(3)} |`);
  const levels = Object.keys(result.bytesAtPsnr);
  const methods = METHODS.filter((m) => levels.some((db) => m in result.bytesAtPsnr[db]!));
  if (levels.length && methods.length) {
    lines.push('', 'Cheapest bytes per image reaching each PSNR (– where no setting does):', '', `| method | ${levels.map((db) => `${db} dB`).join(' | ')} |`, `| --- |${' ---: |'.repeat(levels.length)}`);
    for (const m of methods) lines.push(`| ${m} | ${levels.map((db) => { const v = result.bytesAtPsnr[db]![m]; return v == null ? '–' : v.toFixed(1); }).join(' | ')} |`);
  }
  const g = result.goal;
  const w = g.worst;
  const b = (v: number | null) => (v === null ? 'not reached' : `${v.toFixed(2)} B`);
  if (!result.points.some((p) => p.method === 'aekit')) {
    lines.push('', 'Goal not checked: no aekit points in this run (--codecs-only).');
    return lines.join('\n');
  }
  lines.push('', `Goal: at every PSNR from ${g.from} to ${g.to} dB, aekit's cheapest setting reaching it costs fewer bytes per image than PCA's and JPEG's: ${g.met ? 'met' : `NOT met (e.g. at ${g.failures.slice(0, 5).join(', ')} dB)`}.`);
  lines.push(`Smallest margin at ${w.psnr.toFixed(2)} dB: aekit ${b(w.aekit)}, PCA ${b(w.pca)}, JPEG ${b(w.jpeg)}${w.ratio !== null ? ` (aekit / best other = ${w.ratio.toFixed(3)})` : ''}.`);
  const saved = result.coders.map((c) => 1 - c.range / c.deflate).sort((x, y) => x - y);
  if (saved.length) {
    const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
    lines.push(`Range coder vs deflate on the same quantized codes (aekit and PCA, every setting): files ${pct(saved[0]!)} to ${pct(saved[saved.length - 1]!)} smaller, median ${pct(saved[Math.floor(saved.length / 2)]!)}.`);
  }
  return lines.join('\n');
}
