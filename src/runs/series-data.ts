/**
 * The data of a series run (`data.window`, `aekit train --data series.csv
 * --window 64`): one time series from a CSV file (rows are steps: an optional
 * timestamp column and numeric channels, src/data/series.ts), each channel
 * standardized with the mean and std of the training steps, cut into windows
 * of `window` steps at stride 1, which are the samples the model trains on.
 *
 * The test part is the last `testSplit` (default 0.2) of the steps, in time
 * order: a random split would put windows overlapping the training ones into
 * the test set. A separate `data.test` file is a test series of its own.
 */
import { basename, extname } from 'node:path';
import { ConfigError } from '../config/validate.js';
import { DataFormatError } from '../data/errors.js';
import { type Scaler, type ScalerJSON, StandardScaler, scalerFromJSON } from '../data/preprocess.js';
import { type SeriesCsv, readSeriesCsv } from '../data/series.js';
import { type Dataset } from '../data/types.js';
import { slidingWindows } from '../anomaly/timeseries.js';
import { kindDefaults } from './data-kinds.js';
import { type DataConfig } from './run-config.js';
import { DEFAULT_TEST_SPLIT, type RunData, type RunDataNeeds } from './run-data.js';

/** The series behind a series run's windows. */
export interface SeriesInfo {
  /** The CSV file. */
  file: string;
  /** The values as read (not scaled): [steps, channels], step after step. */
  x: Float32Array;
  shape: [number, number];
  /** The same values scaled as the model saw them (the run's scaler), or `x` without one. */
  scaled: Float32Array;
  /** Names of the channels (the numeric columns). */
  columns: string[];
  /** Milliseconds since 1970 per step, and the cells as written; null without a timestamp column. */
  timestamps: Float64Array | null;
  timestampText: string[] | null;
  /** The first `trainSteps` steps are the training part; the rest the test part. */
  trainSteps: number;
  window: number;
}

const SERIES_EXTENSIONS = ['.csv', '.tsv', '.txt'];

async function readSeries(source: string, what: string): Promise<SeriesCsv> {
  if (!SERIES_EXTENSIONS.includes(extname(source).toLowerCase())) {
    throw new ConfigError(what, `'${source}': a series (data.window, --window) is read from a CSV file of steps (a timestamp column and numeric columns), not a '${extname(source) || 'folder'}'`);
  }
  return readSeriesCsv(source);
}

function windowsOf(values: Float32Array, channels: number, window: number, description: string): Dataset {
  const w = slidingWindows(values, channels, { window });
  return { x: w.x, shape: w.shape, description };
}

function isUnit(x: Float32Array): boolean {
  for (let i = 0; i < x.length; i++) if (!(x[i]! >= 0 && x[i]! <= 1)) return false;
  return true;
}

/**
 * Loads a series run's data: windows of the training steps (and of the test
 * steps), with a per-channel scaler fitted on the training steps (or the saved one).
 * @throws {ConfigError} for a source that is not a CSV, or too short for a window.
 * @throws {DataFormatError} for a CSV that is not a series, naming the line and field.
 */
export async function loadSeriesRunData(cfg: DataConfig, saved?: { scaler?: ScalerJSON }, needs: RunDataNeeds = {}): Promise<RunData & { series: SeriesInfo }> {
  const window = cfg.window!;
  if (cfg.labelColumn !== undefined) throw new ConfigError('data.labelColumn', 'a series (data.window) has no label column: every numeric column is a channel');
  const s = await readSeries(cfg.source, 'data.source');
  const [steps, channels] = s.shape;
  const file = basename(cfg.source);
  if (steps < window) throw new DataFormatError(file, {}, `holds ${steps} steps, fewer than one window of ${window} (--window)`);
  let trainSteps = steps;
  let test: Dataset | undefined;
  let testSeries: SeriesCsv | undefined;
  if (cfg.test) testSeries = await readSeries(cfg.test, 'data.test');
  else if (!needs.wholeSource) {
    const fraction = cfg.testSplit ?? DEFAULT_TEST_SPLIT;
    const held = Math.floor(fraction * steps);
    // A test part shorter than a window (or leaving less than two windows to train on) is no test part.
    if (held >= window && steps - held >= window + 1) trainSteps = steps - held;
  }
  const scale = cfg.scale ?? kindDefaults('series', [window, channels]).scale;
  let scaler: Scaler | undefined;
  if (saved?.scaler) {
    scaler = scalerFromJSON(saved.scaler);
    const shape = saved.scaler.sampleShape;
    if (shape.length !== 1 || shape[0] !== channels) throw new ConfigError('data.source', `'${cfg.source}' has ${channels} numeric column${channels === 1 ? '' : 's'} (${s.columns.join(', ')}); the run was trained on ${shape.join('×')}`);
  } else if (scale === 'zscore') {
    scaler = new StandardScaler().fit({ x: s.x.subarray(0, trainSteps * channels), shape: [trainSteps, channels] });
  } else if (scale !== 'none') {
    throw new ConfigError('data.scale', "a series (data.window) is standardized per channel ('zscore', the default) or not at all ('none')");
  }
  const scaled = scaler ? scaler.transform({ x: s.x, shape: [steps, channels] }) : s.x;
  const train = windowsOf(scaled.subarray(0, trainSteps * channels), channels, window, `${file}: windows of ${window} steps × ${channels} channel${channels === 1 ? '' : 's'} over its ${trainSteps === steps ? '' : 'first '}${trainSteps} steps`);
  let testFrom: RunData['testFrom'];
  if (testSeries) {
    if (testSeries.shape[1] !== channels) throw new ConfigError('data.test', `'${cfg.test}' has ${testSeries.shape[1]} numeric columns, '${cfg.source}' ${channels}`);
    if (testSeries.shape[0] < window) throw new DataFormatError(basename(cfg.test!), {}, `holds ${testSeries.shape[0]} steps, fewer than one window of ${window}`);
    const t = scaler ? scaler.transform({ x: testSeries.x, shape: testSeries.shape }) : testSeries.x;
    test = windowsOf(t, channels, window, `${basename(cfg.test!)}: windows of ${window} steps`);
    testFrom = 'file';
  } else if (trainSteps < steps) {
    test = windowsOf(scaled.subarray(trainSteps * channels), channels, window, `${file}: windows of ${window} steps over its last ${steps - trainSteps} steps`);
    testFrom = 'series-end';
  }
  const limited = cfg.samples !== undefined && cfg.samples < train.shape[0]! ? { ...train, x: train.x.subarray(0, cfg.samples * window * channels), shape: [cfg.samples, window, channels] } : train;
  if (cfg.samples !== undefined && cfg.samples > train.shape[0]!) throw new ConfigError('data.samples (--samples)', `${cfg.samples} asked for, but ${cfg.source} gives ${train.shape[0]} training windows of ${window} steps`);
  const testLimited = test && cfg.testSamples !== undefined && cfg.testSamples < test.shape[0]! ? { ...test, x: test.x.subarray(0, cfg.testSamples * window * channels), shape: [cfg.testSamples, window, channels] } : test;
  const name = file.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9._-]/g, '-') || 'series';
  const series: SeriesInfo = { file: cfg.source, x: s.x, shape: [steps, channels], scaled, columns: s.columns, timestamps: s.timestamps, timestampText: s.timestampText, trainSteps, window };
  return {
    name, train: limited, ...(testLimited ? { test: testLimited, testFrom } : {}), kind: 'series', scale: scaler ? 'zscore' : 'none',
    ...(scaler ? { scaler } : {}), unitRange: isUnit(limited.x), sampleShape: [window, channels], series,
  };
}
