import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { constants as zlibConstants, inflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { ConfigError, argNames, optionsOf, show } from '../config/validate.js';
import { crc32 } from './crc32.js';
import { DataFormatError, ioError } from './errors.js';
import { readDataFile } from './files.js';
import type { Dataset } from './types.js';

// Loaded on first use (createRequire: a synchronous import): commands that read no image files
// should not pay for loading it at start-up.
const lazyRequire = createRequire(import.meta.url);

/** A decoded image: 8-bit RGBA, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  /** `width * height * 4` bytes, R G B A per pixel. */
  data: Uint8Array;
}

/**
 * The largest image, in pixels (width × height), that {@link decodeImage} will
 * decode: 100 megapixels, e.g. 10000 × 10000. Decoding holds a few copies of
 * the image (compressed, filtered, RGBA: about 12 bytes a pixel for an 8-bit
 * PNG), so this bounds one decode at roughly 1.2 GB while still admitting
 * scans and photographs far larger than any autoencoder input. A header that
 * declares more is refused before anything is allocated for it.
 */
export const MAX_IMAGE_PIXELS = 100_000_000;

/**
 * Deflate's best case is 258 bytes out for 2 bits in, so no zlib stream expands
 * more than 1032:1 (zlib's own figure). Image data that needs more than this
 * many times the compressed bytes present cannot be in the file.
 */
const MAX_DEFLATE_RATIO = 1032;

/**
 * Decodes PNG or JPEG bytes (recognized by their signature, not the file name).
 *
 * The declared size is checked before anything is allocated for it: at most
 * {@link MAX_IMAGE_PIXELS} pixels, and no more than the file's compressed data
 * could possibly hold. A PNG whose compressed data ends before the last row
 * (or holds more than the declared image) is rejected, rather than filled with
 * zeros or whatever memory held.
 * @throws {DataFormatError} for other formats, for corrupt or truncated images
 *   and for images over the size limit, naming `file`.
 */
export function decodeImage(bytes: Uint8Array, file = '<buffer>'): RgbaImage {
  const isPng = bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) {
    throw new DataFormatError(file, { offset: 0 }, 'not a PNG or JPEG image (unrecognized signature)');
  }
  try {
    if (isPng) {
      checkPng(bytes, file);
      const png = (lazyRequire('pngjs') as typeof import('pngjs')).PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    checkJpeg(bytes, file);
    const img = (lazyRequire('jpeg-js') as typeof import('jpeg-js')).decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    if (img.width === 0 || img.height === 0 || img.data.length !== img.width * img.height * 4) {
      throw new Error('decoded to an empty image');
    }
    return { width: img.width, height: img.height, data: img.data };
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    const msg = (err as Error)?.message ?? String(err);
    throw new DataFormatError(file, {}, `corrupt ${isPng ? 'PNG' : 'JPEG'} image: ${msg}`);
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Channels per pixel and the bit depths the PNG specification allows, by colour type. */
const PNG_COLOR_TYPES: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};

/** Adam7 passes as [x0, y0, dx, dy]. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/**
 * Walks the chunks and inflates the image data once to check that it has
 * exactly the declared size. pngjs's synchronous decoder does not: a short
 * stream leaves the rest of its output buffer unwritten (uninitialized memory),
 * and a tiny file may declare a gigapixel image that it then allocates for.
 */
function checkPng(bytes: Uint8Array, file: string): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let header: { width: number; height: number; bitsPerPixel: number; interlaced: boolean } | undefined;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let ended = false;
  while (!ended) {
    if (pos + 12 > bytes.length) {
      throw new DataFormatError(file, { offset: pos }, 'file ends before the IEND chunk (truncated PNG)');
    }
    const length = dv.getUint32(pos, false);
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    if (length > 0x7fffffff || pos + 12 + length > bytes.length) {
      throw new DataFormatError(file, { offset: pos }, `chunk ${JSON.stringify(type)} declares ${length} bytes, past the end of the file (truncated PNG)`);
    }
    const body = bytes.subarray(pos + 8, pos + 8 + length);
    if ((crc32(bytes.subarray(pos + 4, pos + 8 + length)) >>> 0) !== dv.getUint32(pos + 8 + length, false)) {
      throw new DataFormatError(file, { offset: pos }, `chunk ${JSON.stringify(type)} fails its CRC check (damaged PNG)`);
    }
    if (header === undefined && type !== 'IHDR') {
      throw new DataFormatError(file, { offset: pos }, `first chunk is ${JSON.stringify(type)}, expected IHDR`);
    }
    if (type === 'IHDR') {
      if (header !== undefined) throw new DataFormatError(file, { offset: pos }, 'second IHDR chunk');
      header = readIhdr(body, pos + 8, file);
    } else if (type === 'IDAT') {
      idat.push(body);
      idatBytes += length;
    } else if (type === 'IEND') {
      ended = true;
    }
    pos += 12 + length;
  }
  const { width, height, bitsPerPixel, interlaced } = header!;
  let expected = 0;
  for (const [x0, y0, dx, dy] of interlaced ? ADAM7 : [[0, 0, 1, 1] as const]) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) expected += h * (1 + Math.ceil((w * bitsPerPixel) / 8));
  }
  const size = `${width}×${height}`;
  if (idatBytes === 0) throw new DataFormatError(file, {}, `no image data (no IDAT chunk) for the declared ${size} image`);
  if (expected > idatBytes * MAX_DEFLATE_RATIO) {
    throw new DataFormatError(file, {},
      `declares a ${size} image (${expected} bytes of pixel data) but has ${idatBytes} bytes of compressed data, ` +
      `which can hold at most ${idatBytes * MAX_DEFLATE_RATIO}: the file is truncated or its header is wrong`);
  }
  let inflated: Buffer;
  try {
    // A sync flush returns what a truncated stream holds instead of throwing, so
    // the length check below can say how much is missing.
    inflated = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat, idatBytes),
      { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: expected + 1 });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataFormatError(file, {}, `compressed image data holds more than the declared ${size} image (${expected} bytes)`);
    }
    throw new DataFormatError(file, {}, `corrupt compressed image data: ${(err as Error)?.message ?? String(err)}`);
  }
  if (inflated.length > expected) {
    throw new DataFormatError(file, {}, `compressed image data holds more than the declared ${size} image (${expected} bytes)`);
  }
  if (inflated.length < expected) {
    const rowBytes = 1 + Math.ceil((width * bitsPerPixel) / 8);
    const rows = interlaced ? '' : ` (${Math.floor(inflated.length / rowBytes)} of ${height} rows)`;
    throw new DataFormatError(file, {},
      `compressed image data ends after ${inflated.length} of ${expected} bytes${rows}: the file is truncated or damaged`);
  }
}

function readIhdr(body: Uint8Array, offset: number, file: string) {
  if (body.length !== 13) throw new DataFormatError(file, { offset }, `IHDR chunk has ${body.length} bytes, expected 13`);
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const width = dv.getUint32(0, false);
  const height = dv.getUint32(4, false);
  const [depth, colorType, compression, filter, interlace] = [body[8]!, body[9]!, body[10]!, body[11]!, body[12]!];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new DataFormatError(file, { offset }, `image size ${width}×${height} is invalid (each side must be 1 to 2^31-1)`);
  }
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new DataFormatError(file, { offset }, `image declares ${width}×${height} pixels, more than the limit of ${MAX_IMAGE_PIXELS}`);
  }
  const ct = PNG_COLOR_TYPES[colorType];
  if (ct === undefined || !ct.depths.includes(depth)) {
    throw new DataFormatError(file, { offset: offset + 8 }, `bit depth ${depth} with colour type ${colorType} is not a valid PNG combination`);
  }
  if (compression !== 0 || filter !== 0 || interlace > 1) {
    throw new DataFormatError(file, { offset: offset + 10 },
      `unknown compression (${compression}), filter (${filter}) or interlace (${interlace}) method; PNG defines only 0, 0 and 0/1`);
  }
  return { width, height, bitsPerPixel: ct.channels * depth, interlaced: interlace === 1 };
}

/**
 * Reads the frame header and checks the declared size before jpeg-js
 * allocates its component buffers. Every 8×8 block of the full-resolution
 * component costs at least one bit (its DC code; Huffman codes are never
 * shorter), so a file of n bytes holds at most 512·n pixels.
 */
function checkJpeg(bytes: Uint8Array, file: string): void {
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return; // leave malformed marker streams to the decoder's own error
    const marker = bytes[pos + 1]!;
    if (marker === 0xff) { pos++; continue; } // fill byte
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { pos += 2; continue; }
    if (marker === 0xda || marker === 0xd9) return; // start of scan / end of image: no frame header before it
    const length = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof && pos + 9 <= bytes.length) {
      const height = (bytes[pos + 5]! << 8) | bytes[pos + 6]!;
      const width = (bytes[pos + 7]! << 8) | bytes[pos + 8]!;
      if (width * height > MAX_IMAGE_PIXELS) {
        throw new DataFormatError(file, { offset: pos + 5 }, `image declares ${width}×${height} pixels, more than the limit of ${MAX_IMAGE_PIXELS}`);
      }
      const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
      if (blocks > 8 * bytes.length) {
        throw new DataFormatError(file, { offset: pos + 5 },
          `declares a ${width}×${height} image (${blocks} blocks of 8×8) but a ${bytes.length}-byte JPEG can hold at most ${8 * bytes.length}: ` +
          'the file is truncated or its header is wrong');
      }
      return;
    }
    pos += 2 + length;
  }
}

/**
 * For each output index along one axis, the source indices and weights that
 * produce it. Shrinking averages the covered source area (so no source pixel is
 * skipped and fine strokes do not alias away); enlarging interpolates linearly
 * between pixel centres.
 */
function axisWeights(inSize: number, outSize: number): { idx: Int32Array; w: Float32Array; start: Int32Array } {
  const idx: number[] = [];
  const w: number[] = [];
  const start = new Int32Array(outSize + 1);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    start[o] = idx.length;
    if (scale >= 1) {
      const a = o * scale;
      const b = (o + 1) * scale;
      for (let i = Math.floor(a); i < Math.ceil(b) && i < inSize; i++) {
        const overlap = Math.min(b, i + 1) - Math.max(a, i);
        if (overlap > 1e-9) { idx.push(i); w.push(overlap / scale); }
      }
    } else {
      const c = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
      const i0 = Math.floor(c);
      const i1 = Math.min(i0 + 1, inSize - 1);
      const f = c - i0;
      idx.push(i0); w.push(1 - f);
      if (f > 0 && i1 !== i0) { idx.push(i1); w.push(f); }
    }
  }
  start[outSize] = idx.length;
  return { idx: Int32Array.from(idx), w: Float32Array.from(w), start };
}

/**
 * Resizes a single-plane float image (`height × width`, row-major) separably.
 * Exported for the image tasks (denoising figures, thumbnails).
 */
export function resizePlane(src: Float32Array, inH: number, inW: number, outH: number, outW: number): Float32Array {
  if (inH === outH && inW === outW) return src.slice();
  const wx = axisWeights(inW, outW);
  const wy = axisWeights(inH, outH);
  const tmp = new Float32Array(inH * outW);
  for (let y = 0; y < inH; y++) {
    for (let o = 0; o < outW; o++) {
      let s = 0;
      for (let k = wx.start[o]!; k < wx.start[o + 1]!; k++) s += src[y * inW + wx.idx[k]!]! * wx.w[k]!;
      tmp[y * outW + o] = s;
    }
  }
  const out = new Float32Array(outH * outW);
  for (let o = 0; o < outH; o++) {
    for (let k = wy.start[o]!; k < wy.start[o + 1]!; k++) {
      const row = wy.idx[k]! * outW;
      const wk = wy.w[k]!;
      for (let x = 0; x < outW; x++) out[o * outW + x]! += tmp[row + x]! * wk;
    }
  }
  return out;
}

/** Options for {@link imageToChw} and {@link loadImageFolder}. */
export interface ImageOptions {
  /** Output size as `[height, width]`, or one number for a square. */
  size?: number | [number, number];
  /**
   * Whether an image of another size is resized to `size` (default `true`) or
   * rejected (`false`, for data that must already be the right size).
   */
  resize?: boolean;
  /** 1 = grayscale (BT.601 luma), 3 = RGB. Default 1. Alpha is ignored. */
  channels?: 1 | 3;
  /** Divide by 255 (default `true`); `false` keeps 0..255. */
  normalize?: boolean;
}

const IMAGE_OPTIONS = argNames<ImageOptions>()(['size', 'resize', 'channels', 'normalize']);

/** Checks {@link ImageOptions} (`path` names the function in messages) and returns the channel count. */
function checkImageOptions(o: ImageOptions, path: string): 1 | 3 {
  const channels = o.channels ?? 1;
  if (channels !== 1 && channels !== 3) throw new ConfigError(`${path}.channels`, `expected 1 (grayscale) or 3 (RGB), got ${show(channels)}`);
  for (const key of ['resize', 'normalize'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') throw new ConfigError(`${path}.${key}`, `expected true or false, got ${show(o[key])}`);
  }
  normalizeSize(o.size, `${path}.size`);
  return channels;
}

/**
 * Converts a decoded image to a float CHW array with the requested channels,
 * size and scale.
 * @throws {DataFormatError} if `resize` is false and the image is not `size`.
 * @throws {ConfigError} for an unknown option, `channels` other than 1 or 3,
 *   a `size` that is not one or two positive integers (or is over
 *   {@link MAX_IMAGE_PIXELS}), a `resize`/`normalize` that is not a boolean.
 */
export function imageToChw(img: RgbaImage, options?: ImageOptions, file = '<image>'): { data: Float32Array; shape: [number, number, number] } {
  options = optionsOf(options, 'imageToChw', IMAGE_OPTIONS);
  const channels = checkImageOptions(options, 'imageToChw');
  const [outH, outW] = normalizeSize(options.size, 'imageToChw.size') ?? [img.height, img.width];
  if ((outH !== img.height || outW !== img.width) && options.resize === false) {
    throw new DataFormatError(file, {},
      `image is ${img.width}×${img.height} (width×height), expected ${outW}×${outH}; pass resize: true to resize it`);
  }
  const scale = options.normalize === false ? 1 : 1 / 255;
  const n = img.width * img.height;
  const planes: Float32Array[] = [];
  if (channels === 1) {
    const p = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const r = img.data[4 * i]!, g = img.data[4 * i + 1]!, b = img.data[4 * i + 2]!;
      p[i] = (0.299 * r + 0.587 * g + 0.114 * b) * scale;
    }
    planes.push(p);
  } else {
    for (let c = 0; c < 3; c++) {
      const p = new Float32Array(n);
      for (let i = 0; i < n; i++) p[i] = img.data[4 * i + c]! * scale;
      planes.push(p);
    }
  }
  const data = new Float32Array(channels * outH * outW);
  planes.forEach((p, c) => data.set(resizePlane(p, img.height, img.width, outH, outW), c * outH * outW));
  return { data, shape: [channels, outH, outW] };
}

function normalizeSize(size: ImageOptions['size'], path: string): [number, number] | undefined {
  if (size === undefined) return undefined;
  const hw = typeof size === 'number' ? [size, size] : size;
  if (!Array.isArray(hw) || hw.length !== 2 || !hw.every((d) => Number.isInteger(d) && d >= 1 && d <= 65535)) {
    throw new ConfigError(path, `image size must be a positive integer or [height, width] of positive integers up to 65535, got ${show(size)}`);
  }
  if (hw[0] * hw[1] > MAX_IMAGE_PIXELS) {
    throw new ConfigError(path, `image size ${hw[0]}×${hw[1]} (height×width) is more than MAX_IMAGE_PIXELS (${MAX_IMAGE_PIXELS}) pixels`);
  }
  return hw as [number, number];
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/** The longest Float32Array V8 allocates (2^32 elements, 16 GiB). */
const MAX_ARRAY_LENGTH = 2 ** 32;

/** Options for {@link loadImageFolder}. */
export interface ImageFolderOptions extends ImageOptions {
  /**
   * `'subfolders'`: each subfolder is a class (like torchvision's ImageFolder),
   * named after the folder, classes in sorted order. `'none'`: images directly in
   * the folder, no labels. Default: `'subfolders'` when the folder has
   * subfolders, else `'none'`.
   */
  labels?: 'subfolders' | 'none';
}

const IMAGE_FOLDER_OPTIONS = argNames<ImageFolderOptions>()(['size', 'resize', 'channels', 'normalize', 'labels']);

/**
 * Loads a folder of PNG/JPEG images into a {@link Dataset} of shape
 * `[n, channels, height, width]` (NCHW). Files are taken in sorted name order so
 * that the result does not depend on the file system; files without a .png, .jpg or
 * .jpeg extension are skipped, and one with such a name that is not a regular file
 * (a named pipe, a link to a folder) is an error, not skipped silently.
 * Without `size`, every image must have the size of the first one.
 * @throws {DataFormatError} naming the image (path relative to `dir`) that is
 *   corrupt, truncated, not an image, not a regular file, of the wrong size,
 *   or larger than {@link MAX_IMAGE_PIXELS}.
 * @throws {ConfigError} for an unknown option or a bad value (`channels` other
 *   than 1 or 3, `labels` other than 'subfolders' or 'none', a bad `size`),
 *   before the folder is read.
 */
export async function loadImageFolder(dir: string, options?: ImageFolderOptions): Promise<Dataset> {
  // Every option is checked before the folder is read, so a mistake fails at once, not after decoding images.
  options = optionsOf(options, 'loadImageFolder', IMAGE_FOLDER_OPTIONS);
  const channels = checkImageOptions(options, 'loadImageFolder');
  if (options.labels !== undefined && options.labels !== 'subfolders' && options.labels !== 'none') {
    throw new ConfigError('loadImageFolder.labels', `expected 'subfolders' (one class per subfolder) or 'none', got ${show(options.labels)}`);
  }
  const entries = await listDir(dir, basename(dir));
  const subdirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(byCodePoint);
  const mode = options.labels ?? (subdirs.length > 0 ? 'subfolders' : 'none');
  const files: { rel: string; label: number }[] = [];
  if (mode === 'subfolders') {
    for (let k = 0; k < subdirs.length; k++) {
      const inner = await listDir(join(dir, subdirs[k]!), `${subdirs[k]}/`);
      for (const name of inner.filter((e) => !e.isDirectory() && IMAGE_EXT.has(extname(e.name).toLowerCase())).map((e) => e.name).sort(byCodePoint)) {
        files.push({ rel: `${subdirs[k]}/${name}`, label: k });
      }
    }
  } else {
    for (const name of entries.filter((e) => !e.isDirectory() && IMAGE_EXT.has(extname(e.name).toLowerCase())).map((e) => e.name).sort(byCodePoint)) {
      files.push({ rel: name, label: -1 });
    }
  }
  if (files.length === 0) throw new DataFormatError(basename(dir), {}, 'no .png/.jpg/.jpeg images found');
  let size = normalizeSize(options.size, 'loadImageFolder.size');
  const resize = options.resize ?? size !== undefined;
  let x: Float32Array | undefined;
  let sample = 0;
  let shape: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const bytes = await readDataFile(join(dir, f.rel), f.rel);
    const img = decodeImage(bytes, f.rel);
    size ??= [img.height, img.width];
    if (x === undefined) {
      // Checked before the first image is converted, so an impossible request fails at once.
      const sampleShape = [channels, ...size];
      sample = sampleShape[0]! * size[0] * size[1];
      if (files.length * sample > MAX_ARRAY_LENGTH) {
        throw new DataFormatError(basename(dir), {},
          `${files.length} images of ${sampleShape.join('×')} values make ${files.length * sample} float32 values, ` +
          `more than one array holds (${MAX_ARRAY_LENGTH}); pass a smaller size to resize them, or use fewer images`);
      }
      shape = [files.length, ...sampleShape];
      x = new Float32Array(files.length * sample);
    }
    const chw = imageToChw(img, { channels, size, resize, ...(options.normalize !== undefined ? { normalize: options.normalize } : {}) }, f.rel);
    x.set(chw.data, i * sample);
  }
  const [c, h, w] = shape.slice(1) as [number, number, number];
  const ds: Dataset = {
    x: x!,
    shape,
    description: `images from ${basename(dir)}: ${files.length} files, ${c === 1 ? 'grayscale' : 'RGB'} ${w}×${h}` +
      `${resize ? ' (resized: area average when shrinking, bilinear when enlarging)' : ''}, ` +
      `${options.normalize === false ? 'values 0..255' : 'values in [0,1]'}` +
      (mode === 'subfolders' ? `, ${subdirs.length} classes from subfolders` : ''),
  };
  if (mode === 'subfolders') {
    ds.labels = Int32Array.from(files, (f) => f.label);
    ds.labelNames = subdirs;
  }
  return ds;
}

async function listDir(path: string, label: string) {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (err) {
    throw ioError(label, err);
  }
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
