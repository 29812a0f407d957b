import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type NDArray, nd, referenceOps as R } from '../src/check/reference.js';

/** Asserts shape exactly and values to within `tol` (expected values are hand-computed literals). */
function expectND(actual: NDArray | undefined, shape: number[], values: number[], tol = 1e-12): void {
  assert.ok(actual, 'missing output');
  assert.deepEqual(actual.shape, shape);
  assert.equal(actual.data.length, values.length);
  values.forEach((v, i) => {
    const a = actual.data[i]!;
    if (Number.isNaN(v)) assert.ok(Number.isNaN(a), `element ${i}: expected NaN, got ${a}`);
    else assert.ok(Math.abs(a - v) <= tol * Math.max(1, Math.abs(v)), `element ${i}: expected ${v}, got ${a}`);
  });
}

const win = (strides: [number, number], pads: [number, number, number, number]) => ({ strides, pads });

describe('reference: elementwise and broadcasting', () => {
  it('Add broadcasts [2,1] with [3] and [2,1,2] with [3,1]', () => {
    expectND(R.Add([nd([2, 1], [1, 2]), nd([3], [10, 20, 30])], {})[0], [2, 3], [11, 21, 31, 12, 22, 32]);
    expectND(R.Add([nd([2, 1, 2], [1, 2, 3, 4]), nd([3, 1], [10, 20, 30])], {})[0], [2, 3, 2],
      [11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34]);
    expectND(R.Sub([nd([], [5]), nd([2], [1, 2])], {})[0], [2], [4, 3]);
  });

  it('unary ops', () => {
    const x = nd([5], [-2, -0.5, 0, 0.5, 2]);
    expectND(R.Relu([x], {})[0], [5], [0, 0, 0, 0.5, 2]);
    expectND(R.LeakyRelu([x], { alpha: 0.1 })[0], [5], [-0.2, -0.05, 0, 0.5, 2]);
    expectND(R.Sign([x], {})[0], [5], [-1, -1, 0, 1, 1]);
    expectND(R.Square([x], {})[0], [5], [4, 0.25, 0, 0.25, 4]);
    expectND(R.Abs([x], {})[0], [5], [2, 0.5, 0, 0.5, 2]);
    expectND(R.Elu([nd([2], [Math.log(0.5), 3])], { alpha: 2 })[0], [2], [-1, 3]);
    expectND(R.Sigmoid([nd([3], [0, Math.log(3), -Math.log(3)])], {})[0], [3], [0.5, 0.75, 0.25]);
    // Softplus: log(1 + e^x), also for x where e^x overflows.
    expectND(R.Softplus([nd([4], [0, Math.log(3), 1000, -1000])], {})[0], [4], [Math.LN2, 2 * Math.LN2, 1000, 0]);
  });

  it('TopK: the k largest or smallest along an axis with their indices; equal values keep the lower index first', () => {
    const x = nd([2, 4], [3, 1, 3, 2, 0, 5, -1, 5]);
    const [v, i] = R.TopK([x], { k: 2, axis: 1, largest: true });
    expectND(v, [2, 2], [3, 3, 5, 5]);
    expectND(i, [2, 2], [0, 2, 1, 3]);
    const [vs, is] = R.TopK([x], { k: 3, axis: -1, largest: false });
    expectND(vs, [2, 3], [1, 2, 3, -1, 0, 5]);
    expectND(is, [2, 3], [1, 3, 0, 2, 0, 1]);
    const [v0, i0] = R.TopK([x], { k: 1, axis: 0, largest: false });
    expectND(v0, [1, 4], [0, 1, -1, 2]);
    expectND(i0, [1, 4], [1, 0, 1, 0]);
  });

  it('comparisons give 0/1; Where broadcasts the condition', () => {
    const a = nd([3], [1, 2, 3]);
    const b = nd([3], [2, 2, 2]);
    expectND(R.Greater([a, b], {})[0], [3], [0, 0, 1]);
    expectND(R.Less([a, b], {})[0], [3], [1, 0, 0]);
    expectND(R.Equal([a, b], {})[0], [3], [0, 1, 0]);
    expectND(R.Where([nd([2, 1], [1, 0]), nd([3], [1, 2, 3]), nd([], [9])], {})[0], [2, 3], [1, 2, 3, 9, 9, 9]);
  });

  it('Clip, Cast, Expand, FillLike', () => {
    expectND(R.Clip([nd([5], [-2, -0.5, 0, 0.5, 2])], { min: -1, max: 1 })[0], [5], [-1, -0.5, 0, 0.5, 1]);
    const x = nd([5], [-2.7, -0.5, 0, 0.5, 2.7]);
    expectND(R.Cast([x], { to: 'int64' })[0], [5], [-2, 0, 0, 0, 2]);
    expectND(R.Cast([x], { to: 'int32' })[0], [5], [-2, 0, 0, 0, 2]);
    expectND(R.Cast([x], { to: 'bool' })[0], [5], [1, 1, 0, 1, 1]);
    expectND(R.Cast([nd([1], [0.1])], { to: 'float32' })[0], [1], [0.10000000149011612], 0);
    expectND(R.Expand([nd([2, 1], [1, 2]), nd([2, 3], [0, 0, 0, 0, 0, 0])], {})[0], [2, 3], [1, 1, 1, 2, 2, 2]);
    expectND(R.FillLike([nd([2], [5, 6])], { value: 7 })[0], [2], [7, 7]);
  });
});

describe('reference: linear algebra', () => {
  it('MatMul with broadcast batch and non-square operands', () => {
    const a = nd([2, 2, 2], [1, 2, 3, 4, 0, 1, 1, 0]);
    const b = nd([2, 2], [5, 6, 7, 8]);
    expectND(R.MatMul([a, b], {})[0], [2, 2, 2], [19, 22, 43, 50, 7, 8, 5, 6]);
    expectND(R.MatMul([nd([2, 3], [1, 2, 3, 4, 5, 6]), nd([3, 1], [1, 0, -1])], {})[0], [2, 1], [-2, -2]);
    // batch [2, 1] against an unbatched B
    const c = nd([2, 1, 1, 2], [1, 1, 2, 2]);
    expectND(R.MatMul([c, nd([2, 1], [3, 4])], {})[0], [2, 1, 1, 1], [7, 14]);
  });

  it('Gemm with transA, transB, alpha and broadcast C', () => {
    const a = nd([3, 2], [1, 4, 2, 5, 3, 6]); // A^T = [[1,2,3],[4,5,6]]
    const b = nd([2, 3], [1, 0, 1, 0, 1, 0]); // B^T = [[1,0],[0,1],[1,0]]
    expectND(R.Gemm([a, b, nd([2], [1, -1])], { transA: true, transB: true, alpha: 2 })[0], [2, 2], [9, 3, 21, 9]);
    expectND(R.Gemm([nd([1, 2], [1, 2]), nd([2, 1], [3, 4])], { transA: false, transB: false, alpha: 1 })[0], [1, 1], [11]);
  });
});

describe('reference: softmax and reductions', () => {
  it('Softmax along the last axis, stably', () => {
    const x = nd([2, 3], [0, Math.log(2), Math.log(3), 1000, 1000, 1000]);
    expectND(R.Softmax([x], { axis: -1 })[0], [2, 3], [1 / 6, 2 / 6, 3 / 6, 1 / 3, 1 / 3, 1 / 3]);
    expectND(R.Softmax([nd([2, 1], [0, Math.log(3)])], { axis: 0 })[0], [2, 1], [0.25, 0.75]);
    expectND(R.LogSoftmax([nd([2], [5000, 5000])], { axis: 0 })[0], [2], [-Math.LN2, -Math.LN2]);
  });

  it('ReduceMean/Sum/Max with and without keepdims', () => {
    const x = nd([2, 3], [1, 2, 3, 4, 5, 6]);
    expectND(R.ReduceMean([x], { axes: [1], keepdims: true })[0], [2, 1], [2, 5]);
    expectND(R.ReduceMean([x], { axes: [0], keepdims: true })[0], [1, 3], [2.5, 3.5, 4.5]);
    expectND(R.ReduceMean([x], { axes: [], keepdims: false })[0], [], [3.5]);
    expectND(R.ReduceMean([x], { axes: [], keepdims: true })[0], [1, 1], [3.5]);
    expectND(R.ReduceSum([x], { axes: [-1], keepdims: false })[0], [2], [6, 15]);
    expectND(R.ReduceMax([nd([2, 2], [-3, -1, -2, -4])], { axes: [0], keepdims: false })[0], [2], [-2, -1]);
  });
});

describe('reference: shape ops', () => {
  it('Transpose', () => {
    expectND(R.Transpose([nd([2, 3], [1, 2, 3, 4, 5, 6])], { perm: [1, 0] })[0], [3, 2], [1, 4, 2, 5, 3, 6]);
    // out[k, i, 0] = x[i, 0, k]
    expectND(R.Transpose([nd([2, 1, 3], [1, 2, 3, 4, 5, 6])], { perm: [2, 0, 1] })[0], [3, 2, 1], [1, 4, 2, 5, 3, 6]);
  });

  it('Reshape resolves symbolic dims', () => {
    expectND(R.Reshape([nd([2, 3], [1, 2, 3, 4, 5, 6])], { shape: ['N*3'] })[0], [6], [1, 2, 3, 4, 5, 6]);
    expectND(R.Reshape([nd([6], [1, 2, 3, 4, 5, 6])], { shape: ['N', 3] })[0], [2, 3], [1, 2, 3, 4, 5, 6]);
  });

  it('Concat', () => {
    expectND(R.Concat([nd([2, 1], [1, 2]), nd([2, 2], [3, 4, 5, 6])], { axis: 1 })[0], [2, 3], [1, 3, 4, 2, 5, 6]);
    expectND(R.Concat([nd([1, 2], [1, 2]), nd([2, 2], [3, 4, 5, 6])], { axis: 0 })[0], [3, 2], [1, 2, 3, 4, 5, 6]);
    expectND(R.Concat([nd([1], [1]), nd([1], [2]), nd([2], [3, 4])], { axis: -1 })[0], [4], [1, 2, 3, 4]);
  });

  it('Slice with negative steps, negative indices and clamping', () => {
    const v = nd([5], [0, 1, 2, 3, 4]);
    const s = (starts: number, ends: number, steps: number) => R.Slice([v], { starts: [starts], ends: [ends], axes: [0], steps: [steps] })[0];
    expectND(s(-1, -6, -1), [5], [4, 3, 2, 1, 0]);
    expectND(s(-1, 0, -2), [2], [4, 2]);
    expectND(s(10, 0, -1), [4], [4, 3, 2, 1]);
    expectND(s(-1, -Number.MAX_SAFE_INTEGER, -3), [2], [4, 1]);
    // ONNX: for negative steps starts clamp to [0, dim-1], so a start far below -dim reads index 0.
    expectND(s(-100, -100, -1), [1], [0]);
    expectND(s(1, 100, 2), [2], [1, 3]);
    expectND(s(3, 1, 1), [0], []);
    const x = nd([2, 3], [1, 2, 3, 4, 5, 6]);
    expectND(R.Slice([x], { starts: [-1], ends: [-100], axes: [-1], steps: [-2] })[0], [2, 2], [3, 1, 6, 4]);
    expectND(R.Slice([x], { starts: [1, 1], ends: [2, Number.MAX_SAFE_INTEGER], axes: [0, 1], steps: [1, 1] })[0], [1, 2], [5, 6]);
  });

  it('Pad with a constant (all begins, then all ends)', () => {
    expectND(R.Pad([nd([2, 2], [1, 2, 3, 4])], { pads: [1, 0, 0, 2], value: 9 })[0], [3, 4],
      [9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9]);
  });

  it('Gather with negative indices and a 2-D index tensor', () => {
    const x = nd([3, 2], [1, 2, 3, 4, 5, 6]);
    expectND(R.Gather([x, nd([2], [-1, 0])], { axis: 0 })[0], [2, 2], [5, 6, 1, 2]);
    expectND(R.Gather([x, nd([1], [-2])], { axis: 1 })[0], [3, 1], [1, 3, 5]);
    expectND(R.Gather([x, nd([2, 2], [0, -1, 1, 1])], { axis: 0 })[0], [2, 2, 2], [1, 2, 5, 6, 3, 4, 3, 4]);
    assert.throws(() => R.Gather([x, nd([1], [3])], { axis: 0 }), RangeError);
  });

  it('ScatterAddAlongAxis accumulates duplicate indices', () => {
    const like = nd([3, 2], [7, 7, 7, 7, 7, 7]); // only its shape matters
    expectND(R.ScatterAddAlongAxis([like, nd([3], [0, 2, 0]), nd([3, 2], [1, 2, 3, 4, 5, 6])], { axis: 0 })[0], [3, 2],
      [6, 8, 0, 0, 3, 4]);
    expectND(R.ScatterAddAlongAxis([nd([2, 3], [0, 0, 0, 0, 0, 0]), nd([2], [-1, -1]), nd([2, 2], [1, 2, 3, 4])], { axis: 1 })[0],
      [2, 3], [0, 0, 3, 0, 0, 7]);
  });
});

describe('reference: convolution', () => {
  const x3 = nd([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);

  it('Conv with stride 2 and padding 1 (and bias)', () => {
    const w = nd([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const attrs = { ...win([2, 2], [1, 1, 1, 1]), dilations: [1, 1] as [number, number] };
    expectND(R.Conv([x3, w], attrs)[0], [1, 1, 2, 2], [94, 106, 106, 94]);
    expectND(R.Conv([x3, w, nd([1], [1])], attrs)[0], [1, 1, 2, 2], [95, 107, 107, 95]);
  });

  it('Conv mixes channels with weight [M, C, kH, kW]', () => {
    const x = nd([1, 2, 1, 2], [1, 2, 3, 4]);
    const w = nd([3, 2, 1, 1], [1, 0, 0, 1, 1, 1]);
    expectND(R.Conv([x, w], { ...win([1, 1], [0, 0, 0, 0]), dilations: [1, 1] })[0], [1, 3, 1, 2], [1, 2, 3, 4, 4, 6]);
  });

  it('Conv with dilation 2', () => {
    const x = nd([1, 1, 4, 4], [...Array(16).keys()]);
    const w = nd([1, 1, 2, 2], [1, 2, 3, 4]);
    expectND(R.Conv([x, w], { ...win([1, 1], [0, 0, 0, 0]), dilations: [2, 2] })[0], [1, 1, 2, 2], [68, 78, 108, 118]);
  });

  it('ConvTranspose with stride 2 and output padding', () => {
    const x = nd([1, 1, 2, 2], [1, 2, 3, 4]);
    const w = nd([1, 1, 2, 2], [1, 2, 3, 4]);
    const dil: [number, number] = [1, 1];
    // full size 2*(2-1) + 1*(2-1) + 1 = 4, output padding 1
    expectND(R.ConvTranspose([x, w], { ...win([2, 2], [0, 0, 0, 0]), dilations: dil, outputSize: [5, 5] })[0], [1, 1, 5, 5], [
      1, 2, 2, 4, 0,
      3, 4, 6, 8, 0,
      3, 6, 4, 8, 0,
      9, 12, 12, 16, 0,
      0, 0, 0, 0, 0,
    ]);
    // pads [1, 1, 0, 0] crop the first row and column: full size 3, output padding 1
    expectND(R.ConvTranspose([x, w], { ...win([2, 2], [1, 1, 0, 0]), dilations: dil, outputSize: [4, 4] })[0], [1, 1, 4, 4], [
      4, 6, 8, 0,
      6, 4, 8, 0,
      12, 12, 16, 0,
      0, 0, 0, 0,
    ]);
    // overlapping windows accumulate; bias per output channel
    expectND(R.ConvTranspose([nd([1, 1, 1, 2], [1, 2]), nd([1, 1, 1, 2], [1, 10]), nd([1], [0.5])],
      { ...win([1, 1], [0, 0, 0, 0]), dilations: dil, outputSize: [1, 3] })[0], [1, 1, 1, 3], [1.5, 12.5, 20.5]);
  });

  it('ConvTranspose weight is [Cin, Cout, kH, kW]', () => {
    const attrs = { ...win([1, 1], [0, 0, 0, 0]), dilations: [1, 1] as [number, number], outputSize: [1, 1] as [number, number] };
    expectND(R.ConvTranspose([nd([1, 1, 1, 1], [5]), nd([1, 2, 1, 1], [2, 3])], attrs)[0], [1, 2, 1, 1], [10, 15]);
    expectND(R.ConvTranspose([nd([1, 2, 1, 1], [5, 7]), nd([2, 1, 1, 1], [2, 3])], attrs)[0], [1, 1, 1, 1], [31]);
  });

  it('ConvTranspose is the adjoint of Conv: <Conv(x, w), y> = <x, ConvTranspose(y, w)>', () => {
    let seed = 12345;
    const rand = () => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    const randomND = (shape: number[]) => nd(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1));
    const dot = (a: NDArray, b: NDArray) => a.data.reduce((s, v, i) => s + v * b.data[i]!, 0);
    let checked = 0;
    while (checked < 12) {
      const [N, C, M] = [int(1, 2), int(1, 3), int(1, 3)];
      const [H, W, kH, kW] = [int(3, 8), int(3, 8), int(1, 3), int(1, 3)];
      const strides: [number, number] = [int(1, 3), int(1, 3)];
      const dilations: [number, number] = [int(1, 2), int(1, 2)];
      const pads: [number, number, number, number] = [int(0, 2), int(0, 2), int(0, 2), int(0, 2)];
      const OH = Math.floor((H + pads[0] + pads[2] - dilations[0] * (kH - 1) - 1) / strides[0]) + 1;
      const OW = Math.floor((W + pads[1] + pads[3] - dilations[1] * (kW - 1) - 1) / strides[1]) + 1;
      if (OH < 1 || OW < 1) continue;
      const x = randomND([N, C, H, W]);
      const w = randomND([M, C, kH, kW]);
      const y = randomND([N, M, OH, OW]);
      const cx = R.Conv([x, w], { strides, pads, dilations })[0]!;
      assert.deepEqual(cx.shape, [N, M, OH, OW]);
      const ty = R.ConvTranspose([y, w], { strides, pads, dilations, outputSize: [H, W] })[0]!;
      assert.deepEqual(ty.shape, [N, C, H, W]);
      const lhs = dot(cx, y);
      const rhs = dot(x, ty);
      assert.ok(Math.abs(lhs - rhs) <= 1e-10 * Math.max(1, Math.abs(lhs)), `case ${checked}: ${lhs} vs ${rhs}`);
      checked++;
    }
  });
});

describe('reference: pooling and upsampling', () => {
  it('MaxPool with overlapping windows returns values and flat NCHW indices', () => {
    const x = nd([1, 2, 3, 3], [
      1, 5, 2, 4, 3, 9, 7, 0, 6,
      -1, -5, -2, -4, -3, -9, -7, 0, -6,
    ]);
    const [values, indices] = R.MaxPool([x], { ...win([1, 1], [0, 0, 0, 0]), kernel: [2, 2] });
    expectND(values, [1, 2, 2, 2], [5, 9, 7, 9, -1, -2, 0, 0]);
    expectND(indices, [1, 2, 2, 2], [1, 5, 6, 5, 9, 11, 16, 16]);
  });

  it('MaxPool ignores padding (pads act as -inf)', () => {
    const x = nd([1, 1, 2, 2], [-4, -3, -2, -1]);
    const [values, indices] = R.MaxPool([x], { ...win([1, 1], [1, 1, 0, 0]), kernel: [2, 2] });
    expectND(values, [1, 1, 2, 2], [-4, -3, -2, -1]);
    expectND(indices, [1, 1, 2, 2], [0, 1, 2, 3]);
  });

  it('AveragePool with padding, with and without counting pad cells', () => {
    const x = nd([1, 1, 2, 2], [1, 2, 3, 4]);
    const attrs = { ...win([1, 1], [1, 1, 1, 1]), kernel: [2, 2] as [number, number] };
    expectND(R.AveragePool([x], { ...attrs, countIncludePad: false })[0], [1, 1, 3, 3], [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4]);
    expectND(R.AveragePool([x], { ...attrs, countIncludePad: true })[0], [1, 1, 3, 3],
      [0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1]);
  });

  it('Upsample repeats each pixel scale[0] x scale[1] times', () => {
    expectND(R.Upsample([nd([1, 1, 2, 2], [1, 2, 3, 4])], { scale: [2, 3] })[0], [1, 1, 4, 6], [
      1, 1, 1, 2, 2, 2,
      1, 1, 1, 2, 2, 2,
      3, 3, 3, 4, 4, 4,
      3, 3, 3, 4, 4, 4,
    ]);
  });
});
