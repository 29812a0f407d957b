/**
 * What `aekit serve` serves, opened from a path: a run folder (its model, its
 * scaler and the run's detector, src/runs/run-detector.ts), a detector saved
 * with `aekit detect --save` or `det.save()` (one model, or the table
 * ensemble), or a bare checkpoint (no detector: /encode and /reconstruct
 * only). Each endpoint becomes a function of raw rows, as a client sends
 * them, so scores equal `aekit detect` and `AnomalyDetector.score` on the
 * same rows.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AnomalyDetector } from '../anomaly/detector.js';
import { isEnsembleDir, readDetectorDir } from '../anomaly/store.js';
import { type Scaler, scalerFromJSON } from '../data/preprocess.js';
import { type AutoencoderModel } from '../models/index.js';
import { UsageError } from '../runs/errors.js';
import { openRun } from '../runs/open-run.js';
import { runDetector } from '../runs/run-detector.js';
import { type BatchFunction } from './batcher.js';
import { RequestError, type RowSpec } from './bodies.js';

/** The endpoints that run the model. */
export const MODEL_ENDPOINTS = ['score', 'encode', 'reconstruct'] as const;
export type ModelEndpoint = (typeof MODEL_ENDPOINTS)[number];

/** A model or detector ready to answer requests. */
export interface Servable {
  /** What is served, in words, for the start-up line and /healthz. */
  description: string;
  /** What one row must be. */
  spec: RowSpec;
  /** The detector behind /score: its score kind and threshold (a score above it is flagged). */
  detector?: { scoreKind: string; threshold: number };
  /** Values per code (/encode). */
  codeSize?: number;
  /** The function behind each endpoint served: n raw rows in, n rows of output out. */
  run: Partial<Record<ModelEndpoint, BatchFunction>>;
  /** Why an endpoint is not served (a 404 answer names it). */
  unavailable: Partial<Record<ModelEndpoint, string>>;
  /** Frees the ONNX Runtime sessions. */
  close(): Promise<void>;
}

/** Options of {@link openServable}. */
export interface OpenServableOptions {
  /** ONNX Runtime intra-op threads of the models (default: all cores). */
  threads?: number;
  /** Progress lines (a run's detector fitted now). */
  log?: (line: string) => void;
}

/**
 * Runs the calls given to it one at a time: the endpoints share a model,
 * whose trainer would otherwise build a second ONNX Runtime session for a
 * part already running (tens of milliseconds, on a request's clock).
 */
function oneAtATime(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };
}

/**
 * ONNX Runtime's matrix kernels take another path for one row than for
 * several, and the result can differ in the last float32 digit (a combined
 * score of a dense detector: 3e-8 apart alone and in any batch of 2 to 256).
 * A lone row runs as two copies, so that an answer does not depend on
 * whether other requests shared its call, and equals AnomalyDetector.score
 * on a set of rows that holds it.
 */
function neverAlone(fn: BatchFunction): BatchFunction {
  return async (x, n) => {
    if (n !== 1) return fn(x, n);
    const twice = new Float32Array(x.length * 2);
    twice.set(x);
    twice.set(x, x.length);
    const out = await fn(twice, 2);
    return out.subarray(0, out.length / 2);
  };
}

function checkFinite(a: Float32Array, width: number, what: (row: number, j: number, v: number) => string): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v - v !== 0) throw new RequestError(422, what(Math.floor(i / width), i % width, v));
  }
}

function outputFinite(out: Float32Array | Float64Array, n: number, what: string): void {
  const per = out.length / n;
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) {
      throw new RequestError(422, `row ${Math.floor(i / per)}: the ${what} is not finite (the row lies so far outside the training data that float32 arithmetic overflows); expected values nearer the training data's range`);
    }
  }
}

/** The endpoints of a model behind an optional input scaler: rows are scaled as in training; reconstructions come back in the rows' own units. */
function modelEndpoints(model: AutoencoderModel, scaler: Scaler | null, spec: RowSpec, serial: ReturnType<typeof oneAtATime>): Pick<Servable['run'], 'encode' | 'reconstruct'> {
  const shape = spec.sampleShape;
  const scaled = (x: Float32Array, n: number): Float32Array => {
    if (!scaler) return x;
    const s = scaler.transform({ x, shape: [n, ...shape] });
    checkFinite(s, spec.width, (r, j, v) => `row ${r}, value ${j}: the model's input scaling maps it to ${v}; expected values nearer the training data's range`);
    return s;
  };
  return {
    encode: neverAlone((x, n) => serial(async () => {
      const codes = await model.encode(scaled(x, n));
      outputFinite(codes, n, 'code');
      return codes;
    })),
    reconstruct: neverAlone((x, n) => serial(async () => {
      let rec = await model.reconstruct(scaled(x, n));
      if (scaler) rec = scaler.inverseTransform({ x: rec, shape: [n, ...shape] });
      outputFinite(rec, n, 'reconstruction');
      return rec;
    })),
  };
}

/** /score through `detector` (after `scaler`, for a run's detector fitted on scaled rows). */
function scoreEndpoint(detector: AnomalyDetector, scaler: Scaler | null, spec: RowSpec, serial: ReturnType<typeof oneAtATime>): BatchFunction {
  return neverAlone((x, n) => serial(async () => {
    let input = x;
    if (scaler) {
      input = scaler.transform({ x, shape: [n, ...spec.sampleShape] });
      checkFinite(input, spec.width, (r, j, v) => `row ${r}, value ${j}: the run's input scaling maps it to ${v}; expected values nearer the training data's range`);
    }
    const scores = await detector.score({ x: input, shape: [n, ...spec.sampleShape] });
    outputFinite(scores, n, 'score');
    return scores;
  }));
}

const codeSizeOf = (model: AutoencoderModel) => model.latentShape.reduce((a, b) => a * b, 1);
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

async function releaseAll(models: AutoencoderModel[]): Promise<void> {
  await Promise.all(models.map((m) => m.trainer.releaseSessions()));
}

/**
 * Opens `path` for serving: a saved detector (a folder with detector.json), a
 * run folder or a bare checkpoint. A run without a saved detector gets one
 * fitted on its training data and saved, as `aekit detect <run>` does.
 * @throws {UsageError} for a path that is none of these, or a series run or series detector (they score a series step by step, not rows).
 * @throws {ConfigError | DetectorFileError | CheckpointError} for one that is damaged.
 */
export async function openServable(path: string, options: OpenServableOptions = {}): Promise<Servable> {
  const serial = oneAtATime();
  // As openRun's: ONNX Runtime threads that spin between calls would take the core the server's event loop needs.
  const modelOptions = { session: { ...(options.threads ? { threads: options.threads } : {}), spinning: false } };
  const seriesRefusal = `${path} is a series detector: it scores a whole series step by step (windows overlap, scores are per step), not independent rows; score series with aekit detect ${path} --data series.csv`;
  if (existsSync(join(path, 'detector.json'))) {
    if (isEnsembleDir(path)) {
      const detector = AnomalyDetector.load(path, modelOptions);
      const ensemble = detector.tabularEnsemble!;
      const spec: RowSpec = { width: ensemble.features, sampleShape: [ensemble.features], ...(detector.featureNames ? { columns: detector.featureNames } : {}) };
      const why = `the detector saved in ${path} is a table ensemble of ${ensemble.members.length} autoencoders, each with its own code and reconstruction: it serves /score only`;
      return {
        description: `the table detector saved in ${path} (${ensemble.members.length} autoencoders, ${spec.width} columns, threshold ${detector.threshold.toPrecision(4)})`,
        spec,
        detector: { scoreKind: 'table ensemble', threshold: detector.threshold },
        run: { score: scoreEndpoint(detector, null, spec, serial) },
        unavailable: { encode: why, reconstruct: why },
        close: () => releaseAll(ensemble.members.map((m) => m.model)),
      };
    }
    const saved = readDetectorDir(path, modelOptions);
    if (saved.extra?.timeSeries) throw new UsageError(seriesRefusal);
    const { detector } = AnomalyDetector.fromSaved(saved);
    const model = detector.model;
    const spec: RowSpec = { width: sizeOf(model.inputShape), sampleShape: [...model.inputShape], ...(detector.featureNames ? { columns: detector.featureNames } : {}) };
    const own = detector.state().scaler;
    return {
      description: `the detector saved in ${path} (${model.className}, ${detector.scoreKind} score, threshold ${detector.threshold.toPrecision(4)})`,
      spec,
      detector: { scoreKind: detector.scoreKind, threshold: detector.threshold },
      codeSize: codeSizeOf(model),
      run: { score: scoreEndpoint(detector, null, spec, serial), ...modelEndpoints(model, own ? scalerFromJSON(own) : null, spec, serial) },
      unavailable: {},
      close: () => releaseAll([model]),
    };
  }
  const what = 'expected a run folder, a detector saved with aekit detect --save, or a checkpoint';
  if (!existsSync(path)) throw new UsageError(`${path}: no such folder; ${what}`);
  if (!existsSync(join(path, 'run.json')) && !existsSync(join(path, 'checkpoint.json')) && !existsSync(join(path, '.aekit-commit'))) throw new UsageError(`${path}: no run.json, detector.json or checkpoint.json here; ${what}`);
  const run = openRun(path, options.threads);
  if (run.config?.data.window !== undefined) throw new UsageError(seriesRefusal.replace('a series detector', 'a series run (trained with --window)'));
  const model = run.model;
  const scaler = run.scaler ? scalerFromJSON(run.scaler) : null;
  const base: RowSpec = { width: sizeOf(model.inputShape), sampleShape: [...model.inputShape] };
  const endpoints = modelEndpoints(model, scaler, base, serial);
  if (!run.config) {
    return {
      description: `the model of the checkpoint ${path} (${model.className}; no detector: a bare checkpoint has no training data to fit one on)`,
      spec: base,
      codeSize: codeSizeOf(model),
      run: endpoints,
      unavailable: { score: `${path} is a bare checkpoint: a detector is fitted on a run's training data; serve a run folder or a detector saved with aekit detect --save` },
      close: () => releaseAll([model]),
    };
  }
  const own = await runDetector(run, modelOptions);
  if (own.fittedNow) options.log?.(`fitted the run's detector with the defaults and saved it in ${own.dir}`);
  const detector = own.detector;
  const spec: RowSpec = { ...base, ...(detector.featureNames ? { columns: detector.featureNames } : {}) };
  return {
    description: `the run ${path} (${model.className}; its detector in ${own.dir}: ${detector.scoreKind} score, threshold ${detector.threshold.toPrecision(4)}${scaler ? `; rows scaled with the run's ${run.scaler!.kind} scaler` : ''})`,
    spec,
    detector: { scoreKind: detector.scoreKind, threshold: detector.threshold },
    codeSize: codeSizeOf(model),
    run: { score: scoreEndpoint(detector, scaler, spec, serial), ...endpoints },
    unavailable: {},
    close: () => releaseAll([model, detector.model]),
  };
}
