/**
 * The default autoencoder of a {@link TimeSeriesDetector}: the model
 * `npm run bench:timeseries` measured best on NAB's development series
 * (docs/anomaly.md, "Time series: NAB").
 */
import { type AutoencoderModel } from '../models/base.js';
import { Conv1DAutoencoder, type Conv1DAutoencoderConfig } from '../models/conv1d.js';
import { Autoencoder, type AutoencoderConfig } from '../models/dense.js';
import { modelFromConfig } from '../models/registry.js';
import { recurrentPresetConfig } from '../models/recurrent.js';
import { TRANSFORMER_PRESET } from '../models/transformer.js';

/** The series models: 'conv1d' (default), 'dense', and for comparisons 'lstm' and 'transformer'. */
export type SeriesModelKind = 'conv1d' | 'dense' | 'lstm' | 'transformer';

/** Sizes of the default series model. */
export interface SeriesModelOptions {
  /** Default 'conv1d'. */
  kind?: SeriesModelKind;
  /** Code size. Default {@link SERIES_MODEL.code}. */
  code?: number;
  /** 'dense': hidden units each way. Default {@link SERIES_MODEL.hidden}. */
  hidden?: number;
}

/**
 * - 'conv1d' (the default): {@link Conv1DAutoencoder} over [window, channels],
 *   Conv1D 32 and 16 filters (kernel 5, ReLU), each followed by max pooling
 *   by 2, a dense code of 8, the mirrored decoder with upsampling; MSE.
 * - 'dense': window·channels → 32 → 8 → 32 → window·channels (ReLU, linear
 *   output), MSE.
 * - 'lstm': the `lstm` preset with a code of 8 (an LSTM encoder of 8 units,
 *   a 64-unit LSTM decoder started from the code, in reverse), MSE.
 * - 'transformer': the `transformer` preset with a code of 8
 *   (TransformerAutoencoder, 2 + 2 blocks of width 64), MSE.
 *
 * On the 14 NAB development series (windows of 64, the default detector,
 * mean PR-AUC over seeds 1 and 2) 'conv1d' scored 52.4 and 'dense' 50.5 at
 * the same ROC-AUC (77.2), training about three times as long; the dense
 * model's width, code size (4, 8, 16), tanh units and 30 epochs all stayed
 * within a point of PR-AUC, and a conv1d code of 16 within one of 8.
 */
export const SERIES_MODEL = { kind: 'conv1d', code: 8, hidden: 32, filters: [32, 16], kernelSize: 5 } as const;

/** The config of a series model for windows of `window` steps × `channels` (JSON, as `modelFromConfig` takes). */
export function seriesModelConfig(window: number, channels: number, options: SeriesModelOptions = {}): (AutoencoderConfig & { className: 'Autoencoder' }) | (Conv1DAutoencoderConfig & { className: 'Conv1DAutoencoder' }) | { className: 'RecurrentAutoencoder' | 'TransformerAutoencoder'; [field: string]: unknown } {
  if (!(Number.isInteger(window) && window >= 2)) throw new RangeError(`seriesModelConfig: window must be an integer >= 2, got ${JSON.stringify(window)}`);
  if (!(Number.isInteger(channels) && channels >= 1)) throw new RangeError(`seriesModelConfig: channels must be a positive integer, got ${JSON.stringify(channels)}`);
  const kind = options.kind ?? SERIES_MODEL.kind;
  const code = options.code ?? SERIES_MODEL.code;
  if (kind === 'dense') {
    const hidden = options.hidden ?? SERIES_MODEL.hidden;
    return { className: 'Autoencoder', inputShape: [window * channels], encoder: { sizes: [hidden, code] }, loss: 'mse' };
  }
  if (options.hidden !== undefined) throw new RangeError(`seriesModelConfig: 'hidden' sizes the dense model; the ${kind} model has its own widths`);
  if (kind === 'lstm') return recurrentPresetConfig('lstm', [window, channels], code, 'mse');
  if (kind === 'transformer') return { className: 'TransformerAutoencoder', inputShape: [window, channels], ...TRANSFORMER_PRESET, latentDim: code, loss: 'mse' };
  if (kind !== 'conv1d') throw new RangeError(`seriesModelConfig: kind must be 'conv1d', 'dense', 'lstm' or 'transformer', got ${JSON.stringify(kind)}`);
  return { className: 'Conv1DAutoencoder', inputShape: [window, channels], encoder: { filters: [...SERIES_MODEL.filters], kernelSize: SERIES_MODEL.kernelSize }, latentDim: code, loss: 'mse' };
}

/** A series model, untrained (see {@link seriesModelConfig}): pass it to `new TimeSeriesDetector(model, { window })`. */
export function seriesAutoencoder(window: number, channels = 1, options: SeriesModelOptions = {}): AutoencoderModel {
  const config = seriesModelConfig(window, channels, options);
  if (config.className === 'Autoencoder') {
    const { className: _, ...c } = config;
    return new Autoencoder(c);
  }
  if (config.className === 'Conv1DAutoencoder') {
    const { className: _, ...c } = config as Conv1DAutoencoderConfig & { className: 'Conv1DAutoencoder' };
    return new Conv1DAutoencoder(c);
  }
  return modelFromConfig(config) as AutoencoderModel;
}
