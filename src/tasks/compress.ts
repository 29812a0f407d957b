/**
 * Compression with a trained autoencoder: the encoder's codes, quantized per
 * channel to at most 8 bits and entropy-coded, in a self-checking file that
 * only the same model (same config, same weights) can decode.
 *
 * File layout (version 1, little-endian):
 *
 *     offset  size  field
 *          0     8  magic 89 41 45 5A 0D 0A 1A 0A ("\x89AEZ\r\n\x1a\n")
 *          8     2  format version (1)
 *         10     1  bits per value b (1 … 8)
 *         11     1  entropy coder: 0 = adaptive range coder, 1 = deflate
 *         12     1  rank of one input sample's shape (r_x)
 *         13     1  rank of one code's shape (r_z)
 *         14     2  reserved, 0
 *         16     4  number of samples n
 *         20     4  header length H (the payload's offset)
 *         24     8  file length L
 *         32    32  model identity: SHA-256 of the model's config and weights ({@link modelIdentity})
 *         64     4  CRC-32 of bytes 0 … 63
 *         68  4r_x  input sample shape (u32 each)
 *          …  4r_z  code shape (u32 each); C = product of the code shape
 *          …    4C  per-channel offsets (float32)
 *          …    4C  per-channel steps (float32)
 *          H     …  payload: the n·C quantized values, entropy-coded
 *       L−32    32  SHA-256 of bytes 0 … L−33
 *
 * The first 64 bytes carry their own CRC so a damaged length field is
 * reported as damage, not as truncation; the closing SHA-256 covers
 * everything else. The magic follows PNG's: a high first byte and a CR LF /
 * EOF / LF tail that text-mode transfers would alter.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateSync, inflateSync } from 'fflate';
import { sizeOf } from '../graph/types.js';
import { fsReason, writeFileAtomic } from '../io/files.js';
import { type AutoencoderModel } from '../models/base.js';
import { dequantizeCodes, quantizeCodes, type QuantizedCodes } from './quantize.js';
import { rangeDecode, rangeEncode } from './range-coder.js';

export { dequantizeCodes, quantizeCodes, type QuantizedCodes } from './quantize.js';

/** The file's first bytes. */
export const COMPRESSED_MAGIC = Uint8Array.from([0x89, 0x41, 0x45, 0x5a, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The format version this module writes and reads. */
export const COMPRESSED_VERSION = 1;

/** Entropy coders of the payload. */
export type EntropyCoder = 'range' | 'deflate';
const CODERS: readonly EntropyCoder[] = ['range', 'deflate'];

const PREFIX = 64;
const FIXED = PREFIX + 4;
const DIGEST = 32;
const MAX_RANK = 16;

/** A compressed file that cannot be read: names the file and what is wrong with it. */
export class CompressedFileError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'CompressedFileError';
  }
}

/** Options of {@link compress} and {@link encodeCompressed}. */
export interface CompressOptions {
  /** Bits per code value, an integer in 1 … 8 (default 8). Fewer bits: smaller files, coarser codes. */
  bits?: number;
  /**
   * Entropy coder of the quantized values (default 'range'): 'range' is
   * aekit's adaptive binary range coder with one model per channel; 'deflate'
   * is fflate's deflate (level 9) over the values laid out channel by channel.
   * On the MNIST codes of `npm run bench:compress` (aekit and PCA, 10,000
   * images) range-coded files are 17–28 % smaller than deflate's at 2–4 bits,
   * 9–16 % at 5–6 bits and 1–5 % at 7–8 bits (docs/tasks.md).
   */
  coder?: EntropyCoder;
}

/** What a compressed file's header says. */
export interface CompressedHeader {
  version: number;
  bits: number;
  coder: EntropyCoder;
  samples: number;
  /** Shape of one input sample, e.g. [784] or [1, 28, 28]. */
  inputShape: number[];
  /** Shape of one code. */
  codeShape: number[];
  /** The model identity, 64 hex digits. */
  modelId: string;
  /** Per-channel offsets and steps of the quantizer. */
  offset: Float32Array;
  scale: Float32Array;
  /** Bytes of the header, of the entropy-coded payload, and of the whole file. */
  headerBytes: number;
  payloadBytes: number;
  fileBytes: number;
}

/** A decoded compressed file: the header, the quantized values and the codes they stand for. */
export interface DecodedCodes {
  header: CompressedHeader;
  quantized: QuantizedCodes;
  /** offset + q · scale, row-major [samples, ...codeShape]. */
  codes: Float32Array;
}

/** What {@link compress} wrote. */
export interface CompressResult {
  path: string;
  samples: number;
  bits: number;
  coder: EntropyCoder;
  /** Size of the whole file. */
  fileBytes: number;
  /** fileBytes / samples: the header's cost shared over the samples. */
  bytesPerSample: number;
  /** The dequantized codes the file holds (what {@link decompress} decodes), row-major [samples, ...codeShape]. */
  codes: Float32Array;
}

/** What {@link decompress} returns. */
export interface Decompressed {
  /** The model's reconstructions of the dequantized codes, row-major. */
  x: Float32Array;
  /** [samples, ...inputShape]. */
  shape: number[];
  /** The dequantized codes, row-major [samples, ...codeShape]. */
  codes: Float32Array;
  header: CompressedHeader;
}

// ----- Model identity -----

/** JSON with object keys sorted at every level, so equal configs hash equally whatever their key order. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * The identity of a model as 64 hex digits: SHA-256 over its config (JSON,
 * keys sorted) and, in name order, every tensor the decoder could depend on
 * (parameters and running statistics; not the optimizer's slots, which
 * training changes without changing what the model computes): name, dtype,
 * shape and bytes. Two models share an identity only when they compute the
 * same function.
 */
export function modelIdentity(model: AutoencoderModel): string {
  const weights = model.weights();
  const h = createHash('sha256');
  h.update('aekit-model-identity-v1\0');
  h.update(canonicalJson(model.getConfig()));
  for (const name of Object.keys(weights).sort()) {
    const t = weights[name]!;
    h.update(`\0${name}\0${t.dtype}\0${t.shape.join(',')}\0`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}

// ----- Encoding -----

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]!;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/** The n·C values channel by channel (all of channel 0, then channel 1 …), which deflate finds more repetitive. */
function toPlanar(q: Uint8Array, channels: number): Uint8Array {
  const n = q.length / channels;
  const out = new Uint8Array(q.length);
  for (let r = 0; r < n; r++) for (let c = 0; c < channels; c++) out[c * n + r] = q[r * channels + c]!;
  return out;
}

function fromPlanar(p: Uint8Array, channels: number): Uint8Array {
  const n = p.length / channels;
  const out = new Uint8Array(p.length);
  for (let r = 0; r < n; r++) for (let c = 0; c < channels; c++) out[r * channels + c] = p[c * n + r]!;
  return out;
}

function checkShape(shape: readonly number[], what: string): void {
  if (shape.length > MAX_RANK || shape.some((d) => !(Number.isInteger(d) && d >= 1 && d < 2 ** 32))) {
    throw new RangeError(`${what}: expected at most ${MAX_RANK} positive integer dimensions, got [${shape}]`);
  }
}

function resolveOptions(options: CompressOptions, what: string): { bits: number; coder: EntropyCoder } {
  if (options === null || typeof options !== 'object') throw new TypeError(`${what}: options must be an object, got ${String(options)}`);
  for (const k of Object.keys(options)) if (k !== 'bits' && k !== 'coder') throw new RangeError(`${what}: unknown option '${k}' (expected bits, coder)`);
  const bits = options.bits ?? 8;
  if (!(Number.isInteger(bits) && bits >= 1 && bits <= 8)) throw new RangeError(`${what}: options.bits must be an integer in 1 … 8, got ${String(bits)}`);
  const coder = options.coder ?? 'range';
  if (!CODERS.includes(coder)) throw new RangeError(`${what}: options.coder must be one of ${CODERS.map((c) => `'${c}'`).join(', ')}, got ${JSON.stringify(coder)}`);
  return { bits, coder };
}

/**
 * Quantizes codes and packs them into the bytes of a compressed file, without
 * a model: the benchmark uses it for PCA codes, which have no
 * {@link AutoencoderModel}. `modelId` is any 64-hex-digit identity of the
 * decoder the codes belong to.
 */
export function encodeCompressed(
  codes: Float32Array,
  shapes: { inputShape: readonly number[]; codeShape: readonly number[] },
  modelId: string,
  options: CompressOptions = {},
): { bytes: Uint8Array; quantized: QuantizedCodes } {
  const { bits, coder } = resolveOptions(options, 'encodeCompressed');
  checkShape(shapes.inputShape, 'encodeCompressed: inputShape');
  checkShape(shapes.codeShape, 'encodeCompressed: codeShape');
  if (!/^[0-9a-f]{64}$/.test(modelId)) throw new RangeError(`encodeCompressed: modelId must be 64 lowercase hex digits (a SHA-256), got ${JSON.stringify(modelId)}`);
  const channels = sizeOf(shapes.codeShape);
  const samples = codes.length / channels;
  if (!Number.isInteger(samples)) throw new RangeError(`encodeCompressed: ${codes.length} code values are not a whole number of codes of shape [${shapes.codeShape}]`);
  if (samples >= 2 ** 32) throw new RangeError(`encodeCompressed: ${samples} samples; a file holds fewer than 2^32`);
  const quantized = quantizeCodes(codes, channels, bits);
  const payload = coder === 'range' ? rangeEncode(quantized.q, channels, bits) : deflateSync(toPlanar(quantized.q, channels), { level: 9 });

  const headerBytes = FIXED + 4 * (shapes.inputShape.length + shapes.codeShape.length) + 8 * channels;
  const fileBytes = headerBytes + payload.length + DIGEST;
  const bytes = new Uint8Array(fileBytes);
  const view = new DataView(bytes.buffer);
  bytes.set(COMPRESSED_MAGIC, 0);
  view.setUint16(8, COMPRESSED_VERSION, true);
  view.setUint8(10, bits);
  view.setUint8(11, CODERS.indexOf(coder));
  view.setUint8(12, shapes.inputShape.length);
  view.setUint8(13, shapes.codeShape.length);
  view.setUint32(16, samples, true);
  view.setUint32(20, headerBytes, true);
  view.setBigUint64(24, BigInt(fileBytes), true);
  bytes.set(Buffer.from(modelId, 'hex'), 32);
  view.setUint32(PREFIX, crc32(bytes.subarray(0, PREFIX)), true);
  let o = FIXED;
  for (const d of [...shapes.inputShape, ...shapes.codeShape]) {
    view.setUint32(o, d, true);
    o += 4;
  }
  for (const arr of [quantized.offset, quantized.scale]) {
    for (let c = 0; c < channels; c++) {
      view.setFloat32(o, arr[c]!, true);
      o += 4;
    }
  }
  bytes.set(payload, headerBytes);
  bytes.set(sha256(bytes.subarray(0, fileBytes - DIGEST)), fileBytes - DIGEST);
  return { bytes, quantized };
}

// ----- Decoding -----

/**
 * Checks and decodes the bytes of a compressed file: magic, version, header
 * CRC, length (truncated or extended files), SHA-256, then the payload.
 * `name` (the file's path) starts every error message.
 * @throws {CompressedFileError} naming the file and what is wrong.
 */
export function decodeCompressed(bytes: Uint8Array, name: string): DecodedCodes {
  const fail = (reason: string): never => {
    throw new CompressedFileError(name, reason);
  };
  const magicLength = Math.min(bytes.length, COMPRESSED_MAGIC.length);
  for (let i = 0; i < magicLength; i++) {
    if (bytes[i] !== COMPRESSED_MAGIC[i]) fail('not an aekit compressed file (its first bytes are not the magic 89 41 45 5A 0D 0A 1A 0A)');
  }
  if (bytes.length < FIXED) fail(`truncated: ${bytes.length} bytes, shorter than the ${FIXED}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(PREFIX, true) !== crc32(bytes.subarray(0, PREFIX))) fail('damaged: the header checksum (CRC-32 of bytes 0–63) does not match');
  const version = view.getUint16(8, true);
  if (version !== COMPRESSED_VERSION) fail(`format version ${version}; this aekit reads version ${COMPRESSED_VERSION}`);
  const fileBytes = Number(view.getBigUint64(24, true));
  if (bytes.length < fileBytes) fail(`truncated: ${bytes.length} of its ${fileBytes} bytes`);
  if (bytes.length > fileBytes) fail(`${bytes.length - fileBytes} unexpected bytes after its declared end at ${fileBytes} bytes (appended or damaged)`);
  const digest = sha256(bytes.subarray(0, fileBytes - DIGEST));
  for (let i = 0; i < DIGEST; i++) if (digest[i] !== bytes[fileBytes - DIGEST + i]) fail('damaged: the SHA-256 checksum of its contents does not match');

  // From here the bytes are the ones the writer produced; what follows guards against a writer's bug or a forged file.
  const bits = view.getUint8(10);
  const coderIndex = view.getUint8(11);
  const inputRank = view.getUint8(12);
  const codeRank = view.getUint8(13);
  const samples = view.getUint32(16, true);
  const headerBytes = view.getUint32(20, true);
  if (!(bits >= 1 && bits <= 8)) fail(`bits per value is ${bits}, expected 1 … 8`);
  const coder = CODERS[coderIndex] ?? fail(`unknown entropy coder ${coderIndex} (expected 0 = range, 1 = deflate)`);
  if (inputRank > MAX_RANK || codeRank > MAX_RANK) fail(`shape ranks ${inputRank} and ${codeRank}, expected at most ${MAX_RANK}`);
  if (FIXED + 4 * (inputRank + codeRank) > headerBytes) fail(`header length ${headerBytes} is too short for its shapes`);
  const dims: number[] = [];
  for (let i = 0; i < inputRank + codeRank; i++) dims.push(view.getUint32(FIXED + 4 * i, true));
  const inputShape = dims.slice(0, inputRank);
  const codeShape = dims.slice(inputRank);
  if (dims.some((d) => d === 0)) fail(`a shape has a zero dimension (input [${inputShape}], code [${codeShape}])`);
  const channels = sizeOf(codeShape);
  if (headerBytes !== FIXED + 4 * (inputRank + codeRank) + 8 * channels || headerBytes + DIGEST > fileBytes) {
    fail(`header length ${headerBytes} does not match code shape [${codeShape}] and file length ${fileBytes}`);
  }
  const offset = new Float32Array(channels);
  const scale = new Float32Array(channels);
  let o = FIXED + 4 * (inputRank + codeRank);
  for (const arr of [offset, scale]) {
    for (let c = 0; c < channels; c++) {
      arr[c] = view.getFloat32(o, true);
      o += 4;
    }
  }
  const payload = bytes.subarray(headerBytes, fileBytes - DIGEST);
  const count = samples * channels;
  let q: Uint8Array;
  try {
    q = coder === 'range' ? rangeDecode(payload, count, channels, bits) : fromPlanar(inflateSync(payload), channels);
  } catch (e) {
    return fail(`the ${coder}-coded payload does not decode (${(e as Error).message})`);
  }
  if (q.length !== count) fail(`the payload holds ${q.length} values, the header declares ${samples} codes of ${channels}`);
  const levels = (1 << bits) - 1;
  for (let i = 0; i < q.length; i++) if (q[i]! > levels) fail(`value ${q[i]} at index ${i} does not fit in ${bits} bits`);
  const header: CompressedHeader = {
    version, bits, coder, samples, inputShape, codeShape,
    modelId: Buffer.from(bytes.subarray(32, 64)).toString('hex'),
    offset, scale, headerBytes, payloadBytes: payload.length, fileBytes,
  };
  const quantized: QuantizedCodes = { bits, channels, q, offset, scale };
  return { header, quantized, codes: dequantizeCodes(quantized) };
}

// ----- Files -----

function sampleData(model: AutoencoderModel, data: Float32Array | { x: Float32Array; shape: readonly number[] }): Float32Array {
  const size = sizeOf(model.inputShape);
  if (data instanceof Float32Array) {
    if (data.length === 0 || data.length % size !== 0) throw new RangeError(`compress: data has ${data.length} values, not a whole positive number of samples of shape [${model.inputShape}] (${size} values each)`);
    return data;
  }
  if (data === null || typeof data !== 'object' || !(data.x instanceof Float32Array) || !Array.isArray(data.shape)) {
    throw new TypeError('compress: data must be a Float32Array or { x: Float32Array, shape: number[] }');
  }
  const n = data.shape[0];
  if (n === undefined || n < 1 || sizeOf(data.shape.slice(1)) !== size || sizeOf(data.shape) !== data.x.length) {
    throw new RangeError(`compress: data.shape [${data.shape}] with ${data.x.length} values is not [n, ...] with n ≥ 1 samples of the model's input shape [${model.inputShape}]`);
  }
  return data.x;
}

/**
 * Compresses samples with a trained autoencoder: encodes them (a VAE: the
 * means), quantizes each code channel to `bits` bits and entropy-codes the
 * result into `path`, written atomically (a temporary file renamed into place).
 * Decoding needs the same model: see {@link decompress}.
 *
 * ```ts
 * const { bytesPerSample } = await compress(model, datasets.mnist({ split: 'test' }), 'digits.aez', { bits: 6 });
 * const { x } = await decompress('digits.aez', model);
 * ```
 * @param data samples of the model's input shape, row-major: a Float32Array or `{ x, shape: [n, ...inputShape] }`.
 * @throws {WriteError} when the file cannot be written (naming the path).
 */
export async function compress(
  model: AutoencoderModel,
  data: Float32Array | { x: Float32Array; shape: readonly number[] },
  path: string,
  options: CompressOptions = {},
): Promise<CompressResult> {
  const resolved = resolveOptions(options, 'compress');
  const x = sampleData(model, data);
  const codes = await model.encode(x);
  const { bytes, quantized } = encodeCompressed(codes, { inputShape: model.inputShape, codeShape: model.latentShape }, modelIdentity(model), resolved);
  writeFileAtomic(path, bytes);
  const samples = x.length / sizeOf(model.inputShape);
  return {
    path, samples, bits: resolved.bits, coder: resolved.coder,
    fileBytes: bytes.length, bytesPerSample: bytes.length / samples, codes: dequantizeCodes(quantized),
  };
}

/** Reads and checks a compressed file without a model (header, quantized values, codes). */
export function readCompressed(path: string): DecodedCodes {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CompressedFileError(path, `cannot read the file (${fsReason(e)})`);
  }
  return decodeCompressed(bytes, path);
}

/**
 * Decodes a file written by {@link compress} with the model that wrote it:
 * the reconstructions of the stored (quantized) codes. A file made by another
 * model (other config or other weights: a different {@link modelIdentity}),
 * a damaged byte, a truncated or extended file is refused.
 * @throws {CompressedFileError} naming the file and the problem.
 */
export async function decompress(path: string, model: AutoencoderModel): Promise<Decompressed> {
  const decoded = readCompressed(path);
  const { header } = decoded;
  const id = modelIdentity(model);
  if (header.modelId !== id) {
    throw new CompressedFileError(path, `made by a different model (identity ${header.modelId.slice(0, 16)}…; this ${model.className} is ${id.slice(0, 16)}…): decode it with the model, config and weights, that compressed it`);
  }
  if (header.codeShape.join() !== model.latentShape.join() || header.inputShape.join() !== model.inputShape.join()) {
    throw new CompressedFileError(path, `holds codes [${header.codeShape}] of inputs [${header.inputShape}]; the model has codes [${model.latentShape}] of inputs [${model.inputShape}]`);
  }
  const x = await model.decode(decoded.codes);
  return { x, shape: [header.samples, ...header.inputShape], codes: decoded.codes, header };
}
