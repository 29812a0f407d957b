import { Rng } from './random.js';
import type { Batch, Dataset } from './types.js';
import { sampleSize } from './types.js';

/** A seed, or a generator to draw from (so that successive epochs get different orders). */
export type SeedOrRng = number | Rng;

function rngOf(s: SeedOrRng | undefined): Rng {
  return s instanceof Rng ? s : new Rng(s ?? 0);
}

/** The samples of `ds` at `indices`, in that order, as a new dataset. */
export function take(ds: Dataset, indices: ArrayLike<number>, description?: string): Dataset {
  const d = sampleSize(ds);
  const n = ds.shape[0]!;
  const x = new Float32Array(indices.length * d);
  const labels = ds.labels ? new Int32Array(indices.length) : undefined;
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    if (!(Number.isInteger(j) && j >= 0 && j < n)) throw new RangeError(`take: index ${j} out of range [0, ${n})`);
    x.set(ds.x.subarray(j * d, (j + 1) * d), i * d);
    if (labels) labels[i] = ds.labels![j]!;
  }
  const out: Dataset = { x, shape: [indices.length, ...ds.shape.slice(1)], description: description ?? ds.description };
  if (labels) out.labels = labels;
  if (ds.labelNames) out.labelNames = ds.labelNames;
  return out;
}

/** A copy of `ds` with its samples in a seeded random order. */
export function shuffleDataset(ds: Dataset, seed: SeedOrRng = 0): Dataset {
  return take(ds, rngOf(seed).permutation(ds.shape[0]!), `${ds.description}; shuffled`);
}

/** Options for {@link trainTestSplit}. */
export interface SplitOptions {
  /** Fraction of samples for the test part, in (0, 1). Default 0.2. */
  testFraction?: number;
  /** Seed for the shuffle. Default 0. */
  seed?: SeedOrRng;
  /** Shuffle before splitting (default true); false keeps the order, test = the last samples. */
  shuffle?: boolean;
  /**
   * Keep each class's proportion equal in both parts (needs labels): each class
   * is shuffled and split on its own, then the parts are merged and shuffled.
   */
  stratify?: boolean;
}

/**
 * Splits a dataset into a training and a test part, reproducibly from the seed.
 * The test part gets `round(n * testFraction)` samples (per class when stratified).
 */
export function trainTestSplit(ds: Dataset, options: SplitOptions = {}): { train: Dataset; test: Dataset } {
  const f = options.testFraction ?? 0.2;
  if (!(f > 0 && f < 1)) throw new RangeError(`trainTestSplit: testFraction must be in (0, 1), got ${f}`);
  const n = ds.shape[0]!;
  const rng = rngOf(options.seed);
  const shuffle = options.shuffle ?? true;
  let trainIdx: number[];
  let testIdx: number[];
  if (options.stratify) {
    if (!ds.labels) throw new RangeError('trainTestSplit: stratify needs labels');
    const byClass = new Map<number, number[]>();
    ds.labels.forEach((k, i) => {
      const list = byClass.get(k);
      if (list) list.push(i);
      else byClass.set(k, [i]);
    });
    trainIdx = [];
    testIdx = [];
    for (const k of [...byClass.keys()].sort((a, b) => a - b)) {
      const idx = byClass.get(k)!;
      if (shuffle) rng.shuffle(idx);
      const nt = Math.round(idx.length * f);
      trainIdx.push(...idx.slice(0, idx.length - nt));
      testIdx.push(...idx.slice(idx.length - nt));
    }
    if (shuffle) {
      rng.shuffle(trainIdx);
      rng.shuffle(testIdx);
    } else {
      trainIdx.sort((a, b) => a - b);
      testIdx.sort((a, b) => a - b);
    }
  } else {
    const order = shuffle ? Array.from(rng.permutation(n)) : Array.from({ length: n }, (_, i) => i);
    const nt = Math.round(n * f);
    trainIdx = order.slice(0, n - nt);
    testIdx = order.slice(n - nt);
  }
  const how = `${options.stratify ? 'stratified ' : ''}${shuffle ? 'seeded random' : 'ordered'} split, test fraction ${f}`;
  return {
    train: take(ds, trainIdx, `${ds.description}; train part of a ${how}`),
    test: take(ds, testIdx, `${ds.description}; test part of a ${how}`),
  };
}

/** Options for {@link batches}. */
export interface BatchOptions {
  batchSize: number;
  /** Visit samples in a random order (default false). */
  shuffle?: boolean;
  /**
   * Seed or generator for the order. Pass the same {@link Rng} every epoch to get
   * a new, still reproducible, order each time; a number gives the same order each time.
   */
  seed?: SeedOrRng;
  /** Drop a last batch smaller than `batchSize` (default false). */
  dropLast?: boolean;
}

/**
 * Iterates over a dataset in batches. Each batch is a fresh copy, so it may be
 * kept or modified (e.g. noised for a denoising autoencoder) freely.
 */
export function* batches(ds: Dataset, options: BatchOptions): Generator<Batch> {
  const bs = options.batchSize;
  if (!(Number.isInteger(bs) && bs >= 1)) throw new RangeError(`batches: batchSize must be a positive integer, got ${bs}`);
  const n = ds.shape[0]!;
  const d = sampleSize(ds);
  const order = options.shuffle ? rngOf(options.seed).permutation(n) : null;
  for (let start = 0; start < n; start += bs) {
    const m = Math.min(bs, n - start);
    if (m < bs && options.dropLast) return;
    const indices = new Int32Array(m);
    const x = new Float32Array(m * d);
    const labels = ds.labels ? new Int32Array(m) : undefined;
    for (let i = 0; i < m; i++) {
      const j = order ? order[start + i]! : start + i;
      indices[i] = j;
      if (order) x.set(ds.x.subarray(j * d, (j + 1) * d), i * d);
      if (labels) labels[i] = ds.labels![j]!;
    }
    // In order, one contiguous copy is much faster than per-sample copies.
    if (!order) x.set(ds.x.subarray(start * d, (start + m) * d));
    const b: Batch = { x, shape: [m, ...ds.shape.slice(1)], indices };
    if (labels) b.labels = labels;
    yield b;
  }
}
