/**
 * Figures of a trained masked autoencoder: masked inputs and their
 * reconstructions, and the last encoder block's attention on one input.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset } from '../../src/data/types.js';
import { writeFileAtomic } from '../../src/io/files.js';
import { type MaskedAutoencoder } from '../../src/models/mae.js';
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
  // One RGB image per head: the input in gray, plus red where the patch receives attention.
  const overlay = new Float32Array((heads + 1) * 3 * h * w);
  const gray = test.x.subarray(0, h * w);
  for (let k = 0; k <= heads; k++) {
    const received = new Float64Array(p);
    if (k > 0) for (let q = 0; q < p; q++) for (let s = 0; s < p; s++) received[s]! += weights![((k - 1) * p + q) * p + s]! / p;
    // Min-max scaled per head: the received attention is close to uniform, and the contrast is what shows.
    const [lo, hi] = [Math.min(...received), Math.max(...received)];
    for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) {
      const v = gray[y * w + xx]!;
      const a = k === 0 || hi <= lo ? 0 : (received[Math.floor(y / ph) * across + Math.floor(xx / pw)]! - lo) / (hi - lo);
      const base = k * 3 * h * w + y * w + xx;
      overlay[base] = k === 0 ? v : 0.5 * v + 0.5 * a;
      overlay[base + h * w] = k === 0 ? v : 0.5 * v;
      overlay[base + 2 * h * w] = k === 0 ? v : 0.5 * v;
    }
  }
  const matrices = new Float32Array(heads * p * p);
  for (let k = 0; k < heads; k++) {
    const m = weights!.subarray(k * p * p, (k + 1) * p * p);
    const [lo, hi] = [Math.min(...m), Math.max(...m)];
    for (let i = 0; i < p * p; i++) matrices[k * p * p + i] = hi > lo ? (m[i]! - lo) / (hi - lo) : 0;
  }
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
