/**
 * aekit's chart figures as PNG bytes: each is its spec builder (reusable by
 * the dashboard) followed by {@link chartPng}.
 */

import {
  latentScatterSpec, lossCurvesSpec, scoreHistogramSpec,
  type LatentScatterOptions, type LossCurve, type LossCurvesOptions, type ScoreHistogramInput, type ScoreHistogramOptions,
} from './charts.js';
import { project2d, type ProjectionOptions } from './projection.js';
import { chartPng, type ChartSize, type PngOptions } from './render.js';

/** Size and pixel options shared by the chart figures. */
export type FigureOptions = ChartSize & PngOptions;

/** Train/validation loss curves (several runs overlaid) as a PNG (default 800×500). */
export function lossCurvesPng(runs: LossCurve | readonly LossCurve[], options: LossCurvesOptions & FigureOptions = {}): Promise<Uint8Array> {
  return chartPng(lossCurvesSpec(runs, options), options);
}

/** Input of {@link latentScatterPng}: codes of any width, projected to 2-D when wider. */
export interface LatentCodes {
  /** n codes, row-major, length n·dim. */
  codes: Float32Array | ArrayLike<number>;
  /** Code width. */
  dim: number;
  /** A label per code (class index or name) for colours and legend. */
  labels?: ArrayLike<number | string>;
  /** Names of numeric labels. */
  classNames?: readonly string[];
}

/**
 * Latent-space scatter coloured by label as a PNG (default 760×600): the code
 * itself when 2-D, else its PCA or UMAP projection ({@link project2d}), named
 * in the subtitle and axes.
 */
export async function latentScatterPng(input: LatentCodes, options: LatentScatterOptions & ProjectionOptions & FigureOptions = {}): Promise<Uint8Array> {
  if (input === null || typeof input !== 'object') throw new TypeError('latentScatterPng: input must be an object { codes, dim, labels?, classNames? }');
  const projected = await project2d(input.codes, input.dim, options);
  const spec = latentScatterSpec(
    { points: projected.points, labels: input.labels, classNames: input.classNames },
    { axisNames: projected.axisNames, subtitle: projected.description, ...options },
  );
  return chartPng(spec, { width: 760, height: 600, ...options });
}

/** Anomaly-score histogram with the threshold line as a PNG (default 800×500). */
export function scoreHistogramPng(input: ScoreHistogramInput, options: ScoreHistogramOptions & FigureOptions = {}): Promise<Uint8Array> {
  return chartPng(scoreHistogramSpec(input, options), options);
}
