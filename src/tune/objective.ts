/**
 * Objectives a trial reports besides its per-epoch metrics. `rocAuc`: the
 * one-class ROC-AUC of aekit's anomaly detector (src/anomaly/detector.ts,
 * its default score) around the trial's trained model, fitted on the
 * training part of the run's samples and scored on the validation part
 * (the last `validationSplit` of them, the samples `fit` held out), whose
 * 0/1 labels (1 = anomaly) come from the data's label column.
 */
import { AnomalyDetector } from '../anomaly/detector.js';
import { shapeSize, type Dataset } from '../data/types.js';
import { take } from '../data/split.js';
import { rocAuc } from '../eval/detection.js';
import { type AutoencoderModel } from '../models/base.js';

/** The training and validation parts of a run's training samples, as `fit` cut them with `validationSplit`. */
export function validationParts(train: Dataset, validationSplit: number): { fit: Dataset; validation: Dataset } {
  const n = train.shape[0]!;
  const cut = Math.floor(n * (1 - validationSplit));
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  return { fit: take(train, range(0, cut)), validation: take(train, range(cut, n)) };
}

/**
 * ROC-AUC (in [0, 1]) of the default detector around `model`, fitted (the
 * model not trained further) on `fitOn` and scored on `scoreOn`, whose
 * labels must be 0/1 with both present.
 * @param what names `scoreOn` in errors ("the validation split").
 */
export async function detectorRocAuc(model: AutoencoderModel, fitOn: Dataset, scoreOn: Dataset, what: string): Promise<number> {
  const labels = scoreOn.labels;
  if (!labels) throw new Error(`${what} has no labels: the rocAuc objective needs data.labelColumn with 0/1 labels (1 = anomaly)`);
  if (!labels.every((l) => l === 0 || l === 1) || !labels.includes(0) || !labels.includes(1)) {
    throw new Error(`${what}: the rocAuc objective needs labels 0 (normal) and 1 (anomaly), both present; got ${[...new Set(labels)].slice(0, 5).join(', ')}`);
  }
  const detector = new AnomalyDetector(model);
  const rows = (d: Dataset) => ({ x: d.x, shape: [d.shape[0]!, ...d.shape.slice(1)] });
  await detector.fit(rows(fitOn), { train: false });
  const scores = await detector.score(rows(scoreOn));
  if (scores.length !== scoreOn.shape[0] || shapeSize(scoreOn.shape.slice(1)) === 0) throw new Error(`${what}: scored ${scores.length} of ${scoreOn.shape[0]} samples`);
  return rocAuc(scores, labels);
}

/** The `rocAuc` objective of a trained trial: the detector fitted on the training part, scored on the validation split. */
export async function validationRocAuc(model: AutoencoderModel, train: Dataset, validationSplit: number): Promise<number> {
  const { fit, validation } = validationParts(train, validationSplit);
  return detectorRocAuc(model, fit, validation, 'the validation split');
}
