/**
 * Reading and writing the safetensors format: an 8-byte little-endian header
 * length, a JSON header mapping tensor names to {dtype, shape, data_offsets},
 * then the raw little-endian data. aekit stores float32 tensors only.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../onnx/compile.js';
import { type TensorData, sizeOf } from '../graph/types.js';

/** Serializes named float32 tensors. */
export function encodeSafetensors(tensors: Map<string, TensorData>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name)!;
    if (t.dtype !== 'float32') throw new Error(`safetensors: ${name} is ${t.dtype}; only float32 is stored`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors.get(name)!;
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/**
 * Parses a safetensors file's bytes, naming the file in every error. Checks
 * what the format promises: a JSON object header, non-negative integer shapes,
 * and offsets that tile the data section exactly (in range, no overlap, no gap).
 */
export function decodeSafetensors(bytes: Uint8Array, file = 'safetensors'): { tensors: Map<string, TensorData>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error(`${file}: truncated: ${bytes.length} bytes, need at least 8 for the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) throw new Error(`${file}: byte 0: header length ${declared} exceeds the file size ${bytes.length}`);
  const headerLength = Number(declared);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8'));
  } catch (e) {
    throw new Error(`${file}: byte 8: header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Error(`${file}: byte 8: header is ${JSON.stringify(header)}, expected a JSON object of tensors`);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, TensorData>();
  const ranges: { name: string; begin: number; end: number }[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
        throw new Error(`${file}: '__metadata__' is ${JSON.stringify(entry)}, expected an object of strings`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error(`${file}: tensor '${name}': entry is ${JSON.stringify(entry)}, expected {dtype, shape, data_offsets}`);
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e.dtype !== 'F32') throw new Error(`${file}: tensor '${name}': dtype ${JSON.stringify(e.dtype)} is not supported (expected "F32")`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`${file}: tensor '${name}': shape ${JSON.stringify(e.shape)} is not a list of non-negative integers`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[1] < offsets[0]) {
      throw new Error(`${file}: tensor '${name}': data_offsets ${JSON.stringify(offsets)} is not a pair [begin, end] of non-negative integers with begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    const shape = e.shape as number[];
    if (end - begin !== sizeOf(shape) * 4) throw new Error(`${file}: tensor '${name}': data_offsets ${JSON.stringify(offsets)} hold ${end - begin} bytes, shape ${JSON.stringify(shape)} needs ${sizeOf(shape) * 4}`);
    if (end > dataLength) throw new Error(`${file}: tensor '${name}': data_offsets ${JSON.stringify(offsets)} run past the end of the data (${dataLength} bytes); the file is truncated or damaged`);
    ranges.push({ name, begin, end });
    const copy = bytes.slice(dataStart + begin, dataStart + end);
    tensors.set(name, { dtype: 'float32', shape, data: new Float32Array(copy.buffer, copy.byteOffset, sizeOf(shape)) });
  }
  // The format requires the tensors to tile the data section: anything else is damage or tampering.
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const r of ranges) {
    if (r.begin < covered) throw new Error(`${file}: tensor '${r.name}': data_offsets [${r.begin}, ${r.end}] overlap another tensor's data`);
    if (r.begin > covered) throw new Error(`${file}: bytes ${covered}..${r.begin} of the data belong to no tensor`);
    covered = r.end;
  }
  if (covered !== dataLength) throw new Error(`${file}: the data section holds ${dataLength} bytes but the tensors cover ${covered}`);
  return { tensors, metadata };
}

export function saveSafetensors(path: string, tensors: Map<string, TensorData>, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export function loadSafetensors(path: string): { tensors: Map<string, TensorData>; metadata: Record<string, string> } {
  return decodeSafetensors(new Uint8Array(readFileSync(path)), path);
}
