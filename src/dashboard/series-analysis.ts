/**
 * What the dashboard's per-step view of a series run shows: the run's whole
 * series (every channel, as read), the per-step score of the run's series
 * detector (src/runs/run-series-detector.ts, the one `aekit detect` and the
 * run's figure use; fitted and saved when the run has none yet), its
 * threshold and flagged ranges, and which steps it was fitted on.
 *
 * Every step goes to the page, as float32 bytes (base64): 22,695 steps of
 * one channel are 180 KB of values and as many of scores. The page thins
 * what it draws to the chart's width (min and max per bucket, so spikes
 * stay), so a long series zooms and pans without asking the server again.
 *
 * Like analysis.ts, this runs ONNX Runtime and so runs in the analysis child
 * process (analysis-job.ts), never in the server's.
 */
import { basename, join } from 'node:path';
import { type FlaggedRange } from '../anomaly/ranges.js';
import { type SavedThresholdStrategy } from '../anomaly/threshold.js';
import { type ScoreKind } from '../anomaly/types.js';
import { openRun } from '../runs/open-run.js';
import { RUN_DETECTOR_FOLDER } from '../runs/run-detector.js';
import { runSeries, seriesRunDetector } from '../runs/run-series-detector.js';

/** The payload of `GET /api/series`. */
export interface SeriesAnalysis {
  id: string;
  /** The series' file name. */
  file: string;
  steps: number;
  /** Names of the channels (the CSV's numeric columns). */
  channels: string[];
  /** Base64 of steps × channels float32 values (little-endian), step after step, as read (not scaled). */
  values: string;
  /** Base64 of one float32 score per step (little-endian); NaN where a diverged model gave none. */
  scores: string;
  /** Base64 of one float64 per step: milliseconds since 1970 (little-endian); absent without a timestamp column. */
  timestamps?: string;
  /** The first `trainSteps` steps are those the detector (and the model) were fitted on. */
  trainSteps: number;
  window: number;
  /** Steps of the centred moving mean over the step scores (1: none). */
  smoothing: number;
  /** Steps scoring above it are flagged. */
  threshold: number;
  /** The detector's flagged ranges at its threshold ([start, end) in steps). */
  ranges: FlaggedRange[];
  /** Steps flagged at the threshold. */
  flagged: number;
  detector: {
    score: ScoreKind;
    /** For `combined`: its components. */
    combine: ScoreKind[];
    /** How the step threshold was set (from the training steps' scores). */
    thresholdStrategy: SavedThresholdStrategy;
    /** The detector's folder in the run folder. */
    folder: string;
    /** True when this analysis fitted it (with the defaults) and saved it in the run folder. */
    fittedNow: boolean;
  };
  seconds: number;
}

/** Little-endian bytes of a typed array, base64 (every platform Node runs on is little-endian). */
function base64(a: Float32Array | Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/**
 * The per-step analysis of series run `id` (seconds: one pass of the
 * detector over every window of the series).
 * @throws {UsageError} when the run is not a series run (trained with --window).
 */
export async function analyzeSeries(runsDir: string, id: string, options: { threads?: number } = {}): Promise<SeriesAnalysis> {
  const started = performance.now();
  const run = openRun(join(runsDir, ...id.split('/')), options.threads ?? 1);
  const s = await runSeries(run);
  const { detector, fittedNow } = await seriesRunDetector(run);
  const result = await detector.detect({ x: s.x, shape: s.shape });
  const state = detector.windows.state();
  return {
    id, file: basename(s.file), steps: s.shape[0], channels: s.columns,
    values: base64(s.x), scores: base64(Float32Array.from(result.scores)),
    ...(s.timestamps ? { timestamps: base64(s.timestamps) } : {}),
    trainSteps: s.trainSteps, window: detector.window, smoothing: detector.smoothing, threshold: detector.threshold,
    ranges: result.ranges, flagged: result.flags.reduce((a, b) => a + b, 0),
    detector: { score: state.score, combine: state.combine, thresholdStrategy: detector.thresholdStrategy, folder: RUN_DETECTOR_FOLDER, fittedNow },
    seconds: (performance.now() - started) / 1000,
  };
}
