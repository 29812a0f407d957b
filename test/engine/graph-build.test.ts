import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph, GraphBuildError } from '../../src/index.js';

const throwsBuild = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof GraphBuildError && pattern.test(e.message));

describe('graph building catches bad graphs at build time', () => {
  it('names the op and both shapes on a matmul mismatch', () => {
    const g = new Graph();
    const x = g.input('x', ['N', 784]);
    const w = g.param('w', [128, 32]);
    throwsBuild(() => g.matmul(x, w), /MatMul.*inner dimensions differ.*\[N, 784\].*\[128, 32\]/);
  });

  it('rejects incompatible broadcasting, naming the op', () => {
    const g = new Graph();
    throwsBuild(() => g.add(g.input('a', [2, 3]), g.input('b', [4])), /Add.*cannot broadcast shapes \[2, 3\] and \[4\]/);
    throwsBuild(() => g.add(g.input('c', ['N', 3]), g.input('d', [5, 3])), /cannot broadcast/);
  });

  it('rejects wrong dtypes', () => {
    const g = new Graph();
    const labels = g.input('labels', ['N'], 'int64');
    throwsBuild(() => g.sigmoid(labels), /Sigmoid.*must be float32 or float64, got int64/);
    throwsBuild(() => g.add(g.input('x', [3]), g.input('y', [3], 'float64')), /different dtypes: float32 vs float64/);
    throwsBuild(() => g.where(g.input('c', [3]), g.input('p', [3]), g.input('q', [3])), /condition must be bool/);
  });

  it('rejects unknown ops by name', () => {
    const g = new Graph();
    throwsBuild(() => g.op('Frobnicate', [g.input('x', [2])]), /unknown op 'Frobnicate'/);
  });

  it('rejects values from another graph and parameters never declared', () => {
    const g = new Graph();
    const other = new Graph();
    const w = other.param('w', [3, 3]);
    throwsBuild(() => g.matmul(g.input('x', [2, 3]), w), /'w' belongs to another graph/);
    throwsBuild(() => g.get('encoder.w'), /no input, parameter or constant named 'encoder.w'/);
  });

  it('rejects duplicate names and invalid parameter shapes', () => {
    const g = new Graph();
    g.param('w', [2]);
    throwsBuild(() => g.param('w', [2]), /declared twice/);
    throwsBuild(() => g.param('v', [0, 2]), /positive integers/);
  });

  it('checks convolution geometry', () => {
    const g = new Graph();
    const x = g.input('x', ['N', 1, 28, 28]);
    throwsBuild(() => g.conv2d(x, g.param('w', [8, 3, 3, 3])), /Conv.*1 channels but weight \[8, 3, 3, 3\] expects 3/);
    throwsBuild(() => g.conv2d(x, g.param('big', [1, 1, 30, 30])), /does not fit/);
    const y = g.conv2d(x, g.param('k', [4, 1, 3, 3]), { pads: 'same', strides: 2 });
    assert.deepEqual(y.shape, ['N', 4, 14, 14]);
    const p = g.maxPool2d(y, { kernel: 2 });
    assert.deepEqual(p.shape, ['N', 4, 7, 7]);
    assert.deepEqual(g.upsample2d(p, 2).shape, ['N', 4, 14, 14]);
    const t = g.convTranspose2d(p, g.param('t', [4, 2, 3, 3]), { strides: 2, pads: 'same' });
    assert.deepEqual(t.shape, ['N', 2, 14, 14]);
  });

  it('keeps the symbolic batch through reshapes', () => {
    const g = new Graph();
    const x = g.input('x', ['N', 1, 28, 28]);
    const flat = g.flatten(x);
    assert.deepEqual(flat.shape, ['N', 784]);
    const all = g.flatten(x, 0);
    assert.deepEqual(all.shape, ['N*784']);
    assert.deepEqual(g.reshape(all, ['N', 28, 28]).shape, ['N', 28, 28]);
    throwsBuild(() => g.reshape(x, [784, 1]), /symbolic dims must be kept/);
    throwsBuild(() => g.reshape(x, ['N', 700]), /element counts differ/);
  });

  it('infers reduction and slice shapes', () => {
    const g = new Graph();
    const x = g.input('x', ['N', 3, 5]);
    assert.deepEqual(g.reduceSum(x, [1, 2]).shape, ['N']);
    assert.deepEqual(g.reduceMean(x, [-1], true).shape, ['N', 3, 1]);
    assert.deepEqual(g.slice(x, [1], [10], [2], [2]).shape, ['N', 3, 2]);
    throwsBuild(() => g.slice(x, [1], [3], [0]), /symbolic dim N/);
    throwsBuild(() => g.reduceSum(x, [3]), /out of range/);
  });
});

describe('lowering rejects clashing names', () => {
  it('refuses an output named like an input', async () => {
    const { toOnnx } = await import('../../src/index.js');
    const g = new Graph();
    const x = g.input('x', [2]);
    throwsBuild(() => toOnnx(g, { outputs: { x: g.exp(x) } }), /output name 'x' is already the name of a graph input/);
  });
});
