/**
 * What the latent-space and anomaly views of a trained run show, computed
 * from its checkpoint and its test set: codes projected to 2-D, inputs and
 * reconstructions (8-bit, for drawing), the scores of the run's one anomaly
 * detector (src/runs/run-detector.ts: the one `aekit detect` and the demo's
 * report use, fitted and saved in the run folder when it has none yet) with
 * its threshold, and known anomalies with the detection metrics when there
 * are some (src/runs/known-anomalies.ts: the set the demo's report measures).
 *
 * This runs ONNX Runtime, which blocks its thread, so the server runs it in a
 * child process (analysis-job.ts) and never in its own.
 */
import { join } from 'node:path';
import { type ScoreKind } from '../anomaly/types.js';
import { type SavedThresholdStrategy } from '../anomaly/threshold.js';
import { shapeSize } from '../data/types.js';
import { type DetectorEvaluation, evaluateDetector } from '../eval/detection.js';
import { imageShapeOf } from '../viz/image-shape.js';
import { openRun } from '../runs/open-run.js';
import { EVALUATION_SAMPLES, runEvaluationSet } from '../runs/known-anomalies.js';
import { RUN_DETECTOR_FOLDER, runDetector } from '../runs/run-detector.js';
import { seriesRunDetector } from '../runs/run-series-detector.js';
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
  /** The model's reconstruction loss. */
  loss: string;
  vae: boolean;
  codeSize: number;
  labels?: number[];
  classNames?: string[];
  latent: { method: 'identity' | 'pca' | 'umap'; axisNames: [string, string]; description: string; points: number[] };
  /** Inputs and reconstructions of every scored sample (the n of the split first, then the outliers). */
  inputs: Quantized;
  reconstructions: Quantized;
  /** The run's detector: what it scores, its threshold, where it is saved. */
  detector: AnalysisDetector;
  /** One score of the run's detector per scored sample (higher = more anomalous). */
  scores: number[];
  /** Per scored sample: 1 = known anomaly, 0 = normal; absent when nothing is known. */
  truth?: number[];
  /** Where the known anomalies come from, in words. */
  truthSource?: string;
  /** The detector's threshold (flagged: score > threshold). */
  threshold: number;
  /** The detector's metrics on the known anomalies at its threshold (what the demo's report shows); absent when nothing is known. */
  evaluation?: DetectorEvaluation;
  /**
   * Tables (one value per feature): the highest-scoring samples' most
   * anomalous features and their shares of the evidence (`AnomalyDetector.explain`).
   */
  explanations?: Array<{ sample: number; top: Array<{ feature: string; share: number }> }>;
  seconds: number;
}

/** Samples the anomalies view explains: its top tiles. */
export const EXPLAINED_SAMPLES = 24;

/** The run's detector as the views show it. */
export interface AnalysisDetector {
  score: ScoreKind;
  /** For `combined`: its components. */
  combine: ScoreKind[];
  threshold: number;
  thresholdStrategy: SavedThresholdStrategy;
  /** The detector's folder in the run folder (its detector.json and codes are run files the page may read). */
  folder: string;
  /** True when this analysis fitted it (with the defaults) and saved it in the run folder. */
  fittedNow: boolean;
  /** Training samples it was fitted on. */
  trainSamples: number;
  /**
   * A series run's detector flags steps, each scoring the mean of the windows
   * covering it: `threshold` and `thresholdStrategy` are then its step
   * threshold's (on the windows' scale), not the window detector's own.
   */
  steps?: boolean;
}

/** Options of {@link analyzeRun}. */
export interface AnalysisOptions {
  /** Samples of the split to show (default {@link EVALUATION_SAMPLES}: then the metrics are the report's). */
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

/** Computes a run's analysis (seconds for a few thousand samples). */
export async function analyzeRun(runsDir: string, id: string, options: AnalysisOptions = {}): Promise<RunAnalysis> {
  const started = performance.now();
  const run = openRun(join(runsDir, ...id.split('/')), options.threads ?? 1);
  const model = run.model;
  const evalSet = await runEvaluationSet(run, options.samples ?? EVALUATION_SAMPLES);
  const { n, set, x: all } = evalSet;
  const features = shapeSize(evalSet.sampleShape);
  const x = all.subarray(0, n * features);
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
  // A series run's detector flags steps: the threshold drawn over its windows' scores is its step threshold.
  const series = run.config?.data.window !== undefined ? await seriesRunDetector(run) : undefined;
  const { detector, fittedNow } = series ? { detector: series.detector.windows, fittedNow: series.fittedNow } : await runDetector(run);
  const threshold = series ? series.detector.threshold : detector.threshold;
  const rec = await model.reconstruct(all);
  const scores = Array.from(await detector.score({ x: all, shape: [evalSet.count, ...evalSet.sampleShape] }));
  const truth = evalSet.truth ? Array.from(evalSet.truth) : undefined;
  const state = detector.state();
  let explanations: RunAnalysis['explanations'];
  if (evalSet.sampleShape.length === 1 && scores.every(Number.isFinite)) {
    const order = scores.map((v, i) => [v, i] as const).sort((p, q) => q[0] - p[0]).slice(0, EXPLAINED_SAMPLES).map(([, i]) => i);
    const rows = new Float32Array(order.length * features);
    order.forEach((i, j) => rows.set(all.subarray(i * features, (i + 1) * features), j * features));
    // The names the detector was fitted with (detector.json), else the run's CSV header.
    const names = detector.featureNames ?? evalSet.columns;
    const nameOf = (f: number) => names?.[f] ?? `feature ${f + 1}`;
    const ex = await detector.explain({ x: rows, shape: [order.length, features] }, { top: 3 });
    explanations = order.map((sample, j) => ({ sample, top: ex[j]!.top.map((t) => ({ feature: nameOf(t.feature), share: Number(t.share.toFixed(4)) })) }));
  }
  return {
    id, split: evalSet.split, n, sampleShape: evalSet.sampleShape,
    ...(imageShapeOf(evalSet.sampleShape) ? { imageShape: imageShapeOf(evalSet.sampleShape)! } : {}),
    features, loss: model.loss, vae: model.className === 'VariationalAutoencoder', codeSize,
    ...(labels ? { labels } : {}), ...(set.labelNames ? { classNames: set.labelNames } : {}),
    latent, inputs: quantize(all), reconstructions: quantize(rec),
    detector: {
      score: state.score, combine: state.combine, threshold, thresholdStrategy: series ? series.detector.thresholdStrategy : state.thresholdStrategy,
      folder: RUN_DETECTOR_FOLDER, fittedNow, trainSamples: state.trainStats.n, ...(series ? { steps: true } : {}),
    },
    scores,
    ...(truth ? { truth, truthSource: evalSet.truthSource! } : {}),
    // Metrics need finite scores: a diverged model has none to rank.
    ...(truth && scores.every(Number.isFinite) ? { evaluation: evaluateDetector(scores, truth, threshold) } : {}),
    threshold,
    ...(explanations ? { explanations } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}
