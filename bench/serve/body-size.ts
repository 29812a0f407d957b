/**
 * Mean size of bench:serve's single-row JSON bodies for a 784-value model: the
 * MNIST test images it sends an MNIST run since run 9, and rows of the
 * synthetic table's scale it sent before (docs/serving.md, run 9).
 *
 *   node --import tsx bench/serve/body-size.ts
 */
import { mnist } from '../../src/data/datasets.js';
import { Rng } from '../../src/data/random.js';
const x = mnist({ split: 'test', limit: 1024 }).x;
const mean = (b: string[]) => (b.reduce((a, s) => a + s.length, 0) / b.length).toFixed(0);
const m = Array.from({ length: 1024 }, (_, i) => JSON.stringify({ row: Array.from(x.subarray(i * 784, (i + 1) * 784)) }));
const rng = new Rng(2);
const s = Array.from({ length: 1024 }, () => JSON.stringify({ row: Array.from(Float32Array.from({ length: 784 }, () => 3 * rng.normal())) }));
console.log(`single-row JSON bodies, mean bytes: MNIST test images ${mean(m)}, synthetic 784 columns ${mean(s)}`);
