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

/** Parses a safetensors file's bytes, naming the file in every error. */
export function decodeSafetensors(bytes: Uint8Array, file = 'safetensors'): { tensors: Map<string, TensorData>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error(`${file}: truncated: ${bytes.length} bytes, need at least 8 for the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) throw new Error(`${file}: byte 0: header length ${headerLength} exceeds the file size ${bytes.length}`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8'));
  } catch (e) {
    throw new Error(`${file}: byte 8: header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, TensorData>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (e.dtype !== 'F32') throw new Error(`${file}: tensor '${name}': dtype ${e.dtype} is not supported (expected F32)`);
    const [begin, end] = e.data_offsets ?? [];
    if (!Array.isArray(e.shape) || typeof begin !== 'number' || typeof end !== 'number' || end - begin !== sizeOf(e.shape) * 4 || dataStart + end > bytes.length) {
      throw new Error(`${file}: tensor '${name}': offsets ${JSON.stringify(e.data_offsets)} do not match shape ${JSON.stringify(e.shape)} or the file size`);
    }
    const copy = bytes.slice(dataStart + begin, dataStart + end);
    tensors.set(name, { dtype: 'float32', shape: e.shape, data: new Float32Array(copy.buffer, copy.byteOffset, sizeOf(e.shape)) });
  }
  return { tensors, metadata };
}

export function saveSafetensors(path: string, tensors: Map<string, TensorData>, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export function loadSafetensors(path: string): { tensors: Map<string, TensorData>; metadata: Record<string, string> } {
  return decodeSafetensors(new Uint8Array(readFileSync(path)), path);
}
