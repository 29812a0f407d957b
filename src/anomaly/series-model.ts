/**
 * The default autoencoder of a {@link TimeSeriesDetector}: a dense
 * autoencoder over flattened windows, the model `npm run bench:timeseries`
 * measured (docs/anomaly.md, "Time series: NAB").
 */
import { Autoencoder, type AutoencoderConfig } from '../models/dense.js';

/** Sizes of the default series model. */
export interface SeriesModelOptions {
  /** Hidden units each way. Default {@link SERIES_MODEL.hidden}. */
  hidden?: number;
  /** Code size. Default {@link SERIES_MODEL.code}. */
  code?: number;
}

/**
 * The default series model: window·channels → hidden (ReLU) → code (ReLU) →
 * hidden → window·channels (linear), MSE. On the NAB development series
 * (windows of 64) wider or narrower ones did no better: hidden 64 / code 16
 * and code 4 or 16 were within a point of PR-AUC of this one, tanh units
 * lost 1.6 points of ROC-AUC (docs/anomaly.md).
 */
export const SERIES_MODEL = { hidden: 32, code: 8 } as const;

/** The config of the default series model for windows of `window` steps × `channels`. */
export function seriesModelConfig(window: number, channels: number, options: SeriesModelOptions = {}): AutoencoderConfig & { className: 'Autoencoder' } {
  if (!(Number.isInteger(window) && window >= 2)) throw new RangeError(`seriesModelConfig: window must be an integer >= 2, got ${JSON.stringify(window)}`);
  if (!(Number.isInteger(channels) && channels >= 1)) throw new RangeError(`seriesModelConfig: channels must be a positive integer, got ${JSON.stringify(channels)}`);
  const hidden = options.hidden ?? SERIES_MODEL.hidden;
  const code = options.code ?? SERIES_MODEL.code;
  return { className: 'Autoencoder', inputShape: [window * channels], encoder: { sizes: [hidden, code] }, loss: 'mse' };
}

/** The default series model, untrained (see {@link seriesModelConfig}). */
export function seriesAutoencoder(window: number, channels = 1, options: SeriesModelOptions = {}): Autoencoder {
  const { className: _, ...config } = seriesModelConfig(window, channels, options);
  return new Autoencoder(config);
}
