/**
 * Opens what the commands after `train` and the dashboard's analysis work on:
 * a run folder (its checkpoint, config and scaler) or a bare checkpoint
 * directory, and the data to apply its model to.
 */
import { isAudioFolder } from '../data/audio.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/validate.js';
import { type ScalerJSON } from '../data/preprocess.js';
import { AutoencoderModel } from '../models/base.js';
import { type RunConfig, readRunConfig } from './run-config.js';
import { type RunData, loadRunData } from './run-data.js';
import { asSentenceModel } from './text-run.js';

export interface OpenedRun {
  /** The run folder, or the checkpoint directory itself. */
  dir: string;
  model: AutoencoderModel;
  /** The run's config (absent for a bare checkpoint). */
  config?: RunConfig;
  scaler?: ScalerJSON;
}

/**
 * Loads the model of a run folder (`runs/<name>`) or of a checkpoint directory.
 * @throws {ConfigError} when the path is neither.
 */
export function openRun(path: string, threads?: number): OpenedRun {
  // The commands after `train` run a few dozen inference batches: idle ONNX Runtime threads that
  // spin between ops save microseconds, but on a busy or two-core machine they take the core the
  // main thread needs (aekit eval on MNIST's test set: 2.2 s instead of 4-5 s of ONNX Runtime on
  // a loaded two-core machine). Same threads, same numbers.
  const options = { session: { ...(threads ? { threads } : {}), spinning: false } };
  if (existsSync(join(path, 'run.json'))) {
    const checkpoint = join(path, 'checkpoint');
    if (!existsSync(checkpoint)) throw new ConfigError(path, 'run folder has no checkpoint/ yet (did its training finish an epoch?)');
    const configFile = join(path, 'config.json');
    const scalerFile = join(path, 'scaler.json');
    const config = existsSync(configFile) ? readRunConfig(configFile) : undefined;
    // A speech denoiser is no autoencoder (no code, no reconstruction of its input): only `aekit denoise` applies it.
    if (config && typeof config.model === 'object' && config.model.className === 'ComplexMaskDenoiser') {
      throw new ConfigError(path, 'is a speech-denoiser run (no code, no reconstruction): apply it with aekit denoise <run> --data <folder of .wav> --wav <folder>');
    }
    return {
      dir: path,
      model: AutoencoderModel.load(checkpoint, options),
      ...(config ? { config } : {}),
      ...(existsSync(scalerFile) ? { scaler: JSON.parse(readFileSync(scalerFile, 'utf8')) as ScalerJSON } : {}),
    };
  }
  if (existsSync(join(path, 'checkpoint.json')) || existsSync(join(path, '.aekit-commit'))) {
    return { dir: path, model: AutoencoderModel.load(path, options) };
  }
  throw new ConfigError(path, existsSync(path) ? 'is neither a run folder (run.json) nor a checkpoint (checkpoint.json)' : 'no such run folder or checkpoint');
}

/**
 * The data a command applies a run's model to: `--data` when given (scaled
 * with the run's scaler), else the run's own test set (or its training set
 * when it has no test set).
 */
export async function dataForRun(run: OpenedRun, source: string | undefined, opts: { samples?: number; labelColumn?: string } = {}): Promise<{ data: RunData; split: 'test' | 'train' | 'given' }> {
  const base = run.config?.data;
  if (!source && !base) throw new ConfigError('--data', `${run.dir} is a bare checkpoint with no run config: say which data to use with --data`);
  // New clips are cropped or padded to the model's input length, at the run's sample rate.
  const audio = source && isAudioFolder(source) ? { audio: { ...(base?.audio ?? {}), length: run.model.inputShape[0]! } } : {};
  const cfg = source
    ? { ...audio, ...(base?.window ? { window: base.window } : {}), ...(base?.shape ? { shape: base.shape } : {}), ...(base?.imageSize ? { imageSize: base.imageSize } : {}), ...(base?.channels ? { channels: base.channels } : {}), source, ...(opts.samples ? { samples: opts.samples } : {}), ...(opts.labelColumn !== undefined ? { labelColumn: /^\d+$/.test(opts.labelColumn) ? Number(opts.labelColumn) : opts.labelColumn } : base?.labelColumn !== undefined ? { labelColumn: base.labelColumn } : {}), scale: 'none' as const }
    : { ...base!, ...(opts.samples ? { samples: opts.samples, testSamples: opts.samples } : {}) };
  // Sentences get the ids and row length the model was trained with.
  const sentences = asSentenceModel(run.model);
  const text = sentences?.vocabulary ? { vocabulary: sentences.vocabulary, length: sentences.steps } : undefined;
  const saved = run.scaler || text ? { ...(run.scaler ? { scaler: run.scaler } : {}), ...(text ? { text } : {}) } : undefined;
  const data = await loadRunData(cfg, saved, { testOnly: !source, wholeSource: Boolean(source) });
  const want = run.model.inputShape;
  const have = data.sampleShape;
  if (have.join() !== want.join()) {
    throw new ConfigError('--data', `samples of shape [${have.join(', ')}] do not fit the model's input [${want.join(', ')}]${have.reduce((a, b) => a * b, 1) === want.reduce((a, b) => a * b, 1) ? ' (the same size: the run was trained with data.shape set; pass data of that shape)' : ''}`);
  }
  if (source) return { data: { ...data, train: data.train }, split: 'given' };
  return data.test ? { data: { ...data, train: data.test }, split: 'test' } : { data, split: 'train' };
}
