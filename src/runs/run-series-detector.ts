/**
 * A series run's one detector (`data.window`): a {@link TimeSeriesDetector}
 * around the run's model, fitted on the training steps of the run's series
 * (channels standardized as the run did), saved as the run's `detector/` like
 * every run detector (src/runs/run-detector.ts), with its windowing and step
 * threshold in detector.json. `aekit detect`, the report and the dashboard
 * use it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readDetectorDir } from '../anomaly/store.js';
import { TimeSeriesDetector } from '../anomaly/timeseries.js';
import { type ScoreKind } from '../anomaly/types.js';
import { UsageError } from './errors.js';
import { type OpenedRun } from './open-run.js';
import { RUN_DETECTOR_DEFAULTS, RUN_DETECTOR_FOLDER, checkpointFingerprint, saveRunDetector } from './run-detector.js';
import { type SeriesInfo, loadSeriesRunData } from './series-data.js';

/** A series run's detector and where it came from. */
export interface RunSeriesDetector {
  detector: TimeSeriesDetector;
  dir: string;
  fittedNow: boolean;
}

/** The run's own series (training and test steps), read again from its source. */
export async function runSeries(run: OpenedRun): Promise<SeriesInfo> {
  if (!run.config || run.config.data.window === undefined) throw new UsageError(`${run.dir} is not a series run (trained with --window)`);
  return (await loadSeriesRunData(run.config.data, run.scaler ? { scaler: run.scaler } : undefined)).series;
}

/**
 * A detector around the run's model (as it is, no training) fitted on the
 * training steps of its series; the channels are standardized by the
 * detector itself when the run standardized them (the same statistics: the
 * same steps), so the detector scores raw series and saves whole.
 */
export async function fitSeriesRunDetector(run: OpenedRun, options: { score?: ScoreKind; contamination?: number } = {}): Promise<TimeSeriesDetector> {
  const series = await runSeries(run);
  const [, channels] = series.shape;
  const detector = new TimeSeriesDetector(run.model, { window: series.window, standardize: run.scaler !== undefined, score: options.score ?? RUN_DETECTOR_DEFAULTS.score });
  await detector.fit({ x: series.x.subarray(0, series.trainSteps * channels), shape: [series.trainSteps, channels] }, { contamination: options.contamination ?? RUN_DETECTOR_DEFAULTS.contamination, train: false });
  return detector;
}

/** The run's saved series detector, or undefined when there is none, it is not a series detector, or it was fitted on an older checkpoint. */
export function loadSeriesRunDetector(runDir: string): TimeSeriesDetector | undefined {
  const dir = join(runDir, RUN_DETECTOR_FOLDER);
  if (!existsSync(join(dir, 'detector.json'))) return undefined;
  const saved = readDetectorDir(dir);
  if (!saved.extra?.timeSeries) return undefined;
  const fittedOn = (saved.extra.fittedOn as { checkpoint?: unknown } | undefined)?.checkpoint;
  if (typeof fittedOn === 'string' && fittedOn !== checkpointFingerprint(runDir)) return undefined;
  return TimeSeriesDetector.fromSaved(saved, dir);
}

/** The series run's detector: the saved one, or one fitted now with the defaults and saved in the run folder. */
export async function seriesRunDetector(run: OpenedRun): Promise<RunSeriesDetector> {
  const dir = join(run.dir, RUN_DETECTOR_FOLDER);
  const saved = loadSeriesRunDetector(run.dir);
  if (saved) return { detector: saved, dir, fittedNow: false };
  const detector = await fitSeriesRunDetector(run);
  saveRunDetector(run.dir, detector);
  return { detector, dir, fittedNow: true };
}
