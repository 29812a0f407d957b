/**
 * The detector for tables that needs no configuration: what
 * `new AnomalyDetector()` fits when it is given no model. An ensemble of
 * small dense autoencoders of varied widths and seeds (after RandNet, Chen et
 * al. 2017), each scoring rows by its standardized squared reconstruction
 * error plus the k-NN distance of their codes, and the per-feature tail
 * scores of the inputs (src/anomaly/tails.ts). Each part is put on a common
 * scale by the median and interquartile range of its training scores, robust
 * statistics because the training rows hold anomalies too (a part that sees
 * them clearly has a long training tail, which a standard deviation would
 * turn into a small weight), and the parts are averaged, so no single member,
 * and no single kind of evidence, decides alone. Every choice is a rule of the
 * table's shape, written in {@link TABULAR_RULES} and measured in
 * docs/anomaly.md; nothing is tuned per table.
 */
import { StandardScaler, type StandardScalerJSON } from '../data/preprocess.js';
import { Autoencoder } from '../models/dense.js';
import { type FitOptions } from '../train/trainer.js';
import { AnomalyDetector } from './detector.js';
import { FeatureTails } from './tails.js';
import { pointwiseParts } from './score-parts.js';
import { meanStd, quantile } from './threshold.js';

/** The shape rules of the tabular ensemble, as functions of the rows n and features d. */
export const TABULAR_RULES = {
  /** Autoencoders in the ensemble. */
  members: 6,
  /**
   * Layer sizes of member i: a hidden layer of about d, 2d or 1.5d units
   * (8 to 64) and a code of about d/4, d/2 or d/3 (2 to 16), cycling.
   */
  encoderSizes(d: number, i: number): number[] {
    const shapes: Array<[number, number]> = [[1, 1 / 4], [2, 1 / 2], [1.5, 1 / 3]];
    const [wide, narrow] = shapes[i % shapes.length]!;
    const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(v)));
    return [clamp(wide * d, 8, 64), clamp(narrow * d, 2, 16)];
  },
  /** Epochs: 20 up to 7,000 rows, then fewer so a member sees about 140,000 rows in all (at least 1 epoch). */
  epochs(n: number): number {
    return Math.max(1, Math.min(20, Math.round(140_000 / n)));
  },
  batchSize: 32,
  /**
   * Neighbours of the code-space k-NN part: 50, or n − 1 for a smaller
   * table. A wide neighbourhood sees past a tight cluster of near-duplicate
   * anomalies, which k = 5 takes for normal (docs/anomaly.md: ADBench's http
   * table, where the anomalies are such a cluster).
   */
  k(n: number): number {
    return Math.max(1, Math.min(50, n - 1));
  },
  /** Activation of the code layer: linear, so no code unit can die (a ReLU code of 2 units often loses one). */
  codeActivation: 'linear',
  /** Training codes kept for k-NN (a seeded sample beyond this): the scan is n·m·code multiply-adds. */
  maxReferenceRows: 10_000,
  /**
   * Weights of the three kinds of evidence in the score: the members' mean
   * rescaled squared error, their mean rescaled code k-NN distance, and the
   * rescaled tail score. The k-NN part counts twice: on ADBench's tables it
   * was the strongest single part of a member (docs/anomaly.md), and the
   * weights (1, 2, 1) beat (1, 1, 1) on each of the three split seeds.
   */
  weights: { error: 1, neighbours: 2, tails: 1 },
} as const;

/** Where a part's training scores sit: their median, and their interquartile range / 1.349 (the standard deviation of a normal distribution with that IQR). */
export interface PartScale {
  center: number;
  scale: number;
}

/** Per-feature evidence of a row, from the parts that split by feature. */
export interface FeatureEvidence {
  /** Per feature: its standardized share of the score (reconstruction error and tail parts; ≥ 0). */
  byFeature: Float64Array;
  /** The part of the score that does not split by feature (the members' code-space k-NN), standardized. */
  codeNeighbours: number;
}

/**
 * The median and IQR / 1.349 of training scores; where half the scores or
 * more are equal (a part that is 0 for most rows) the IQR is 0, and the
 * standard deviation stands in, then 1.
 */
export function partScale(s: ArrayLike<number>): PartScale {
  const sorted = Float64Array.from(s).sort();
  const center = quantile(sorted, 0.5);
  let scale = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / 1.349;
  if (!(scale > 1e-12)) scale = meanStd(sorted).std;
  return { center, scale: scale > 1e-12 ? scale : 1 };
}

function rescale(s: ArrayLike<number>, p: PartScale): Float64Array {
  return Float64Array.from(s, (v) => (v - p.center) / p.scale);
}

/** The fitted ensemble's state besides its members' own detectors (saved in detector.json). */
export interface TabularEnsembleState {
  features: number;
  scaler: StandardScalerJSON;
  /** The scale of each part from its training scores: each member's squared error and k-NN distance, member after member, then the tail score. */
  partScales: PartScale[];
  seed: number;
}

/**
 * The fitted ensemble. Built by {@link TabularEnsemble.fit}; scores raw
 * (unscaled) rows.
 */
export class TabularEnsemble {
  private constructor(
    readonly members: AnomalyDetector[],
    readonly tails: FeatureTails,
    private readonly scaler: StandardScaler,
    readonly state: TabularEnsembleState,
  ) {}

  get features(): number {
    return this.state.features;
  }

  /**
   * Trains the members on `x` (n rows of d features, raw) and returns the
   * fitted ensemble with the training scores (the members' k-NN scored leave-one-out).
   * @param train fit options merged over the rules' (epochs, batch size, seed per member).
   */
  static async fit(x: Float32Array, d: number, options: { seed?: number; train?: FitOptions } = {}): Promise<{ ensemble: TabularEnsemble; trainScores: Float64Array }> {
    const n = x.length / d;
    const seed = options.seed ?? 0;
    const scaler = new StandardScaler().fit({ x, shape: [n, d] });
    const xs = scaler.transform({ x, shape: [n, d] });
    const members: AnomalyDetector[] = [];
    const parts: Float64Array[] = [];
    const k = TABULAR_RULES.k(n);
    for (let i = 0; i < TABULAR_RULES.members; i++) {
      const memberSeed = seed * 1000 + i;
      const model = new Autoencoder({ inputShape: [d], encoder: { sizes: TABULAR_RULES.encoderSizes(d, i), codeActivation: TABULAR_RULES.codeActivation } }).compile({ seed: memberSeed });
      const member = new AnomalyDetector(model, { score: 'combined', combine: ['mse', 'knn'], metric: 'euclidean', k });
      const train: FitOptions = { epochs: TABULAR_RULES.epochs(n), batchSize: TABULAR_RULES.batchSize, seed: memberSeed, ...options.train };
      await member.fit({ x: xs, shape: [n, d] }, { train, threshold: { type: 'max' } });
      members.push(member);
      const c = await member.componentScores({ x: xs, shape: [n, d] }, { training: true });
      parts.push(c.get('mse')!, c.get('knn')!);
    }
    const tails = FeatureTails.fit(x, d);
    parts.push(tails.score(x));
    const state: TabularEnsembleState = { features: d, scaler: scaler.toJSON(), partScales: parts.map(partScale), seed };
    const ensemble = new TabularEnsemble(members, tails, StandardScaler.fromJSON(state.scaler), state);
    return { ensemble, trainScores: ensemble.combine(parts) };
  }

  /** Rebuilds a saved ensemble. */
  static fromParts(members: AnomalyDetector[], tails: FeatureTails, state: TabularEnsembleState): TabularEnsemble {
    if (2 * members.length + 1 !== state.partScales.length) throw new RangeError(`tabular ensemble: ${members.length} members need ${2 * members.length + 1} part scales, got ${state.partScales.length}`);
    if (tails.features !== state.features) throw new RangeError(`tabular ensemble: tails of ${tails.features} features, ensemble of ${state.features}`);
    for (const m of members) {
      if (m.sampleShape.join() !== String(state.features)) throw new RangeError(`tabular ensemble: a member takes samples of shape [${m.sampleShape}], expected [${state.features}]`);
    }
    return new TabularEnsemble(members, tails, StandardScaler.fromJSON(state.scaler), state);
  }

  /** The weighted means over members of their rescaled error and k-NN parts, plus the weighted rescaled tail part. */
  private combine(parts: Float64Array[]): Float64Array {
    const m = this.members.length;
    const n = parts[0]!.length;
    const out = new Float64Array(n);
    const { error, neighbours, tails } = TABULAR_RULES.weights;
    parts.forEach((p, i) => {
      const z = rescale(p, this.state.partScales[i]!);
      const w = i === 2 * m ? tails : (i % 2 === 0 ? error : neighbours) / m;
      for (let r = 0; r < n; r++) out[r] += w * z[r]!;
    });
    return out;
  }

  private scaled(x: Float32Array): Float32Array {
    return this.scaler.transform({ x, shape: [x.length / this.features, this.features] });
  }

  /** Scores raw rows (n × features). */
  async score(x: Float32Array): Promise<Float64Array> {
    const xs = this.scaled(x);
    const samples = { x: xs, shape: [x.length / this.features, this.features] };
    const parts: Float64Array[] = [];
    for (const member of this.members) {
      const c = await member.componentScores(samples);
      parts.push(c.get('mse')!, c.get('knn')!);
    }
    parts.push(this.tails.score(x));
    return this.combine(parts);
  }

  /**
   * Per-feature evidence of each raw row, as each part enters the score: for
   * each member, each feature's squared reconstruction error over the scale
   * of the member's error part, averaged over the members, plus each
   * feature's tail part over the tail part's scale, weighted as in the
   * score. The members' k-NN parts, rescaled, are the evidence no feature carries.
   */
  async evidence(x: Float32Array): Promise<FeatureEvidence[]> {
    const d = this.features;
    const n = x.length / d;
    const xs = this.scaled(x);
    const byFeature = new Float64Array(n * d);
    const neighbours = new Float64Array(n);
    const m = this.members.length;
    const scales = this.state.partScales;
    const w = TABULAR_RULES.weights;
    for (const [i, member] of this.members.entries()) {
      const rec = await member.model.reconstruct(xs);
      const errors = pointwiseParts(xs, rec, 'mse');
      for (let j = 0; j < byFeature.length; j++) byFeature[j] += (w.error * errors[j]!) / scales[2 * i]!.scale / m;
      const knn = rescale((await member.componentScores({ x: xs, shape: [n, d] })).get('knn')!, scales[2 * i + 1]!);
      for (let r = 0; r < n; r++) neighbours[r] += (w.neighbours * knn[r]!) / m;
    }
    const tailScale = scales[2 * m]!.scale;
    const tailParts = this.tails.parts(x);
    for (let i = 0; i < byFeature.length; i++) byFeature[i] += (w.tails * tailParts[i]!) / tailScale;
    return Array.from({ length: n }, (_, r) => ({ byFeature: byFeature.slice(r * d, (r + 1) * d), codeNeighbours: neighbours[r]! }));
  }
}
