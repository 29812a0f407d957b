/**
 * Rows per second of a run's or detector's scoring, called directly as
 * `aekit serve` calls it (64 rows at a time, 300 calls), on MNIST test images
 * or, with `synthetic`, on made-up rows of the same width. Under
 * `node --cpu-prof` it shows where scoring goes (docs/serving.md, run 8).
 *
 *   node --import tsx bench/serve/direct-score.ts runs/demo [synthetic]
 */
import { mnist } from '../../src/data/datasets.js';
import { openServable } from '../../src/serve/servable.js';

const [path, rowsKind] = process.argv.slice(2);
if (!path) throw new Error('usage: direct-score.ts <run or detector> [synthetic]');
const servable = await openServable(path, { log: () => {} });
const width = servable.spec.width;
const rows = 6400;
const x = rowsKind === 'synthetic' || width !== 784
  ? Float32Array.from({ length: rows * width }, (_, i) => Math.sin(i * 12.9898) * 2)
  : mnist({ split: 'test', limit: rows }).x;
const t0 = performance.now();
let scored = 0;
for (let round = 0; round < 3; round++) {
  for (let b = 0; b < rows / 64; b++) {
    await servable.run.score!(x.subarray(b * 64 * width, (b + 1) * 64 * width), 64);
    scored += 64;
  }
}
console.log(`${(scored / ((performance.now() - t0) / 1000)).toFixed(0)} rows/s (${rowsKind === 'synthetic' || width !== 784 ? 'synthetic' : 'MNIST test'} rows, batches of 64): ${servable.description}`);
await servable.close();
