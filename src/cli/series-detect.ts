/**
 * `aekit detect` on a series run (trained with `--window`) or a saved series
 * detector: per-step scores, flags and flagged ranges of a series (the run's
 * own, or `--data series.csv`), a scores CSV, and a figure of the series, its
 * score with the threshold and the flagged ranges. detect.ts hands over to
 * this module; the series logic lives here.
 */
import { basename } from 'node:path';
import { type FlaggedRange, TimeSeriesDetector } from '../anomaly/timeseries.js';
import { type SavedThresholdStrategy } from '../anomaly/threshold.js';
import { type ScoreKind } from '../anomaly/types.js';
import { readSeriesCsv } from '../data/series.js';
import { writeFileAtomic } from '../io/files.js';
import { UsageError } from '../runs/errors.js';
import { type OpenedRun } from '../runs/open-run.js';
import { fitSeriesRunDetector, runSeries, seriesRunDetector } from '../runs/run-series-detector.js';
import { seriesDetectionPng } from '../viz/figures.js';
import { type Io } from './io.js';

/** The flags of `aekit detect` a series uses. */
export interface SeriesDetectFlags {
  data?: string;
  score?: ScoreKind;
  contamination?: number;
  out?: string;
  png?: string;
  save?: string;
  json?: boolean;
  /** Flagged runs separated by at most this many steps are one range (default 0). */
  mergeGap?: number;
}

/** A flagged range with the timestamps of its ends (when the series has them). */
export interface SeriesRange extends FlaggedRange {
  startTime?: string;
  /** The last flagged step's timestamp. */
  endTime?: string;
}

/** What `aekit detect` reports for a series. */
export interface SeriesDetectOutcome {
  score: ScoreKind;
  threshold: number;
  /** Steps flagged. */
  flagged: number;
  /** Steps scored. */
  samples: number;
  window: number;
  ranges: SeriesRange[];
}

interface Series {
  x: Float32Array;
  shape: [number, number];
  columns: string[];
  timestamps: Float64Array | null;
  timestampText: string[] | null;
  trainSteps?: number;
  name: string;
}

/** The shortest decimal that reads back as the same float32 (5.0014, not 5.001399993896484). */
function f32String(v: number): string {
  for (let p = 1; p < 10; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Scores a series with a series run's detector (its own, or one fitted now
 * for another --score or --contamination) or a saved series detector, prints
 * the flagged ranges and writes --out, --png and --save.
 */
export async function runSeriesDetect(source: { run: OpenedRun } | { saved: TimeSeriesDetector; dir: string }, flags: SeriesDetectFlags, io: Io): Promise<SeriesDetectOutcome> {
  let detector: TimeSeriesDetector;
  let which: string;
  if ('saved' in source) {
    detector = source.saved;
    which = `the series detector saved in ${source.dir}`;
    if (!flags.data) throw new UsageError(`${source.dir} is a saved detector: say which series to score with --data`);
  } else if (flags.score === undefined && flags.contamination === undefined) {
    const own = await seriesRunDetector(source.run);
    detector = own.detector;
    which = `the run's detector (${own.dir}${own.fittedNow ? ', fitted now with the defaults and saved' : ''})`;
  } else {
    detector = await fitSeriesRunDetector(source.run, { ...(flags.score ? { score: flags.score } : {}), ...(flags.contamination !== undefined ? { contamination: flags.contamination } : {}) });
    which = "a detector fitted now on the run's training steps (not the run's own: other --score or --contamination)";
  }
  let series: Series;
  if (flags.data) {
    const s = await readSeriesCsv(flags.data);
    if (s.shape[1] !== detector.features) throw new UsageError(`--data ${flags.data}: ${s.shape[1]} numeric column${s.shape[1] === 1 ? '' : 's'} (${s.columns.join(', ')}), the detector takes ${detector.features}`);
    if (s.shape[0] < detector.window) throw new UsageError(`--data ${flags.data}: ${s.shape[0]} steps, fewer than one window of ${detector.window}`);
    series = { ...s, name: basename(flags.data) };
  } else {
    const s = await runSeries((source as { run: OpenedRun }).run);
    series = { ...s, name: `${basename(s.file)} (the run's series)` };
  }
  const [steps, channels] = series.shape;
  const result = await detector.detect({ x: series.x, shape: [steps, channels] }, { mergeGap: flags.mergeGap ?? 0 });
  const text = series.timestampText;
  const ranges: SeriesRange[] = result.ranges.map((r) => ({ ...r, ...(text ? { startTime: text[r.start]!, endTime: text[r.end - 1]! } : {}) }));
  const flagged = result.flags.reduce((a, b) => a + b, 0);
  const kind = detector.windows.scoreKind;
  if (flags.out) {
    const head = ['step', ...(text ? ['timestamp'] : []), ...series.columns.map(csvCell), 'score', 'anomaly'];
    const rows = [head.join(',')];
    for (let t = 0; t < steps; t++) {
      const values = Array.from(series.x.subarray(t * channels, (t + 1) * channels), f32String);
      rows.push([String(t), ...(text ? [csvCell(text[t]!)] : []), ...values, String(result.scores[t]), String(result.flags[t])].join(','));
    }
    writeFileAtomic(flags.out, `${rows.join('\n')}\n`);
  }
  if (flags.png) {
    const png = await seriesDetectionPng({
      values: series.x, channels, channelNames: series.columns, scores: result.scores, threshold: detector.threshold, ranges: result.ranges,
      timestamps: series.timestamps, ...(series.trainSteps ? { trainSteps: series.trainSteps } : {}),
    }, { title: `Anomalies in ${series.name}`, scoreName: `score (${kind}, window ${detector.window})`, panels: channels > 1 ? 'channels' : 'shared' });
    writeFileAtomic(flags.png, png);
  }
  if (flags.save) detector.save(flags.save);
  const outcome: SeriesDetectOutcome = { score: kind, threshold: detector.threshold, flagged, samples: steps, window: detector.window, ranges };
  if (flags.json) {
    io.out(JSON.stringify(outcome));
    return outcome;
  }
  io.log(`detector: ${which}`);
  io.log(`${kind} scores of ${steps} steps of ${series.name}, windows of ${detector.window}; threshold ${detector.threshold.toPrecision(4)}: ${flagged} steps flagged (${((100 * flagged) / steps).toFixed(1)}%) in ${ranges.length} range${ranges.length === 1 ? '' : 's'}`);
  const top = [...ranges].sort((a, b) => b.maxScore - a.maxScore).slice(0, 10).sort((a, b) => a.start - b.start);
  for (const r of top) {
    const where = r.startTime ? `${r.startTime} – ${r.endTime}` : `steps ${r.start}–${r.end - 1}`;
    io.log(`  ${where} (${r.end - r.start} step${r.end - r.start === 1 ? '' : 's'}), peak ${r.maxScore.toPrecision(4)} at ${text ? text[r.peak] : `step ${r.peak}`}`);
  }
  if (ranges.length > top.length) io.log(`  … and ${ranges.length - top.length} more (the ${top.length} with the highest peaks shown; all in --out or --json)`);
  const written = [flags.out, flags.png, flags.save].filter(Boolean);
  if (written.length) io.log(`  wrote ${written.join(', ')}`);
  return outcome;
}

/** What {@link seriesRunFigure} drew, for the log and the report. */
export interface SeriesRunFigure {
  png: Uint8Array;
  /** The flagged ranges, with their timestamps when the series has them. */
  ranges: SeriesRange[];
  flagged: number;
  steps: number;
  trainSteps: number;
  threshold: number;
  thresholdStrategy: SavedThresholdStrategy;
  score: ScoreKind;
  window: number;
  /** Steps of the moving mean over the step scores (1: none). */
  smoothing: number;
}

/**
 * The figure of a series run after training (figures/anomalies.png, which the
 * report shows; the dashboard draws the same chart, interactive): its whole
 * series scored by the run's detector (fitted and saved now), the training
 * steps shaded.
 */
export async function seriesRunFigure(run: OpenedRun): Promise<SeriesRunFigure> {
  const { detector } = await seriesRunDetector(run);
  const s = await runSeries(run);
  const [steps, channels] = s.shape;
  const result = await detector.detect({ x: s.x, shape: s.shape });
  const png = await seriesDetectionPng({
    values: s.x, channels, channelNames: s.columns, scores: result.scores, threshold: detector.threshold, ranges: result.ranges, timestamps: s.timestamps, trainSteps: s.trainSteps,
  }, { title: `Anomalies in ${basename(s.file)}`, scoreName: `score (${detector.windows.scoreKind}, window ${detector.window})`, panels: channels > 1 ? 'channels' : 'shared' });
  const text = s.timestampText;
  return {
    png, ranges: result.ranges.map((r) => ({ ...r, ...(text ? { startTime: text[r.start]!, endTime: text[r.end - 1]! } : {}) })),
    flagged: result.flags.reduce((a, b) => a + b, 0), steps, trainSteps: s.trainSteps,
    threshold: detector.threshold, thresholdStrategy: detector.thresholdStrategy, score: detector.windows.scoreKind, window: detector.window, smoothing: detector.smoothing,
  };
}
