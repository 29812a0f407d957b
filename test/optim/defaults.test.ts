/**
 * Every optimizer's defaults are PyTorch's (torch.optim, 2.x), and a default
 * RMSProp follows torch.optim.RMSprop step by step (plain float64 reference
 * written from PyTorch's documented algorithm).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import { tensor } from '../../src/graph/types.js';
import { compile } from '../../src/onnx/compile.js';
import { Adam, AdamW, type OptimizerConfig, RMSProp, SGD, optimizerFromConfig } from '../../src/optim/optimizers.js';

describe('optimizer defaults are torch.optim defaults', () => {
  it('SGD lr 1e-3, momentum 0, no Nesterov, weight decay 0', () => {
    assert.deepEqual(new SGD().getConfig(), { name: 'sgd', learningRate: 1e-3, momentum: 0, nesterov: false, weightDecay: 0 });
  });
  it('RMSprop lr 1e-2, alpha 0.99, eps 1e-8, momentum 0', () => {
    assert.deepEqual(new RMSProp().getConfig(), { name: 'rmsprop', learningRate: 1e-2, rho: 0.99, epsilon: 1e-8, momentum: 0 });
  });
  it('Adam lr 1e-3, betas (0.9, 0.999), eps 1e-8', () => {
    assert.deepEqual(new Adam().getConfig(), { name: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  });
  it('AdamW as Adam with weight decay 1e-2', () => {
    assert.deepEqual(new AdamW().getConfig(), { name: 'adamw', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-2 });
  });

  it('a default RMSProp takes torch.optim.RMSprop steps: ε outside the root, alpha 0.99', async () => {
    const opt = new RMSProp();
    const g = new Graph();
    const param = g.input('p', [4]);
    const gradient = g.input('g', [4]);
    const square = g.input('s', [4]);
    const out = opt.update(g, { param, grad: gradient, slots: { square }, lr: g.input('lr', []), step: g.input('t', []) });
    const model = await compile(g, { newP: out.param, newS: out.slots.square! });
    try {
      // Tiny gradients make ε's place matter: 1e-8 next to √s of order 1e-7.
      let p = [0.5, -1, 2, 0.1];
      let s: Float32Array = new Float32Array(4);
      const ref = [...p];
      const refS = [0, 0, 0, 0];
      for (let t = 1; t <= 4; t++) {
        const grads = [3e-7 * t, -2e-7, 1.5 / t, 5e-8 * t * t];
        const res = await model.run({
          p: tensor('float32', [4], p), g: tensor('float32', [4], grads), s: tensor('float32', [4], s),
          lr: tensor('float32', [], [opt.learningRate]), t: tensor('float32', [], [t]),
        });
        for (let i = 0; i < 4; i++) {
          refS[i] = 0.99 * refS[i]! + 0.01 * grads[i]! ** 2;
          ref[i] = ref[i]! - (0.01 * grads[i]!) / (Math.sqrt(refS[i]!) + 1e-8);
        }
        p = Array.from(res.newP!.data as Float32Array);
        s = res.newS!.data as Float32Array;
        p.forEach((v, i) => assert.ok(Math.abs(v - ref[i]!) <= 2e-6 * Math.max(1, Math.abs(ref[i]!)), `step ${t} [${i}]: ${v} vs ${ref[i]}`));
      }
    } finally {
      await model.release();
    }
  });
});

describe('optimizer configs', () => {
  it('a config saved with the old RMSProp defaults rebuilds with those values', () => {
    const saved: OptimizerConfig = { name: 'rmsprop', learningRate: 0.001, rho: 0.9, epsilon: 1e-7, momentum: 0 };
    assert.deepEqual(optimizerFromConfig(saved).getConfig(), saved);
    for (const o of [new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }), new Adam({ beta2: 0.98 }), new AdamW({ weightDecay: 0.1, epsilon: 1e-6 })]) {
      assert.deepEqual(optimizerFromConfig(o.getConfig()).getConfig(), o.getConfig());
    }
  });

  it('rejects bad options and unknown fields, naming the optimizer and the option', () => {
    assert.throws(() => new SGD({ learningRate: -1 }), /^ConfigError: SGD: learningRate must be a number ≥ 0, got -1$/);
    assert.throws(() => new SGD({ momentum: Number.NaN }), /SGD: momentum must be a number ≥ 0, got NaN/);
    assert.throws(() => new SGD({ nesterov: 'yes' as never, momentum: 0.9 }), /SGD: nesterov must be true or false, got "yes"/);
    assert.throws(() => new SGD({ nesterov: true }), /SGD: nesterov needs momentum > 0/);
    assert.throws(() => new RMSProp({ rho: 1 }), /RMSProp: rho must be a number in \[0, 1\), got 1/);
    assert.throws(() => new Adam({ beta2: 1.5 }), /Adam: beta2 must be a number in \[0, 1\), got 1.5/);
    assert.throws(() => new AdamW({ beta1: -0.1 }), /AdamW: beta1 must be a number in \[0, 1\), got -0.1/);
    assert.throws(() => new AdamW({ weightDecay: '0.1' as never }), /AdamW: weightDecay must be a number ≥ 0, got "0.1"/);
    assert.throws(() => optimizerFromConfig({ name: 'adam', learningRate: 1e-3, beta: 0.9 }), /optimizer adam: unknown field 'beta'; expected learningRate, beta1, beta2, epsilon/);
    assert.throws(() => optimizerFromConfig({ name: 'lion' as never, learningRate: 1e-3 }), /optimizer: unknown name 'lion'; expected sgd, rmsprop, adam or adamw/);
    assert.throws(() => optimizerFromConfig({ name: 'toString' as never, learningRate: 1e-3 }), /unknown name 'toString'/);
  });
});
