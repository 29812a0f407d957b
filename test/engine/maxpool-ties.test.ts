/**
 * Max pooling's gradient when a window holds its maximum more than once: all
 * of the window's gradient goes to the first maximum in row-major order
 * (PyTorch's convention), whichever formulation the rule picks (the mask for
 * float32 windows that tile the input; the scatter by indices otherwise) and
 * whatever the input size. Checked against a plain float64 loop.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph, compile, grad, tensor } from '../../src/index.js';

interface Pool {
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
}

/** dx of Σ dy · maxpool(x) with each window's dy given to its first maximum (row-major). */
function referenceGrad(x: number[], shape: [number, number, number, number], dy: number[], p: Pool): number[] {
  const [n, c, h, w] = shape;
  const ho = Math.floor((h + p.pads[0] + p.pads[2] - p.kernel[0]) / p.strides[0]) + 1;
  const wo = Math.floor((w + p.pads[1] + p.pads[3] - p.kernel[1]) / p.strides[1]) + 1;
  assert.equal(dy.length, n * c * ho * wo, 'dy size');
  const dx = new Array<number>(x.length).fill(0);
  for (let plane = 0; plane < n * c; plane++) {
    for (let oh = 0; oh < ho; oh++) {
      for (let ow = 0; ow < wo; ow++) {
        let best = -1;
        for (let i = 0; i < p.kernel[0]; i++) {
          for (let j = 0; j < p.kernel[1]; j++) {
            const r = oh * p.strides[0] - p.pads[0] + i;
            const q = ow * p.strides[1] - p.pads[1] + j;
            if (r < 0 || r >= h || q < 0 || q >= w) continue;
            const k = plane * h * w + r * w + q;
            if (best < 0 || x[k]! > x[best]!) best = k;
          }
        }
        dx[best] = dx[best]! + dy[(plane * ho + oh) * wo + ow]!;
      }
    }
  }
  return dx;
}

/** Small integers, so most windows hold ties (several cells at the window's max). */
function tiedValues(count: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s >>> 16) % 3;
  });
}

async function poolGrad(x: number[], shape: [number, number, number, number], dtype: 'float32' | 'float64', opts: Parameters<Graph['maxPool2d']>[1], seedValues?: number[]) {
  const g = new Graph();
  const xi = g.input('x', shape, dtype);
  const y = g.maxPool2d(xi, opts);
  const yShape = y.shape as number[];
  const seed = g.input('seed', yShape, dtype);
  const [dx] = grad(g, y, [xi], seed);
  const attrs = y.producer!.attrs as Pool;
  const size = yShape.reduce((a, b) => a * b, 1);
  const dy = seedValues ?? Array.from({ length: size }, (_, i) => 1 + (i % 5) * 0.25);
  const model = await compile(g, { dx: dx! });
  try {
    const out = await model.run({ x: tensor(dtype, shape, x), seed: tensor(dtype, yShape, dy) });
    return { dx: Array.from(out.dx!.data as ArrayLike<number>, Number), expected: referenceGrad(x, shape, dy, attrs) };
  } finally {
    await model.release();
  }
}

describe('max-pool gradient with tied maxima: all of it to the first maximum', () => {
  const configs: [string, [number, number, number, number], Parameters<Graph['maxPool2d']>[1]][] = [
    ['2x2 windows tiling 4x6 (mask path in float32)', [2, 3, 4, 6], { kernel: 2 }],
    ['3x3 windows tiling 6x6 (mask path in float32)', [1, 2, 6, 6], { kernel: 3 }],
    ['2x3 windows tiling 4x6 (mask path in float32)', [1, 2, 4, 6], { kernel: [2, 3] }],
    ['2x2 windows over odd 5x7 (last row and column dropped)', [2, 2, 5, 7], { kernel: 2 }],
    ["2x2 windows, 'same' padding over 5x5", [1, 2, 5, 5], { kernel: 2, pads: 'same' }],
    ['3x3 windows, stride 2, pads 1 (overlapping)', [1, 2, 7, 7], { kernel: 3, strides: 2, pads: 1 }],
  ];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [label, shape, opts] of configs) {
      it(`${dtype}: ${label}`, async () => {
        const x = tiedValues(shape.reduce((a, b) => a * b, 1), shape.join('').length * 7919 + shape[3]);
        const { dx, expected } = await poolGrad(x, shape, dtype, opts);
        assert.deepEqual(dx, expected);
      });
    }
  }

  it('float32: the same layer routes the same window the same way on a 4x4 and a 5x5 input', async () => {
    // A 5x5 input whose top-left 4x4 block is the 4x4 input: the shared windows must get the same gradient.
    const small = [1, 1, 0, 2, 1, 1, 2, 2, 0, 0, 1, 1, 0, 0, 1, 1];
    const large = Array.from({ length: 25 }, (_, k) => (k % 5 < 4 && k < 20 ? small[Math.floor(k / 5) * 4 + (k % 5)]! : -1));
    const a = await poolGrad(small, [1, 1, 4, 4], 'float32', { kernel: 2 }, [1, 2, 3, 4]);
    const b = await poolGrad(large, [1, 1, 5, 5], 'float32', { kernel: 2 }, [1, 2, 3, 4]);
    assert.deepEqual(b.dx.filter((_, k) => k % 5 < 4 && k < 20), a.dx);
    assert.deepEqual(a.dx, [1, 0, 0, 2, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0]);
  });
});
