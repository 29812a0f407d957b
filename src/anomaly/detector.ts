/**
 * AnomalyDetector: an autoencoder of the family turned into a one-class
 * detector, PyOD style: fit on normal data, score new samples (higher = more
 * anomalous), threshold the scores, save and load the whole thing.
 */
import { type Scaler, type ScalerJSON, MinMaxScaler, StandardScaler, scalerFromJSON } from '../data/preprocess.js';
import { AutoencoderModel } from '../models/index.js';
import { type LoadOptions } from '../models/front-end.js';
import { type FitOptions } from '../train/trainer.js';
import { type DetectorEvaluation, evaluateDetector } from '../eval/detection.js';
import { sizeOf } from '../graph/types.js';
import { erf } from './erf.js';
import { AnomalyInputError, type DetectorData, checkSamples } from './input.js';
import { rowMean } from './knn.js';
import { combineStandardized, pointwiseParts } from './score-parts.js';
import { TABULAR_RULES, TabularEnsemble } from './ensemble.js';
import { type ScoreInput, needsCodes, scoreKind, unitRows } from './scores.js';
import { DetectorFileError, isEnsembleDir, readDetectorDir, readEnsembleDir, writeDetectorDir, writeEnsembleDir } from './store.js';
import { FeatureTails } from './tails.js';
import { type ScoreOnnxOptions, writeScoreOnnx } from './score-onnx.js';
import { type DetectorState, type ScoreKind, type ScoreStats, SCORE_KINDS } from './types.js';
import { type SavedThresholdStrategy, type ThresholdStrategy, applyThresholdStrategy, checkStrategy, meanStd } from './threshold.js';

/** Options of {@link AnomalyDetector}. */
export interface AnomalyDetectorOptions {
  /** The score. Default {@link DEFAULT_SCORE}. */
  score?: ScoreKind;
  /** Neighbours of the `knn` score. Default 5. */
  k?: number;
  /**
   * Distance between codes for `knn` and `center`: 'euclidean', or 'cosine'
   * (Euclidean distance between codes scaled to unit length, so only their
   * direction counts). Default: {@link defaultMetric} of the model, the
   * benchmarked choice for its kind of data. Measured in docs/anomaly.md: on
   * MNIST digits with a dense autoencoder's ReLU codes, 'cosine' is far better
   * (one-class ROC-AUC of k-NN on digit 8: 91.3 vs 67.5); on z-scored tabular
   * data, where anomalies differ by magnitude, it is far worse (breast cancer:
   * 37.5 vs 95.7).
   */
  metric?: 'euclidean' | 'cosine';
  /**
   * Components of the `combined` score. Default ['mse', 'knn']: squared error
   * rather than the model's own loss, since on one-class MNIST the squared
   * error of a BCE-trained autoencoder ranked anomalies better than its BCE
   * (mean ROC-AUC 95.7 vs 92.2; combined with k-NN: 97.2 vs 96.0).
   */
  combine?: ScoreKind[];
  /**
   * Input scaling fitted on the training data and applied before the model:
   * 'zscore' ({@link StandardScaler}), 'minmax' ({@link MinMaxScaler}), a fitted
   * or unfitted scaler, or none (default: the data is fed as it is).
   */
  scaler?: 'zscore' | 'minmax' | Scaler;
  /** How {@link AnomalyDetector.predictProba} maps scores to [0, 1]. Default 'linear'. */
  proba?: 'linear' | 'unify';
}

/** What made one sample anomalous: {@link AnomalyDetector.explain}. */
export interface SampleExplanation {
  /** The sample's score (as `score` gives it). */
  score: number;
  /** Each feature's share of the per-feature evidence (≥ 0, summing to 1; all 0 when there is none). */
  shares: Float64Array;
  /** The features with the largest shares, largest first (`name` when the detector was fitted on named columns). */
  top: Array<{ feature: number; name?: string; share: number }>;
  /** Fraction of the evidence carried by no feature (code-space parts), in [0, 1]. */
  unattributed: number;
}

/** Options of {@link AnomalyDetector.fit}. */
export interface DetectorFitOptions {
  /** Shorthand for `threshold: { type: 'contamination', contamination }`. */
  contamination?: number;
  /** How the threshold is set. Default: contamination 0.1 (PyOD's default). */
  threshold?: ThresholdStrategy;
  /**
   * Whether to train the autoencoder first: `true` or the `fit` options to use,
   * `false` to take the model as it is. Default: train when the model has
   * never been trained, else not. Given options are merged over the defaults
   * {@link DEFAULT_DETECTOR_TRAINING} (`{ batchSize: 128 }` still trains 10 epochs).
   */
  train?: boolean | FitOptions;
  /**
   * Training samples i and j with |i − j| < exclusionZone are not each
   * other's neighbours in the training `knn` scores (whose statistics
   * standardize a `combined` score and set the threshold). Default 1: only
   * the sample itself is left out. {@link TimeSeriesDetector} passes the
   * number of windows overlapping a window, near copies of it.
   */
  exclusionZone?: number;
}

/**
 * The default score kind, chosen by measurement (docs/anomaly.md): the sum of
 * standardized reconstruction error and k-NN code distance catches anomalies
 * off the training data's manifold (which the encoder may map among normal
 * codes) and on it (which the decoder may reconstruct well), and on one-class
 * MNIST it beat both of its parts on the mean over the ten digits.
 */
export const DEFAULT_SCORE: ScoreKind = 'combined';

/** How `fit` trains an untrained model; options given in {@link DetectorFitOptions.train} are merged over these. */
export const DEFAULT_DETECTOR_TRAINING: Readonly<FitOptions> = { epochs: 10 };

/**
 * The code distance benchmarked for the data a model takes (docs/anomaly.md):
 * 'cosine' for images, i.e. a model whose input is [channels, height, width]
 * or whose loss is 'bce' (values in [0, 1], as pixel intensities: the dense
 * MNIST model), where a ReLU code's length mostly tracks ink; 'euclidean'
 * for tables and other data (the tabular benchmark: z-scored features,
 * `scaler: 'zscore'`), where anomalies differ by magnitude.
 */
export function defaultMetric(model: AutoencoderModel): 'euclidean' | 'cosine' {
  return model.inputShape.length === 3 || model.loss === 'bce' ? 'cosine' : 'euclidean';
}

function statsOf(scores: ArrayLike<number>): ScoreStats {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    min = Math.min(min, scores[i]!);
    max = Math.max(max, scores[i]!);
  }
  return { n: scores.length, min, max, ...meanStd(scores) };
}

function checkProba(v: unknown): 'linear' | 'unify' {
  if (v === undefined) return 'linear';
  if (v !== 'linear' && v !== 'unify') throw new RangeError(`AnomalyDetector options.proba: expected 'linear' or 'unify', got ${JSON.stringify(v)}`);
  return v;
}

function checkScoreKind(v: unknown, what: string): ScoreKind {
  if (typeof v !== 'string' || !(SCORE_KINDS as readonly string[]).includes(v)) {
    throw new RangeError(`${what}: expected one of ${SCORE_KINDS.map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as ScoreKind;
}

/**
 * One-class anomaly detector around any autoencoder of the family (or the
 * directory of a saved one).
 *
 * ```ts
 * const det = new AnomalyDetector(new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [32, 16] }, latentDim: 16, loss: 'bce' }));
 * await det.fit(normalImages, { contamination: 0.05, train: { epochs: 10 } });
 * const scores = await det.score(newImages);   // higher = more anomalous
 * const flags = await det.predict(newImages);  // 1 = anomaly: score > det.threshold
 * det.save('detector/');                       // model, scaler, codes, score kind, threshold
 * ```
 */
export class AnomalyDetector {
  /**
   * True for a detector made without a model (`new AnomalyDetector()`): it
   * chooses its models from the table it is fitted on ({@link TabularEnsemble}).
   */
  readonly auto: boolean;
  private modelValue: AutoencoderModel | null;
  private ensemble: TabularEnsemble | null = null;
  private trainScoresValue: Float64Array | null = null;
  private featureNamesValue: string[] | null = null;
  readonly scoreKind: ScoreKind;
  readonly k: number;
  readonly metric: 'euclidean' | 'cosine';
  readonly combine: ScoreKind[];
  readonly proba: 'linear' | 'unify';
  private exclusionZone = 1;
  private scalerOption?: 'zscore' | 'minmax' | Scaler;
  /** The fitted scaler as saved, and the scaler rebuilt from it (so scores match a loaded detector bit for bit). */
  private scalerJson: ScalerJSON | null = null;
  private scaler: Scaler | null = null;
  private codes: Float32Array | null = null;
  private center: Float64Array | null = null;
  private thresholdValue = NaN;
  private strategy: SavedThresholdStrategy = { type: 'manual' };
  private trainStatsValue: ScoreStats | null = null;
  private componentStats: Partial<Record<ScoreKind, ScoreStats>> = {};

  /**
   * @param model an autoencoder, or the directory it was saved to
   *   (`model.save(dir)`); or nothing (only options) for a table: the detector
   *   then builds its own ensemble of autoencoders from the table's shape when
   *   it is fitted ({@link TABULAR_RULES}, measured in docs/anomaly.md).
   */
  constructor(model?: AutoencoderModel | string | AnomalyDetectorOptions, options: AnomalyDetectorOptions = {}) {
    if (model === undefined || (model !== null && typeof model === 'object' && !(model instanceof AutoencoderModel))) {
      if (model !== undefined && arguments.length > 1) throw new TypeError('AnomalyDetector: expected (model, options) or (options), got two option objects');
      options = (model as AnomalyDetectorOptions | undefined) ?? {};
      this.auto = true;
      this.modelValue = null;
      for (const key of Object.keys(options)) {
        if (key !== 'proba') throw new RangeError(`AnomalyDetector: option '${key}' needs a model; without one the detector chooses its models, scores and scaling from the table (docs/anomaly.md), and takes only 'proba'`);
      }
    } else if (typeof model === 'string') {
      this.auto = false;
      this.modelValue = AutoencoderModel.load(model);
    } else if (model instanceof AutoencoderModel) {
      this.auto = false;
      this.modelValue = model;
    } else {
      throw new TypeError(`AnomalyDetector: expected an autoencoder model, the directory of a saved one, or options, got ${model === null ? 'null' : typeof model}`);
    }
    if (options === null || typeof options !== 'object') throw new TypeError('AnomalyDetector: options must be an object');
    const known = ['score', 'k', 'metric', 'combine', 'scaler', 'proba'];
    for (const key of Object.keys(options)) if (!known.includes(key)) throw new RangeError(`AnomalyDetector: unknown option '${key}'; options: ${known.join(', ')}`);
    if (this.auto) {
      // The members' own scores; the ensemble adds the tail part (src/anomaly/ensemble.ts).
      this.scoreKind = 'combined';
      this.k = 50; // the members' own k is TABULAR_RULES.k(rows)
      this.metric = 'euclidean';
      this.combine = ['mse', 'knn'];
      this.proba = checkProba(options.proba);
      return;
    }
    this.scoreKind = checkScoreKind(options.score ?? DEFAULT_SCORE, 'AnomalyDetector options.score');
    this.k = options.k ?? 5;
    if (!(Number.isInteger(this.k) && this.k >= 1)) throw new RangeError(`AnomalyDetector options.k: expected a positive integer, got ${JSON.stringify(options.k)}`);
    this.metric = options.metric ?? defaultMetric(this.modelValue!);
    if (this.metric !== 'euclidean' && this.metric !== 'cosine') throw new RangeError(`AnomalyDetector options.metric: expected 'euclidean' or 'cosine', got ${JSON.stringify(options.metric)}`);
    this.combine = options.combine ? [...options.combine] : ['mse', 'knn'];
    if (!Array.isArray(this.combine) || this.combine.length < 2) throw new RangeError(`AnomalyDetector options.combine: expected at least two score kinds, got ${JSON.stringify(options.combine)}`);
    this.combine.forEach((k, i) => {
      checkScoreKind(k, `AnomalyDetector options.combine[${i}]`);
      if (k === 'combined') throw new RangeError(`AnomalyDetector options.combine[${i}]: 'combined' cannot be a component of itself`);
      if (this.combine.indexOf(k) !== i) throw new RangeError(`AnomalyDetector options.combine[${i}]: '${k}' is listed twice`);
    });
    for (const kind of this.kinds()) {
      const unfit = scoreKind(kind).unfitModel?.(this.modelValue!);
      if (unfit) throw new RangeError(`AnomalyDetector: score '${kind}' ${unfit}`);
    }
    this.proba = checkProba(options.proba);
    const s = options.scaler;
    if (s !== undefined && s !== 'zscore' && s !== 'minmax' && !(s instanceof StandardScaler || s instanceof MinMaxScaler)) {
      throw new RangeError(`AnomalyDetector options.scaler: expected 'zscore', 'minmax' or a scaler, got ${JSON.stringify(s)}`);
    }
    this.scalerOption = s;
  }

  /**
   * The autoencoder under the detector: the one it was given, or for a
   * detector without one, the first member of its ensemble (after `fit`).
   */
  get model(): AutoencoderModel {
    if (this.modelValue) return this.modelValue;
    if (this.ensemble) return this.ensemble.members[0]!.model;
    throw new Error('AnomalyDetector.model: this detector chooses its models from the table it is fitted on; call fit(table) first');
  }

  /** For a detector without a model: the fitted ensemble (members, tails), else null. */
  get tabularEnsemble(): TabularEnsemble | null {
    return this.ensemble;
  }

  /** Feature names given to `fit` (a {@link readTabular} table's columns), or null. */
  get featureNames(): string[] | null {
    return this.featureNamesValue ? [...this.featureNamesValue] : null;
  }

  /**
   * The training data's scores from the last `fit` (PyOD's `decision_scores_`):
   * in-sample, the k-NN part leave-one-out. Not saved: absent after `load`.
   */
  get trainingScores(): Float64Array {
    if (!this.trainScoresValue) throw new Error(this.fitted ? 'AnomalyDetector.trainingScores: not kept by save/load; score the training data again' : 'AnomalyDetector.trainingScores: the detector is not fitted; call fit(data) first');
    return this.trainScoresValue.slice();
  }

  /**
   * The training codes kept for the `knn` score (row after row, as the
   * encoder gave them; not unit length for 'cosine'), or null when the score
   * needs none.
   */
  get trainingCodes(): Float32Array | null {
    return this.codes ? this.codes.slice() : null;
  }

  /** The raw score kinds this detector computes. */
  private kinds(): ScoreKind[] {
    return this.scoreKind === 'combined' ? this.combine : [this.scoreKind];
  }

  /** Whether `fit` (or `load`) has run. */
  get fitted(): boolean {
    return this.trainStatsValue !== null;
  }

  /** Samples are flagged when their score is above this. Setting it makes the strategy 'manual'. */
  get threshold(): number {
    this.needFitted('threshold');
    return this.thresholdValue;
  }

  set threshold(value: number) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`threshold: expected a finite number, got ${String(value)}`);
    this.thresholdValue = value;
    this.strategy = { type: 'manual' };
  }

  /** How the current threshold was set. */
  get thresholdStrategy(): SavedThresholdStrategy {
    return { ...this.strategy };
  }

  /** Statistics of the training scores (n, min, max, mean, std). */
  get trainStats(): ScoreStats {
    this.needFitted('trainStats');
    return { ...this.trainStatsValue! };
  }

  private needFitted(what: string): void {
    if (!this.fitted) throw new Error(`AnomalyDetector.${what}: the detector is not fitted; call fit(data) first`);
  }

  /** The per-sample input shape (the model's). */
  get sampleShape(): number[] {
    if (this.auto) {
      if (!this.ensemble) throw new Error('AnomalyDetector.sampleShape: a detector without a model takes the width of the table it is fitted on; call fit(table) first');
      return [this.ensemble.features];
    }
    return [...this.modelValue!.inputShape];
  }

  /**
   * Trains the autoencoder on `data` (normal samples; see
   * {@link DetectorFitOptions.train}), fits the scaler, keeps what the score
   * needs (training codes, centre, score statistics) and sets the threshold
   * from the training scores (or a labelled validation set).
   */
  async fit(data: DetectorData, options: DetectorFitOptions = {}): Promise<this> {
    if (options === null || typeof options !== 'object') throw new TypeError('fit: options must be an object');
    for (const key of Object.keys(options)) if (!['contamination', 'threshold', 'train', 'exclusionZone'].includes(key)) throw new RangeError(`fit: unknown option '${key}'; options: contamination, threshold, train, exclusionZone`);
    const zone = options.exclusionZone ?? 1;
    if (!(Number.isInteger(zone) && zone >= 1)) throw new RangeError(`fit: exclusionZone must be a positive integer, got ${JSON.stringify(options.exclusionZone)}`);
    if (options.contamination !== undefined && options.threshold !== undefined) throw new RangeError('fit: give contamination or threshold, not both');
    const strategy: ThresholdStrategy = options.threshold ?? { type: 'contamination', contamination: options.contamination ?? 0.1 };
    checkStrategy(strategy);
    const columns = (data as { columns?: unknown }).columns;
    this.featureNamesValue = Array.isArray(columns) && columns.every((c) => typeof c === 'string') ? [...(columns as string[])] : null;
    if (this.auto) return this.fitTable(data, strategy, options.train);
    const raw = checkSamples(data, this.model.inputShape, 'fit');
    const n = raw.n;
    // The scaler is fitted before anything else uses the data; a given, fitted scaler is kept as it is.
    const opt = this.scalerOption;
    if (opt !== undefined) {
      const s = opt === 'zscore' ? new StandardScaler() : opt === 'minmax' ? new MinMaxScaler() : opt;
      if (!s.fitted) s.fit({ x: raw.x, shape: [n, ...this.model.inputShape] });
      this.scalerJson = s.toJSON();
      this.scaler = scalerFromJSON(this.scalerJson);
    }
    if (zone > 1 && this.kinds().includes('knn') && n - Math.min(n, 2 * zone - 1) < this.k) {
      throw new AnomalyInputError(`fit: ${n} training samples leave fewer than k = ${this.k} neighbours outside an exclusion zone of ${zone}; give more training data or a smaller exclusion zone`);
    }
    this.exclusionZone = zone;
    const x = this.scaled(raw.x, n);
    const train = options.train ?? !this.model.trained;
    if (train !== false) {
      await this.model.fit({ x, shape: [n, ...this.model.inputShape] }, { ...DEFAULT_DETECTOR_TRAINING, ...(train === true ? {} : train) });
    }
    if (needsCodes(this.kinds())) {
      this.codes = await this.model.encode(x);
      const dim = this.codes.length / n;
      this.center = rowMean(this.metric === 'cosine' ? unitRows(this.codes, dim) : this.codes, dim);
    }
    const components = await this.components(x, true);
    this.componentStats = {};
    if (this.scoreKind === 'combined') for (const [kind, s] of components) this.componentStats[kind] = statsOf(s);
    const trainScores = this.finalScores(components);
    this.trainStatsValue = statsOf(trainScores);
    this.trainScoresValue = trainScores;
    await this.applyStrategy(strategy, trainScores);
    return this;
  }

  /** `fit` of a detector without a model: builds and trains the tabular ensemble. */
  private async fitTable(data: DetectorData, strategy: ThresholdStrategy, train: DetectorFitOptions['train']): Promise<this> {
    if (data instanceof Float32Array || data === null || typeof data !== 'object' || !Array.isArray(data.shape) || data.shape.length !== 2) {
      throw new AnomalyInputError(`fit: a detector without a model is fitted on a table: { x: Float32Array, shape: [rows, features] } (readTabular gives one), got ${data instanceof Float32Array ? 'a flat Float32Array with no shape' : `shape ${JSON.stringify((data as { shape?: unknown })?.shape)}`}`);
    }
    const d = data.shape[1]!;
    if (!(Number.isInteger(d) && d >= 1)) throw new AnomalyInputError(`fit: a table needs at least one feature column, got shape [${data.shape}]`);
    const { x, n } = checkSamples(data, [d], 'fit');
    if (n < 2) throw new AnomalyInputError(`fit: ${n} row; a detector learns what is usual from at least 2 rows (dozens for a useful one)`);
    if (train === false) throw new RangeError('fit: train: false needs a trained model; a detector without a model trains its own');
    const { ensemble, trainScores } = await TabularEnsemble.fit(x, d, { ...(train && train !== true ? { train } : {}) });
    this.ensemble = ensemble;
    this.trainStatsValue = statsOf(trainScores);
    this.trainScoresValue = trainScores;
    await this.applyStrategy(strategy, trainScores);
    return this;
  }

  /**
   * Sets the threshold by a strategy from the training scores (recomputed, as
   * they are not kept) or from a labelled validation set (`bestF1`).
   */
  async setThreshold(strategy: ThresholdStrategy, trainData?: DetectorData): Promise<number> {
    this.needFitted('setThreshold');
    checkStrategy(strategy);
    if (strategy.type === 'manual' || strategy.type === 'bestF1') return this.applyStrategy(strategy, new Float64Array(0));
    if (strategy.type === 'max') return this.applyStrategy(strategy, [this.trainStatsValue!.max]);
    if (strategy.type === 'meanStd') {
      const { mean, std } = this.trainStatsValue!;
      const k = strategy.k ?? 3;
      this.thresholdValue = mean + k * std;
      this.strategy = { type: 'meanStd', k };
      return this.thresholdValue;
    }
    if (!trainData) throw new RangeError("setThreshold: a 'contamination' threshold needs the training data again (its scores are not kept): setThreshold(strategy, trainData)");
    const { x, n } = checkSamples(trainData, this.sampleShape, 'setThreshold');
    const fittedOn = this.trainStatsValue!.n;
    if (n !== fittedOn) throw new AnomalyInputError(`setThreshold: pass the training data fit was given (${fittedOn} samples), got ${n} samples`);
    if (this.auto) {
      if (!this.trainScoresValue) throw new RangeError("setThreshold: a loaded detector without a model keeps no training scores; a 'contamination' threshold needs fit(data) again");
      return this.applyStrategy(strategy, this.trainScoresValue);
    }
    return this.applyStrategy(strategy, this.finalScores(await this.components(this.scaled(x, n), true)));
  }

  private async applyStrategy(strategy: ThresholdStrategy, trainScores: ArrayLike<number>): Promise<number> {
    const { threshold, saved } = await applyThresholdStrategy(strategy, trainScores, async (s) => {
      const { x, n } = checkSamples(s.x, this.sampleShape, "threshold 'bestF1' validation x");
      if (s.labels?.length !== n) throw new AnomalyInputError(`threshold 'bestF1': ${n} validation samples but ${s.labels?.length ?? 'no'} labels`);
      return this.scoreChecked(x, n);
    });
    this.thresholdValue = threshold;
    this.strategy = saved;
    return threshold;
  }

  private scaled(x: Float32Array, n: number): Float32Array {
    return this.scaler ? this.scaler.transform({ x, shape: [n, ...this.model.inputShape] }) : x;
  }

  /** Raw scores of every kind the detector needs, by kind. `training`: the rows are the training data (leave-one-out k-NN). */
  private async components(x: Float32Array, training: boolean): Promise<Map<ScoreKind, Float64Array>> {
    const out = new Map<ScoreKind, Float64Array>();
    const kinds = this.kinds();
    let reconstruction: Promise<Float32Array> | undefined;
    let codes: Promise<Float32Array> | undefined;
    // Kinds that read reconstructions and kinds that read codes (the default combined score): one call for both.
    if (kinds.some((k) => scoreKind(k).readsReconstruction) && kinds.some((k) => scoreKind(k).needsCodes) && this.model.reconstructsAndEncodesAtOnce) {
      const both = this.model.reconstructAndEncode(x);
      reconstruction = both.then((b) => b.reconstruction);
      codes = both.then((b) => b.code);
      // Each getter awaits its half; a failure surfaces there, not as an unhandled rejection of the other.
      reconstruction.catch(() => {});
      codes.catch(() => {});
    }
    const input: ScoreInput = {
      model: this.model, x, training, exclusionZone: this.exclusionZone, k: this.k, metric: this.metric, trainCodes: this.codes, center: this.center,
      reconstruction: () => (reconstruction ??= this.model.reconstruct(x)),
      codes: () => (codes ??= this.model.encode(x)),
    };
    for (const kind of kinds) out.set(kind, await scoreKind(kind).compute(input));
    return out;
  }

  /** The detector's score from its components: the one score, or the sum of standardized components. */
  private finalScores(components: Map<ScoreKind, Float64Array>): Float64Array {
    if (this.scoreKind !== 'combined') return components.get(this.scoreKind)!;
    return combineStandardized(components, this.combine, this.componentStats);
  }

  /** One anomaly score per sample (higher = more anomalous), in float64. */
  async score(data: DetectorData): Promise<Float64Array> {
    this.needFitted('score');
    const { x, n } = checkSamples(data, this.sampleShape, 'score');
    return this.scoreChecked(x, n);
  }

  private async scoreChecked(x: Float32Array, n: number): Promise<Float64Array> {
    if (this.ensemble) return this.ensemble.score(x);
    return this.finalScores(await this.components(this.scaled(x, n), false));
  }

  /**
   * Which features made each sample anomalous: every feature's share of the
   * per-feature evidence behind its score, largest first. The evidence is
   * what splits exactly by feature: each feature's reconstruction error (for
   * a `combined` score, over the error part's training standard deviation,
   * as it enters the score) and, for a detector without a model, each
   * feature's tail part. Parts that live in code space (k-NN, centre, ELBO)
   * do not split by feature; their standardized size, when positive, is
   * reported as `unattributed`, the fraction of the evidence no feature carries.
   */
  async explain(data: DetectorData, options: { top?: number } = {}): Promise<SampleExplanation[]> {
    this.needFitted('explain');
    const top = options.top ?? 3;
    if (!(Number.isInteger(top) && top >= 1)) throw new RangeError(`explain: top must be a positive integer, got ${JSON.stringify(options.top)}`);
    const shape = this.sampleShape;
    const { x, n } = checkSamples(data, shape, 'explain');
    const size = x.length / n;
    const scores = await this.scoreChecked(x, n);
    let byFeature: Float64Array;
    let other: Float64Array;
    if (this.ensemble) {
      const ev = await this.ensemble.evidence(x);
      byFeature = new Float64Array(n * size);
      ev.forEach((e, i) => byFeature.set(e.byFeature, i * size));
      other = Float64Array.from(ev, (e) => e.codeNeighbours);
    } else {
      ({ byFeature, other } = await this.errorParts(this.scaled(x, n)));
    }
    const names = this.featureNamesValue;
    return Array.from({ length: n }, (_, i) => {
      const row = byFeature.subarray(i * size, (i + 1) * size);
      let total = 0;
      for (const v of row) total += Math.max(0, v);
      const rest = Math.max(0, other[i]!);
      const shares = Float64Array.from(row, (v) => (total > 0 ? Math.max(0, v) / total : 0));
      const order = Array.from(shares.keys()).sort((a, b) => shares[b]! - shares[a]! || a - b).slice(0, top);
      return {
        score: scores[i]!,
        shares,
        top: order.map((feature) => ({ feature, ...(names?.[feature] !== undefined ? { name: names[feature] } : {}), share: shares[feature]! })),
        unattributed: total + rest > 0 ? rest / (total + rest) : 0,
      };
    });
  }

  /**
   * The raw score of each kind the detector computes (for `combined`, its
   * components before standardizing), by kind. `training`: the samples are
   * the training data, so k-NN leaves each out of its own neighbours.
   */
  async componentScores(data: DetectorData, options: { training?: boolean } = {}): Promise<Map<ScoreKind, Float64Array>> {
    this.needFitted('componentScores');
    if (this.auto) throw new Error('AnomalyDetector.componentScores: a detector without a model scores through its ensemble; see tabularEnsemble');
    const { x, n } = checkSamples(data, this.sampleShape, 'componentScores');
    return this.components(this.scaled(x, n), options.training ?? false);
  }

  /**
   * The score's evidence split by feature, for samples already scaled as the
   * model sees them: per feature (n × features) and the part that does not
   * split (n), as {@link explain} describes. Used by the tabular ensemble.
   */
  async errorParts(x: Float32Array): Promise<{ byFeature: Float64Array; other: Float64Array }> {
    const model = this.model;
    const size = model.inputShape.reduce((a, b) => a * b, 1);
    const n = x.length / size;
    const byFeature = new Float64Array(x.length);
    const other = new Float64Array(n);
    let rec: Float32Array | undefined;
    for (const kind of this.kinds()) {
      const st = this.scoreKind === 'combined' ? this.componentStats[kind]! : { mean: 0, std: 1 };
      const sd = st.std > 0 ? st.std : 1;
      const pointwise = kind === 'reconstruction' ? (['mse', 'mae', 'bce'].includes(model.loss) ? (model.loss as 'mse' | 'mae' | 'bce') : 'mse') : kind;
      if (pointwise === 'mse' || pointwise === 'mae' || pointwise === 'bce') {
        rec ??= await model.reconstruct(x);
        const parts = pointwiseParts(x, rec, pointwise);
        for (let i = 0; i < parts.length; i++) byFeature[i] += parts[i]! / sd;
      } else {
        const s = (await this.components(x, false)).get(kind)!;
        for (let i = 0; i < n; i++) other[i] += (s[i]! - st.mean) / sd;
      }
    }
    return { byFeature, other };
  }

  /** 1 for samples scoring above the threshold, else 0. */
  async predict(data: DetectorData): Promise<Uint8Array> {
    return this.flagsOf(await this.score(data));
  }

  /** `predict` from scores already computed with `score`: 1 where a score is above the threshold, else 0. */
  flagsOf(scores: ArrayLike<number>): Uint8Array {
    return Uint8Array.from(scores, (v) => (v > this.thresholdValue ? 1 : 0));
  }

  /**
   * Scores mapped to [0, 1] from the training scores' statistics, as PyOD's
   * `predict_proba`:
   * - 'linear': (s − min) / (max − min) of the training scores, clipped to [0, 1];
   * - 'unify': erf((s − μ) / (σ√2)) clipped below at 0 (Kriegel et al. 2011's
   *   Gaussian scaling: a score at the training mean or below is 0).
   */
  async predictProba(data: DetectorData, method: 'linear' | 'unify' = this.proba): Promise<Float64Array> {
    if (method !== 'linear' && method !== 'unify') throw new RangeError(`predictProba: method must be 'linear' or 'unify', got ${JSON.stringify(method)}`);
    const s = await this.score(data);
    const { min, max, mean, std } = this.trainStatsValue!;
    return s.map((v) => {
      if (method === 'linear') return max > min ? Math.min(1, Math.max(0, (v - min) / (max - min))) : v > max ? 1 : 0;
      return std > 0 ? Math.max(0, erf((v - mean) / (std * Math.SQRT2))) : v > mean ? 1 : 0;
    });
  }

  /** Scores `data` and evaluates them against `labels` (1 = anomaly) at the detector's threshold. */
  async evaluate(data: DetectorData, labels: ArrayLike<number | boolean>): Promise<DetectorEvaluation> {
    const s = await this.score(data);
    if (labels?.length !== s.length) throw new AnomalyInputError(`evaluate: ${s.length} samples but ${labels?.length ?? 'no'} labels`);
    return evaluateDetector(s, labels, this.thresholdValue);
  }

  /**
   * Writes score.onnx: one standalone ONNX model taking raw samples `x`
   * [N, …sampleShape] (float32, before the detector's scaling) and returning
   * `score` [N] (float64, as {@link score}) and `flag` [N] (bool,
   * score > threshold), with the scaler, the model(s) and the score's
   * constants baked in (src/anomaly/score-onnx.ts; docs/export.md).
   * `options.prescale`: a scaling to apply first (a run's scaler.json).
   */
  exportOnnx(path: string, options: ScoreOnnxOptions = {}): void {
    this.needFitted('exportOnnx');
    writeScoreOnnx(this, path, options);
  }

  /** The fitted state as saved in detector.json. */
  state(): DetectorState {
    this.needFitted('state');
    if (this.auto) throw new Error('AnomalyDetector.state: a detector without a model is an ensemble; its parts are in tabularEnsemble');
    return {
      score: this.scoreKind,
      k: this.k,
      metric: this.metric,
      combine: [...this.combine],
      proba: this.proba,
      scaler: this.scalerJson,
      threshold: this.thresholdValue,
      thresholdStrategy: { ...this.strategy },
      trainStats: { ...this.trainStatsValue! },
      componentStats: structuredClone(this.componentStats),
      center: this.center ? Array.from(this.center) : null,
      exclusionZone: this.exclusionZone,
    };
  }

  /**
   * Saves the detector to `dir`: the model in a subfolder the detector
   * creates, the training codes (when the score uses them) and detector.json
   * (score kind, options, scaler, threshold, statistics), which is written
   * last, atomically, and is what makes the new save current. `dir` must be
   * new, empty, or hold a detector saved before (which is replaced; a kill
   * during the save leaves the old one loadable). Files the detector did not
   * write are never touched.
   */
  save(dir: string, extra?: Record<string, unknown>): void {
    if (this.auto) {
      this.needFitted('save');
      if (extra) throw new RangeError('save: a detector without a model keeps no extra block');
      const e = this.ensemble!;
      const tails = e.tails.toState();
      writeEnsembleDir(dir, {
        ensemble: e.state,
        members: e.members.map((m) => (d: string) => m.save(d)),
        sortedColumns: tails.sortedColumns,
        rows: tails.rows,
        outer: { proba: this.proba, threshold: this.thresholdValue, thresholdStrategy: { ...this.strategy }, trainStats: { ...this.trainStatsValue! }, featureNames: this.featureNamesValue },
      });
      return;
    }
    // Column names travel in the extra block, where `aekit detect` looks for them when it streams a table.
    const withColumns = this.featureNamesValue && extra?.columns === undefined ? { ...extra, columns: this.featureNamesValue } : extra;
    writeDetectorDir(dir, { state: this.state(), model: this.model, codes: this.codes, ...(withColumns ? { extra: withColumns } : {}) });
  }

  /**
   * Loads a detector saved with `save`. Scores equal those of the saved
   * detector bit for bit (same model weights, codes, scaler and statistics).
   * `modelOptions` go to the model loads (e.g. `{ session: { threads: 1, spinning: false } }`).
   * @throws {DetectorFileError} naming the file and field when something is missing or damaged.
   */
  static load(dir: string, modelOptions: LoadOptions = {}): AnomalyDetector {
    if (isEnsembleDir(dir)) {
      const saved = readEnsembleDir(dir, modelOptions);
      const members = saved.members.map((m) => AnomalyDetector.fromSaved(m).detector);
      const d = new AnomalyDetector({ proba: saved.outer.proba });
      try {
        d.ensemble = TabularEnsemble.fromParts(members, FeatureTails.fromState({ features: saved.ensemble.features, rows: saved.rows, sortedColumns: saved.sortedColumns }), saved.ensemble);
      } catch (e) {
        throw new DetectorFileError(`${dir}/detector.json`, `field 'ensemble': ${(e as Error).message}`);
      }
      d.thresholdValue = saved.outer.threshold;
      d.strategy = saved.outer.thresholdStrategy;
      d.trainStatsValue = saved.outer.trainStats;
      d.featureNamesValue = saved.outer.featureNames;
      return d;
    }
    return AnomalyDetector.fromSaved(readDetectorDir(dir, modelOptions)).detector;
  }

  /** Rebuilds a detector from what `readDetectorDir` found; `extra` is the caller's own block. */
  static fromSaved(saved: ReturnType<typeof readDetectorDir>): { detector: AnomalyDetector; extra?: Record<string, unknown> } {
    const { state, model, codes } = saved;
    const d = new AnomalyDetector(model, { score: state.score, k: state.k, metric: state.metric, combine: state.combine, proba: state.proba });
    d.exclusionZone = state.exclusionZone;
    d.scalerJson = state.scaler;
    d.scaler = state.scaler ? scalerFromJSON(state.scaler) : null;
    d.codes = codes;
    d.center = state.center ? Float64Array.from(state.center) : null;
    d.thresholdValue = state.threshold;
    d.strategy = state.thresholdStrategy;
    d.trainStatsValue = state.trainStats;
    d.componentStats = state.componentStats;
    const columns = saved.extra?.columns;
    if (Array.isArray(columns) && columns.length === sizeOf(model.inputShape) && columns.every((c) => typeof c === 'string')) d.featureNamesValue = [...(columns as string[])];
    return { detector: d, ...(saved.extra ? { extra: saved.extra } : {}) };
  }
}
