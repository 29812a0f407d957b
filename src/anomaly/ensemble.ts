/**
 * The detector for tables that needs no configuration: what
 * `new AnomalyDetector()` fits when it is given no model. An ensemble of
 * small dense autoencoders of varied widths and seeds (after RandNet, Chen et
 * al. 2017), each scoring rows by its standardized squared reconstruction
 * error plus the k-NN distance of their codes, and the per-feature tail
 * scores of the inputs (src/anomaly/tails.ts). Each part is standardized by
 * its training scores and the parts are averaged, so no single member, and
 * no single kind of evidence, decides alone. Every choice is a rule of the
 * table's shape, written in {@link TABULAR_RULES} and measured in
 * docs/anomaly.md; nothing is tuned per table.
 */
import { StandardScaler, type StandardScalerJSON } from '../data/preprocess.js';
import { Autoencoder } from '../models/dense.js';
import { type FitOptions } from '../train/trainer.js';
import { AnomalyDetector } from './detector.js';
import { FeatureTails } from './tails.js';
import { type ScoreStats } from './types.js';
import { meanStd } from './threshold.js';

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
  /** Neighbours of the code-space k-NN part. */
  k: 5,
  /** Training codes kept for k-NN (a seeded sample beyond this): the scan is n·m·code multiply-adds. */
  maxReferenceRows: 10_000,
  /** Weight of the tail part next to the members' mean. */
  tailWeight: 1,
} as const;

/** What an ensemble's parts are, in the order of {@link TabularEnsemble.partStats}. */
export type EnsemblePart = { kind: 'member'; index: number } | { kind: 'tails' };

/** Per-feature evidence of a row, from the parts that split by feature. */
export interface FeatureEvidence {
  /** Per feature: its standardized share of the score (reconstruction error and tail parts; ≥ 0). */
  byFeature: Float64Array;
  /** The part of the score that does not split by feature (the members' code-space k-NN), standardized. */
  codeNeighbours: number;
}

function standardize(s: ArrayLike<number>, st: ScoreStats): Float64Array {
  const sd = st.std > 0 ? st.std : 1;
  return Float64Array.from(s, (v) => (v - st.mean) / sd);
}

function statsOf(s: ArrayLike<number>): ScoreStats {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < s.length; i++) {
    min = Math.min(min, s[i]!);
    max = Math.max(max, s[i]!);
  }
  return { n: s.length, min, max, ...meanStd(s) };
}

/** The fitted ensemble's state besides its members' own detectors (saved in detector.json). */
export interface TabularEnsembleState {
  features: number;
  scaler: StandardScalerJSON;
  /** Training statistics of each member's score, then of the tail score. */
  partStats: ScoreStats[];
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
    for (let i = 0; i < TABULAR_RULES.members; i++) {
      const memberSeed = seed * 1000 + i;
      const model = new Autoencoder({ inputShape: [d], encoder: { sizes: TABULAR_RULES.encoderSizes(d, i) } }).compile({ seed: memberSeed });
      const member = new AnomalyDetector(model, { score: 'combined', combine: ['mse', 'knn'], metric: 'euclidean', k: Math.min(TABULAR_RULES.k, n - 1) });
      const train: FitOptions = { epochs: TABULAR_RULES.epochs(n), batchSize: TABULAR_RULES.batchSize, seed: memberSeed, ...options.train };
      await member.fit({ x: xs, shape: [n, d] }, { train, threshold: { type: 'max' } });
      members.push(member);
      parts.push(member.trainingScores);
    }
    const tails = FeatureTails.fit(x, d);
    parts.push(tails.score(x));
    const state: TabularEnsembleState = { features: d, scaler: scaler.toJSON(), partStats: parts.map(statsOf), seed };
    const ensemble = new TabularEnsemble(members, tails, StandardScaler.fromJSON(state.scaler), state);
    return { ensemble, trainScores: ensemble.combine(parts) };
  }

  /** Rebuilds a saved ensemble. */
  static fromParts(members: AnomalyDetector[], tails: FeatureTails, state: TabularEnsembleState): TabularEnsemble {
    if (members.length + 1 !== state.partStats.length) throw new RangeError(`tabular ensemble: ${members.length} members but statistics of ${state.partStats.length - 1}`);
    if (tails.features !== state.features) throw new RangeError(`tabular ensemble: tails of ${tails.features} features, ensemble of ${state.features}`);
    for (const m of members) {
      if (m.sampleShape.join() !== String(state.features)) throw new RangeError(`tabular ensemble: a member takes samples of shape [${m.sampleShape}], expected [${state.features}]`);
    }
    return new TabularEnsemble(members, tails, StandardScaler.fromJSON(state.scaler), state);
  }

  /** The mean of the members' standardized scores plus the weighted standardized tail score. */
  private combine(parts: Float64Array[]): Float64Array {
    const m = this.members.length;
    const n = parts[0]!.length;
    const out = new Float64Array(n);
    parts.forEach((p, i) => {
      const z = standardize(p, this.state.partStats[i]!);
      const w = i < m ? 1 / m : TABULAR_RULES.tailWeight;
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
    const parts: Float64Array[] = [];
    for (const member of this.members) parts.push(await member.score(xs));
    parts.push(this.tails.score(x));
    return this.combine(parts);
  }

  /**
   * Per-feature evidence of each raw row: for each member, each feature's
   * squared reconstruction error over the member's error standard deviation
   * (its share of the member's standardized error part), averaged over the
   * members, plus each feature's tail part over the tail score's standard
   * deviation, weighted as in the score.
   */
  async evidence(x: Float32Array): Promise<FeatureEvidence[]> {
    const d = this.features;
    const n = x.length / d;
    const xs = this.scaled(x);
    const byFeature = new Float64Array(n * d);
    const neighbours = new Float64Array(n);
    const m = this.members.length;
    for (const member of this.members) {
      const e = await member.errorParts(xs);
      for (let i = 0; i < byFeature.length; i++) byFeature[i] += e.byFeature[i]! / m;
      for (let r = 0; r < n; r++) neighbours[r] += e.other[r]! / m;
    }
    const tailStats = this.state.partStats[m]!;
    const sd = tailStats.std > 0 ? tailStats.std : 1;
    const tailParts = this.tails.parts(x);
    for (let i = 0; i < byFeature.length; i++) byFeature[i] += (TABULAR_RULES.tailWeight * tailParts[i]!) / sd;
    return Array.from({ length: n }, (_, r) => ({ byFeature: byFeature.slice(r * d, (r + 1) * d), codeNeighbours: neighbours[r]! }));
  }
}
