/**
 * A run's one anomaly detector, saved in the run folder as `detector/` (the
 * format of src/anomaly/store.ts). The demo's report, `aekit detect <run>`
 * and every dashboard view score with it, so they show the same score kind,
 * threshold and metrics.
 *
 * Who fits it: `aekit demo` after training; otherwise the first of the
 * dashboard or `aekit detect` that needs it, with {@link RUN_DETECTOR_DEFAULTS}
 * on the run's training data (scaled as the model saw it). It records the
 * checkpoint it was fitted on: after more training the checkpoint changes and
 * the next user refits it (a detector saved without that record, as older
 * demos did, is taken as it is).
 *
 * A first save is written to a temporary sibling folder and renamed into
 * place, so two processes fitting at once leave one whole detector (the
 * second takes the first's); a refit replaces the files by the store's
 * generation protocol, whose commit is the atomic write of detector.json.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AnomalyDetector, DEFAULT_SCORE } from '../anomaly/detector.js';
import { readDetectorDir } from '../anomaly/store.js';
import { type AutoencoderModel } from '../models/base.js';
import { type LoadOptions } from '../models/front-end.js';
import { type ScoreKind } from '../anomaly/types.js';
import { sha256 } from '../train/checkpoint.js';
import { UsageError } from './errors.js';
import { type OpenedRun } from './open-run.js';
import { loadRunData } from './run-data.js';
import { seriesRunDetector } from './run-series-detector.js';

/** The detector's folder inside a run folder. */
export const RUN_DETECTOR_FOLDER = 'detector';

/** How a run's detector is fitted when nobody said otherwise: `aekit detect`'s defaults (docs/anomaly.md). */
export const RUN_DETECTOR_DEFAULTS: Readonly<{ score: ScoreKind; contamination: number }> = { score: DEFAULT_SCORE, contamination: 0.05 };

/** A run's detector and where it came from. */
export interface RunDetector {
  detector: AnomalyDetector;
  /** The detector's folder. */
  dir: string;
  /** True when it was fitted (and saved) by this call, false when it was read from the run folder. */
  fittedNow: boolean;
}

/** The identity of a run's current checkpoint: the SHA-256 of its weights (undefined for a bare checkpoint or none yet). */
export function checkpointFingerprint(runDir: string): string | undefined {
  const weights = join(runDir, 'checkpoint', 'weights.safetensors');
  return existsSync(weights) ? sha256(readFileSync(weights)) : undefined;
}

/**
 * Fits a detector on the run's training data, around the run's model as it
 * is (no further training). Not saved: see {@link saveRunDetector}.
 * @throws {UsageError} for a bare checkpoint (it has no training data to fit on).
 */
export async function fitRunDetector(run: OpenedRun, options: { score?: ScoreKind; contamination?: number } = {}): Promise<AnomalyDetector> {
  if (!run.config) throw new UsageError(`${run.dir} is a bare checkpoint: a detector is fitted on a run's training data, so give a run folder`);
  const detector = new AnomalyDetector(run.model, { score: options.score ?? RUN_DETECTOR_DEFAULTS.score });
  const data = await loadRunData(run.config.data, run.scaler ? { scaler: run.scaler } : undefined);
  // A table's column names go with the detector (detector.json's extra.columns): explanations name them.
  await detector.fit(data.columns ? { ...data.train, columns: data.columns } : data.train, { contamination: options.contamination ?? RUN_DETECTOR_DEFAULTS.contamination, train: false });
  return detector;
}

/** Saves `detector` (an AnomalyDetector, or a series run's TimeSeriesDetector) as the run's detector (atomically; see the module comment), recording the run's checkpoint. */
export function saveRunDetector(runDir: string, detector: { save(dir: string, extra?: Record<string, unknown>): void }): string {
  const dir = join(runDir, RUN_DETECTOR_FOLDER);
  const fingerprint = checkpointFingerprint(runDir);
  const extra = fingerprint ? { fittedOn: { checkpoint: fingerprint } } : undefined;
  if (existsSync(dir)) {
    detector.save(dir, extra);
    return dir;
  }
  const tmp = join(runDir, `.${RUN_DETECTOR_FOLDER}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    detector.save(tmp, extra);
    renameSync(tmp, dir);
  } catch (e) {
    // Another process saved the run's detector first: theirs stands (fitted on the same checkpoint).
    if (!existsSync(join(dir, 'detector.json'))) throw e;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/**
 * Whether the model saved in a run's detector folder is byte for byte the
 * run's checkpoint (config and weights): then the run's model, already
 * loaded, can score for the detector. True for a detector fitted on the
 * current checkpoint; false after more training, or for a detector whose
 * model was saved from weights other than the checkpoint's.
 */
function savesRunModel(runDir: string, detectorDir: string): boolean {
  const json = JSON.parse(readFileSync(join(detectorDir, 'detector.json'), 'utf8')) as { model?: unknown };
  if (typeof json.model !== 'string' || !/^model-\d+$/.test(json.model)) return false;
  const same = (file: string) => {
    const a = join(runDir, 'checkpoint', file);
    const b = join(detectorDir, json.model as string, file);
    return existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
  };
  return same('model.json') && same('weights.safetensors');
}

/**
 * The run's saved detector (its model loaded with `modelOptions`), or
 * undefined when it has none or it was fitted on an older checkpoint.
 * `runModel`: the run's model, already loaded; the detector scores with it
 * (instead of loading its own copy) when the saved copy is the same files.
 * @throws {DetectorFileError} when detector/ is there but damaged (naming the file and field).
 */
export function loadRunDetector(runDir: string, modelOptions: LoadOptions = {}, runModel?: AutoencoderModel): AnomalyDetector | undefined {
  const dir = join(runDir, RUN_DETECTOR_FOLDER);
  if (!existsSync(join(dir, 'detector.json'))) return undefined;
  const saved = readDetectorDir(dir, modelOptions, runModel && savesRunModel(runDir, dir) ? runModel : undefined);
  const fittedOn = (saved.extra?.fittedOn as { checkpoint?: unknown } | undefined)?.checkpoint;
  if (typeof fittedOn === 'string' && fittedOn !== checkpointFingerprint(runDir)) return undefined;
  return AnomalyDetector.fromSaved(saved).detector;
}

/**
 * The run's detector: the saved one, or one fitted now with the defaults and
 * saved in the run folder. A series run's is a TimeSeriesDetector
 * (src/runs/run-series-detector.ts); this gives its window detector.
 * `modelOptions`: how a saved detector's model is loaded (one fitted now uses the run's model).
 * `shareModel`: score with `run.model` when the saved copy is the same files
 * (a one-row command then loads one model, not two); for callers that do not
 * release the two separately.
 */
export async function runDetector(run: OpenedRun, modelOptions: LoadOptions = {}, options: { shareModel?: boolean } = {}): Promise<RunDetector> {
  if (run.config?.data.window !== undefined) {
    const s = await seriesRunDetector(run);
    return { detector: s.detector.windows, dir: s.dir, fittedNow: s.fittedNow };
  }
  const dir = join(run.dir, RUN_DETECTOR_FOLDER);
  const saved = loadRunDetector(run.dir, modelOptions, options.shareModel ? run.model : undefined);
  if (saved) return { detector: saved, dir, fittedNow: false };
  const detector = await fitRunDetector(run);
  saveRunDetector(run.dir, detector);
  return { detector, dir, fittedNow: true };
}
