/**
 * The score kinds of the anomaly detector, one registry entry each
 * (PyOD style: a new score kind is one entry here, nothing else):
 * its name, whether it needs the training codes stored with the detector,
 * and how it scores samples.
 */
import { sizeOf } from '../graph/types.js';
import { type AutoencoderModel, VariationalAutoencoder } from '../models/index.js';
import { centerDistance, knnMeanDistance } from './knn.js';
import { knnMeanDistanceIndexed, usesIndex } from './knn-index.js';
import { pointwiseError, unitRows } from './score-parts.js';

export { unitRows } from './score-parts.js';
import { type ScoreKind } from './types.js';

/** What a score kind may use to score a batch of (scaled) samples. */
export interface ScoreInput {
  model: AutoencoderModel;
  /** The samples, scaled as the model was trained, row after row. */
  x: Float32Array;
  /** The rows are the training data (k-NN leaves each sample out of its own neighbours). */
  training: boolean;
  /** With `training`: rows closer than this are not each other's neighbours (1: only the row itself). */
  exclusionZone: number;
  /** Neighbours of `knn`. */
  k: number;
  metric: 'euclidean' | 'cosine';
  /** The stored training codes (kinds with `needsCodes`). */
  trainCodes: Float32Array | null;
  /** The mean training code, unit-length codes averaged with `metric: 'cosine'` (kinds with `needsCodes`). */
  center: Float64Array | null;
  /** The model's reconstructions of `x` (computed once, shared by the kinds). */
  reconstruction(): Promise<Float32Array>;
  /** The model's codes of `x` (computed once, shared by the kinds). */
  codes(): Promise<Float32Array>;
}

/** One score kind (higher = more anomalous). */
export interface ScoreSpec {
  name: ScoreKind;
  /** Whether the detector must keep the training codes (and their centre) for it. */
  needsCodes: boolean;
  /** Whether it reads the reconstructions of the samples (`ScoreInput.reconstruction`). */
  readsReconstruction?: boolean;
  /** Why the kind cannot score with this model, or undefined when it can. */
  unfitModel?: (model: AutoencoderModel) => string | undefined;
  compute(input: ScoreInput): Promise<Float64Array>;
}

const pointwise = (name: 'mse' | 'mae' | 'bce'): ScoreSpec => ({
  name,
  needsCodes: false,
  readsReconstruction: true,
  compute: async (s) => pointwiseError(s.x, await s.reconstruction(), sizeOf(s.model.inputShape), name),
});

/** Codes as the metric compares them: unit length for 'cosine'. */
const byMetric = (codes: Float32Array, s: ScoreInput): ArrayLike<number> => (s.metric === 'cosine' ? unitRows(codes, sizeOf(s.model.latentShape)) : codes);

/**
 * The training codes at unit length, made once per codes array: knnMeanDistance
 * keeps its k-d tree per reference array, so a fresh copy on every call (a
 * scoring server's every micro-batch) meant normalizing all the codes again
 * and a brute-force scan instead of the tree.
 */
const unitTrainCodes = new WeakMap<Float32Array, Float64Array>();
function trainCodesByMetric(codes: Float32Array, s: ScoreInput): ArrayLike<number> {
  if (s.metric !== 'cosine') return codes;
  let unit = unitTrainCodes.get(codes);
  if (!unit) unitTrainCodes.set(codes, (unit = unitRows(codes, sizeOf(s.model.latentShape))));
  return unit;
}

/** Every score kind but `combined` (the detector's sum of standardized kinds), by name; see {@link ScoreKind}. */
export const SCORES: { readonly [K in Exclude<ScoreKind, 'combined'>]: ScoreSpec } = {
  reconstruction: { name: 'reconstruction', needsCodes: false, compute: async (s) => Float64Array.from(await s.model.reconstructionError(s.x)) },
  mse: pointwise('mse'),
  mae: pointwise('mae'),
  bce: pointwise('bce'),
  elbo: {
    name: 'elbo',
    needsCodes: false,
    unfitModel: (m) => (m instanceof VariationalAutoencoder ? undefined : `needs a VariationalAutoencoder, got a ${m.className}`),
    compute: (s) => negativeElbo(s.model as VariationalAutoencoder, s.x),
  },
  knn: {
    name: 'knn',
    needsCodes: true,
    compute: async (s) => {
      const reference = trainCodesByMetric(s.trainCodes!, s);
      const queries = byMetric(await s.codes(), s);
      const dim = sizeOf(s.model.latentShape);
      // New samples against many codes of many values: the indexed search, the same numbers (knn-index.ts).
      if (!s.training && usesIndex(reference, dim, queries.length / dim)) return knnMeanDistanceIndexed(reference, queries, dim, s.k);
      return knnMeanDistance(reference, queries, dim, s.k, { excludeSelf: s.training, ...(s.training ? { exclusionZone: s.exclusionZone } : {}) });
    },
  },
  center: { name: 'center', needsCodes: true, compute: async (s) => centerDistance(byMetric(await s.codes(), s), s.center!) },
};

/** The registry entry of a component kind (`combined` has none: it is the detector's sum of kinds). */
export function scoreKind(kind: ScoreKind): ScoreSpec {
  if (kind === 'combined') throw new Error('internal: combined is not a component');
  return SCORES[kind];
}

/** Whether any of the kinds needs the training codes stored. */
export function needsCodes(kinds: readonly ScoreKind[]): boolean {
  return kinds.some((k) => k !== 'combined' && SCORES[k].needsCodes);
}

/** −ELBO with z = μ: Σ reconstruction error of the decoded mean + β·KL(N(μ, σ²) ‖ N(0, I)). */
async function negativeElbo(vae: VariationalAutoencoder, x: Float32Array): Promise<Float64Array> {
  const rec = await vae.reconstructionError(x);
  const { mu, logVar } = await vae.runPart('encoder', x);
  const k = vae.latentDim;
  const out = new Float64Array(rec.length);
  for (let i = 0; i < rec.length; i++) {
    let kl = 0;
    for (let j = 0; j < k; j++) {
      const m = mu[i * k + j]!;
      const lv = logVar[i * k + j]!;
      kl += -0.5 * (1 + lv - m * m - Math.exp(lv));
    }
    out[i] = rec[i]! + vae.beta * kl;
  }
  return out;
}
