/**
 * Anomaly detection with the autoencoder family: a one-class detector around
 * any model (scores, thresholds, probabilities, save/load), time-series
 * windows and flagged ranges, tabular CSV input, and the evaluation metrics.
 */
export { AnomalyDetector, DEFAULT_SCORE, DEFAULT_DETECTOR_TRAINING, defaultMetric, type AnomalyDetectorOptions, type DetectorFitOptions } from './detector.js';
export { SCORE_KINDS, type ScoreKind, type ScoreStats, type DetectorState } from './types.js';
export { AnomalyInputError, type DetectorData } from './input.js';
export { DetectorFileError, DETECTOR_FORMAT } from './store.js';
export {
  type ThresholdStrategy, type SavedThresholdStrategy, contaminationThreshold, maxThreshold, meanStdThreshold, quantile,
} from './threshold.js';
export { knnMeanDistance, centerDistance } from './knn.js';
export { scoreOnnx, writeScoreOnnx, SCORE_INPUT, SCORE_OUTPUT, FLAG_OUTPUT, type ScoreOnnxOptions } from './score-onnx.js';
export {
  TimeSeriesDetector, slidingWindows, stepScores, smoothSteps, flaggedRanges,
  type TimeSeriesDetectorOptions, type SeriesData, type SeriesDetection, type FlaggedRange, type WindowOptions, type Windows,
} from './timeseries.js';
export { readTabular, type TabularData, type TabularOptions } from './tabular.js';
export { SERIES_MODEL, seriesAutoencoder, seriesModelConfig, type SeriesModelKind, type SeriesModelOptions } from './series-model.js';
export {
  rocAuc, averagePrecision, bestF1Threshold, confusionAt, evaluateDetector, type ConfusionMatrix, type DetectorEvaluation,
} from '../eval/detection.js';
