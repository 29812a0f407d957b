/**
 * The config of a training run: what `aekit train --config run.json|yaml`
 * reads, what flags override, and what the run folder records as
 * `config.json`. Checked field by field before anything runs, in the same
 * message style as model configs (`config.training.epochs: expected ...`).
 *
 * ```yaml
 * name: digits            # run folder name under --runs (default: <model>-<data>-<n>)
 * model: conv             # a preset name, or a full model config { className: ... }
 * data:
 *   source: mnist         # mnist | fashion-mnist | a .csv/.npy/.npz/.idx/.json file | an image folder
 *   samples: 12000
 *   validationSplit: 0.1
 * training:
 *   epochs: 5
 *   batchSize: 128
 *   optimizer: { name: adam, learningRate: 0.002 }
 *   schedule: { type: cosine, totalEpochs: 5 }
 * ```
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { createRequire } from 'node:module';
import { ConfigError, atConfigPath, numberIn, objectOf, oneOf, positiveInt, positiveInts, show } from '../config/validate.js';
import { OPTIMIZER_NAMES, type OptimizerName } from '../optim/names.js';
import { optimizerFromConfig, type OptimizerConfig } from '../optim/optimizers.js';
import { checkFitOptions } from '../train/options.js';
import { MODEL_PRESETS, type ModelPreset, type PresetOptions } from './presets.js';
import { isAudioFolder } from '../data/audio.js';
import { isSentenceFile } from '../data/text.js';

/** Where the samples come from and how they are prepared. */
export interface DataConfig {
  /** `mnist`, `fashion-mnist`, a file (.csv .npy .npz .idx .json) or a folder of PNG/JPEG images. */
  source: string;
  /** A separate test set (a file or folder); built-in data sets use their test split. */
  test?: string;
  /** Keep only the first n training samples. */
  samples?: number;
  /** Keep only the first n test samples. */
  testSamples?: number;
  /** Fraction of the training samples held out for validation (from the end, as Keras does). */
  validationSplit?: number;
  /**
   * A file without `test`: the fraction of its samples held out (seeded, the
   * same every run) as the test set. Default 0.2; 0 trains on every sample.
   */
  testSplit?: number;
  /** CSV: the column holding labels (name or 0-based index), excluded from the features. */
  labelColumn?: string | number;
  /** Scaling fitted on the training samples: min-max to [0, 1], z-score, or none. Default: none for images and built-in sets, minmax for tables. */
  scale?: ScaleKind;
  /** Reshape every sample, e.g. [1, 28, 28] for flat images or [28, 28] for rows as time steps. */
  shape?: number[];
  /** Image folders: [height, width] to resize to; channels 1 (gray) or 3 (RGB). */
  imageSize?: number[];
  channels?: 1 | 3;
  /** Read a CSV/NPY training file batch by batch instead of loading it. Default: when it is larger than 256 MiB. */
  stream?: boolean;
  /**
   * A time series: the CSV's rows are steps (a timestamp column, optional,
   * and numeric channels), cut into windows of this many steps (stride 1) as
   * the samples; `testSplit` then holds out the last steps, in time order.
   * See src/runs/series-data.ts.
   */
  window?: number;
  /**
   * A folder of .wav files (src/data/audio.ts): `sampleRate` to resample
   * every file to (default: the first file's), `length` in samples to crop or
   * zero-pad every clip to (default: the longest), `labelPattern` a regular
   * expression whose named groups are parsed from each file name and
   * `labelGroup` the group that becomes the labels (default: the first).
   */
  audio?: { sampleRate?: number; length?: number; labelPattern?: string; labelGroup?: string };
  /**
   * A .txt file of sentences, one per line (src/runs/text-data.ts):
   * `maxTokens` the length cap (longer training sentences are dropped;
   * default {@link TEXT_DEFAULTS}), `vocabularySize` the most ids, the four
   * special tokens included, and `minCount` the fewest training occurrences
   * a word needs to get an id of its own.
   */
  text?: { maxTokens?: number; vocabularySize?: number; minCount?: number };
}

/** Defaults of a text run: sentences of up to 20 words, 5,000 ids, every training word counted once is kept. */
export const TEXT_DEFAULTS = { maxTokens: 20, vocabularySize: 5000, minCount: 1 } as const;

/** How `data.scale` (`--scale`) scales the samples: min-max to [0, 1], z-score, or not at all. */
export const SCALE_KINDS = ['minmax', 'zscore', 'none'] as const;
export type ScaleKind = (typeof SCALE_KINDS)[number];

/** 'standard', the name `--scale` and run configs used for z-score before, is still read (older run folders hold it). */
const SCALE_ALIASES: Readonly<Record<string, ScaleKind>> = { standard: 'zscore' };

/** The scale kind a name means, reading old names as their new one; undefined for an unknown name. */
export function scaleKindOf(name: string): ScaleKind | undefined {
  if (Object.hasOwn(SCALE_ALIASES, name)) return SCALE_ALIASES[name];
  return (SCALE_KINDS as readonly string[]).includes(name) ? (name as ScaleKind) : undefined;
}

export interface TrainingConfig {
  epochs: number;
  batchSize: number;
  optimizer: { name: OptimizerName; [key: string]: unknown };
  /**
   * The discriminator's own optimizer, for a model that has one (an
   * AdversarialAutoencoder, an adversarial loss); default: a copy of
   * `optimizer`. The `schedule` scales both players' rates alike.
   */
  discriminatorOptimizer?: { name: OptimizerName; [key: string]: unknown };
  schedule?: Record<string, unknown>;
  seed: number;
  clipNorm?: number;
  earlyStopping?: Record<string, unknown>;
  /** ONNX Runtime intra-op threads (default: one per physical core, src/io/cpu-cores.ts). */
  threads?: number;
  /** Where training runs: 'cpu' (default), 'webgpu' (a GPU through ONNX Runtime's WebGPU provider) or 'auto'. */
  device?: 'cpu' | 'webgpu' | 'auto';
}

export interface RunConfig {
  name?: string;
  /** A preset name (see `--model`) or a model config. */
  model: ModelPreset | Record<string, unknown>;
  /** Options of a preset (ignored for a full model config). */
  preset?: PresetOptions;
  data: DataConfig;
  training: TrainingConfig;
}

export const TRAINING_DEFAULTS: TrainingConfig = { epochs: 5, batchSize: 128, optimizer: { name: 'adam', learningRate: 2e-3 }, seed: 1 };

/**
 * Training defaults of a series run (`data.window`): what `npm run
 * bench:timeseries` trained with (TimeSeriesDetector's defaults: 10 epochs,
 * batch 32, Adam at 1e-3), so `aekit train --data series.csv --window 64`
 * gives the benchmarked detector.
 */
export const SERIES_TRAINING_DEFAULTS: TrainingConfig = { epochs: 10, batchSize: 32, optimizer: { name: 'adam', learningRate: 1e-3 }, seed: 1 };

/**
 * Training defaults of a text run (a .txt file of sentences): bench:text's
 * settings (batch 64, Adam 3e-3, gradient norm clipped at 5) with 10 epochs,
 * which a file of a few thousand sentences affords.
 */
export const TEXT_TRAINING_DEFAULTS: TrainingConfig = { epochs: 10, batchSize: 64, optimizer: { name: 'adam', learningRate: 3e-3 }, seed: 1, clipNorm: 5 };

/**
 * Training defaults of the speech denoiser (`--model speech-denoiser`):
 * bench:audio's (batch 16, Adam 2e-3 with its cosine decay to 1 %), 10 epochs.
 */
export const SPEECH_TRAINING_DEFAULTS: TrainingConfig = { epochs: 10, batchSize: 16, optimizer: { name: 'adam', learningRate: 2e-3 }, seed: 1 };

/**
 * Training defaults of the `aae-mixture` preset (bench:aae-mixture's): both
 * players on Adam with β1 = 0.5, as GANs are usually trained (with 0.9 the
 * class clusters circled the mixture without settling on their components,
 * docs/adversarial.md), the discriminator at twice the autoencoder's rate.
 */
export const MIXTURE_AAE_TRAINING: TrainingConfig = {
  epochs: 10, batchSize: 100, seed: 1,
  optimizer: { name: 'adam', learningRate: 1e-3, beta1: 0.5 }, discriminatorOptimizer: { name: 'adam', learningRate: 2e-3, beta1: 0.5 },
};

/** The training defaults of a data config: a series', a text file's, or the general ones (and those of presets that need their own). */
export function trainingDefaultsOf(data: { source?: unknown; window?: unknown }, model?: unknown): TrainingConfig {
  if (model === 'speech-denoiser') return SPEECH_TRAINING_DEFAULTS;
  if (model === 'aae-mixture') return MIXTURE_AAE_TRAINING;
  if (data.window !== undefined) return SERIES_TRAINING_DEFAULTS;
  return typeof data.source === 'string' && isSentenceFile(data.source) ? TEXT_TRAINING_DEFAULTS : TRAINING_DEFAULTS;
}

const RUN_FIELDS = ['name', 'model', 'preset', 'data', 'training'] as const;
const DATA_FIELDS = ['source', 'test', 'samples', 'testSamples', 'validationSplit', 'testSplit', 'labelColumn', 'scale', 'shape', 'imageSize', 'channels', 'stream', 'window', 'audio', 'text'] as const;
const TRAINING_FIELDS = ['epochs', 'batchSize', 'optimizer', 'discriminatorOptimizer', 'schedule', 'seed', 'clipNorm', 'earlyStopping', 'threads', 'device'] as const;

/** A run name must be one plain folder name: no separators, no `..`. */
export function checkRunName(v: unknown, path: string): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(v)) {
    throw new ConfigError(path, `expected a folder name of letters, digits, '.', '_' or '-' (starting with a letter or digit), got ${show(v)}`);
  }
  return v;
}

function nonEmptyString(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(path, `expected a non-empty string, got ${show(v)}`);
  return v;
}

/**
 * Checks a run config as read from a file (or built from flags), filling in
 * defaults. `file` names the config file in messages.
 * @throws {ConfigError} naming the field.
 */
export function parseRunConfig(raw: unknown, file = 'config'): RunConfig {
  const root = objectOf(raw, file, RUN_FIELDS);
  const name = root.name === undefined ? undefined : checkRunName(root.name, `${file}.name`);
  let model: RunConfig['model'];
  if (typeof root.model === 'string') {
    model = oneOf(root.model, `${file}.model`, MODEL_PRESETS);
  } else if (typeof root.model === 'object' && root.model !== null && !Array.isArray(root.model)) {
    model = root.model as Record<string, unknown>; // checked by modelFromConfig once the data's shape is known
  } else {
    throw new ConfigError(`${file}.model`, `expected a model name (${MODEL_PRESETS.join(', ')}) or a model config object, got ${show(root.model)}`);
  }
  const preset = root.preset === undefined ? undefined : parsePreset(root.preset, `${file}.preset`);
  const data = parseData(root.data, `${file}.data`);
  const training = parseTraining(root.training ?? {}, `${file}.training`, trainingDefaultsOf(data, model));
  return { ...(name ? { name } : {}), model, ...(preset ? { preset } : {}), data, training };
}

function parsePreset(v: unknown, path: string): PresetOptions {
  const o = objectOf(v, path, ['latent', 'loss', 'noise', 'noiseSnr', 'noiseTypes']);
  let noiseSnr: [number, number] | undefined;
  if (o.noiseSnr !== undefined) {
    const r = o.noiseSnr;
    if (!Array.isArray(r) || r.length !== 2 || !r.every((d) => typeof d === 'number' && Number.isFinite(d)) || r[0] > r[1]) {
      throw new ConfigError(`${path}.noiseSnr`, `expected [lowest, highest] input SNR in dB, e.g. [-2.5, 12.5] (--noise-snr -2.5,12.5, or one value for a fixed SNR), got ${show(r)}`);
    }
    noiseSnr = [r[0], r[1]];
  }
  let noiseTypes: ('white' | 'babble')[] | undefined;
  if (o.noiseTypes !== undefined) {
    if (!Array.isArray(o.noiseTypes) || o.noiseTypes.length === 0) throw new ConfigError(`${path}.noiseTypes`, `expected a non-empty list of 'white' and 'babble', got ${show(o.noiseTypes)}`);
    noiseTypes = [...new Set(o.noiseTypes.map((t, i) => oneOf(t, `${path}.noiseTypes[${i}]`, ['white', 'babble'] as const)))];
  }
  return {
    ...(noiseSnr ? { noiseSnr } : {}), ...(noiseTypes ? { noiseTypes } : {}),
    ...(o.latent !== undefined ? { latent: positiveInt(o.latent, `${path}.latent`) } : {}),
    ...(o.loss !== undefined ? { loss: oneOf(o.loss, `${path}.loss`, ['mse', 'bce', 'mae'] as const) } : {}),
    ...(o.noise !== undefined ? { noise: numberIn(o.noise, `${path}.noise`, 0, Infinity, { min: true, max: true }) } : {}),
  };
}

function parseData(v: unknown, path: string): DataConfig {
  if (v === undefined) throw new ConfigError(path, 'required: where the samples come from, e.g. { source: mnist } (or --data)');
  const o = objectOf(v, path, DATA_FIELDS);
  const out: DataConfig = { source: nonEmptyString(o.source, `${path}.source`) };
  if (o.test !== undefined) out.test = nonEmptyString(o.test, `${path}.test`);
  if (o.samples !== undefined) out.samples = positiveInt(o.samples, `${path}.samples`);
  if (o.testSamples !== undefined) out.testSamples = positiveInt(o.testSamples, `${path}.testSamples`);
  if (o.validationSplit !== undefined) out.validationSplit = numberIn(o.validationSplit, `${path}.validationSplit`, 0, 1, { min: true, max: true });
  if (o.testSplit !== undefined) out.testSplit = numberIn(o.testSplit, `${path}.testSplit`, 0, 1, { max: true });
  if (o.labelColumn !== undefined) {
    if (!(typeof o.labelColumn === 'string' && o.labelColumn !== '') && !(typeof o.labelColumn === 'number' && Number.isInteger(o.labelColumn) && o.labelColumn >= 0)) {
      throw new ConfigError(`${path}.labelColumn`, `expected a column name or a 0-based column index, got ${show(o.labelColumn)}`);
    }
    out.labelColumn = o.labelColumn;
  }
  if (o.scale !== undefined) out.scale = (typeof o.scale === 'string' ? scaleKindOf(o.scale) : undefined) ?? oneOf(o.scale, `${path}.scale`, SCALE_KINDS);
  if (o.shape !== undefined) out.shape = positiveInts(o.shape, `${path}.shape`);
  if (o.imageSize !== undefined) {
    const size = positiveInts(o.imageSize, `${path}.imageSize`);
    if (size.length !== 2) throw new ConfigError(`${path}.imageSize`, `expected [height, width], got ${show(o.imageSize)}`);
    out.imageSize = size;
  }
  if (o.stream !== undefined) {
    if (typeof o.stream !== 'boolean') throw new ConfigError(`${path}.stream`, `expected true or false, got ${show(o.stream)}`);
    out.stream = o.stream;
  }
  if (o.channels !== undefined) {
    if (o.channels !== 1 && o.channels !== 3) throw new ConfigError(`${path}.channels`, `expected 1 (gray) or 3 (RGB), got ${show(o.channels)}`);
    out.channels = o.channels;
  }
  if (o.audio !== undefined) {
    const a = objectOf(o.audio, `${path}.audio`, ['sampleRate', 'length', 'labelPattern', 'labelGroup']);
    const audio: NonNullable<DataConfig['audio']> = {};
    if (a.sampleRate !== undefined) audio.sampleRate = positiveInt(a.sampleRate, `${path}.audio.sampleRate`);
    if (a.length !== undefined) audio.length = positiveInt(a.length, `${path}.audio.length`);
    if (a.labelPattern !== undefined) {
      audio.labelPattern = nonEmptyString(a.labelPattern, `${path}.audio.labelPattern`);
      try {
        new RegExp(audio.labelPattern);
      } catch (e) {
        throw new ConfigError(`${path}.audio.labelPattern`, `not a regular expression: ${(e as Error).message}`);
      }
    }
    if (a.labelGroup !== undefined) audio.labelGroup = nonEmptyString(a.labelGroup, `${path}.audio.labelGroup`);
    out.audio = audio;
  }
  if (o.text !== undefined) {
    const t = objectOf(o.text, `${path}.text`, ['maxTokens', 'vocabularySize', 'minCount']);
    const text: NonNullable<DataConfig['text']> = {};
    if (t.maxTokens !== undefined) text.maxTokens = positiveInt(t.maxTokens, `${path}.text.maxTokens`);
    if (t.vocabularySize !== undefined) {
      text.vocabularySize = positiveInt(t.vocabularySize, `${path}.text.vocabularySize`);
      if (text.vocabularySize < 5) throw new ConfigError(`${path}.text.vocabularySize`, `counts the 4 special tokens (<pad>, <bos>, <eos>, <unk>) too: expected at least 5, got ${text.vocabularySize}`);
    }
    if (t.minCount !== undefined) text.minCount = positiveInt(t.minCount, `${path}.text.minCount`);
    out.text = text;
  }
  if (o.window !== undefined) {
    const w = positiveInt(o.window, `${path}.window`);
    if (w < 2) throw new ConfigError(`${path}.window`, `a window holds at least 2 steps, got ${w}`);
    for (const f of ['shape', 'imageSize', 'channels', 'stream', 'labelColumn'] as const) {
      if (o[f] !== undefined) throw new ConfigError(`${path}.${f}`, `does not apply to a series (data.window): its samples are windows of ${w} steps × the CSV's numeric columns`);
    }
    if (out.scale === 'minmax') throw new ConfigError(`${path}.scale`, "a series (data.window) is standardized per channel ('zscore', the default) or not at all ('none')");
    out.window = w;
  }
  return out;
}

function parseTraining(v: unknown, path: string, defaults: TrainingConfig): TrainingConfig {
  const o = objectOf(v, path, TRAINING_FIELDS);
  const out: TrainingConfig = { ...defaults, optimizer: { ...defaults.optimizer }, ...(defaults.discriminatorOptimizer ? { discriminatorOptimizer: { ...defaults.discriminatorOptimizer } } : {}) };
  if (o.epochs !== undefined) out.epochs = positiveInt(o.epochs, `${path}.epochs`);
  if (o.batchSize !== undefined) out.batchSize = positiveInt(o.batchSize, `${path}.batchSize`);
  if (o.seed !== undefined) {
    if (typeof o.seed !== 'number' || !Number.isSafeInteger(o.seed)) throw new ConfigError(`${path}.seed`, `expected an integer, got ${show(o.seed)}`);
    out.seed = o.seed;
  }
  if (o.clipNorm !== undefined) out.clipNorm = numberIn(o.clipNorm, `${path}.clipNorm`, 0, Infinity, { min: true, max: true });
  if (o.threads !== undefined) out.threads = positiveInt(o.threads, `${path}.threads`);
  if (o.device !== undefined) out.device = oneOf(o.device, `${path}.device`, ['cpu', 'webgpu', 'auto'] as const);
  if (o.optimizer !== undefined) out.optimizer = parseOptimizer(o.optimizer, `${path}.optimizer`);
  if (o.discriminatorOptimizer !== undefined) out.discriminatorOptimizer = parseOptimizer(o.discriminatorOptimizer, `${path}.discriminatorOptimizer`);
  // Schedules and early stopping take the same fields as fit(); their checks name the config path.
  if (o.schedule !== undefined) {
    checkFitOptions({ schedule: o.schedule }, path);
    out.schedule = o.schedule as Record<string, unknown>;
  }
  if (o.earlyStopping !== undefined) {
    checkFitOptions({ earlyStopping: o.earlyStopping }, path);
    out.earlyStopping = o.earlyStopping as Record<string, unknown>;
  }
  return out;
}

/** An optimizer config `{ name, learningRate, ... }`, checked. */
function parseOptimizer(v: unknown, path: string): TrainingConfig['optimizer'] {
  const opt = objectOf(v, path, ['name', 'learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'momentum', 'nesterov', 'rho', 'amsgrad']);
  const out = { ...opt, name: oneOf(opt.name, `${path}.name`, OPTIMIZER_NAMES) };
  checkOptimizer(out, path);
  return out;
}

/**
 * Checks an optimizer config with the optimizer's own checks, naming the
 * config's field in errors (`run.yaml.training.optimizer.beta1: must be a
 * number in [0, 1), got "0.9x"`) where the optimizer names itself (`Adam: beta1 …`).
 */
function checkOptimizer(config: TrainingConfig['optimizer'], path: string): void {
  atConfigPath(path, () => {
    try {
      optimizerFromConfig(config as OptimizerConfig);
    } catch (e) {
      const field = e instanceof ConfigError ? /^(\w+) (must .*)$/.exec(e.detail) : null;
      if (field && Object.hasOwn(config, field[1]!)) throw new ConfigError(`config.${field[1]}`, field[2]!);
      if (e instanceof ConfigError) throw new ConfigError('config', e.detail);
      throw e;
    }
  });
}

/**
 * Reads a config file's raw contents, JSON or YAML by extension (`.yml` and
 * `.yaml` are YAML, anything else JSON), unchecked.
 * @throws {ConfigError} naming the file (and the line for a YAML or JSON syntax error).
 */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(path, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory; expected a JSON or YAML config file' : `cannot read (${code ?? (e as Error).message})`);
  }
  const yaml = ['.yml', '.yaml'].includes(extname(path).toLowerCase());
  try {
    return yaml ? (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text, { maxAliasCount: 100 }) : JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, `not valid ${yaml ? 'YAML' : 'JSON'}: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * Reads a run config from a JSON or YAML file (see {@link readConfigFile}).
 * @throws {ConfigError} naming the file (and the line for a YAML or JSON syntax error).
 */
export function readRunConfig(path: string): RunConfig {
  return parseRunConfig(readConfigFile(path), path);
}

/** What flags may change in a run config; undefined leaves the config's value. */
export interface RunOverrides {
  name?: string;
  model?: string;
  data?: string;
  testData?: string;
  samples?: number;
  testSamples?: number;
  validationSplit?: number;
  testSplit?: number;
  labelColumn?: string;
  scale?: string;
  shape?: number[];
  stream?: boolean;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: string;
  schedule?: string;
  seed?: number;
  threads?: number;
  device?: string;
  latent?: number;
  loss?: string;
  noise?: number;
  /** The speech denoiser: input SNR in dB, one value or the range [lo, hi]. */
  noiseSnr?: number[];
  /** The speech denoiser: 'white', 'babble' or 'both'. */
  noiseType?: string;
  window?: number;
  /** A folder of .wav files: `data.audio`'s fields. */
  labelPattern?: string;
  sampleRate?: number;
  audioLength?: number;
  /** A .txt file of sentences: `data.text`'s fields. */
  maxTokens?: number;
  vocabularySize?: number;
}

/**
 * Applies flags over a config (or over the defaults when there is no config
 * file) and checks the result as a whole. `--schedule cosine` becomes a cosine
 * decay over the run's epochs; `--lr` sets the optimizer's learning rate.
 */
export function applyOverrides(base: Partial<RunConfig> | undefined, flags: RunOverrides): RunConfig {
  const raw: Record<string, unknown> = JSON.parse(JSON.stringify(base ?? {}));
  const data = (raw.data ?? {}) as Record<string, unknown>;
  const training = (raw.training ?? {}) as Record<string, unknown>;
  const preset = (raw.preset ?? {}) as Record<string, unknown>;
  const set = (o: Record<string, unknown>, key: string, v: unknown) => {
    if (v !== undefined) o[key] = v;
  };
  if (flags.model !== undefined && !(MODEL_PRESETS as readonly string[]).includes(flags.model)) {
    throw new ConfigError('--model', `unknown model '${flags.model}'; expected one of ${MODEL_PRESETS.join(', ')} (or a model config file with --config)`);
  }
  set(raw, 'name', flags.name);
  set(raw, 'model', flags.model);
  set(data, 'window', flags.window);
  // A series gets the benchmarked series model (src/anomaly/series-model.ts: conv1d, code 8 from the 'series' data kind).
  // A folder of .wav files gets the 1-D convolutional model over waveforms, a .txt file of sentences the sentence autoencoder.
  const source = flags.data ?? data.source;
  if (raw.model === undefined) {
    raw.model = data.window !== undefined || (typeof source === 'string' && isAudioFolder(source)) ? 'conv1d'
      : typeof source === 'string' && isSentenceFile(source) ? 'text-ae' : 'dense';
  }
  set(data, 'source', flags.data);
  if (flags.labelPattern !== undefined || flags.sampleRate !== undefined || flags.audioLength !== undefined) {
    const audio = (data.audio ?? {}) as Record<string, unknown>;
    set(audio, 'labelPattern', flags.labelPattern);
    set(audio, 'sampleRate', flags.sampleRate);
    set(audio, 'length', flags.audioLength);
    data.audio = audio;
  }
  if (flags.maxTokens !== undefined || flags.vocabularySize !== undefined) {
    const text = (data.text ?? {}) as Record<string, unknown>;
    set(text, 'maxTokens', flags.maxTokens);
    set(text, 'vocabularySize', flags.vocabularySize);
    data.text = text;
  }
  if (data.source === undefined) data.source = 'mnist';
  set(data, 'test', flags.testData);
  set(data, 'samples', flags.samples);
  set(data, 'testSamples', flags.testSamples);
  set(data, 'validationSplit', flags.validationSplit);
  set(data, 'testSplit', flags.testSplit);
  if (flags.labelColumn !== undefined) data.labelColumn = /^\d+$/.test(flags.labelColumn) ? Number(flags.labelColumn) : flags.labelColumn;
  set(data, 'scale', flags.scale);
  set(data, 'shape', flags.shape);
  set(data, 'stream', flags.stream);
  set(training, 'epochs', flags.epochs);
  set(training, 'batchSize', flags.batchSize);
  set(training, 'seed', flags.seed);
  set(training, 'threads', flags.threads);
  set(training, 'device', flags.device);
  if (flags.optimizer !== undefined) training.optimizer = { ...((training.optimizer as object | undefined) ?? {}), name: flags.optimizer };
  if (flags.lr !== undefined) training.optimizer = { name: 'adam', ...((training.optimizer as object | undefined) ?? {}), learningRate: flags.lr };
  if (flags.schedule !== undefined) {
    training.schedule = flags.schedule === 'constant' ? { type: 'constant' }
      : flags.schedule === 'cosine' ? { type: 'cosine', totalEpochs: (training.epochs as number | undefined) ?? trainingDefaultsOf(flags.data !== undefined ? { ...data, source: flags.data } : data).epochs, minLr: 1e-5 }
        : flags.schedule === 'plateau' ? { type: 'reduceOnPlateau' }
          : (() => { throw new ConfigError('--schedule', `expected constant, cosine or plateau (other schedules through a config file), got '${flags.schedule}'`); })();
  }
  set(preset, 'latent', flags.latent);
  set(preset, 'loss', flags.loss);
  set(preset, 'noise', flags.noise);
  if (flags.noiseSnr !== undefined) preset.noiseSnr = flags.noiseSnr.length === 1 ? [flags.noiseSnr[0], flags.noiseSnr[0]] : flags.noiseSnr;
  if (flags.noiseType !== undefined) preset.noiseTypes = flags.noiseType === 'both' ? ['white', 'babble'] : [flags.noiseType];
  raw.data = data;
  raw.training = training;
  if (Object.keys(preset).length > 0) raw.preset = preset;
  return parseRunConfig(raw, 'config');
}

/** Whether a run config names a preset rather than a full model config. */
export function isPreset(model: RunConfig['model']): model is ModelPreset {
  return typeof model === 'string';
}
