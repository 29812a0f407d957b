/** Types shared by the detector and its file format. */
import { type ScalerJSON } from '../data/preprocess.js';
import { type SavedThresholdStrategy } from './threshold.js';

/**
 * What a detector scores (higher = more anomalous):
 * - `reconstruction`: the model's own per-sample reconstruction error
 *   (`model.reconstructionError`: its loss summed over the features).
 * - `mse`, `mae`, `bce`: Σ (x̂ − x)², Σ |x̂ − x|, or Σ −[x ln x̂ + (1 − x) ln(1 − x̂)]
 *   (x̂ clipped to [1e-7, 1 − 1e-7]) over the features, whatever the model's loss.
 * - `elbo`: for a {@link VariationalAutoencoder}, the negative ELBO with z = μ:
 *   reconstruction error of the decoded mean + β·KL(q(z|x) ‖ N(0, I)).
 *   Deterministic (no sampled z), so scores are reproducible.
 * - `knn`: the mean distance from the sample's code to its k nearest training
 *   codes (the training data scored leave-one-out).
 * - `center`: the squared distance from the code to the mean training code,
 *   Deep SVDD's hypersphere centre c (Ruff et al. 2018) on the autoencoder's
 *   codes, without the SVDD fine-tuning.
 * - `combined`: Σ of the `combine` scores, each standardized by the mean and
 *   standard deviation of its training scores.
 */
export type ScoreKind = 'reconstruction' | 'mse' | 'mae' | 'bce' | 'elbo' | 'knn' | 'center' | 'combined';

/** Every score kind, in the order the benchmark reports them. */
export const SCORE_KINDS: readonly ScoreKind[] = ['reconstruction', 'mse', 'mae', 'bce', 'elbo', 'knn', 'center', 'combined'];

/** Statistics of the training scores, for thresholds, probabilities and standardizing. */
export interface ScoreStats {
  n: number;
  min: number;
  max: number;
  mean: number;
  std: number;
}

/** Everything a fitted detector is, as saved in detector.json (the model and codes live beside it). */
export interface DetectorState {
  score: ScoreKind;
  k: number;
  metric: 'euclidean' | 'cosine';
  combine: ScoreKind[];
  proba: 'linear' | 'unify';
  scaler: ScalerJSON | null;
  threshold: number;
  thresholdStrategy: SavedThresholdStrategy;
  trainStats: ScoreStats;
  /** Per component of a `combined` score: the training statistics it is standardized with. */
  componentStats: Partial<Record<ScoreKind, ScoreStats>>;
  /** Mean training code (for `center`). */
  center: number[] | null;
  /** Training rows closer than this are not each other's neighbours in the training k-NN scores (1: only the row itself). */
  exclusionZone: number;
}

