/**
 * MaxPool2D after an ELU: inference graphs apply the ELU after the pooling
 * (a quarter of the values), training graphs keep the order; both give the
 * same values bit for bit, with ties, padding ('same' on an odd size) and
 * negative inputs where ELU saturates.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conv2D, MaxPool2D, Sequential } from '../../src/layers/index.js';
import { draws, runLayer } from './helpers.js';

describe('MaxPool2D after an ELU', () => {
  const net = (alpha: number, padding: 'valid' | 'same') => new Sequential({ name: 'net', layers: [
    new Conv2D({ name: 'conv', filters: 3, kernelSize: 3, padding: 'same', activation: { name: 'elu', alpha } }),
    new MaxPool2D({ name: 'pool', poolSize: 2, padding }),
  ] });

  for (const [alpha, padding] of [[1, 'valid'], [0.5, 'same']] as const) {
    it(`α ${alpha}, padding '${padding}': inference (ELU after the pool) equals training order bit for bit`, async () => {
      const shape = [4, 2, 7, 7];
      // Large negative values (ELU saturates at −α: ties between different inputs) and repeated values (ties).
      const x = draws(4 * 2 * 7 * 7, 5).map((v, i) => (i % 11 === 0 ? -40 : i % 7 === 0 ? 0.25 : 6 * v));
      const inference = await runLayer(net(alpha, padding), shape, x, { training: false, seed: 2 });
      const training = await runLayer(net(alpha, padding), shape, x, { training: true, seed: 2 });
      assert.deepEqual(inference.shape, training.shape);
      assert.ok(inference.y.every((v, i) => Object.is(v, training.y[i])), 'values differ');
      const order = (ctx: typeof inference.ctx) => ctx.g.nodes.filter((n) => n.op === 'Elu' || n.op === 'MaxPool').map((n) => n.op);
      // Inference: the pooled Elu is the one in use (the Conv2D's own Elu is left unused and not lowered).
      assert.deepEqual(order(inference.ctx).slice(-2), ['MaxPool', 'Elu']);
      assert.deepEqual(order(training.ctx), ['Elu', 'MaxPool']);
    });
  }
});
