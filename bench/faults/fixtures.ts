/**
 * Bytes of valid and damaged files for the review's cases: PNG chunks with
 * correct CRCs around damaged contents, JPEG markers, NPY headers, IDX headers,
 * zip archives, safetensors headers. Written from the formats' specifications,
 * so a case can damage exactly one thing and keep everything else valid.
 */
import { deflateSync } from 'node:zlib';
import { crc32 as zlibCrc32 } from 'node:zlib';
import jpeg from 'jpeg-js';

const te = new TextEncoder();

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const u32be = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, false);
  return b;
};

/** CRC-32 (zlib's polynomial), as PNG chunks and zip entries use it. */
export function crc32(bytes: Uint8Array): number {
  return zlibCrc32(bytes) >>> 0;
}

// ---------- PNG ----------

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** One PNG chunk: length, type, body, CRC over type and body. */
export function pngChunk(type: string, body: Uint8Array): Uint8Array {
  const typeBytes = te.encode(type);
  return concat(u32be(body.length), typeBytes, body, u32be(crc32(concat(typeBytes, body))));
}

/** IHDR body: width, height, bit depth, colour type, compression 0, filter 0, interlace. */
export function ihdr(width: number, height: number, bitDepth = 8, colorType = 0, interlace = 0): Uint8Array {
  return concat(u32be(width), u32be(height), Uint8Array.of(bitDepth, colorType, 0, 0, interlace));
}

/** Raw scanlines (filter byte 0 + `rowBytes` bytes each) of a w×h 8-bit grey gradient. */
export function greyRows(width: number, height: number, filter = 0): Uint8Array {
  const rows = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    rows[y * (width + 1)] = filter;
    for (let x = 0; x < width; x++) rows[y * (width + 1) + 1 + x] = (x * 16 + y * 8) & 0xff;
  }
  return rows;
}

/** A PNG from its IHDR body, optional extra chunks before IDAT, and the (uncompressed) scanlines. */
export function png(header: Uint8Array, scanlines: Uint8Array, extra: Uint8Array[] = []): Uint8Array {
  return concat(PNG_SIGNATURE, pngChunk('IHDR', header), ...extra, pngChunk('IDAT', deflateSync(scanlines)), pngChunk('IEND', new Uint8Array(0)));
}

/** A valid 8-bit greyscale w×h PNG. */
export function greyPng(width = 4, height = 4): Uint8Array {
  return png(ihdr(width, height), greyRows(width, height));
}

// ---------- JPEG ----------

/** A valid baseline JPEG of w×h (a gradient), encoded by jpeg-js. */
export function validJpeg(width = 8, height = 8): Uint8Array {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.fill((i * 7) & 0xff, 4 * i, 4 * i + 3).writeUInt8(255, 4 * i + 3);
  return new Uint8Array(jpeg.encode({ data, width, height }, 90).data);
}

/** The JPEG with the frame header's (SOF0) height and width replaced. */
export function jpegWithSize(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const out = bytes.slice();
  for (let i = 2; i + 9 < out.length; i++) {
    if (out[i] === 0xff && out[i + 1] === 0xc0) {
      new DataView(out.buffer).setUint16(i + 5, height, false);
      new DataView(out.buffer).setUint16(i + 7, width, false);
      return out;
    }
  }
  throw new Error('no SOF0 marker');
}

/** Offset of the first byte after the SOS header (the entropy-coded data). */
export function jpegScanStart(bytes: Uint8Array): number {
  for (let i = 2; i + 3 < bytes.length; i++) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xda) return i + 2 + ((bytes[i + 2]! << 8) | bytes[i + 3]!);
  }
  throw new Error('no SOS marker');
}

// ---------- NPY / IDX ----------

/** An .npy v1.0 file from a header dict text and raw data bytes (header padded to 64 bytes as numpy does). */
export function npy(dict: string, data: Uint8Array, version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  let header = dict;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = header.padEnd(total - pre - 1, ' ') + '\n';
  const head = new Uint8Array(pre);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(head.buffer);
  if (version === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  return concat(head, te.encode(header), data);
}

/** Little-endian float32 bytes of the values. */
export function f32le(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** An IDX file: type code, dims, data bytes. */
export function idx(typeCode: number, dims: number[], data: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(0, 0, typeCode, dims.length), ...dims.map(u32be), data);
}

// ---------- zip (stored entries) ----------

/**
 * A zip archive of stored (uncompressed) entries, with optional overrides of
 * the sizes written in the local and central headers (to fake damaged or
 * hostile archives).
 */
export function zipStored(entries: { name: string; data: Uint8Array; declaredSize?: number; method?: number }[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = te.encode(e.name);
    const crc = crc32(e.data);
    const size = e.data.length;
    const declared = e.declaredSize ?? size;
    const method = e.method ?? 0;
    const local = new Uint8Array(30);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, size, true);
    lv.setUint32(22, declared, true);
    lv.setUint16(26, name.length, true);
    locals.push(local, name, e.data);
    const central = new Uint8Array(46);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, size, true);
    cv.setUint32(24, declared, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = concat(...centrals);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cd.length, true);
  ev.setUint32(16, offset, true);
  return concat(...locals, cd, end);
}

// ---------- safetensors ----------

/** A safetensors file from a header object and data bytes (no validation: for damaged files). */
export function safetensors(header: unknown, data: Uint8Array): Uint8Array {
  const json = te.encode(JSON.stringify(header));
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(json.length), true);
  return concat(len, json, data);
}

/** Splits a safetensors file into its header object and data bytes. */
export function readSafetensors(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.slice(8 + n) };
}
