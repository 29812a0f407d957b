/**
 * Embedding: a trained model's codes for a data set, in memory or written to
 * a file other tools read (NumPy's .npy/.npz, CSV), with the data's labels
 * when it has them. The evaluation of codes as features and clusters lives in
 * src/eval and is re-exported here, so `import { embed, evaluateCodes }` is
 * one import.
 */
import { extname } from 'node:path';
import { encodeNpy, encodeNpz } from '../data/npy.js';
import { type FeatureSet } from '../eval/features.js';
import { writeFileAtomic } from '../io/files.js';
import { type AutoencoderModel } from '../models/base.js';
import { PCA } from '../models/pca.js';

export * from '../eval/features.js';
export * from '../eval/clustering.js';
export * from '../eval/codes.js';

/** A data set's codes: `x` holds n codes of `shape.slice(1)` each, row after row. */
export interface Embedding extends FeatureSet {
  /** The codes, [n, ...latentShape] row-major (float32). */
  x: Float32Array;
  shape: number[];
  /** The data's class labels, one per code, when the data has them. */
  labels?: Int32Array;
  /** The data's class names, when it has them. */
  labelNames?: string[];
}

/** What {@link embed} reads: samples row after row, `shape` = [n, ...inputShape] (a `Dataset` fits). */
export interface EmbedData {
  x: Float32Array;
  shape: readonly number[];
  labels?: ArrayLike<number>;
  labelNames?: string[];
}

/** Options of {@link embed}. */
export interface EmbedOptions {
  /** Samples per encoder run. Default 1024. */
  batchSize?: number;
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Checks `data` against what the model takes: `inputShape` exactly, or for a
 * PCA (`features` given) any sample shape holding that many values.
 */
function checkData(data: EmbedData, what: string, expected: { inputShape: readonly number[] } | { features: number }): number {
  const wanted = 'inputShape' in expected ? `[n, ${expected.inputShape}]` : `[n, ${expected.features}]`;
  if (data === null || typeof data !== 'object' || !(data.x instanceof Float32Array) || !Array.isArray(data.shape)) {
    const got = data === null ? 'null' : typeof data !== 'object' ? typeof data : !(data.x instanceof Float32Array) ? 'an object whose x is not a Float32Array' : 'an object without a shape array';
    throw new TypeError(`embed: data must be { x: Float32Array, shape: ${wanted} } (a Dataset), got ${got}`);
  }
  const [n, ...sample] = data.shape;
  if (!(Number.isInteger(n) && n! >= 1)) throw new Error(`embed: data.shape[0] (the number of samples) must be a positive integer, got ${n}`);
  if ('inputShape' in expected && sample.join() !== expected.inputShape.join()) {
    const hint = product(sample) === product(expected.inputShape) ? ' (same size: load the data with that shape, e.g. mnist({ shape: \'image\' }))' : '';
    throw new Error(`embed: data samples have shape [${sample}], ${what} takes [${expected.inputShape}]${hint}`);
  }
  if ('features' in expected && product(sample) !== expected.features) {
    throw new Error(`embed: data samples have ${product(sample)} values (shape [${sample}]), ${what} was fitted on ${expected.features} features`);
  }
  if (data.x.length !== n! * product(sample)) throw new Error(`embed: data.shape [${data.shape}] needs ${n! * product(sample)} values, data.x has ${data.x.length}`);
  if (data.labels !== undefined && data.labels.length !== n) throw new Error(`embed: data has ${n} samples but ${data.labels.length} labels`);
  return n!;
}

/**
 * The codes of every sample of `data`: an autoencoder's encoder output
 * h = f(x) (a VAE: the posterior means μ, no sampling; no input corruption),
 * or a {@link PCA}'s projection (x − mean)·Wᵀ. Labels and class names are
 * carried over when the data has them.
 */
export async function embed(model: AutoencoderModel | PCA, data: EmbedData, options: EmbedOptions = {}): Promise<Embedding> {
  const batchSize = options.batchSize ?? 1024;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`embed: batchSize must be a positive integer, got ${batchSize}`);
  let x: Float32Array;
  let codeShape: number[];
  let n: number;
  if (model instanceof PCA) {
    n = checkData(data, 'the PCA', { features: model.features });
    x = model.transform(data.x);
    codeShape = [model.components];
  } else {
    n = checkData(data, `the ${model.className}`, { inputShape: model.inputShape });
    const size = product(model.inputShape);
    const codeSize = product(model.latentShape);
    x = new Float32Array(n * codeSize);
    // Batches bound the memory ONNX Runtime needs for intermediate activations.
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      x.set(await model.encode(data.x.subarray(start * size, end * size)), start * codeSize);
    }
    codeShape = [...model.latentShape];
  }
  const out: Embedding = { x, shape: [n, ...codeShape] };
  if (data.labels !== undefined) out.labels = Int32Array.from(data.labels);
  if (data.labelNames !== undefined) out.labelNames = [...data.labelNames];
  return out;
}

/** File formats of {@link writeCodes}. */
export type CodeFileFormat = 'npy' | 'npz' | 'csv';

/** Options of {@link writeCodes}. */
export interface WriteCodesOptions {
  /** Default: from the file's extension (.npy, .npz, .csv). */
  format?: CodeFileFormat;
}

/** The shortest decimal text that reads back as the same float32 value. */
function float32Text(v: number): string {
  for (let p = 1; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}

/** The sibling file that holds the labels of codes written as .npy: `codes.npy` → `codes.labels.npy`. */
export function labelsPathFor(path: string): string {
  return `${path.replace(/\.npy$/i, '')}.labels.npy`;
}

/**
 * Writes codes to a file, atomically (a temporary file renamed into place, so
 * readers never see half a file):
 * - `.npy`: the codes as float32 [n, ...codeShape]; labels, when present, as
 *   int32 [n] in a second file beside it ({@link labelsPathFor}: `codes.labels.npy`);
 * - `.npz`: arrays `codes` and, when present, `labels` in one archive;
 * - `.csv`: a header `z0,…,z{k−1}` (plus `label`), one row per sample, each
 *   value in the shortest decimal that reads back as the same float32 (read
 *   back with `readCsv(path, { labelColumn: 'label' })`).
 *
 * @returns the paths written.
 */
export function writeCodes(path: string, embedding: Embedding, options: WriteCodesOptions = {}): string[] {
  const ext = extname(path).toLowerCase().slice(1);
  const format = options.format ?? ext;
  if (format !== 'npy' && format !== 'npz' && format !== 'csv') {
    throw new Error(`writeCodes: cannot tell the format of '${path}'${options.format !== undefined ? ` (format ${JSON.stringify(options.format)})` : ''}; expected a .npy, .npz or .csv file, or options.format 'npy' | 'npz' | 'csv'`);
  }
  const n = embedding.shape[0]!;
  if (!(embedding.x instanceof Float32Array) || embedding.x.length !== product(embedding.shape)) {
    throw new Error(`writeCodes: the embedding's x does not hold [${embedding.shape}] float32 codes`);
  }
  const labels = embedding.labels;
  if (labels !== undefined && labels.length !== n) throw new Error(`writeCodes: ${n} codes but ${labels.length} labels`);
  if (format === 'npy') {
    writeFileAtomic(path, encodeNpy({ shape: embedding.shape, data: embedding.x }));
    if (!labels) return [path];
    const labelsPath = labelsPathFor(path);
    writeFileAtomic(labelsPath, encodeNpy({ shape: [n], data: Int32Array.from(labels) }));
    return [path, labelsPath];
  }
  if (format === 'npz') {
    const arrays: Record<string, { shape: readonly number[]; data: Float32Array | Int32Array }> = { codes: { shape: embedding.shape, data: embedding.x } };
    if (labels) arrays.labels = { shape: [n], data: Int32Array.from(labels) };
    writeFileAtomic(path, encodeNpz(arrays));
    return [path];
  }
  const d = n === 0 ? 0 : embedding.x.length / n;
  const lines: string[] = [[...Array.from({ length: d }, (_, j) => `z${j}`), ...(labels ? ['label'] : [])].join(',')];
  for (let i = 0; i < n; i++) {
    const row: string[] = [];
    for (let j = 0; j < d; j++) row.push(float32Text(embedding.x[i * d + j]!));
    if (labels) row.push(String(labels[i]));
    lines.push(row.join(','));
  }
  writeFileAtomic(path, `${lines.join('\n')}\n`);
  return [path];
}
