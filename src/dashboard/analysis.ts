/**
 * What the latent-space and anomaly views of a trained run show, computed
 * from its checkpoint and its test set: codes projected to 2-D, inputs and
 * reconstructions (8-bit, for drawing), per-sample reconstruction errors as
 * anomaly scores, and known anomalies when there are some.
 *
 * This runs ONNX Runtime, which blocks its thread, so the server runs it in a
 * child process (analysis-job.ts) and never in its own.
 */
import { join } from 'node:path';
import { shapeSize, type Dataset } from '../data/types.js';
import { fashionMnist, mnist } from '../data/datasets.js';
import { imageShapeOf } from '../viz/image-shape.js';
import { dataForRun, openRun } from '../runs/open-run.js';
import { quantile } from '../eval/stats.js';
import { project2d, type ProjectionMethod } from '../viz/projection.js';

/** Numbers quantized to bytes for transport: value = lo + (hi − lo) · byte / 255. */
export interface Quantized {
  lo: number;
  hi: number;
  /** Base64 of n × features bytes. */
  bytes: string;
}

/** The payload of `GET /api/analysis`. */
export interface RunAnalysis {
  id: string;
  /** Which samples: the run's test set, or its training set when it has none. */
  split: 'test' | 'train';
  /** Samples in the latent view (the first n of the split). */
  n: number;
  sampleShape: number[];
  /** [C, H, W] when samples draw as images. */
  imageShape?: number[];
  features: number;
  /** The model's reconstruction loss, which the scores sum per sample. */
  loss: string;
  vae: boolean;
  codeSize: number;
  labels?: number[];
  classNames?: string[];
  latent: { method: 'identity' | 'pca' | 'umap'; axisNames: [string, string]; description: string; points: number[] };
  /** Inputs and reconstructions of every scored sample (the n of the split first, then the outliers). */
  inputs: Quantized;
  reconstructions: Quantized;
  /** One reconstruction error per scored sample. */
  scores: number[];
  /** Per scored sample: 1 = known anomaly, 0 = normal; absent when nothing is known. */
  truth?: number[];
  /** Where the known anomalies come from, in words. */
  truthSource?: string;
  /** Suggested threshold: the 95th percentile of the split's scores (5% flagged). */
  threshold: number;
  seconds: number;
}

/** Options of {@link analyzeRun}. */
export interface AnalysisOptions {
  /** Samples of the split to show (default 1000). */
  samples?: number;
  /** Projection of codes wider than 2 (default 'auto': PCA). */
  method?: ProjectionMethod;
  /** ONNX Runtime threads (default 1: the analysis must not starve a training next to it). */
  threads?: number;
}

function quantize(x: Float32Array): Quantized {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(lo < hi)) {
    lo = Number.isFinite(lo) ? lo : 0;
    hi = lo + 1;
  }
  const bytes = new Uint8Array(x.length);
  const scale = 255 / (hi - lo);
  for (let i = 0; i < x.length; i++) bytes[i] = Math.max(0, Math.min(255, Math.round((x[i]! - lo) * scale)));
  return { lo, hi, bytes: Buffer.from(bytes).toString('base64') };
}

/**
 * For MNIST runs Fashion-MNIST's test images are the known anomalies and the
 * other way round: the same 28×28 gray format, a different world. Other data
 * has known anomalies only when its labels are 0/1 (1 = anomalous).
 */
function knownOutliers(source: string | undefined, sampleShape: number[], count: number, hasScaler: boolean): { set: Dataset; what: string } | undefined {
  if (hasScaler || shapeSize(sampleShape) !== 784) return undefined;
  const shape = sampleShape.length === 1 ? 'flat' : sampleShape;
  if (source === 'mnist') return { set: fashionMnist({ split: 'test', shape, limit: count }), what: `${count} Fashion-MNIST test images (clothing) as known anomalies` };
  if (source === 'fashion-mnist') return { set: mnist({ split: 'test', shape, limit: count }), what: `${count} MNIST test images (digits) as known anomalies` };
  return undefined;
}

/** The 95th percentile of the finite scores (0 when there are none: a diverged model). */
function suggestedThreshold(scores: readonly number[]): number {
  const finite = scores.filter(Number.isFinite);
  return finite.length > 0 ? quantile(finite, 0.95) : 0;
}

/** Computes a run's analysis (seconds for a few thousand samples). */
export async function analyzeRun(runsDir: string, id: string, options: AnalysisOptions = {}): Promise<RunAnalysis> {
  const started = performance.now();
  const wanted = options.samples ?? 1000;
  const run = openRun(join(runsDir, ...id.split('/')), options.threads ?? 1);
  const model = run.model;
  const { data, split } = await dataForRun(run, undefined, { samples: wanted });
  const set = data.train; // dataForRun puts the chosen split here
  const n = Math.min(wanted, set.shape[0]!);
  const features = shapeSize(data.sampleShape);
  const x = set.x.subarray(0, n * features);
  const labels = set.labels ? Array.from(set.labels.subarray(0, n)) : undefined;
  const codeSize = shapeSize(model.latentShape);
  const codes = await model.encode(x);
  let latent: RunAnalysis['latent'];
  if (codeSize >= 2) {
    const p = await project2d(codes, codeSize, { method: options.method ?? 'auto', seed: 1 });
    latent = { method: p.method, axisNames: p.axisNames, description: p.description, points: Array.from(p.points, (v) => Number(v.toPrecision(6))) };
  } else {
    // A 1-D code: the code against the sample's index, so the view still shows something true.
    latent = { method: 'identity', axisNames: ['sample', 'z1'], description: 'the 1-D code per sample', points: Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? Math.floor(i / 2) : codes[Math.floor(i / 2)]!)) };
  }
  const outliers = knownOutliers(run.config?.data.source, data.sampleShape, Math.max(1, Math.round(n / 2)), Boolean(run.scaler));
  let all = x;
  let truth: number[] | undefined;
  let truthSource: string | undefined;
  if (outliers) {
    all = new Float32Array(x.length + outliers.set.x.length);
    all.set(x);
    all.set(outliers.set.x, x.length);
    truth = [...new Array<number>(n).fill(0), ...new Array<number>(outliers.set.shape[0]!).fill(1)];
    truthSource = outliers.what;
  } else if (labels && labels.every((l) => l === 0 || l === 1) && labels.includes(1)) {
    truth = labels;
    truthSource = 'the data set\'s 0/1 labels (1 = anomalous)';
  }
  const rec = await model.reconstruct(all);
  const scores = Array.from(await model.reconstructionError(all));
  return {
    id, split: split === 'test' ? 'test' : 'train', n, sampleShape: data.sampleShape,
    ...(imageShapeOf(data.sampleShape) ? { imageShape: imageShapeOf(data.sampleShape)! } : {}),
    features, loss: model.loss, vae: model.className === 'VariationalAutoencoder', codeSize,
    ...(labels ? { labels } : {}), ...(set.labelNames ? { classNames: set.labelNames } : {}),
    latent, inputs: quantize(all), reconstructions: quantize(rec), scores,
    ...(truth ? { truth, truthSource } : {}),
    threshold: suggestedThreshold(scores.slice(0, n)),
    seconds: (performance.now() - started) / 1000,
  };
}
