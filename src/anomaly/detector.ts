/**
 * AnomalyDetector: an autoencoder of the family turned into a one-class
 * detector, PyOD style: fit on normal data, score new samples (higher = more
 * anomalous), threshold the scores, save and load the whole thing.
 */
import { type Scaler, type ScalerJSON, MinMaxScaler, StandardScaler, scalerFromJSON } from '../data/preprocess.js';
import { AutoencoderModel } from '../models/index.js';
import { type FitOptions } from '../train/trainer.js';
import { type DetectorEvaluation, evaluateDetector } from '../eval/detection.js';
import { erf } from './erf.js';
import { AnomalyInputError, type DetectorData, checkSamples } from './input.js';
import { rowMean } from './knn.js';
import { combineStandardized } from './score-parts.js';
import { type ScoreInput, needsCodes, scoreKind, unitRows } from './scores.js';
import { readDetectorDir, writeDetectorDir } from './store.js';
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
  readonly model: AutoencoderModel;
  readonly scoreKind: ScoreKind;
  readonly k: number;
  readonly metric: 'euclidean' | 'cosine';
  readonly combine: ScoreKind[];
  readonly proba: 'linear' | 'unify';
  private exclusionZone = 1;
  private fitScores: Float64Array | null = null;
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
   * @param model an autoencoder, or the directory it was saved to (`model.save(dir)`).
   */
  constructor(model: AutoencoderModel | string, options: AnomalyDetectorOptions = {}) {
    if (typeof model === 'string') this.model = AutoencoderModel.load(model);
    else if (model instanceof AutoencoderModel) this.model = model;
    else throw new TypeError(`AnomalyDetector: expected an autoencoder model or the directory of a saved one, got ${model === null ? 'null' : typeof model}`);
    if (options === null || typeof options !== 'object') throw new TypeError('AnomalyDetector: options must be an object');
    const known = ['score', 'k', 'metric', 'combine', 'scaler', 'proba'];
    for (const key of Object.keys(options)) if (!known.includes(key)) throw new RangeError(`AnomalyDetector: unknown option '${key}'; options: ${known.join(', ')}`);
    this.scoreKind = checkScoreKind(options.score ?? DEFAULT_SCORE, 'AnomalyDetector options.score');
    this.k = options.k ?? 5;
    if (!(Number.isInteger(this.k) && this.k >= 1)) throw new RangeError(`AnomalyDetector options.k: expected a positive integer, got ${JSON.stringify(options.k)}`);
    this.metric = options.metric ?? defaultMetric(this.model);
    if (this.metric !== 'euclidean' && this.metric !== 'cosine') throw new RangeError(`AnomalyDetector options.metric: expected 'euclidean' or 'cosine', got ${JSON.stringify(options.metric)}`);
    this.combine = options.combine ? [...options.combine] : ['mse', 'knn'];
    if (!Array.isArray(this.combine) || this.combine.length < 2) throw new RangeError(`AnomalyDetector options.combine: expected at least two score kinds, got ${JSON.stringify(options.combine)}`);
    this.combine.forEach((k, i) => {
      checkScoreKind(k, `AnomalyDetector options.combine[${i}]`);
      if (k === 'combined') throw new RangeError(`AnomalyDetector options.combine[${i}]: 'combined' cannot be a component of itself`);
      if (this.combine.indexOf(k) !== i) throw new RangeError(`AnomalyDetector options.combine[${i}]: '${k}' is listed twice`);
    });
    for (const kind of this.kinds()) {
      const unfit = scoreKind(kind).unfitModel?.(this.model);
      if (unfit) throw new RangeError(`AnomalyDetector: score '${kind}' ${unfit}`);
    }
    this.proba = options.proba ?? 'linear';
    if (this.proba !== 'linear' && this.proba !== 'unify') throw new RangeError(`AnomalyDetector options.proba: expected 'linear' or 'unify', got ${JSON.stringify(options.proba)}`);
    const s = options.scaler;
    if (s !== undefined && s !== 'zscore' && s !== 'minmax' && !(s instanceof StandardScaler || s instanceof MinMaxScaler)) {
      throw new RangeError(`AnomalyDetector options.scaler: expected 'zscore', 'minmax' or a scaler, got ${JSON.stringify(s)}`);
    }
    this.scalerOption = s;
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

  /**
   * The training samples' scores computed by the last `fit` (k-NN scores
   * leave out each sample's exclusion zone), in sample order; null for a
   * loaded detector.
   */
  get trainingScores(): Float64Array | null {
    return this.fitScores ? Float64Array.from(this.fitScores) : null;
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
    return [...this.model.inputShape];
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
    this.fitScores = trainScores;
    this.trainStatsValue = statsOf(trainScores);
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
    const { x, n } = checkSamples(trainData, this.model.inputShape, 'setThreshold');
    const fittedOn = this.trainStatsValue!.n;
    if (n !== fittedOn) throw new AnomalyInputError(`setThreshold: pass the training data fit was given (${fittedOn} samples), got ${n} samples`);
    return this.applyStrategy(strategy, this.finalScores(await this.components(this.scaled(x, n), true)));
  }

  private async applyStrategy(strategy: ThresholdStrategy, trainScores: ArrayLike<number>): Promise<number> {
    const { threshold, saved } = await applyThresholdStrategy(strategy, trainScores, async (s) => {
      const { x, n } = checkSamples(s.x, this.model.inputShape, "threshold 'bestF1' validation x");
      if (s.labels?.length !== n) throw new AnomalyInputError(`threshold 'bestF1': ${n} validation samples but ${s.labels?.length ?? 'no'} labels`);
      return this.finalScores(await this.components(this.scaled(x, n), false));
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
    const { x, n } = checkSamples(data, this.model.inputShape, 'score');
    return this.finalScores(await this.components(this.scaled(x, n), false));
  }

  /** 1 for samples scoring above the threshold, else 0. */
  async predict(data: DetectorData): Promise<Uint8Array> {
    const s = await this.score(data);
    return Uint8Array.from(s, (v) => (v > this.thresholdValue ? 1 : 0));
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

  /** The fitted state as saved in detector.json. */
  state(): DetectorState {
    this.needFitted('state');
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
    writeDetectorDir(dir, { state: this.state(), model: this.model, codes: this.codes, ...(extra ? { extra } : {}) });
  }

  /**
   * Loads a detector saved with `save`. Scores equal those of the saved
   * detector bit for bit (same model weights, codes, scaler and statistics).
   * @throws {DetectorFileError} naming the file and field when something is missing or damaged.
   */
  static load(dir: string): AnomalyDetector {
    return AnomalyDetector.fromSaved(readDetectorDir(dir)).detector;
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
    return { detector: d, ...(saved.extra ? { extra: saved.extra } : {}) };
  }
}
