/**
 * What ONNX Runtime's TopK costs in the k-NN shortlist graph of
 * src/anomaly/knn-index.ts, by the number of rows kept: 32 queries of 16
 * values against 12,000 random reference rows (the demo detector's size),
 * one thread; k = 0 is the Gemm alone (with a ReduceMax in place of TopK).
 * Microseconds per query row, two passes over the sizes (docs/serving.md, run 10).
 *
 *   node --import tsx bench/experiments/knn-topk.ts
 */
import { Graph } from '../../src/graph/graph.js';
import { tensor } from '../../src/graph/types.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { toOnnx } from '../../src/onnx/serialize.js';

const n = 12000, dim = 16, m = 32;
let seed = 1;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const referenceT = Float32Array.from({ length: dim * n }, () => -2 * (random() - 0.5));
const squaredNorms = Float32Array.from({ length: n }, () => random());
const queries = Float32Array.from({ length: m * dim }, () => random());
for (let pass = 1; pass <= 2; pass++) {
  const line: string[] = [];
  for (const k of [0, 5, 8, 16, 20, 29, 40]) {
    const g = new Graph();
    const q = g.input('q', ['N', dim]);
    const approx = g.gemm(q, g.constant(tensor('float32', [dim, n], referenceT), 'r'), g.constant(tensor('float32', [1, n], squaredNorms), 'sq'));
    const outputs = k === 0 ? { values: g.reduceMax(approx, [1], true) } : (({ values, indices }) => ({ values, indices }))(g.topK(approx, k, { axis: 1, largest: false }));
    const session = await RuntimeSession.create(toOnnx(g, { outputs, name: 'knn_topk' }).bytes, { threads: 1, cache: false });
    const feeds = { q: { dtype: 'float32' as const, shape: [m, dim], data: queries } };
    for (let i = 0; i < 50; i++) await session.run(feeds);
    const runs = 300;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await session.run(feeds);
    line.push(`${k === 0 ? 'Gemm alone' : `TopK ${k}`} ${(((performance.now() - t0) / runs / m) * 1000).toFixed(1)}`);
  }
  console.log(`pass ${pass}, µs per query row: ${line.join(', ')}`);
}
