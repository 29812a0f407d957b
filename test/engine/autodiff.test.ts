import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph, compile, grad, tensor } from '../../src/index.js';

const values = (t: { data: ArrayLike<number | bigint> }) => Array.from(t.data as ArrayLike<number>, Number);
const close = (actual: number[], expected: number[], tol = 1e-5) => {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tol * Math.max(1, Math.abs(expected[i]!)), `element ${i}: ${a} vs ${expected[i]}`));
};

describe('reverse-mode autodiff', () => {
  it('sums the gradients of a value used several times', async () => {
    const g = new Graph();
    const x = g.input('x', [3]);
    const y = g.reduceSum(g.add(g.mul(x, x), g.mul(x, 3)));
    const [dx] = grad(g, y, [x]);
    const out = await compile(g, { dx: dx! }).then((c) => c.run({ x: tensor('float32', [3], [1, -2, 0.5]) }));
    close(values(out.dx!), [2 * 1 + 3, 2 * -2 + 3, 2 * 0.5 + 3]);
  });

  it('reduces gradients of broadcast operands to their shapes', async () => {
    const g = new Graph();
    const x = g.input('x', [2, 3]);
    const b = g.param('b', [3]);
    const s = g.param('s', [2, 1]);
    const y = g.reduceSum(g.mul(g.add(x, b), s));
    const [db, ds] = grad(g, y, [b, s]);
    assert.deepEqual(db!.shape, [3]);
    assert.deepEqual(ds!.shape, [2, 1]);
    const out = await compile(g, { db: db!, ds: ds! }).then((c) =>
      c.run({ x: tensor('float32', [2, 3], [1, 2, 3, 4, 5, 6]), b: tensor('float32', [3], [1, 1, 1]), s: tensor('float32', [2, 1], [2, 3]) }),
    );
    close(values(out.db!), [5, 5, 5]); // sum over rows of s
    close(values(out.ds!), [1 + 2 + 3 + 3, 4 + 5 + 6 + 3]); // row sums of x + b
  });

  it('matches a hand-derived gradient of a one-layer sigmoid model with MSE', async () => {
    // y = sigmoid(w·x + c), L = (y - t)²; dL/dw = 2(y - t)·y(1 - y)·x
    const g = new Graph();
    const x = g.input('x', [1, 2]);
    const w = g.param('w', [2, 1]);
    const c = g.param('c', [1]);
    const t = 0.25;
    const y = g.sigmoid(g.add(g.matmul(x, w), c));
    const loss = g.reduceSum(g.square(g.sub(y, t)));
    const [dw, dc] = grad(g, loss, [w, c]);
    const out = await compile(g, { dw: dw!, dc: dc! }).then((m) =>
      m.run({ x: tensor('float32', [1, 2], [0.5, -1]), w: tensor('float32', [2, 1], [0.3, 0.2]), c: tensor('float32', [1], [0.1]) }),
    );
    const z = 0.5 * 0.3 - 1 * 0.2 + 0.1;
    const yv = 1 / (1 + Math.exp(-z));
    const common = 2 * (yv - t) * yv * (1 - yv);
    close(values(out.dw!), [common * 0.5, common * -1]);
    close(values(out.dc!), [common]);
  });

  it('gives zeros for variables the output does not depend on', async () => {
    const g = new Graph();
    const x = g.input('x', [2]);
    const unused = g.param('unused', [4]);
    const [du] = grad(g, g.reduceSum(x), [unused]);
    const out = await compile(g, { du: du! }).then((m) => m.run({ unused: tensor('float32', [4], [1, 2, 3, 4]) }));
    close(values(out.du!), [0, 0, 0, 0]);
  });

  it('differentiates a gradient again (double backprop)', async () => {
    // f(x) = sum(x³); df/dx = 3x²; d/dx sum(df/dx) = 6x
    const g = new Graph();
    const x = g.input('x', [3]);
    const [dx] = grad(g, g.reduceSum(g.mul(g.square(x), x)), [x]);
    const [ddx] = grad(g, g.reduceSum(dx!), [x]);
    const out = await compile(g, { dx: dx!, ddx: ddx! }).then((m) => m.run({ x: tensor('float32', [3], [1, 2, -1]) }));
    close(values(out.dx!), [3, 12, 3]);
    close(values(out.ddx!), [6, 12, -6]);
  });

  it('refuses to differentiate non-scalars without a seed, and integer values', () => {
    const g = new Graph();
    const x = g.input('x', [3]);
    assert.throws(() => grad(g, g.exp(x), [x]), /reduce it to one element or pass a seed/);
    const i = g.input('i', [3], 'int64');
    assert.throws(() => grad(g, g.reduceSum(x), [i]), /cannot differentiate with respect to i of dtype int64/);
  });
});
