/**
 * Warnings about a trained model's code that a user would otherwise find
 * only by staring at latent.png: code units that never vary (dead: std ≈ 0 on
 * the held-out samples), a code that is not smaller than the input (an
 * autoencoder that can copy its input learns nothing about it), and a test
 * error far above PCA's with the same code size (too little training). `aekit
 * train` prints them, records them in run.json (`warnings`) and the report
 * shows them.
 */
import { shapeSize } from '../data/types.js';
import { meanStd } from '../eval/stats.js';
import { type RunData } from './run-data.js';

/** Samples encoded to measure the code units (the first of the test set, else of the training set). */
const SAMPLES = 2000;

/** Standard deviation of each code unit over n codes stored one after the other. */
export function codeUnitStds(codes: Float32Array, dim: number): Float64Array {
  if (!(Number.isInteger(dim) && dim >= 1) || codes.length % dim !== 0 || codes.length === 0) throw new RangeError(`codeUnitStds: ${codes.length} values are not a whole number of codes of ${dim}`);
  const n = codes.length / dim;
  const column = new Float64Array(n);
  const stds = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    for (let i = 0; i < n; i++) column[i] = codes[i * dim + j]!;
    stds[j] = meanStd(column).std;
  }
  return stds;
}

/**
 * Indices of the units whose std is ≈ 0: below 1e-3 of the liveliest unit's
 * (a ReLU unit that is negative for every sample is exactly 0).
 */
export function deadUnits(stds: ArrayLike<number>): number[] {
  let max = 0;
  for (let j = 0; j < stds.length; j++) max = Math.max(max, stds[j]!);
  const tol = Math.max(1e-7, 1e-3 * max);
  const dead: number[] = [];
  for (let j = 0; j < stds.length; j++) if (stds[j]! < tol) dead.push(j);
  return dead;
}

/** What {@link codeWarnings} needs of a trained model. */
export interface EncodingModel {
  readonly inputShape: readonly number[];
  readonly latentShape: readonly number[];
  encode(x: Float32Array): Promise<Float32Array>;
}

/**
 * The warnings of a trained model on a run's data: dead code units (listed,
 * numbered from 1 as the figures number them) measured on the test samples,
 * and a code not smaller than the input, unless the model trains on
 * corrupted inputs (`denoises`), where an overcomplete code is by design.
 */
export async function codeWarnings(model: EncodingModel, data: RunData, options: { denoises?: boolean } = {}): Promise<string[]> {
  const warnings: string[] = [];
  const k = shapeSize(model.latentShape);
  const d = shapeSize(model.inputShape);
  // A sentence's ids are not values a code could copy: a 16-value code of 11-id rows still has to learn the words.
  if (k >= d && !options.denoises && data.kind !== 'text') {
    warnings.push(`the code (${k} values) is not smaller than the input (${d} values): the model can copy its input instead of learning its structure; set --latent below ${d}`);
  }
  const set = data.test ?? data.train;
  const n = Math.min(SAMPLES, set.shape[0]!);
  if (n < 2) return warnings;
  const codes = await model.encode(set.x.subarray(0, n * d));
  const dead = deadUnits(codeUnitStds(codes, k));
  if (dead.length > 0) {
    const which = dead.slice(0, 10).map((j) => j + 1).join(', ') + (dead.length > 10 ? ', …' : '');
    warnings.push(`${dead.length} of ${k} code units are dead (std ≈ 0 on ${n} ${data.test ? 'test' : 'training'} samples): unit${dead.length === 1 ? '' : 's'} ${which}; a smaller --latent, a linear code layer or a lower --lr keeps them alive`);
  }
  return warnings;
}

/** How many times PCA's test MSE the model may reach before {@link baselineWarning} speaks. */
const PCA_RATIO_WARNING = 2;

/**
 * A warning when the model's test MSE is more than twice PCA's with the same
 * code size: a nonlinear autoencoder can match a linear projection, so it is
 * undertrained (a few hundred rows at batch 128 make 3 steps an epoch).
 */
export function baselineWarning(test: { model: { mse: number }; pca?: { k: number; mse: number } } | undefined, epochs: number): string[] {
  const pca = test?.pca;
  if (!test || !pca || !(pca.mse > 0) || !(test.model.mse > PCA_RATIO_WARNING * pca.mse)) return [];
  return [`the test MSE (${test.model.mse.toPrecision(3)}) is ${(test.model.mse / pca.mse).toFixed(1)}× PCA's with the same code size (${pca.mse.toPrecision(3)}): the model is undertrained; try --epochs ${Math.max(50, epochs * 10)} or a smaller --batch-size`];
}
