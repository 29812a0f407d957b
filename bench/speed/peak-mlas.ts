/**
 * The float32 matmul rate of ONNX Runtime's own GEMM (MLAS, which picks its
 * AVX-512 kernels by itself on a CPU that has them): the kernel aekit's steps
 * run, next to the BLAS kernels bench/speed/peak_flops.py times.
 *
 *   node --import tsx bench/speed/peak-mlas.ts [--n 2048] [--reps 10]
 *
 * One MatMul node of two n×n graph inputs (inputs, so that ONNX Runtime cannot
 * fold the product away), its output written into one reused buffer; the best
 * of `reps` runs after one warm-up, 2n³ FLOPs each.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Graph } from '../../src/graph/graph.js';
import { type TensorData } from '../../src/graph/types.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { toOnnx } from '../../src/onnx/serialize.js';

/** Best GFLOP/s of an n×n by n×n float32 MatMul in ONNX Runtime with `threads` intra-op threads. */
export async function mlasPeakGflops(threads: number, n = 2048, reps = 10): Promise<number> {
  const g = new Graph();
  const a = g.input('a', [n, n]);
  const b = g.input('b', [n, n]);
  const session = await RuntimeSession.create(toOnnx(g, { outputs: { c: g.matmul(a, b) }, name: 'peak' }).bytes, { threads });
  try {
    const fill = (seed: number) => {
      const d = new Float32Array(n * n);
      for (let i = 0; i < d.length; i++) d[i] = ((i * 7919 + seed) % 1000) / 1000;
      return d;
    };
    const feeds: Record<string, TensorData> = { a: { dtype: 'float32', shape: [n, n], data: fill(1) }, b: { dtype: 'float32', shape: [n, n], data: fill(7) } };
    const into: Record<string, TensorData> = { c: { dtype: 'float32', shape: [n, n], data: new Float32Array(n * n) } };
    await session.run(feeds, ['c'], into);
    let best = Infinity;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      await session.run(feeds, ['c'], into);
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return (2 * n ** 3) / best / 1e9;
  } finally {
    await session.release();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '2048' }, reps: { type: 'string', default: '10' } } });
  const out: Record<string, number> = {};
  for (const threads of [1, 2]) out[`mlasGflops${threads}Thread${threads > 1 ? 's' : ''}`] = Number((await mlasPeakGflops(threads, Number(values.n), Number(values.reps))).toFixed(2));
  console.log(JSON.stringify(out));
}
