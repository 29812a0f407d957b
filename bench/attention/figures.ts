/**
 * Figures of a trained masked autoencoder (masked inputs and their
 * reconstructions, the last encoder block's attention on one input) and of a
 * Transformer autoencoder of image rows (reconstructions, the read-out
 * query's attention over the rows, the last encoder block's weights).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset } from '../../src/data/types.js';
import { writeFileAtomic } from '../../src/io/files.js';
import { type MaskedAutoencoder } from '../../src/models/mae.js';
import { type TransformerAutoencoder } from '../../src/models/transformer.js';
import { comparisonGridPng, imageGridPng } from '../../src/viz/images.js';

/** Hidden patches are drawn in this gray, so they stand out from the black MNIST background. */
const HIDDEN_GRAY = 0.5;

/**
 * Writes `mae-<name>-masked.png` (inputs, the patches the encoder saw with the
 * hidden ones gray, the reconstruction with the visible patches pasted back)
 * `mae-<name>-attention.png` (for the first test image: the attention each
 * patch receives in every head of the last encoder block, averaged over the
 * queries, min-max scaled per head, in red over the input) and
 * `mae-<name>-attention-weights.png` (each head's query × key weights, P × P,
 * min-max scaled, white the highest).
 */
export async function maeFigures(dir: string, name: string, model: MaskedAutoencoder, test: Dataset, log: (line: string) => void): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const [c, h, w] = model.inputShape as [number, number, number];
  const size = c * h * w;
  const n = 10;
  const x = test.x.subarray(0, n * size);
  const { reconstruction, mask } = await model.runPart('masked', x);
  const masked = x.map((v, i) => (mask![i]! > 0.5 ? HIDDEN_GRAY : v));
  const ratio = Math.round(model.maskRatio * 100);
  const shape = [n, c, h, w];
  const maskedFile = join(dir, `mae-${name}-masked.png`);
  writeFileAtomic(maskedFile, comparisonGridPng([
    { title: 'input', images: { data: x, shape } },
    { title: `${ratio} % masked`, images: { data: masked, shape } },
    { title: 'MAE output', images: { data: reconstruction!, shape } },
  ], { showErrors: false, title: `MAE on ${name} test images: ${model.visiblePatches} of ${model.numPatches} patches seen (gray: hidden)`, scale: 3 }));

  const heads = model.encoderConfig.numHeads;
  const p = model.numPatches;
  const { weights } = await model.runPart('attention', test.x.subarray(0, size));
  const [ph, pw] = model.patchSize;
  const across = w / pw;
  // Attention each patch receives in head k, averaged over the queries.
  const received = Array.from({ length: heads }, (_, k) => {
    const r = new Float64Array(p);
    for (let q = 0; q < p; q++) for (let s = 0; s < p; s++) r[s]! += weights![(k * p + q) * p + s]! / p;
    return r;
  });
  const overlay = attentionOverlay(test.x.subarray(0, h * w), h, w, received, (y, xx) => Math.floor(y / ph) * across + Math.floor(xx / pw));
  const matrices = scaledMatrices(weights!, heads, p, p);
  const attentionFile = join(dir, `mae-${name}-attention.png`);
  writeFileAtomic(attentionFile, imageGridPng({ data: overlay, shape: [heads + 1, 3, h, w] }, {
    columns: heads + 1, scale: 4,
    columnTitles: ['input', ...Array.from({ length: heads }, (_, k) => `head ${k + 1}`)],
    title: `${name} image 0: attention received`,
    captions: ['', ...Array.from({ length: heads }, () => 'red: min → max')],
  }));
  const matrixFile = join(dir, `mae-${name}-attention-weights.png`);
  writeFileAtomic(matrixFile, imageGridPng({ data: matrices, shape: [heads, 1, p, p] }, {
    columns: heads, scale: 8,
    columnTitles: Array.from({ length: heads }, (_, k) => `head ${k + 1}`),
    title: `${name} image 0: attention weights`,
    captions: Array.from({ length: heads }, () => 'rows: queries\ncolumns: keys'),
  }));
  log(`figures: ${maskedFile}, ${attentionFile}, ${matrixFile}`);
}

/**
 * One RGB image per head after the input itself: the gray input with red
 * where the cell (`cellOf(y, x)`) gets a high value in that head, min-max
 * scaled per head (attention is often close to uniform; the contrast is what shows).
 */
function attentionOverlay(gray: Float32Array, h: number, w: number, perHead: Float64Array[], cellOf: (y: number, x: number) => number): Float32Array {
  const heads = perHead.length;
  const overlay = new Float32Array((heads + 1) * 3 * h * w);
  for (let k = 0; k <= heads; k++) {
    const values = k > 0 ? perHead[k - 1]! : new Float64Array(0);
    const [lo, hi] = k > 0 ? [Math.min(...values), Math.max(...values)] : [0, 0];
    for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) {
      const v = gray[y * w + xx]!;
      const a = k === 0 || hi <= lo ? 0 : (values[cellOf(y, xx)]! - lo) / (hi - lo);
      const base = k * 3 * h * w + y * w + xx;
      overlay[base] = k === 0 ? v : 0.5 * v + 0.5 * a;
      overlay[base + h * w] = k === 0 ? v : 0.5 * v;
      overlay[base + 2 * h * w] = k === 0 ? v : 0.5 * v;
    }
  }
  return overlay;
}

/** Each head's rows × cols block of `weights` [heads, rows, cols], min-max scaled on its own. */
function scaledMatrices(weights: Float32Array, heads: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(heads * rows * cols);
  for (let k = 0; k < heads; k++) {
    const m = weights.subarray(k * rows * cols, (k + 1) * rows * cols);
    const [lo, hi] = [Math.min(...m), Math.max(...m)];
    for (let i = 0; i < rows * cols; i++) out[k * rows * cols + i] = hi > lo ? (m[i]! - lo) / (hi - lo) : 0;
  }
  return out;
}

/**
 * Writes `transformer-<name>-reconstructions.png` (10 test images and their
 * reconstructions), `transformer-<name>-attention.png` (for the first test
 * image: the weight the read-out query, which makes the code, gives each row
 * in every head, in red over the input) and
 * `transformer-<name>-attention-weights.png` (the last encoder block's row ×
 * row weights of each head, and the last decoder block's row × memory-token
 * weights), for a TransformerAutoencoder of image rows with attention pooling.
 */
export async function transformerFigures(dir: string, name: string, model: TransformerAutoencoder, test: Dataset, log: (line: string) => void): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const [c, h, w] = model.inputShape as [number, number, number];
  if (model.kind !== 'image' || model.patchSize![0] !== 1 || model.patchSize![1] !== w || model.pooling !== 'attention') throw new Error('transformerFigures: needs a model of image rows with attention pooling');
  const size = c * h * w;
  const n = 10;
  const x = test.x.subarray(0, n * size);
  const reconstruction = await model.reconstruct(x);
  const recFile = join(dir, `transformer-${name}-reconstructions.png`);
  writeFileAtomic(recFile, comparisonGridPng([
    { title: 'input', images: { data: x, shape: [n, c, h, w] } },
    { title: 'Transformer AE', images: { data: reconstruction, shape: [n, c, h, w] } },
  ], { showErrors: false, title: `Transformer autoencoder on ${name} test images: ${h} rows → code of ${model.latentDim} → ${h} rows`, scale: 3 }));

  const heads = model.numHeads;
  const { weights, pooling, cross } = await model.runPart('attention', test.x.subarray(0, size));
  const perHead = Array.from({ length: heads }, (_, k) => Float64Array.from(pooling!.subarray(k * h, (k + 1) * h)));
  const overlay = attentionOverlay(test.x.subarray(0, h * w), h, w, perHead, (y) => y);
  const attentionFile = join(dir, `transformer-${name}-attention.png`);
  writeFileAtomic(attentionFile, imageGridPng({ data: overlay, shape: [heads + 1, 3, h, w] }, {
    columns: heads + 1, scale: 4,
    columnTitles: ['input', ...Array.from({ length: heads }, (_, k) => `head ${k + 1}`)],
    title: `${name} image 0: the code's query over the rows`,
    captions: ['', ...Array.from({ length: heads }, () => 'red: min → max')],
  }));
  const m = model.memoryTokens;
  const matrixFile = join(dir, `transformer-${name}-attention-weights.png`);
  // Both kinds of map in one grid, h × h each: the encoder's row × row maps, then the decoder's
  // row × memory maps with each memory token's column widened to h / m pixels, so they can be read.
  const grid = new Float32Array(2 * heads * h * h);
  grid.set(scaledMatrices(weights!, heads, h, h), 0);
  const crossScaled = scaledMatrices(cross!, heads, h, m);
  for (let k = 0; k < heads; k++) for (let r = 0; r < h; r++) for (let col = 0; col < h; col++) {
    const s = Math.min(m - 1, Math.floor((col * m) / h));
    grid[(heads + k) * h * h + r * h + col] = crossScaled[(k * h + r) * m + s]!;
  }
  writeFileAtomic(matrixFile, imageGridPng({ data: grid, shape: [2 * heads, 1, h, h] }, {
    columns: heads, scale: 5,
    columnTitles: Array.from({ length: heads }, (_, k) => `head ${k + 1}`),
    rowTitles: ['encoder', 'decoder'],
    title: `${name} image 0: attention weights, white the highest`,
    captions: [...Array.from({ length: heads }, () => 'rows ↓ × rows →'), ...Array.from({ length: heads }, () => `rows ↓ × ${m} memory →`)],
  }));
  log(`figures: ${recFile}, ${attentionFile}, ${matrixFile}`);
}
