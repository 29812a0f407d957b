/**
 * How long `aekit serve` takes to turn a JSON body into rows, per row: the
 * general path (decode to a string, JSON.parse, copy out: parseJsonBody and
 * rowsFromJson) against the byte reader (rowsFromJsonBytes), on single-row
 * and 64-row bodies of MNIST test images as bench:serve sends them. The best
 * of 6 alternated rounds each (docs/serving.md, run 10).
 *
 *   node --import tsx bench/serve/json-read.ts
 */
import { mnist } from '../../src/data/datasets.js';
import { parseJsonBody, rowsFromJson } from '../../src/serve/bodies.js';
import { rowsFromJsonBytes } from '../../src/serve/json-rows.js';

const width = 784;
const images = mnist({ split: 'test', limit: 1024 });
const row = (i: number) => Array.from(images.x.subarray(i * width, (i + 1) * width));
const spec = { width, sampleShape: [1, 28, 28] };
const sets = {
  single: Array.from({ length: 1024 }, (_, i) => Buffer.from(JSON.stringify({ row: row(i) }))),
  rows64: Array.from({ length: 16 }, (_, b) => Buffer.from(JSON.stringify({ rows: Array.from({ length: 64 }, (_, i) => row(b * 64 + i)) }))),
};
const readers = {
  'JSON.parse': (b: Buffer) => rowsFromJson(parseJsonBody(b.toString('utf8'), spec), spec).n,
  'byte reader': (b: Buffer) => rowsFromJsonBytes(b, spec)!.n,
};
for (const [setName, bodies] of Object.entries(sets)) {
  const best: Record<string, number> = {};
  for (let round = 0; round < 6; round++) {
    for (const [name, read] of Object.entries(readers)) {
      let rows = 0;
      const t0 = performance.now();
      for (let k = 0; k < 10; k++) for (const b of bodies) rows += read(b);
      best[name] = Math.min(best[name] ?? Infinity, ((performance.now() - t0) * 1000) / rows);
    }
  }
  const bytes = bodies.reduce((a, b) => a + b.length, 0) / bodies.length;
  console.log(`${setName === 'single' ? 'single-row' : '64-row'} bodies (${bytes.toFixed(0)} bytes on average): ${Object.entries(best).map(([k, v]) => `${k} ${v.toFixed(2)} µs per row`).join(', ')}`);
}
