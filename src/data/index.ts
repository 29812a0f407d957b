/**
 * aekit/data: bundled datasets, file formats (IDX, CSV, NPY/NPZ, JSON, PNG/JPEG
 * folders), streaming readers, preprocessing, seeded splits and batching.
 * Every parser throws {@link DataFormatError} for bad input.
 */
export * from './types.js';
export * from './errors.js';
export * from './random.js';
export { DTYPE_BYTES, firstNonFinite, type NonFinitePolicy, type BinaryReadOptions } from './dtype.js';
export * from './idx.js';
export * from './npy.js';
export * from './csv.js';
export * from './series.js';
export * from './json.js';
export * from './images.js';
export * from './stream.js';
export * from './table-stream.js';
export * from './source.js';
export * from './preprocess.js';
export * from './split.js';
export * from './datasets.js';
export * from './text-features.js';
export * from './text.js';
