/**
 * Image codecs used the way a practitioner would store the compression
 * benchmark's test set, through sharp (libvips with mozjpeg, libpng, libwebp
 * and libaom): each 28×28 image its own file, or all of them in one mosaic
 * file, so that headers and coding tables are paid once. Bytes are always
 * reported per image: a mosaic's file size divided by the images in it.
 *
 * A JPEG of a single 28×28 image is mostly header (about 700 of its bytes at
 * every quality with jpeg-js's colour files), so per-image files say little
 * about the coding itself; the mosaic is the fair comparison for JPEG and PNG,
 * and WebP and AVIF are measured both ways.
 */
import sharp from 'sharp';

/** The codecs measured through sharp. */
export type Codec = 'jpeg' | 'png' | 'webp' | 'avif';

/**
 * Side of a mosaic cell, pixels: a multiple of JPEG's 8×8 blocks (16×16 with
 * chroma), WebP's 16×16 macroblocks and AVIF's smallest superblocks, so no
 * coding block straddles two images. The image sits in the cell's top-left
 * corner; the rest is black, the background of MNIST, which costs little.
 */
export const MOSAIC_TILE = 32;

/**
 * Encoder settings: each codec at its best-compressing setting that still
 * runs in minutes on the whole test set (AVIF's effort above 4 is many times
 * slower for little gain). PNG is lossless and takes no quality.
 */
export const ENCODER_SETTINGS = {
  jpeg: { mozjpeg: true },
  png: { compressionLevel: 9, adaptiveFiltering: true },
  webp: { effort: 6 },
  avif: { effort: 4, chromaSubsampling: '4:2:0' },
} as const;

/** Grey images laid out in one picture: `columns` × `rows` cells of `tile` pixels, row-major. */
export interface Mosaic {
  /** One byte per pixel, `width` × `height`, row-major. */
  pixels: Uint8Array;
  width: number;
  height: number;
  columns: number;
  rows: number;
  tile: number;
}

/**
 * Lays `count` grey images of `side`×`side` pixels (one after the other in
 * `images`) into a near-square mosaic: image i goes to cell (i mod columns,
 * ⌊i / columns⌋), at the cell's top-left; everything else is 0.
 */
export function packMosaic(images: Uint8Array, count: number, side: number, tile = MOSAIC_TILE): Mosaic {
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`packMosaic: count must be a positive integer, got ${count}`);
  if (!(Number.isInteger(side) && side >= 1 && side <= tile)) throw new RangeError(`packMosaic: side must be an integer in [1, ${tile}] (the tile), got ${side}`);
  if (images.length !== count * side * side) throw new RangeError(`packMosaic: ${images.length} pixels for ${count} images of ${side}×${side}`);
  const columns = Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / columns);
  const width = columns * tile;
  const height = rows * tile;
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < count; i++) {
    const x0 = (i % columns) * tile;
    const y0 = Math.floor(i / columns) * tile;
    for (let y = 0; y < side; y++) pixels.set(images.subarray((i * side + y) * side, (i * side + y + 1) * side), (y0 + y) * width + x0);
  }
  return { pixels, width, height, columns, rows, tile };
}

/** The `count` images of `side`×`side` pixels back out of a mosaic's pixels (e.g. after a lossy round trip), in order. */
export function unpackMosaic(mosaic: Mosaic, count: number, side: number): Uint8Array {
  if (count > mosaic.columns * mosaic.rows) throw new RangeError(`unpackMosaic: ${count} images do not fit ${mosaic.columns}×${mosaic.rows} cells`);
  if (mosaic.pixels.length !== mosaic.width * mosaic.height) throw new RangeError(`unpackMosaic: ${mosaic.pixels.length} pixels for ${mosaic.width}×${mosaic.height}`);
  const images = new Uint8Array(count * side * side);
  for (let i = 0; i < count; i++) {
    const x0 = (i % mosaic.columns) * mosaic.tile;
    const y0 = Math.floor(i / mosaic.columns) * mosaic.tile;
    for (let y = 0; y < side; y++) images.set(mosaic.pixels.subarray((y0 + y) * mosaic.width + x0, (y0 + y) * mosaic.width + x0 + side), (i * side + y) * side);
  }
  return images;
}

/** Mean bytes per image of the files that together hold `images` images: one file per image, or one mosaic for all. */
export function bytesPerImage(files: readonly { length: number }[], images: number): number {
  if (!(images >= 1)) throw new RangeError(`bytesPerImage: images must be at least 1, got ${images}`);
  let total = 0;
  for (const f of files) total += f.length;
  return total / images;
}

/** Encodes one grey picture (one byte per pixel) with `codec`; `quality` 1–100 for the lossy codecs. */
export async function encodeGrey(pixels: Uint8Array, width: number, height: number, codec: Codec, quality?: number): Promise<Uint8Array> {
  // 'b-w' keeps one channel where the format has a grey mode (JPEG, PNG); WebP and AVIF code it as luma with flat chroma.
  const image = sharp(pixels, { raw: { width, height, channels: 1 } }).toColourspace('b-w');
  const lossy = codec === 'png' ? {} : { quality: quality ?? 75 };
  const encoded = codec === 'jpeg' ? image.jpeg({ ...ENCODER_SETTINGS.jpeg, ...lossy })
    : codec === 'png' ? image.png(ENCODER_SETTINGS.png)
      : codec === 'webp' ? image.webp({ ...ENCODER_SETTINGS.webp, ...lossy })
        : image.avif({ ...ENCODER_SETTINGS.avif, ...lossy });
  return new Uint8Array(await encoded.toBuffer());
}

/** Decodes a file to one grey byte per pixel (the first channel where the decoder gives colour: grey was coded, so they agree). */
export async function decodeGrey(file: Uint8Array): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const pixels = new Uint8Array(info.width * info.height);
  for (let p = 0; p < pixels.length; p++) pixels[p] = data[p * info.channels]!;
  return { pixels, width: info.width, height: info.height };
}

/** What one codec setting gave on a set: bytes per image and the decoded images (one byte per pixel, in order). */
export interface CodecRun {
  bytesPerImage: number;
  decoded: Uint8Array;
}

/** Each image its own file; `parallel` encodes in flight at once (sharp runs them on its own threads). */
export async function codecPerImage(images: Uint8Array, count: number, side: number, codec: Codec, quality?: number, parallel = 16): Promise<CodecRun> {
  const size = side * side;
  const files: Uint8Array[] = new Array(count);
  const decoded = new Uint8Array(count * size);
  for (let start = 0; start < count; start += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - start) }, (_, k) => start + k);
    await Promise.all(batch.map(async (i) => {
      const file = await encodeGrey(images.subarray(i * size, (i + 1) * size), side, side, codec, quality);
      const back = await decodeGrey(file);
      if (back.width !== side || back.height !== side) throw new Error(`${codec}: image ${i} decoded as ${back.width}×${back.height}, not ${side}×${side}`);
      files[i] = file;
      decoded.set(back.pixels, i * size);
    }));
  }
  return { bytesPerImage: bytesPerImage(files, count), decoded };
}

/** All images in one mosaic file ({@link packMosaic}); bytes per image are the file's size over `count`. */
export async function codecMosaic(images: Uint8Array, count: number, side: number, codec: Codec, quality?: number): Promise<CodecRun> {
  const mosaic = packMosaic(images, count, side);
  const file = await encodeGrey(mosaic.pixels, mosaic.width, mosaic.height, codec, quality);
  const back = await decodeGrey(file);
  if (back.width !== mosaic.width || back.height !== mosaic.height) throw new Error(`${codec}: the mosaic decoded as ${back.width}×${back.height}, not ${mosaic.width}×${mosaic.height}`);
  return { bytesPerImage: bytesPerImage([file], count), decoded: unpackMosaic({ ...mosaic, pixels: back.pixels }, count, side) };
}

/** The library versions behind the measurements, for the report. */
export function codecVersions(): Record<string, string | undefined> {
  const v = sharp.versions as Record<string, string | undefined>;
  return { sharp: v.sharp, vips: v.vips, mozjpeg: v.mozjpeg, png: v.png, webp: v.webp, aom: v.aom, heif: v.heif };
}
