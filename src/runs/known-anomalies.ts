/**
 * The samples a run's detector is evaluated on, with known anomalies when
 * there are some: the first {@link EVALUATION_SAMPLES} of the run's test set
 * (its training set when it has none), then as many known anomalies. The
 * demo's report and the dashboard's anomaly view both measure on this set,
 * so their numbers are the same.
 *
 * For MNIST runs Fashion-MNIST's test images are the known anomalies and the
 * other way round: the same 28×28 gray format, a different world. Other data
 * has known anomalies only when its labels are 0/1 (1 = anomalous).
 */
import { fashionMnist, mnist } from '../data/datasets.js';
import { type Dataset, shapeSize } from '../data/types.js';
import { type OpenedRun, dataForRun } from './open-run.js';

/** Normal samples of the evaluation set at most (the dashboard draws each one). */
export const EVALUATION_SAMPLES = 1000;

/** What {@link runEvaluationSet} gives. */
export interface RunEvaluationSet {
  /** Which split the normal samples come from. */
  split: 'test' | 'train';
  sampleShape: number[];
  /** The split's first `n` samples, then the known anomalies (scaled as the model saw its data). */
  x: Float32Array;
  /** Samples of the split in `x` (the first n rows). */
  n: number;
  /** Rows of `x`. */
  count: number;
  /** The split itself (labels, class names of its first n rows). */
  set: Dataset;
  /** Per row of `x`: 1 = known anomaly, 0 = normal; absent when nothing is known. */
  truth?: Uint8Array;
  /** Where the known anomalies come from, in words. */
  truthSource?: string;
  /** A table's feature names (the CSV header), when the data has them. */
  columns?: string[];
}

function otherImages(source: string | undefined, sampleShape: number[], count: number): { set: Dataset; what: string } | undefined {
  const shape = sampleShape.length === 1 ? 'flat' : sampleShape;
  if (source === 'mnist') return { set: fashionMnist({ split: 'test', shape, limit: count }), what: `${count} Fashion-MNIST test images (clothing) as known anomalies` };
  if (source === 'fashion-mnist') return { set: mnist({ split: 'test', shape, limit: count }), what: `${count} MNIST test images (digits) as known anomalies` };
  return undefined;
}

/** The run's evaluation set (see the module comment). */
export async function runEvaluationSet(run: OpenedRun, limit = EVALUATION_SAMPLES): Promise<RunEvaluationSet> {
  // No sample count is asked of the data: a run with fewer samples than `limit` uses all it has.
  const { data, split } = await dataForRun(run, undefined);
  const set = data.train; // dataForRun puts the chosen split here
  const n = Math.min(limit, set.shape[0]!);
  const features = shapeSize(data.sampleShape);
  const x = set.x.subarray(0, n * features);
  const base = { split: split === 'test' ? 'test' as const : 'train' as const, sampleShape: data.sampleShape, n, set, ...(data.columns ? { columns: data.columns } : {}) };
  // A scaled run's inputs are not the images the other set holds.
  const other = !run.scaler && features === 784 ? otherImages(run.config?.data.source, data.sampleShape, n) : undefined;
  if (other) {
    const all = new Float32Array(x.length + other.set.x.length);
    all.set(x);
    all.set(other.set.x, x.length);
    const count = n + other.set.shape[0]!;
    return { ...base, x: all, count, truth: new Uint8Array(count).fill(1, n), truthSource: other.what };
  }
  const labels = set.labels?.subarray(0, n);
  if (labels && labels.every((l) => l === 0 || l === 1) && labels.includes(1) && labels.includes(0)) {
    return { ...base, x, count: n, truth: Uint8Array.from(labels), truthSource: "the data set's 0/1 labels (1 = anomalous)" };
  }
  return { ...base, x, count: n };
}
