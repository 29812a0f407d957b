/**
 * `--data`: turns a data config into training and test sets in memory, with
 * labels when the source has them and a scaler fitted on the training samples
 * only. Built-in sets come from npm packages; files are read by src/data's
 * parsers, whose errors name the file and line or byte.
 */
import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { ConfigError } from '../config/validate.js';
import { readCsv } from '../data/csv.js';
import { fashionMnist, mnist } from '../data/datasets.js';
import { DataFormatError } from '../data/errors.js';
import { readIdx } from '../data/idx.js';
import { isAudioFolder, loadAudioFolder } from '../data/audio.js';
import { loadImageFolder } from '../data/images.js';
import { readJsonData } from '../data/json.js';
import { readNpy, readNpz } from '../data/npy.js';
import { MinMaxScaler, type Scaler, type ScalerJSON, StandardScaler, scalerFromJSON } from '../data/preprocess.js';
import { type Dataset, type Tensor, shapeSize } from '../data/types.js';
import { type StreamSource, probeSource, streamBatches, streamSource } from '../data/source.js';
import { trainTestSplit } from '../data/split.js';
import { type DataKind, dataKindOf, kindDefaults } from './data-kinds.js';
import { type DataConfig, type ScaleKind } from './run-config.js';
import { type SeriesInfo, loadSeriesRunData } from './series-data.js';
import { isSentenceFile } from '../data/text.js';
import { type SavedText, type TextInfo, loadTextRunData } from './text-data.js';

/** The data of a run, ready for the model. */
export interface RunData {
  /** Short name for run folder names, e.g. 'mnist' or the file's base name. */
  name: string;
  train: Dataset;
  /**
   * The test split of a built-in set, or `data.test`, or the samples of a
   * file held out by {@link DEFAULT_TEST_SPLIT}; undefined when there is none.
   */
  test?: Dataset;
  /** How `test` came about: a built-in split, a separate source, or held out of the training file. */
  testFrom?: 'builtin' | 'file' | 'held-out' | 'series-end';
  /** Images, a table or sequences: what the defaults of a preset follow (see data-kinds.ts). */
  kind: DataKind;
  /** The scaling applied (the flag's, the saved scaler's, or the kind's default). */
  scale: ScaleKind;
  /** Fitted on the training samples when `scale` asks for it; saved in the run folder. */
  scaler?: Scaler;
  /** Whether the samples lie in [0, 1] (after scaling): BCE and sigmoid outputs fit. */
  unitRange: boolean;
  /** One sample's shape, e.g. [784] or [1, 28, 28]. */
  sampleShape: number[];
  /**
   * A training file too large to load, read batch by batch by `fit`; then
   * `train` holds only its first samples (for figures and the PCA baseline).
   */
  trainStream?: StreamSource;
  /** A series run (`data.window`): the series its windows are cut from. */
  series?: SeriesInfo;
  /**
   * A table's feature names, one per value of a sample: a CSV's header (the
   * label column left out; `col1`, `col2`... without a header). Absent for
   * data without named columns and for samples reshaped past one dimension.
   */
  columns?: string[];
  /** Audio (a folder of .wav files): the clips' sample rate in Hz. */
  sampleRate?: number;
  /** Text (a .txt file of sentences): the vocabulary, the length cap and the sentences behind the rows. */
  text?: TextInfo;
}

/** CSV and NPY files larger than this are streamed rather than loaded (`data.stream` overrides). */
export const STREAM_THRESHOLD_BYTES = 256 * 2 ** 20;
/** Samples of a streamed file kept in memory for figures and baselines. */
const STREAM_HEAD = 4000;

/**
 * The fraction of a file's samples held out as its test set when no test set
 * is given (`data.test`) and `data.testSplit` does not say otherwise: a seeded
 * (seed {@link TEST_SPLIT_SEED}) random 20 %, the same every run, so `aekit
 * eval` finds the samples training never saw.
 */
export const DEFAULT_TEST_SPLIT = 0.2;
/** Seed of the held-out split: fixed, not the training seed, so every run of a file holds out the same samples. */
export const TEST_SPLIT_SEED = 0;
/** Files with fewer samples than this are not split (a test part of one or two samples measures nothing). */
const MIN_SAMPLES_TO_SPLIT = 10;

/** Sources read from 8-bit files (pixels divided by 255): image data whatever their shape. */
const pixelSources = new WeakSet<Dataset>();
/** Sources read from .wav folders, with their sample rate. */
const audioSources = new WeakMap<Dataset, number>();

const BUILTIN: Record<string, (o: { split: 'train' | 'test'; shape?: 'flat' | number[]; limit?: number }) => Dataset> = {
  mnist: (o) => mnist(o),
  'fashion-mnist': (o) => fashionMnist(o),
};

/** Names of the built-in data sets. */
export const BUILTIN_DATA = Object.keys(BUILTIN);

function tensorToDataset(t: Tensor, file: string): Dataset {
  if (t.shape.length < 2) throw new DataFormatError(file, {}, `holds an array of shape [${t.shape.join(', ')}]; expected samples × features (at least 2 dimensions)`);
  const x = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
  // 8-bit images are scaled to [0, 1] like the built-in sets; other integers keep their values.
  if (t.dtype === 'uint8') for (let i = 0; i < x.length; i++) x[i] = x[i]! / 255;
  const ds: Dataset = { x, shape: [...t.shape], description: `${basename(file)} (${t.dtype} [${t.shape.join(', ')}]${t.dtype === 'uint8' ? ', divided by 255' : ''})` };
  if (t.dtype === 'uint8') pixelSources.add(ds);
  return ds;
}

async function readSource(source: string, cfg: DataConfig, what: string): Promise<Dataset> {
  let isDir: boolean;
  try {
    isDir = statSync(source).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(what, code === 'ENOENT'
      ? `'${source}' is neither a built-in data set (${BUILTIN_DATA.join(', ')}) nor an existing file or folder`
      : `cannot read '${source}' (${code ?? (e as Error).message})`);
  }
  if (isDir && isAudioFolder(source)) {
    const a = cfg.audio ?? {};
    const folder = await loadAudioFolder(source, {
      ...(a.sampleRate ? { sampleRate: a.sampleRate } : {}), ...(a.length ? { length: a.length } : {}),
      ...(a.labelPattern ? { pattern: a.labelPattern } : {}), ...(a.labelGroup ? { labelGroup: a.labelGroup } : {}),
    });
    // Waveforms as sequences of one channel: [samples, 1], what Conv1D and recurrent models take.
    const ds = { ...folder.dataset, shape: [...folder.dataset.shape, 1] };
    audioSources.set(ds, folder.sampleRate);
    return ds;
  }
  if (isDir) {
    const size = cfg.imageSize as [number, number] | undefined;
    return markPixels(await loadImageFolder(source, { ...(size ? { size } : {}), ...(cfg.channels ? { channels: cfg.channels } : {}) }));
  }
  const ext = extname(source).toLowerCase();
  switch (ext) {
    case '.csv':
    case '.tsv':
    case '.txt':
      return readCsv(source, cfg.labelColumn !== undefined ? { labelColumn: cfg.labelColumn } : {});
    case '.npy':
      return tensorToDataset(await readNpy(source), source);
    case '.npz': {
      const arrays = await readNpz(source);
      const names = Object.keys(arrays);
      const key = names.includes('x') ? 'x' : names.length === 1 ? names[0]! : undefined;
      if (!key) throw new DataFormatError(source, {}, `holds arrays ${names.join(', ')}; name the samples 'x' (and labels 'y')`);
      const ds = tensorToDataset(arrays[key]!, source);
      const y = arrays.y;
      if (y) {
        if (y.shape.length !== 1 || y.shape[0] !== ds.shape[0]) throw new DataFormatError(source, { field: 'y' }, `labels of shape [${y.shape.join(', ')}] do not match ${ds.shape[0]} samples`);
        ds.labels = Int32Array.from(y.data as ArrayLike<number>, (v) => Math.trunc(Number(v)));
      }
      return ds;
    }
    case '.idx':
    case '.ubyte':
      return tensorToDataset(await readIdx(source), source);
    case '.json':
      return readJsonData(source);
    default:
      throw new ConfigError(what, `'${source}': unknown file type '${ext || '(none)'}'; expected .csv, .npy, .npz, .idx, .json, a folder of images or a folder of .wav files`);
  }
}

function markPixels(ds: Dataset): Dataset {
  pixelSources.add(ds);
  return ds;
}

function reshape(ds: Dataset, shape: number[] | undefined, what: string): Dataset {
  if (!shape) return ds;
  const have = ds.shape.slice(1);
  if (shapeSize(have) !== shapeSize(shape)) {
    throw new ConfigError(what, `[${shape.join(', ')}] holds ${shapeSize(shape)} values per sample, the data has ${shapeSize(have)} ([${have.join(', ')}])`);
  }
  const out = { ...ds, shape: [ds.shape[0]!, ...shape] };
  if (pixelSources.has(ds)) pixelSources.add(out);
  if (audioSources.has(ds)) audioSources.set(out, audioSources.get(ds)!);
  return out;
}

function limit(ds: Dataset, n: number | undefined): Dataset {
  if (n === undefined || n >= ds.shape[0]!) return ds;
  const size = shapeSize(ds.shape.slice(1));
  return { ...ds, x: ds.x.subarray(0, n * size), shape: [n, ...ds.shape.slice(1)], ...(ds.labels ? { labels: ds.labels.subarray(0, n) } : {}) };
}

function inUnitRange(x: Float32Array): boolean {
  for (let i = 0; i < x.length; i++) if (!(x[i]! >= 0 && x[i]! <= 1)) return false;
  return true;
}

function makeScaler(kind: Exclude<ScaleKind, 'none'>): Scaler {
  // Clipping keeps test samples outside the training range inside [0, 1], where BCE is defined.
  return kind === 'minmax' ? new MinMaxScaler({ clip: true }) : new StandardScaler();
}

/** What a command needs of a run's data (see {@link loadRunData}). */
export interface RunDataNeeds {
  /**
   * Only the test set, to apply a trained model to. The training split of a
   * built-in set (60,000 images) is then not loaded unless a scaler is fitted
   * on it or applied to it, and `train` is the test set. Default false.
   */
  testOnly?: boolean;
  /**
   * Use every sample of the source: no test part held out of it (a file a
   * trained model is applied to). Default false.
   */
  wholeSource?: boolean;
  /** The loss asked for needs data in [0, 1] (BCE): scale min-max unless `scale` says otherwise. Default false. */
  unitRangeLoss?: boolean;
}

/**
 * Loads the training (and test) data of a run. A saved scaler (from a run
 * folder) is applied as it is, so evaluation uses the training statistics.
 * @throws {ConfigError} for a source that is not a data set, file or folder.
 * @throws {DataFormatError} for a file that cannot be parsed, naming it.
 */
export async function loadRunData(cfg: DataConfig, saved?: { scaler?: ScalerJSON; text?: SavedText }, needs: RunDataNeeds = {}): Promise<RunData> {
  if (cfg.window !== undefined) return loadSeriesRunData(cfg, saved, needs);
  if (isSentenceFile(cfg.source)) return loadTextRunData(cfg, saved?.text, needs);
  const builtin = BUILTIN[cfg.source];
  if (!builtin && shouldStream(cfg)) return streamRunData(cfg, saved);
  let train: Dataset;
  let test: Dataset | undefined;
  let testFrom: RunData['testFrom'];
  let name: string;
  let columns: string[] | undefined;
  let pixels = builtin !== undefined;
  let sampleRate: number | undefined;
  if (builtin) {
    const shape = cfg.shape ?? [1, 28, 28];
    if (shapeSize(shape) !== 784) throw new ConfigError('data.shape (--shape)', `[${shape.join(', ')}] holds ${shapeSize(shape)} values; ${cfg.source} images have 784 (28×28): e.g. 784, 1,28,28 or 28,28`);
    test = builtin({ split: 'test', shape, ...(cfg.testSamples ? { limit: cfg.testSamples } : {}) });
    // Without a scaler, nothing but training reads the training split.
    const trainNeeded = !needs.testOnly || saved?.scaler !== undefined || (cfg.scale ?? 'none') !== 'none';
    train = trainNeeded ? builtin({ split: 'train', shape, ...(cfg.samples ? { limit: cfg.samples } : {}) }) : test;
    testFrom = 'builtin';
    name = cfg.source;
  } else {
    const all = reshape(await readSource(cfg.source, cfg, 'data.source'), cfg.shape, 'data.shape');
    pixels = pixelSources.has(all);
    columns = tableColumns(all);
    sampleRate = audioSources.get(all);
    if (cfg.test) {
      train = limit(all, cfg.samples);
      test = limit(reshape(await readSource(cfg.test, cfg, 'data.test'), cfg.shape, 'data.shape'), cfg.testSamples);
      testFrom = 'file';
    } else {
      const held = needs.wholeSource ? undefined : holdOut(all, cfg.testSplit ?? DEFAULT_TEST_SPLIT);
      train = limit(held?.train ?? all, cfg.samples);
      if (held) {
        test = limit(held.test, cfg.testSamples);
        testFrom = 'held-out';
      }
    }
    name = basename(cfg.source).replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9._-]/g, '-') || 'data';
  }
  if (train.shape[0] === 0) throw new DataFormatError(cfg.source, {}, 'holds no samples');
  // Asking for more samples than there are is a mistake to report, not to round down silently.
  if (cfg.samples !== undefined && train !== test && train.shape[0]! < cfg.samples) {
    const held = testFrom === 'held-out' ? ` (${test!.shape[0]} more are held out as the test set: set data.testSplit, --test-split, to change that)` : '';
    throw new ConfigError('data.samples (--samples)', `${cfg.samples} asked for, but ${cfg.source} has ${train.shape[0]} training samples${held}`);
  }
  if (cfg.testSamples !== undefined && test && test.shape[0]! < cfg.testSamples) throw new ConfigError('data.testSamples (--test-samples)', `${cfg.testSamples} asked for, but the test set has ${test.shape[0]} samples`);
  const sampleShape = train.shape.slice(1);
  if (test) {
    const t = test.shape.slice(1);
    if (t.join() !== sampleShape.join()) throw new ConfigError('data.test', `samples of shape [${t.join(', ')}] do not match the training samples [${sampleShape.join(', ')}]`);
  }
  const kind = sampleRate !== undefined ? 'audio' : dataKindOf(sampleShape, pixels);
  // Built-in pixels are divided by 255, so they lie in [0, 1]: no pass over 47 million values to find out.
  const rawUnitRange = builtin !== undefined || inUnitRange(train.x);
  let scale = cfg.scale ?? (needs.unitRangeLoss && !rawUnitRange ? 'minmax' : kindDefaults(kind, sampleShape, rawUnitRange).scale);
  let scaler: Scaler | undefined;
  if (saved?.scaler) {
    scaler = scalerFromJSON(saved.scaler);
    scale = scaler instanceof MinMaxScaler ? 'minmax' : 'zscore';
  } else if (scale !== 'none') scaler = makeScaler(scale).fit(train);
  if (scaler) {
    train = { ...train, x: scaler.transform(train) };
    if (test) test = { ...test, x: scaler.transform(test) };
  }
  const unitRange = scaler ? inUnitRange(train.x) : rawUnitRange;
  return { name, train, ...(test ? { test, testFrom } : {}), ...(scaler ? { scaler } : {}), unitRange, sampleShape, kind, scale, ...(columns ? { columns } : {}), ...(sampleRate !== undefined ? { sampleRate } : {}) };
}

/** The feature names of a file read as a table (a CSV's `columns`), when its samples are rows of them. */
function tableColumns(ds: Dataset, names: unknown = (ds as { columns?: unknown }).columns): string[] | undefined {
  const shape = ds.shape.slice(1);
  if (shape.length !== 1 || !Array.isArray(names) || names.length !== shape[0] || !names.every((c) => typeof c === 'string')) return undefined;
  return [...(names as string[])];
}

/**
 * The default test split of a file: `fraction` of its samples, drawn with a
 * fixed seed, or none for a fraction of 0 or a file too small to split.
 */
function holdOut(ds: Dataset, fraction: number): { train: Dataset; test: Dataset } | undefined {
  if (fraction === 0 || ds.shape[0]! < MIN_SAMPLES_TO_SPLIT) return undefined;
  return trainTestSplit(ds, { testFraction: fraction, seed: TEST_SPLIT_SEED });
}

/** Whether the training source is a CSV or NPY file to stream: asked for, or larger than {@link STREAM_THRESHOLD_BYTES}. */
function shouldStream(cfg: DataConfig): boolean {
  const ext = extname(cfg.source).toLowerCase();
  const streamable = ['.csv', '.tsv', '.txt', '.npy'].includes(ext);
  if (cfg.stream === true && !streamable) throw new ConfigError('data.stream', `only CSV and NPY files can be streamed, not '${cfg.source}'`);
  if (!streamable || cfg.stream === false) return false;
  if (cfg.stream === true) return true;
  try {
    return statSync(cfg.source).size > STREAM_THRESHOLD_BYTES;
  } catch {
    return false; // readSource names the missing file
  }
}

/**
 * A large training file: described as a stream source for `fit`, with its
 * scaler fitted in one pass over the file, and its first samples in memory.
 */
async function streamRunData(cfg: DataConfig, saved?: { scaler?: ScalerJSON }): Promise<RunData> {
  if (cfg.validationSplit) throw new ConfigError('data.validationSplit', `'${cfg.source}' is streamed (too large to load); hold out validation data in a separate file with --test-data instead`);
  if (cfg.samples) throw new ConfigError('data.samples', `'${cfg.source}' is streamed whole; to train on part of it, write that part to its own file (or drop --stream for a file that fits in memory)`);
  const base = { ...(cfg.labelColumn !== undefined && !cfg.source.toLowerCase().endsWith('.npy') ? { labelColumn: cfg.labelColumn } : {}), ...(cfg.shape ? { sampleShape: cfg.shape } : {}) };
  let scalerJson = saved?.scaler;
  // The kind's scaling needs the sample shape before the file is read: --shape's, or a row of features.
  const streamedKind = dataKindOf(cfg.shape ?? [1]);
  const scale = cfg.scale ?? kindDefaults(streamedKind, cfg.shape ?? [1]).scale;
  if (!scalerJson && scale !== 'none') {
    // Statistics of every sample, one batch at a time: the file never sits in memory.
    const scaler = makeScaler(scale);
    for await (const b of streamBatches(streamSource(cfg.source, base), { batchSize: 4096 })) scaler.partialFit(b);
    scalerJson = scaler.toJSON();
  }
  const src = streamSource(cfg.source, { ...base, ...(scalerJson ? { scaler: scalerJson } : {}) });
  let train: Dataset | undefined;
  for await (const b of streamBatches(src, { batchSize: STREAM_HEAD })) {
    train = { x: b.x, shape: b.shape, ...(b.labels ? { labels: b.labels } : {}), description: `the first ${b.shape[0]} samples of ${basename(cfg.source)}` };
    break;
  }
  if (!train) throw new DataFormatError(cfg.source, {}, 'holds no samples');
  const sampleShape = train.shape.slice(1);
  const columns = src.kind === 'csv' ? tableColumns(train, (await probeSource(src)).columns) : undefined;
  let test: Dataset | undefined;
  if (cfg.test) {
    const t = limit(reshape(await readSource(cfg.test, cfg, 'data.test'), cfg.shape, 'data.shape'), cfg.testSamples);
    test = scalerJson ? { ...t, x: scalerFromJSON(scalerJson).transform(t) } : t;
  }
  const name = basename(cfg.source).replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9._-]/g, '-') || 'data';
  return {
    name, train, ...(test ? { test } : {}), ...(scalerJson ? { scaler: scalerFromJSON(scalerJson) } : {}),
    unitRange: inUnitRange(train.x), sampleShape, trainStream: src,
    kind: dataKindOf(sampleShape), scale: scalerJson ? (scalerJson.kind === 'minmax' ? 'minmax' : 'zscore') : 'none',
    ...(test ? { testFrom: 'file' as const } : {}), ...(columns ? { columns } : {}),
  };
}
