/**
 * What the dashboard knows about the run folders under `--runs`: found by
 * their `run.json` (at the top level and one level down, where `aekit demo`
 * keeps its VAE run), summarized for the runs table, and read defensively: a
 * folder whose files are half written, damaged or from a crashed process
 * shows up with its problems named instead of breaking the page.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { STUDY_JOURNAL } from '../runs/find-runs.js';
import { runCondition } from '../runs/run-health.js';
import { isObject, num, readJson, readMetrics, str } from '../runs/lenient-read.js';
import { imageShapeOf } from '../viz/image-shape.js';
import { lttbIndices, type SeriesPoint } from './downsample.js';
import { readProgress, type ProgressSnapshot } from '../runs/progress-file.js';
import { RUN_AUDIO_INDEX } from '../runs/run-audio.js';

/** A run's state as the dashboard shows it: run.json's status, or what went wrong reading it. */
export type DashboardStatus = 'running' | 'finished' | 'stopped' | 'failed' | 'crashed' | 'damaged' | 'corrupt';

/** One row of the runs table. */
export interface RunSummary {
  /** Path relative to the runs folder with '/' separators, e.g. "demo/vae". */
  id: string;
  name: string;
  status: DashboardStatus;
  /** What is wrong with the folder, in words (empty when nothing is). */
  problems: string[];
  message?: string;
  created?: string;
  updated?: string;
  epochsDone?: number;
  epochsPlanned?: number;
  /** The model's class, e.g. "ConvAutoencoder". */
  model?: string;
  /** The preset options or the whole model config's main fields, for the table's tooltip. */
  modelConfig?: Record<string, unknown>;
  data?: string;
  training?: { epochs?: number; batchSize?: number; optimizer?: string; learningRate?: number; samples?: number };
  /** One sample's shape; `imageShape` is [C, H, W] when the samples can be drawn as images. */
  inputShape?: number[];
  imageShape?: number[];
  /** The last row of metrics.jsonl. */
  final?: Record<string, number>;
  /** Test metrics from results.json, when training finished. */
  test?: { samples?: number; mse?: number; bce?: number; psnr?: number; pcaMse?: number; pcaK?: number };
  /** Which files the page can use. */
  files: { model: boolean; encoder: boolean; decoder: boolean; checkpoint: boolean; scaler: boolean; liveReconstructions: boolean; figures: string[]; report: boolean; audio: boolean };
  /** A variational autoencoder (the page offers the generation view). */
  vae: boolean;
  /** The model's reconstruction loss ('mse', 'bce', 'mae'), for scores computed in the browser. */
  loss?: string;
  /** A series run (trained with --window): its window length; the page shows its steps' scores. */
  window?: number;
  /** An audio run (a folder of .wav files): its sample rate in Hz. */
  sampleRate?: number;
  /**
   * A speech-denoiser run: its model takes waveform segments of `segment`
   * samples, each clip scaled to RMS `rms` first (src/tasks/segments.ts);
   * it has no code, so no latent or anomaly view.
   */
  segments?: { segment: number; rms: number };
  /** A trial of a tuning study (`<study>/trials/trial-NNNN`): the study's id and the trial's number. */
  study?: { id: string; trial: number };
}

/** Files whose change means a run's summary may have changed. */
export const WATCHED_FILES = ['run.json', 'metrics.jsonl', 'results.json', 'config.json', 'progress.json', 'live/reconstructions.png', 'model.onnx', RUN_AUDIO_INDEX] as const;

export { findRuns } from '../runs/find-runs.js';
export { readMetrics } from '../runs/lenient-read.js';

/** Reads a run folder into a {@link RunSummary}; never throws for a damaged folder. */
export function summarizeRun(root: string, id: string): RunSummary {
  const dir = join(root, ...id.split('/'));
  const problems: string[] = [];
  const has = (f: string) => existsSync(join(dir, f));
  let figures: string[] = [];
  try {
    figures = readdirSync(join(dir, 'figures')).filter((f) => f.endsWith('.png')).sort();
  } catch {
    // no figures yet
  }
  const summary: RunSummary = {
    id, name: id.split('/').pop()!, status: 'corrupt', problems,
    files: { model: has('model.onnx'), encoder: has('encoder.onnx'), decoder: has('decoder.onnx'), checkpoint: has('checkpoint'), scaler: has('scaler.json'), liveReconstructions: has('live/reconstructions.png'), figures, report: has('report.html'), audio: has(RUN_AUDIO_INDEX) },
    vae: false,
  };
  const trial = /^(.+)\/trials\/trial-(\d+)$/.exec(id);
  if (trial && existsSync(join(root, ...trial[1]!.split('/'), STUDY_JOURNAL))) summary.study = { id: trial[1]!, trial: Number(trial[2]) };
  const info = readJson(join(dir, 'run.json'), problems, 'run.json');
  if (isObject(info) && info.format === 'aekit-run') {
    const status = str(info.status);
    if (status === 'running' || status === 'finished' || status === 'stopped' || status === 'failed') {
      // Crashed (its process is gone) or damaged (an exported model is empty or not ONNX), with the file named.
      const health = runCondition(dir, { ...info, status });
      summary.status = health.condition;
      problems.push(...health.problems);
      if (health.condition === 'damaged') {
        // A damaged model is not offered to the page (Try it would fail on it).
        for (const part of ['model', 'encoder', 'decoder'] as const) if (health.problems.some((p) => p.startsWith(`${part}.onnx `))) summary.files[part] = false;
      }
    } else problems.push(`run.json has an unknown status ${JSON.stringify(info.status)}`);
    summary.name = str(info.name) ?? summary.name;
    for (const k of ['created', 'updated', 'message'] as const) if (str(info[k]) !== undefined) summary[k] = str(info[k]);
    for (const k of ['epochsDone', 'epochsPlanned'] as const) if (num(info[k]) !== undefined) summary[k] = num(info[k]);
  } else if (info !== undefined) {
    problems.push("run.json is not an aekit run status (no format 'aekit-run')");
  } else if (problems.length === 0) {
    problems.push('run.json is missing');
  }
  const config = readJson(join(dir, 'config.json'), problems, 'config.json');
  if (isObject(config)) {
    const model = config.model;
    if (isObject(model)) {
      summary.model = str(model.className);
      summary.vae = /Variational/.test(summary.model ?? '');
      if (Array.isArray(model.inputShape) && model.inputShape.every((d) => typeof d === 'number')) {
        summary.inputShape = model.inputShape as number[];
        const image = imageShapeOf(summary.inputShape);
        if (image) summary.imageShape = image;
      }
      summary.loss = str(model.loss) ?? (summary.vae ? 'bce' : undefined);
      if (model.className === 'ComplexMaskDenoiser' && num(model.segment) !== undefined && num(model.rms) !== undefined) summary.segments = { segment: num(model.segment)!, rms: num(model.rms)! };
      const brief: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(model)) if (typeof v !== 'object') brief[k] = v;
      if (isObject(config.preset)) Object.assign(brief, config.preset);
      summary.modelConfig = brief;
    } else if (typeof model === 'string') summary.model = model;
    if (isObject(config.data)) {
      summary.data = str(config.data.source);
      if (num(config.data.window) !== undefined) summary.window = num(config.data.window);
      if (isObject(config.data.audio) && num(config.data.audio.sampleRate) !== undefined) summary.sampleRate = num(config.data.audio.sampleRate);
    }
    if (isObject(config.training)) {
      const t = config.training;
      const opt = isObject(t.optimizer) ? t.optimizer : {};
      summary.training = {
        ...(num(t.epochs) !== undefined ? { epochs: num(t.epochs) } : {}), ...(num(t.batchSize) !== undefined ? { batchSize: num(t.batchSize) } : {}),
        ...(str(opt.name) ? { optimizer: str(opt.name) } : {}), ...(num(opt.learningRate) !== undefined ? { learningRate: num(opt.learningRate) } : {}),
        ...(isObject(config.data) && num(config.data.samples) !== undefined ? { samples: num(config.data.samples) } : {}),
      };
    }
  } else if (config === undefined && problems.length === 0 && summary.status !== 'running') {
    problems.push('config.json is missing');
  }
  const rows = readMetrics(dir, problems);
  if (rows.length > 0) summary.final = rows[rows.length - 1];
  const results = readJson(join(dir, 'results.json'), problems, 'results.json');
  if (isObject(results) && isObject(results.test)) {
    const t = results.test;
    const model = isObject(t.model) ? t.model : {};
    const pca = isObject(t.pca) ? t.pca : {};
    summary.test = {
      ...(num(t.samples) !== undefined ? { samples: num(t.samples) } : {}),
      ...(num(model.mse) !== undefined ? { mse: num(model.mse) } : {}), ...(num(model.bce) !== undefined ? { bce: num(model.bce) } : {}),
      ...(num(model.psnr) !== undefined ? { psnr: num(model.psnr) } : {}),
      ...(num(pca.mse) !== undefined ? { pcaMse: num(pca.mse) } : {}), ...(num(pca.k) !== undefined ? { pcaK: num(pca.k) } : {}),
    };
  }
  if (summary.status === 'finished' && !has('model.onnx')) problems.push('finished, but model.onnx is missing');
  return summary;
}

/** What the live and runs views draw: the per-epoch history (thinned) and the step progress. */
export interface RunCurves {
  id: string;
  /** Epoch of each point, and the training and validation loss there (null: none), at most `maxPoints`. */
  epochs: number[];
  loss: (number | null)[];
  valLoss?: (number | null)[];
  /** Epochs in the run (before thinning). */
  total: number;
  progress?: ProgressSnapshot;
}

/** Loss curves of a run; longer histories are thinned to `maxPoints` epochs (LTTB on the training loss). */
export function runCurves(root: string, id: string, maxPoints = 500): RunCurves {
  const dir = join(root, ...id.split('/'));
  const rows = readMetrics(dir);
  const value = (r: Record<string, number>, key: string) => (typeof r[key] === 'number' && Number.isFinite(r[key]) ? r[key]! : null);
  const points = rows.map((r, i): SeriesPoint => [typeof r.epoch === 'number' ? r.epoch : i + 1, value(r, 'loss')]);
  const keep = rows.length > maxPoints ? lttbIndices(points, maxPoints) : rows.map((_, i) => i);
  const hasVal = rows.some((r) => typeof r.valLoss === 'number');
  const progress = readProgress(join(dir, 'progress.json'));
  return {
    id, epochs: keep.map((i) => points[i]![0]), loss: keep.map((i) => points[i]![1]),
    ...(hasVal ? { valLoss: keep.map((i) => value(rows[i]!, 'valLoss')) } : {}),
    total: rows.length, ...(progress ? { progress } : {}),
  };
}

/** A cheap fingerprint of a run folder's watched files (sizes and times), to notice changes by polling. */
export function runSignature(root: string, id: string): string {
  const dir = join(root, ...id.split('/'));
  return WATCHED_FILES.map((f) => {
    try {
      const st = statSync(join(dir, f));
      return `${st.size}:${st.mtimeMs}`;
    } catch {
      return '-';
    }
  }).join('|');
}
