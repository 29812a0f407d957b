import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Graph, type OpCase, type Value, checkCase } from '../../src/index.js';
import {
  type LossTerms,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  contractivePenalty,
  contractivePenaltySigmoidDense,
  klDivergenceGaussian,
  klSparsityPenalty,
  l1ActivityPenalty,
  l1Penalty,
  l2Penalty,
  mae,
  mse,
} from '../../src/losses/index.js';

/** All three reductions in one [N] output: samples + perSample + perElement. */
const allTerms = (g: Graph, t: LossTerms): Value => g.add(g.add(t.samples, t.perSample), t.perElement);

const cases: OpCase[] = [
  {
    op: 'mse', label: 'mse, all reductions', dtype: 'float64',
    inputs: [{ shape: [3, 4], symbolicBatch: true }, { shape: [3, 4], symbolicBatch: true }],
    build: (g, [p, t]) => allTerms(g, mse(p!, t!)),
  },
  {
    op: 'mae', label: 'mae, all reductions', dtype: 'float64',
    inputs: [{ shape: [3, 4], symbolicBatch: true, kind: 'awayFromZero' }, { shape: [3, 4], symbolicBatch: true, constant: true, kind: 'fixed', values: new Array(12).fill(0) }],
    build: (g, [p, t]) => allTerms(g, mae(p!, t!)),
  },
  {
    op: 'binaryCrossEntropy', label: 'BCE from probabilities, all reductions', dtype: 'float64',
    inputs: [{ shape: [3, 4], symbolicBatch: true, kind: 'uniform01' }, { shape: [3, 4], symbolicBatch: true, kind: 'uniform01' }],
    build: (g, [p, t]) => allTerms(g, binaryCrossEntropy(p!, t!)),
  },
  {
    op: 'binaryCrossEntropyWithLogits', label: 'BCE from logits, all reductions', dtype: 'float64',
    inputs: [{ shape: [3, 4], symbolicBatch: true, kind: 'awayFromZero' }, { shape: [3, 4], symbolicBatch: true, kind: 'uniform01' }],
    build: (g, [z, t]) => allTerms(g, binaryCrossEntropyWithLogits(z!, t!)),
  },
  {
    op: 'klDivergenceGaussian', label: 'Gaussian KL, all reductions', dtype: 'float64',
    inputs: [{ shape: [3, 2], symbolicBatch: true }, { shape: [3, 2], symbolicBatch: true }],
    build: (g, [mu, lv]) => allTerms(g, klDivergenceGaussian(mu!, lv!)),
  },
  {
    op: 'l1Penalty', label: 'L1 weight penalty over two weights', dtype: 'float64',
    inputs: [{ shape: [3, 2], kind: 'awayFromZero' }, { shape: [2], kind: 'awayFromZero' }],
    build: (_g, [a, b]) => l1Penalty([a!, b!], 0.3),
  },
  {
    op: 'l2Penalty', label: 'L2 weight penalty over two weights', dtype: 'float64',
    inputs: [{ shape: [3, 2] }, { shape: [2] }],
    build: (_g, [a, b]) => l2Penalty([a!, b!], 0.3),
  },
  {
    op: 'l1ActivityPenalty', label: 'L1 activity penalty', dtype: 'float64',
    inputs: [{ shape: [3, 4], symbolicBatch: true, kind: 'awayFromZero' }],
    build: (_g, [h]) => l1ActivityPenalty(h!, 0.5),
  },
  {
    op: 'klSparsityPenalty', label: 'KL sparsity penalty', dtype: 'float64',
    inputs: [{ shape: [3, 4], symbolicBatch: true, kind: 'uniform01' }],
    build: (_g, [h]) => klSparsityPenalty(h!, { rho: 0.1, beta: 2 }),
  },
  {
    // Second order: the penalty is built from dh/dx, and the check differentiates it again in x, W and b.
    op: 'contractivePenalty', label: 'contractive penalty, dense sigmoid encoder (double backprop)', dtype: 'float64',
    inputs: [{ shape: [3, 4], symbolicBatch: true }, { shape: [4, 3] }, { shape: [3] }],
    build: (g, [x, w, b]) => contractivePenalty(g.sigmoid(g.add(g.matmul(x!, w!), b!)), x!, 0.7),
  },
  {
    op: 'contractivePenalty', label: 'contractive penalty, two-layer tanh/softplus encoder (double backprop)', dtype: 'float64',
    inputs: [{ shape: [2, 3], symbolicBatch: true }, { shape: [3, 4] }, { shape: [4, 2] }],
    build: (g, [x, w1, w2]) => contractivePenalty(g.softplus(g.matmul(g.tanh(g.matmul(x!, w1!)), w2!)), x!),
  },
  {
    op: 'contractivePenaltySigmoidDense', label: 'contractive penalty, closed form for a dense sigmoid layer', dtype: 'float64',
    inputs: [{ shape: [3, 4], symbolicBatch: true }, { shape: [4, 3] }, { shape: [3] }],
    build: (g, [x, w, b]) => contractivePenaltySigmoidDense(g.sigmoid(g.add(g.matmul(x!, w!), b!)), w!, 0.7),
  },
];

describe('gradient checks of losses and regularizers (finite differences through ONNX Runtime)', () => {
  for (const c of cases) {
    it(c.label, async () => {
      const r = await checkCase(c);
      assert.equal(r.gradient, 'ok', r.message);
      assert.notEqual(r.forward, 'failed', r.message);
      assert.ok(r.checkedElements > 0);
      assert.ok(r.gradError < 1e-5, `${c.label}: scaled error ${r.gradError}`);
    });
  }
});
