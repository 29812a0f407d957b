/**
 * Image grids as PNG: reconstructions under their inputs, VAE samples,
 * interpolations, latent traversals, worst-reconstructed inputs.
 *
 * Pixels are composed here (each image upscaled by an integer factor with
 * nearest-neighbour, so a pixel stays a crisp square and tile values are
 * exact), and the optional text (title, row titles, captions) is drawn by
 * resvg with the bundled font into its own bands, never over the images.
 * Images are row-major with row 0 at the top, as MNIST stores them and as PNG
 * lays them out, so digits come out upright.
 */

import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import { formatNumber } from './charts.js';
import { resvgOptions } from './render.js';

const require = createRequire(import.meta.url);

/**
 * A batch of images: `data` (or `x`, as in aekit's datasets) holds n images
 * laid out by `shape`: [n, d] (flat: d = H·W gray, or see
 * {@link ImageGridOptions.imageShape}), [n, H, W] (gray) or [n, C, H, W]
 * (NCHW, C = 1 gray or 3 RGB).
 */
export type ImageBatch = { data: ArrayLike<number>; shape: readonly number[] } | { x: ArrayLike<number>; shape: readonly number[] };

/** An RGBA image, 4 bytes per pixel, row-major from the top-left. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
  /** The text drawn on a grid (title, column and row titles, captions: each line as drawn, shortened where it had to be), for alt text and checks. */
  texts?: string[];
}

/** Options of {@link imageGridPng}. */
export interface ImageGridOptions {
  /** [H, W] or [C, H, W] of one image when the batch is flat [n, d] and d is not a square (default: √d × √d gray). */
  imageShape?: readonly number[];
  /** Images per row (default ⌈√n⌉). */
  columns?: number;
  /** Integer upscale factor (default: the largest that keeps an image at most 96 px, at least 1). */
  scale?: number;
  /** Pixels between images (default 2). */
  gap?: number;
  /** Value range mapped to black…white; values outside are clipped and NaN is black (default [0, 1]). */
  range?: readonly [number, number];
  /** Title above the grid. */
  title?: string;
  /** A title left of each row, e.g. interpolation endpoints or the latent dimension a row traverses. */
  rowTitles?: readonly string[];
  /** A caption under each image (its label, score…; '\n' starts a new line), each line shortened to the image's width. */
  captions?: readonly (string | number | undefined)[];
  /** A title above each column, e.g. the latent value a column decodes, or what each column shows. */
  columnTitles?: readonly string[];
  /** One title over all the columns, e.g. "z1 →" when the column titles are its values. */
  columnAxisTitle?: string;
  /** One title, written upwards, left of the row titles, e.g. "z2 ↑" when the row titles are its values. */
  rowAxisTitle?: string;
}

/** Options of {@link reconstructionGridPng}. */
export interface ReconstructionGridOptions extends Omit<ImageGridOptions, 'rowTitles' | 'columns'> {
  /** Pairs per row block (default min(n, 10)); more pairs wrap into further blocks below. */
  columns?: number;
  /** Titles of the two rows (default ["input", "output"]; [] for none). */
  rowTitles?: readonly string[];
}

interface Images {
  n: number;
  c: 1 | 3;
  h: number;
  w: number;
  data: ArrayLike<number>;
}

function imagesOf(batch: ImageBatch | Float32Array, imageShape: readonly number[] | undefined, what: string): Images {
  const given = batch as { data?: ArrayLike<number>; x?: ArrayLike<number>; shape?: readonly number[] } | null;
  const values = batch instanceof Float32Array ? batch : given?.data ?? given?.x;
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number' || !(batch instanceof Float32Array || Array.isArray(given?.shape))) {
    throw new TypeError(`${what}: expected an image batch { data, shape } (or { x, shape }) or a Float32Array`);
  }
  const b = { data: values, shape: batch instanceof Float32Array ? [-1] : given!.shape! };
  let shape = [...b.shape];
  if (shape.some((v, i) => !(Number.isInteger(v) && (v >= 0 || (i === 0 && v === -1))))) throw new RangeError(`${what}: shape [${shape}] must hold non-negative integers`);
  let sample: number[];
  if (imageShape !== undefined) {
    if (!Array.isArray(imageShape) || !(imageShape.length === 2 || imageShape.length === 3) || imageShape.some((v) => !(Number.isInteger(v) && v >= 1))) {
      throw new RangeError(`${what}: imageShape must be [H, W] or [C, H, W] of positive integers, got ${JSON.stringify(imageShape)}`);
    }
    sample = imageShape.length === 2 ? [1, ...imageShape] : [...imageShape];
    const d = sample.reduce((a, v) => a * v, 1);
    const given = shape.slice(1).reduce((a, v) => a * v, 1);
    if (shape.length > 1 && given !== d) throw new RangeError(`${what}: imageShape [${imageShape}] has ${d} values, the batch's images have ${given} (shape [${shape}])`);
    shape = [shape[0] === -1 ? b.data.length / d : shape[0]!, d];
  } else {
    if (shape[0] === -1) throw new RangeError(`${what}: a bare Float32Array needs options.imageShape ([H, W] or [C, H, W])`);
    if (shape.length === 2) {
      const side = Math.round(Math.sqrt(shape[1]!));
      if (side * side !== shape[1]) throw new RangeError(`${what}: images of ${shape[1]} values are not square; give imageShape [H, W] or [C, H, W]`);
      sample = [1, side, side];
    } else if (shape.length === 3) sample = [1, shape[1]!, shape[2]!];
    else if (shape.length === 4) sample = [shape[1]!, shape[2]!, shape[3]!];
    else throw new RangeError(`${what}: shape [${shape}] is not [n, d], [n, H, W] or [n, C, H, W]`);
  }
  const [c, h, w] = sample as [number, number, number];
  if (c !== 1 && c !== 3) throw new RangeError(`${what}: images must have 1 (gray) or 3 (RGB) channels, got ${c} (shape [${b.shape}], channels first)`);
  const n = shape[0]!;
  if (!Number.isInteger(n)) throw new RangeError(`${what}: ${b.data.length} values are not a whole number of ${c}×${h}×${w} images`);
  if (b.data.length !== n * c * h * w) throw new RangeError(`${what}: ${b.data.length} values do not fill shape [${b.shape}]`);
  if (h * w === 0) throw new RangeError(`${what}: images of size ${h}×${w} are empty`);
  return { n, c, h, w, data: b.data };
}

function byteOf(v: number, lo: number, span: number): number {
  const t = (v - lo) / span;
  // NaN fails both comparisons and lands on 0 (black).
  return t > 0 ? (t < 1 ? Math.round(t * 255) : 255) : 0;
}

/** Where each image goes: rows of tile indices (null = empty cell) with optional row titles and captions. */
interface Layout {
  rows: { tiles: (number | null)[]; title?: string; captions?: (string | undefined)[]; gapAfter: number }[];
  columns: number;
}

const FONT_SIZE = 12;
const BACKGROUND = 222;
/** Height of one caption line; captions split into lines at '\n'. */
const CAPTION_LINE = 15;
const TITLE_H = 26;
const MARGIN = 6;
/** DejaVu Sans at 12 px averages about 7 px per character (wider for capitals). */
const CHAR_W = 7;

function captionHeight(captions: (string | undefined)[] | undefined): number {
  if (!captions) return 0;
  return Math.max(1, ...captions.map((c) => (c ? c.split('\n').length : 0))) * CAPTION_LINE + 2;
}

/** Escapes text for SVG/XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function fit(text: string, px: number): string {
  const max = Math.max(1, Math.floor(px / CHAR_W));
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

function compose(images: Images, layout: Layout, options: ImageGridOptions, what: string): RgbaImage {
  const { c, h, w, data } = images;
  const scale = options.scale ?? Math.max(1, Math.floor(96 / Math.max(h, w)));
  if (!(Number.isInteger(scale) && scale >= 1 && scale <= 64)) throw new RangeError(`${what}: scale must be an integer in [1, 64], got ${String(options.scale)}`);
  const gap = options.gap ?? 2;
  if (!(Number.isInteger(gap) && gap >= 0 && gap <= 100)) throw new RangeError(`${what}: gap must be an integer in [0, 100], got ${String(options.gap)}`);
  const [lo, hi] = options.range ?? [0, 1];
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new RangeError(`${what}: range must be two finite numbers [low, high] with low < high, got ${JSON.stringify(options.range)}`);
  const tw = w * scale;
  const th = h * scale;
  const columnTitles = options.columnTitles;
  if (columnTitles !== undefined && (!Array.isArray(columnTitles) || columnTitles.length > layout.columns)) {
    throw new RangeError(`${what}: columnTitles must be an array of at most one title per column (${layout.columns} columns)`);
  }
  const titleH = options.title ? TITLE_H : 0;
  const columnAxisH = options.columnAxisTitle ? CAPTION_LINE + 2 : 0;
  const columnTitlesH = columnTitles?.length ? CAPTION_LINE + 4 : 0;
  const rowAxisW = options.rowAxisTitle ? CAPTION_LINE + 4 : 0;
  const rowTitleW = layout.rows.some((r) => r.title) ? Math.min(160, Math.max(...layout.rows.map((r) => (r.title ?? '').length)) * CHAR_W + 10) : 0;
  const left = MARGIN + rowAxisW + rowTitleW;
  const gridW = layout.columns * tw + (layout.columns - 1) * gap;
  const width = left + gridW + MARGIN;
  const headerH = titleH + columnAxisH + columnTitlesH;
  let height = MARGIN * 2 + headerH;
  const rowY: number[] = [];
  for (const row of layout.rows) {
    rowY.push(height - MARGIN);
    height += th + captionHeight(row.captions) + row.gapAfter;
  }
  height -= layout.rows.at(-1)?.gapAfter ?? 0;
  if (width * height > 40_000_000) throw new RangeError(`${what}: a ${width}×${height} grid is too large; lower scale or the number of images`);
  // Light gray, not white: a white image (an inverted digit, a photo's sky) keeps visible edges.
  const out = new Uint8Array(width * height * 4).fill(BACKGROUND);
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
  const span = hi - lo;
  const planes = h * w;
  const elements: string[] = [];
  const drawn: string[] = [];
  const text = (attributes: string, content: string) => {
    drawn.push(content);
    elements.push(`<text ${attributes}>${escapeXml(content)}</text>`);
  };
  if (options.title) text(`x="${width / 2}" y="${MARGIN + 17}" text-anchor="middle" font-size="15" font-weight="bold"`, fit(options.title, width));
  if (options.columnAxisTitle) {
    text(`x="${left + gridW / 2}" y="${MARGIN + titleH + CAPTION_LINE - 3}" text-anchor="middle"`, fit(options.columnAxisTitle, gridW));
  }
  columnTitles?.forEach((title, col) => {
    text(`x="${left + col * (tw + gap) + tw / 2}" y="${MARGIN + titleH + columnAxisH + CAPTION_LINE - 3}" text-anchor="middle"`, fit(title, tw + gap));
  });
  if (options.rowAxisTitle) {
    const cx = MARGIN + CAPTION_LINE - 3;
    const cy = (MARGIN + headerH + height - MARGIN) / 2;
    text(`x="${cx}" y="${cy}" text-anchor="middle" transform="rotate(-90 ${cx} ${cy})"`, fit(options.rowAxisTitle, height - headerH));
  }
  layout.rows.forEach((row, r) => {
    const y0 = rowY[r]!;
    if (row.title) {
      text(`x="${left - 8}" y="${y0 + th / 2 + FONT_SIZE * 0.35}" text-anchor="end"`, fit(row.title, rowTitleW - 8));
    }
    row.tiles.forEach((tile, col) => {
      const x0 = left + col * (tw + gap);
      const caption = row.captions?.[col];
      caption?.split('\n').forEach((line, k) => {
        text(`x="${x0 + tw / 2}" y="${y0 + th + (k + 1) * CAPTION_LINE - 2}" text-anchor="middle"`, fit(line, tw + gap));
      });
      if (tile === null) return;
      const base = tile * c * planes;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const p = base + y * w + x;
          const rv = byteOf(data[p]!, lo, span);
          const gv = c === 3 ? byteOf(data[p + planes]!, lo, span) : rv;
          const bv = c === 3 ? byteOf(data[p + 2 * planes]!, lo, span) : rv;
          for (let dy = 0; dy < scale; dy++) {
            let o = ((y0 + y * scale + dy) * width + x0 + x * scale) * 4;
            for (let dx = 0; dx < scale; dx++, o += 4) {
              out[o] = rv;
              out[o + 1] = gv;
              out[o + 2] = bv;
            }
          }
        }
      }
    });
  });
  if (elements.length) drawText(out, width, height, elements);
  return { width, height, data: out, texts: drawn };
}

/** Draws SVG text elements onto the image: resvg renders them on a transparent layer, blended here. */
function drawText(out: Uint8Array, width: number, height: number, texts: string[]): void {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="DejaVu Sans, sans-serif" font-size="${FONT_SIZE}" fill="#222">${texts.join('')}</g></svg>`;
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const layer = PNG.sync.read(new Resvg(svg, resvgOptions({ background: 'transparent' })).render().asPng());
  const src = layer.data;
  for (let i = 0; i < width * height * 4; i += 4) {
    const a = src[i + 3]!;
    if (a === 0) continue;
    const k = a / 255;
    out[i] = Math.round(src[i]! * k + out[i]! * (1 - k));
    out[i + 1] = Math.round(src[i + 1]! * k + out[i + 1]! * (1 - k));
    out[i + 2] = Math.round(src[i + 2]! * k + out[i + 2]! * (1 - k));
  }
}

/** Encodes an RGBA image as PNG bytes. */
export function encodePng(image: RgbaImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data.set(image.data);
  const bytes = PNG.sync.write(png);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function captionsOf(captions: ImageGridOptions['captions'], n: number, what: string): (string | undefined)[] | undefined {
  if (captions === undefined) return undefined;
  if (!Array.isArray(captions) || captions.length !== n) throw new RangeError(`${what}: captions must be an array of one caption per image (${n}), got ${Array.isArray(captions) ? captions.length : typeof captions}`);
  return captions.map((s) => (s === undefined || s === null ? undefined : String(s)));
}

/** A grid of images (row by row, `columns` per row) as raw RGBA. */
export function imageGrid(batch: ImageBatch | Float32Array, options: ImageGridOptions = {}): RgbaImage {
  const what = 'imageGrid';
  const images = imagesOf(batch, options.imageShape, what);
  if (images.n === 0) throw new RangeError(`${what}: no images to draw`);
  const columns = options.columns ?? Math.ceil(Math.sqrt(images.n));
  if (!(Number.isInteger(columns) && columns >= 1)) throw new RangeError(`${what}: columns must be a positive integer, got ${String(options.columns)}`);
  const rowsN = Math.ceil(images.n / columns);
  const captions = captionsOf(options.captions, images.n, what);
  if (options.rowTitles !== undefined && (!Array.isArray(options.rowTitles) || options.rowTitles.length > rowsN)) {
    throw new RangeError(`${what}: rowTitles must be an array of at most one title per row (${rowsN} rows)`);
  }
  const layout: Layout = { columns: Math.min(columns, images.n), rows: [] };
  for (let r = 0; r < rowsN; r++) {
    const idx = Array.from({ length: layout.columns }, (_, k) => (r * columns + k < images.n ? r * columns + k : null));
    layout.rows.push({ tiles: idx, title: options.rowTitles?.[r], captions: captions ? idx.map((i) => (i === null ? undefined : captions[i])) : undefined, gapAfter: options.gap ?? 2 });
  }
  return compose(images, layout, options, what);
}

/**
 * A grid of images as PNG: VAE samples, an interpolation (one row per pair,
 * `columns` = steps), a latent traversal (one row per dimension, with
 * `rowTitles`), any batch.
 */
export function imageGridPng(batch: ImageBatch | Float32Array, options: ImageGridOptions = {}): Uint8Array {
  return encodePng(imageGrid(batch, options));
}

/**
 * Inputs above their reconstructions: blocks of two rows (inputs, then
 * outputs) of `columns` pairs each, captions under each pair.
 */
export function reconstructionGrid(originals: ImageBatch | Float32Array, reconstructions: ImageBatch | Float32Array, options: ReconstructionGridOptions = {}): RgbaImage {
  const [inputTitle, outputTitle] = options.rowTitles ?? ['input', 'output'];
  return stackedRows('reconstructionGrid', [{ title: inputTitle, images: originals }, { title: outputTitle, images: reconstructions }], options, ['originals', 'reconstructions']);
}

/** One row of a {@link comparisonGrid}: a batch of images and its row title. */
export interface ComparisonRow {
  /** Row title, e.g. "input", "PCA (16 components)", "autoencoder" (none when omitted). */
  title?: string;
  images: ImageBatch | Float32Array;
}

/** Options of {@link comparisonGrid}. */
export interface ComparisonGridOptions extends Omit<ReconstructionGridOptions, 'rowTitles'> {
  /**
   * Caption every image after the first row with its mean squared error
   * against the first row's image, e.g. "MSE 0.012" (default true), so the
   * methods compare sample by sample.
   */
  showErrors?: boolean;
}

/**
 * The same samples through several methods, one row each, e.g. "input |
 * PCA reconstruction | autoencoder reconstruction": blocks of one row per
 * batch and `columns` samples each, every reconstruction captioned with its
 * error against the first row (the input).
 */
export function comparisonGrid(rows: readonly ComparisonRow[], options: ComparisonGridOptions = {}): RgbaImage {
  if (!Array.isArray(rows) || rows.length < 2) throw new RangeError('comparisonGrid: rows must be an array of at least two { title?, images } (the inputs, then one or more reconstructions)');
  return stackedRows('comparisonGrid', rows, { ...options, showErrors: options.showErrors ?? true });
}

/** {@link comparisonGrid} as PNG. */
export function comparisonGridPng(rows: readonly ComparisonRow[], options: ComparisonGridOptions = {}): Uint8Array {
  return encodePng(comparisonGrid(rows, options));
}

/**
 * Rows of equally many, equally shaped images stacked in blocks of
 * `columns` samples: row k of a block holds batch k. The options' captions go
 * under the last row; with `showErrors`, each later row's images are
 * captioned with their MSE against the first row's.
 */
function stackedRows(what: string, rows: readonly ComparisonRow[], options: ComparisonGridOptions, nouns?: readonly string[]): RgbaImage {
  // What error messages call each row's images.
  const noun = (k: number) => nouns?.[k] ?? `${rows[k]?.title ?? `row ${k + 1}`} images`;
  const batches = rows.map((row, k) => {
    if (row === null || typeof row !== 'object') throw new TypeError(`${what}: row ${k + 1} must be an object { title?, images }`);
    return imagesOf(row.images, options.imageShape, `${what} (${noun(k)})`);
  });
  const a = batches[0]!;
  for (const [k, b] of batches.entries()) {
    if (b.n !== a.n || b.c !== a.c || b.h !== a.h || b.w !== a.w) {
      throw new RangeError(`${what}: ${a.n} ${noun(0)} of ${a.c}×${a.h}×${a.w} and ${b.n} ${noun(k)} of ${b.c}×${b.h}×${b.w} do not match`);
    }
  }
  if (a.n === 0) throw new RangeError(`${what}: no images to draw`);
  const columns = options.columns ?? Math.min(a.n, 10);
  if (!(Number.isInteger(columns) && columns >= 1)) throw new RangeError(`${what}: columns must be a positive integer, got ${String(options.columns)}`);
  const captions = captionsOf(options.captions, a.n, what);
  const size = a.c * a.h * a.w;
  const errors = options.showErrors ? batches.map((b) => perSampleMse(a.data, b.data, a.n)) : undefined;
  // All batches as one: row k's images are tiles k·n … (k+1)·n − 1.
  const joined = new Float32Array(batches.length * a.n * size);
  batches.forEach((b, k) => {
    for (let i = 0; i < b.data.length; i++) joined[k * a.n * size + i] = b.data[i]!;
  });
  const layout: Layout = { columns: Math.min(columns, a.n), rows: [] };
  const gap = options.gap ?? 2;
  for (let start = 0; start < a.n; start += columns) {
    const idx = Array.from({ length: layout.columns }, (_, j) => (start + j < a.n ? start + j : null));
    batches.forEach((_, k) => {
      const last = k === batches.length - 1;
      const lines = idx.map((i) => {
        if (i === null) return undefined;
        const parts = [k > 0 && errors ? `MSE ${formatError(errors[k]![i]!)}` : undefined, last ? captions?.[i] : undefined].filter((x) => x !== undefined);
        return parts.length ? parts.join('\n') : undefined;
      });
      layout.rows.push({
        tiles: idx.map((i) => (i === null ? null : k * a.n + i)),
        title: rows[k]!.title,
        captions: lines.some((l) => l !== undefined) ? lines : undefined,
        gapAfter: last ? 4 * gap + 6 : gap,
      });
    });
  }
  return compose({ ...a, n: batches.length * a.n, data: joined }, layout, options, what);
}

/** A reconstruction error for a caption, short; a broken (NaN) reconstruction's +Infinity as NaN. */
function formatError(e: number): string {
  return Number.isFinite(e) ? formatNumber(e) : 'NaN';
}

/** {@link reconstructionGrid} as PNG. */
export function reconstructionGridPng(originals: ImageBatch | Float32Array, reconstructions: ImageBatch | Float32Array, options: ReconstructionGridOptions = {}): Uint8Array {
  return encodePng(reconstructionGrid(originals, reconstructions, options));
}

/**
 * Mean squared error of each of n samples (d values each, row-major) between
 * `originals` and `reconstructions`; a NaN reconstruction scores +Infinity,
 * the worst there is. The lengths must be checked by the caller.
 */
function perSampleMse(originals: ArrayLike<number>, reconstructions: ArrayLike<number>, n: number): Float64Array {
  const d = originals.length / n;
  const errors = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let se = 0;
    for (let j = i * d; j < (i + 1) * d; j++) se += (originals[j]! - reconstructions[j]!) ** 2;
    errors[i] = Number.isNaN(se) ? Infinity : se / d;
  }
  return errors;
}

/**
 * Indices of the `k` samples with the largest per-sample mean squared error
 * between `originals` and `reconstructions` (n samples of d values each,
 * row-major), worst first, with their errors.
 */
export function worstReconstructed(originals: ArrayLike<number>, reconstructions: ArrayLike<number>, n: number, k: number): { indices: number[]; errors: number[] } {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`worstReconstructed: n must be a positive integer, got ${n}`);
  if (originals.length !== reconstructions.length || originals.length % n !== 0) {
    throw new RangeError(`worstReconstructed: ${originals.length} original and ${reconstructions.length} reconstructed values are not two sets of ${n} samples`);
  }
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`worstReconstructed: k must be a positive integer, got ${k}`);
  const errors = perSampleMse(originals, reconstructions, n);
  const indices = Array.from({ length: n }, (_, i) => i).sort((p, q) => errors[q]! - errors[p]! || p - q).slice(0, k);
  return { indices, errors: indices.map((i) => errors[i]!) };
}

/** The images at `indices` as a new batch [k, C, H, W]. */
function pick(images: Images, indices: readonly number[]): ImageBatch {
  const size = images.c * images.h * images.w;
  const out = new Float32Array(indices.length * size);
  indices.forEach((i, k) => {
    for (let j = 0; j < size; j++) out[k * size + j] = images.data[i * size + j]!;
  });
  return { data: out, shape: [indices.length, images.c, images.h, images.w] };
}

/** Options of {@link worstReconstructionsGrid}. */
export interface WorstReconstructionsOptions extends Omit<ReconstructionGridOptions, 'captions'> {
  /** How many of the worst to show (default 10). */
  k?: number;
  /** Sample labels, shown in the captions with the index and error. */
  labels?: ArrayLike<number | string>;
  /** Names of numeric labels. */
  classNames?: readonly string[];
}

/**
 * The `k` worst-reconstructed inputs (largest per-sample MSE) above their
 * reconstructions, each captioned with its label, index and error ("MSE 0.083").
 */
export function worstReconstructionsGrid(originals: ImageBatch | Float32Array, reconstructions: ImageBatch | Float32Array, options: WorstReconstructionsOptions = {}): RgbaImage {
  const what = 'worstReconstructionsGrid';
  const a = imagesOf(originals, options.imageShape, `${what} (originals)`);
  const b = imagesOf(reconstructions, options.imageShape, `${what} (reconstructions)`);
  if (a.n !== b.n || a.data.length !== b.data.length) throw new RangeError(`${what}: ${a.n} originals and ${b.n} reconstructions do not match`);
  if (options.labels !== undefined && options.labels.length !== a.n) throw new RangeError(`${what}: ${options.labels.length} labels for ${a.n} samples`);
  const { indices, errors } = worstReconstructed(a.data, b.data, a.n, Math.min(options.k ?? 10, a.n));
  const captions = indices.map((i, k) => {
    const label = options.labels?.[i];
    const name = label === undefined ? '' : `${typeof label === 'number' ? options.classNames?.[label] ?? label : label} `;
    return `${name}#${i}\nMSE ${formatError(errors[k]!)}`;
  });
  const { k: _k, labels: _l, classNames: _c, ...rest } = options;
  return reconstructionGrid(pick(a, indices), pick(b, indices), { title: `Worst ${indices.length} reconstructions (MSE: mean squared error per value)`, ...rest, imageShape: undefined, captions });
}

/** {@link worstReconstructionsGrid} as PNG. */
export function worstReconstructionsPng(originals: ImageBatch | Float32Array, reconstructions: ImageBatch | Float32Array, options: WorstReconstructionsOptions = {}): Uint8Array {
  return encodePng(worstReconstructionsGrid(originals, reconstructions, options));
}

/** Options of {@link topScoresGrid}. */
export interface TopScoresOptions extends Omit<ImageGridOptions, 'captions'> {
  /** How many of the highest-scoring images to show (default 16). */
  k?: number;
  /** A label per image (class index or name; for detection 0/1 or false/true), shown in its caption. */
  labels?: ArrayLike<number | string | boolean>;
  /** Names of numeric (and boolean: [false, true]) labels, e.g. ["digit", "clothing"]. */
  classNames?: readonly string[];
  /** What the score is, in the captions (default "score"). */
  scoreName?: string;
}

/**
 * The `k` images with the highest scores (e.g. the most anomalous), highest
 * first, each captioned with its label when known, its score and its index
 * ("clothing", "score 97.3", "#412"). Non-finite scores rank last.
 */
export function topScoresGrid(batch: ImageBatch | Float32Array, scores: ArrayLike<number>, options: TopScoresOptions = {}): RgbaImage {
  const what = 'topScoresGrid';
  const images = imagesOf(batch, options.imageShape, what);
  if (scores === null || typeof scores !== 'object' || scores.length !== images.n) throw new RangeError(`${what}: expected one score per image (${images.n}), got ${scores?.length ?? typeof scores}`);
  if (options.labels !== undefined && options.labels.length !== images.n) throw new RangeError(`${what}: ${options.labels.length} labels for ${images.n} images`);
  const k = options.k ?? 16;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`${what}: k must be a positive integer, got ${k}`);
  if (images.n === 0) throw new RangeError(`${what}: no images to draw`);
  const rank = (i: number) => (Number.isFinite(scores[i]!) ? scores[i]! : -Infinity);
  const indices = Array.from({ length: images.n }, (_, i) => i).sort((p, q) => rank(q) - rank(p) || p - q).slice(0, k);
  const captions = indices.map((i) => {
    const label = options.labels?.[i];
    const key = typeof label === 'boolean' ? Number(label) : label;
    const score = `${options.scoreName ?? 'score'} ${formatNumber(scores[i]!)}`;
    return key === undefined ? `#${i}\n${score}` : `${typeof key === 'number' ? options.classNames?.[key] ?? key : key}\n${score}\n#${i}`;
  });
  const { k: _k, labels: _l, classNames: _c, scoreName: _s, ...rest } = options;
  return imageGrid(pick(images, indices), { columns: Math.min(8, indices.length), title: `Highest ${indices.length} scores of ${images.n}`, ...rest, imageShape: undefined, captions });
}

/** {@link topScoresGrid} as PNG. */
export function topScoresPng(batch: ImageBatch | Float32Array, scores: ArrayLike<number>, options: TopScoresOptions = {}): Uint8Array {
  return encodePng(topScoresGrid(batch, scores, options));
}

/** The titles {@link latentGridTitles} returns. */
export interface LatentGridTitles {
  /** The columns' values, left to right. */
  columnTitles: string[];
  /** The columns' dimension, e.g. "z1 →". */
  columnAxisTitle: string;
  /** The rows' values, top to bottom (decreasing). */
  rowTitles: string[];
  /** The rows' dimension, e.g. "z2 →", written upwards. */
  rowAxisTitle: string;
}

/**
 * Titles that make a grid of decoded latent codes read like a plot: the
 * values of dimension `dims[0]` over the columns (left to right, increasing)
 * and of `dims[1]` down the rows (top row the largest), named from 1 as
 * everywhere a user reads them: dims [0, 1] are "z1" and "z2".
 * @param values The values each dimension takes, increasing.
 * @param dims Latent dimensions (0-based indices) of the columns and the rows.
 */
export function latentGridTitles(values: readonly number[], dims: readonly [number, number] = [0, 1]): LatentGridTitles {
  const text = values.map((v) => String(Number(v.toFixed(2))));
  return { columnTitles: text, columnAxisTitle: `z${dims[0] + 1} →`, rowTitles: [...text].reverse(), rowAxisTitle: `z${dims[1] + 1} →` };
}
