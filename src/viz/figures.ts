/**
 * aekit's chart figures as PNG bytes: each is its spec builder (reusable by
 * the dashboard) followed by {@link chartPng}.
 */

import {
  latentScatterSpec, lossCurvesSpec, precisionRecallSpec, reconstructionLinesSpec, rocCurveSpec, scoreHistogramSpec,
  type DetectionCurveInput, type DetectionCurveOptions, type LatentScatterOptions, type LossCurve, type LossCurvesOptions,
  type ReconstructionLinesInput, type ReconstructionLinesOptions, type ScoreHistogramInput, type ScoreHistogramOptions,
} from './charts.js';
import { project2d, type ProjectionOptions } from './projection.js';
import { type SeriesDetectionInput, type SeriesDetectionOptions, seriesDetectionSpec } from './series-detection.js';
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

/** ROC curve of a detector's scores against labels, with its AUC and the threshold's point, as a PNG (default 600×560). */
export function rocCurvePng(input: DetectionCurveInput, options: DetectionCurveOptions & FigureOptions = {}): Promise<Uint8Array> {
  return chartPng(rocCurveSpec(input, options), { width: 600, height: 560, ...options });
}

/** Precision–recall curve of a detector's scores against labels, with its average precision and the threshold's point, as a PNG (default 600×560). */
export function precisionRecallPng(input: DetectionCurveInput, options: DetectionCurveOptions & FigureOptions = {}): Promise<Uint8Array> {
  return chartPng(precisionRecallSpec(input, options), { width: 600, height: 560, ...options });
}

/** Inputs and reconstructions of table rows or sequences as line plots, one panel per sample, as a PNG (default 900 wide, 230 px per row of panels). */
export function reconstructionLinesPng(input: ReconstructionLinesInput, options: ReconstructionLinesOptions & FigureOptions = {}): Promise<Uint8Array> {
  const spec = reconstructionLinesSpec(input, options);
  const panels = (spec.grid as unknown[]).length;
  const rows = Math.ceil(panels / Math.min(options.columns ?? 2, panels));
  return chartPng(spec, { width: 900, height: 90 + 230 * rows, ...options });
}

/** A series, its anomaly score with the threshold and the flagged ranges, as a PNG (default 1100×620; 170 pixels more per channel panel after the first). */
export function seriesDetectionPng(input: SeriesDetectionInput, options: SeriesDetectionOptions & FigureOptions = {}): Promise<Uint8Array> {
  const panels = options.panels === 'channels' ? Math.min(input.channels ?? 1, options.maxChannels ?? 4) : 1;
  const height = options.height ?? 620 + 170 * (panels - 1);
  return chartPng(seriesDetectionSpec(input, { ...options, height }), { width: 1100, ...options, height });
}
