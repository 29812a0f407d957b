import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { DataFormatError, ioError } from './errors.js';
import type { Dataset } from './types.js';

/** A decoded image: 8-bit RGBA, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  /** `width * height * 4` bytes, R G B A per pixel. */
  data: Uint8Array;
}

/** Images larger than this are refused before decoding, so a hostile header cannot exhaust memory. */
const MAX_PIXELS = 100_000_000;

/**
 * Decodes PNG or JPEG bytes (recognized by their signature, not the file name).
 * @throws {DataFormatError} for other formats and for corrupt or truncated images.
 */
export function decodeImage(bytes: Uint8Array, file = '<buffer>'): RgbaImage {
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) {
    throw new DataFormatError(file, { offset: 0 }, 'not a PNG or JPEG image (unrecognized signature)');
  }
  try {
    if (isPng) {
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      // Check the declared size from the IHDR chunk before pngjs allocates for it.
      if (bytes.length >= 24) {
        const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const w = dv.getUint32(16, false);
        const h = dv.getUint32(20, false);
        if (w * h > MAX_PIXELS) throw new DataFormatError(file, { offset: 16 }, `image declares ${w}×${h} pixels, more than the limit of ${MAX_PIXELS}`);
      }
      const png = pngjs.PNG.sync.read(buf);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
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

/**
 * Converts a decoded image to a float CHW array with the requested channels,
 * size and scale.
 * @throws {DataFormatError} if `resize` is false and the image is not `size`.
 */
export function imageToChw(img: RgbaImage, options: ImageOptions = {}, file = '<image>'): { data: Float32Array; shape: [number, number, number] } {
  const channels = options.channels ?? 1;
  const [outH, outW] = normalizeSize(options.size) ?? [img.height, img.width];
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

function normalizeSize(size: ImageOptions['size']): [number, number] | undefined {
  if (size === undefined) return undefined;
  const hw: [number, number] = typeof size === 'number' ? [size, size] : size;
  if (!hw.every((d) => Number.isInteger(d) && d >= 1 && d <= 65535)) {
    throw new RangeError(`image size must be positive integers, got ${JSON.stringify(size)}`);
  }
  return hw;
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

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

/**
 * Loads a folder of PNG/JPEG images into a {@link Dataset} of shape
 * `[n, channels, height, width]` (NCHW). Files are taken in sorted name order so
 * that the result does not depend on the file system; other files are skipped.
 * Without `size`, every image must have the size of the first one.
 * @throws {DataFormatError} naming the image (path relative to `dir`) that is
 *   corrupt, not an image, or of the wrong size.
 */
export async function loadImageFolder(dir: string, options: ImageFolderOptions = {}): Promise<Dataset> {
  const entries = await listDir(dir, basename(dir));
  const subdirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(byCodePoint);
  const mode = options.labels ?? (subdirs.length > 0 ? 'subfolders' : 'none');
  const files: { rel: string; label: number }[] = [];
  if (mode === 'subfolders') {
    for (let k = 0; k < subdirs.length; k++) {
      const inner = await listDir(join(dir, subdirs[k]!), `${subdirs[k]}/`);
      for (const name of inner.filter((e) => e.isFile() && IMAGE_EXT.has(extname(e.name).toLowerCase())).map((e) => e.name).sort(byCodePoint)) {
        files.push({ rel: `${subdirs[k]}/${name}`, label: k });
      }
    }
  } else {
    for (const name of entries.filter((e) => e.isFile() && IMAGE_EXT.has(extname(e.name).toLowerCase())).map((e) => e.name).sort(byCodePoint)) {
      files.push({ rel: name, label: -1 });
    }
  }
  if (files.length === 0) throw new DataFormatError(basename(dir), {}, 'no .png/.jpg/.jpeg images found');
  let size = normalizeSize(options.size);
  const resize = options.resize ?? size !== undefined;
  let x: Float32Array | undefined;
  let sample = 0;
  let shape: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    let bytes: Buffer;
    try {
      bytes = await readFile(join(dir, f.rel));
    } catch (err) {
      throw ioError(f.rel, err);
    }
    const img = decodeImage(bytes, f.rel);
    size ??= [img.height, img.width];
    const chw = imageToChw(img, { ...options, size, resize }, f.rel);
    if (x === undefined) {
      sample = chw.data.length;
      shape = [files.length, ...chw.shape];
      x = new Float32Array(files.length * sample);
    }
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
