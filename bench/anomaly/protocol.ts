/**
 * Workloads of the anomaly benchmark (bench/anomaly.ts): one-class
 * MNIST with aekit's detector and its score kinds next to PCA, and the
 * tabular breast-cancer run. Peers that live in Python are run by the script;
 * this module is what aekit itself computes.
 */
import { mnist } from '../../src/data/datasets.js';
import { type Dataset } from '../../src/data/types.js';
import { PCA } from '../../src/models/pca.js';
import { Autoencoder, type AutoencoderModel, ConvAutoencoder } from '../../src/models/index.js';
import { averagePrecision, evaluateDetector, rocAuc } from '../../src/eval/detection.js';
import { AnomalyDetector, type AnomalyDetectorOptions } from '../../src/anomaly/detector.js';
import { readTabular } from '../../src/anomaly/tabular.js';
import { type ScoreKind } from '../../src/anomaly/types.js';

/** Autoencoders the benchmark can put under the detector, by name, for a code size. */
export const MNIST_MODELS = {
  /** The default: dense 784-256-64-code (ReLU), sigmoid output, BCE; code 16. */
  dense: (code = 16) => new Autoencoder({ inputShape: [784], encoder: { sizes: [256, 64, code] }, loss: 'bce' }),
  /** The baseline: conv [32, 16] (3×3, max pooling), a dense code, BCE; code 32. */
  conv: (code = 32) => new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [32, 16] }, latentDim: code, loss: 'bce' }),
} as const;

export type MnistModelName = keyof typeof MNIST_MODELS;

/** Score kinds reported next to the default detector: each a detector of that kind on the same trained model. */
export const REPORTED_KINDS: readonly ScoreKind[] = ['reconstruction', 'mse', 'knn', 'center'];

/** Options of {@link oneClassMnist}. */
export interface OneClassMnistOptions {
  digit: number;
  model: MnistModelName;
  /** Code size (default: the model's own, see {@link MNIST_MODELS}). */
  code?: number;
  epochs: number;
  batchSize: number;
  seed: number;
  /** Keep only the first n training images of the digit (quick runs). */
  trainLimit?: number;
  /** Score only the first n test images (quick runs). */
  testLimit?: number;
  /** Detector options of the default detector (none: the library's defaults). */
  detector?: AnomalyDetectorOptions;
  /** PCA peer: keep the fewest components that explain this fraction of the variance. */
  pcaVariance: number;
}

/** One digit's results, ROC-AUC in %. */
export interface OneClassMnistResult {
  digit: number;
  train: number;
  test: number;
  /** The default detector. */
  rocAuc: number;
  averagePrecision: number;
  /** Per reported score kind (same trained model). */
  kinds: Partial<Record<ScoreKind, number>>;
  pca: number;
  pcaComponents: number;
  trainSeconds: number;
  seconds: number;
}

function digitSubset(ds: Dataset, digit: number, limit?: number): Float32Array {
  const d = ds.x.length / ds.shape[0]!;
  const rows: number[] = [];
  for (let i = 0; i < ds.labels!.length && (limit === undefined || rows.length < limit); i++) if (ds.labels![i] === digit) rows.push(i);
  const x = new Float32Array(rows.length * d);
  rows.forEach((r, i) => x.set(ds.x.subarray(r * d, (r + 1) * d), i * d));
  return x;
}

/**
 * One-class MNIST for one digit (Ruff et al. 2018's protocol): train on the
 * training images of `digit`, score the test images, the other digits are
 * the anomalies; ROC-AUC of the default detector, of each reported score
 * kind on the same trained model, and of PCA's reconstruction error.
 */
export async function oneClassMnist(o: OneClassMnistOptions): Promise<OneClassMnistResult> {
  const started = performance.now();
  const model: AutoencoderModel = MNIST_MODELS[o.model](o.code).compile({ seed: o.seed });
  const shape = model.inputShape.length === 3 ? 'image' : 'flat';
  const train = digitSubset(mnist({ split: 'train', shape }), o.digit, o.trainLimit);
  const testSet = mnist({ split: 'test', shape, ...(o.testLimit ? { limit: o.testLimit } : {}) });
  const labels = Uint8Array.from(testSet.labels!, (l) => (l === o.digit ? 0 : 1));
  const n = train.length / 784;
  const t0 = performance.now();
  const det = new AnomalyDetector(model, o.detector ?? {});
  await det.fit({ x: train, shape: [n, ...model.inputShape] }, { train: { epochs: o.epochs, batchSize: o.batchSize, seed: o.seed, worker: false } });
  const trainSeconds = (performance.now() - t0) / 1000;
  const scores = await det.score(testSet.x);
  const kinds: Partial<Record<ScoreKind, number>> = {};
  for (const kind of REPORTED_KINDS) {
    const d = kind === det.scoreKind ? det : await new AnomalyDetector(model, { ...o.detector, score: kind }).fit(train, { train: false });
    kinds[kind] = 100 * rocAuc(d === det ? scores : await d.score(testSet.x), labels);
  }
  kinds[det.scoreKind] = 100 * rocAuc(scores, labels);
  const pca = pcaPeer(train, testSet.x, labels, o.pcaVariance);
  return {
    digit: o.digit, train: n, test: labels.length,
    rocAuc: 100 * rocAuc(scores, labels), averagePrecision: 100 * averagePrecision(scores, labels),
    kinds, pca: pca.rocAuc, pcaComponents: pca.components,
    trainSeconds, seconds: (performance.now() - started) / 1000,
  };
}

/**
 * PCA's reconstruction error as an anomaly score: ‖x − x̂‖² with the fewest
 * principal components (fitted on the training images) that explain
 * `variance` of the variance.
 */
export function pcaPeer(train: Float32Array, test: Float32Array, labels: Uint8Array, variance: number): { rocAuc: number; components: number } {
  const d = 784;
  const full = PCA.fit({ x: train, shape: [train.length / d, d] }, { components: d });
  const ratio = full.explainedVarianceRatio;
  let k = 0;
  for (let acc = 0; k < d && acc < variance; k++) acc += ratio[k]!;
  const pca = full.truncate(Math.max(1, k));
  const rec = pca.reconstruct({ x: test, shape: [test.length / d, d] });
  const s = new Float64Array(test.length / d);
  for (let i = 0; i < s.length; i++) {
    let e = 0;
    for (let j = i * d; j < (i + 1) * d; j++) e += (test[j]! - rec[j]!) ** 2;
    s[i] = e;
  }
  return { rocAuc: 100 * rocAuc(s, labels), components: pca.components };
}

/** Tabular results of one split, in %. */
export interface TabularResult {
  train: number;
  test: number;
  anomalies: number;
  rocAuc: number;
  averagePrecision: number;
  /** At the detector's default threshold (contamination 0.1 of the training scores). */
  precision: number;
  recall: number;
  f1: number;
  seconds: number;
}

/** The tabular model: a dense autoencoder features-16-8 (ReLU), linear output, MSE. */
export const TABULAR_MODEL = (features: number) => new Autoencoder({ inputShape: [features], encoder: { sizes: [16, 8] } });

/**
 * The tabular run on one split, trained on train.csv's rows and scored on
 * test.csv's, the rows labelled 'malignant' being the anomalies: the
 * detector without configuration (`new AnomalyDetector()`, the default for
 * tables since issue 25), or with `model: true` {@link TABULAR_MODEL} under
 * the default detector with z-scored inputs (the configuration before it).
 */
export async function tabularRun(trainCsv: string, testCsv: string, o: { seed: number; epochs: number; model?: boolean }): Promise<TabularResult> {
  const started = performance.now();
  const train = await readTabular(trainCsv, { labelColumn: 'diagnosis', anomalyLabel: 'malignant' });
  const test = await readTabular(testCsv, { labelColumn: 'diagnosis', anomalyLabel: 'malignant' });
  let det: AnomalyDetector;
  if (o.model) {
    det = new AnomalyDetector(TABULAR_MODEL(train.shape[1]).compile({ seed: o.seed }), { scaler: 'zscore' });
    await det.fit(train, { train: { epochs: o.epochs, batchSize: 32, seed: o.seed, worker: false } });
  } else {
    det = new AnomalyDetector();
    await det.fit(train);
  }
  const e = evaluateDetector(await det.score(test), test.labels!, det.threshold);
  return {
    train: train.shape[0], test: test.shape[0], anomalies: e.anomalies,
    rocAuc: 100 * e.rocAuc, averagePrecision: 100 * e.averagePrecision,
    precision: 100 * e.precision, recall: 100 * e.recall, f1: 100 * e.f1,
    seconds: (performance.now() - started) / 1000,
  };
}
