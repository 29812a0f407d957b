import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import { tensor } from '../../src/graph/types.js';
import { compile } from '../../src/onnx/compile.js';
import { Adam, AdamW, type Optimizer, RMSProp, SGD, clipByGlobalNorm } from '../../src/optim/optimizers.js';
import { LearningRateSchedule } from '../../src/optim/schedules.js';

/** Plain-TypeScript reference steps, written from the published update rules. */
type RefState = Record<string, number[]>;
type RefStep = (p: number[], g: number[], s: RefState, lr: number, t: number) => number[];

const refs: Record<string, [Optimizer, RefStep]> = {
  sgd: [new SGD({ learningRate: 0.1 }), (p, g, _s, lr) => p.map((v, i) => v - lr * g[i]!)],
  momentum: [new SGD({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.01 }), (p, g, s, lr) => {
    s.b ??= p.map(() => 0);
    return p.map((v, i) => {
      const d = g[i]! + 0.01 * v;
      s.b![i] = 0.9 * s.b![i]! + d;
      return v - lr * s.b![i]!;
    });
  }],
  nesterov: [new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), (p, g, s, lr) => {
    s.b ??= p.map(() => 0);
    return p.map((v, i) => {
      s.b![i] = 0.9 * s.b![i]! + g[i]!;
      return v - lr * (g[i]! + 0.9 * s.b![i]!);
    });
  }],
  rmsprop: [new RMSProp({ learningRate: 0.01, rho: 0.9, epsilon: 1e-7, momentum: 0.5 }), (p, g, s, lr) => {
    s.sq ??= p.map(() => 0);
    s.b ??= p.map(() => 0);
    return p.map((v, i) => {
      s.sq![i] = 0.9 * s.sq![i]! + 0.1 * g[i]! ** 2;
      s.b![i] = 0.5 * s.b![i]! + g[i]! / (Math.sqrt(s.sq![i]!) + 1e-7);
      return v - lr * s.b![i]!;
    });
  }],
  adam: [new Adam({ learningRate: 0.01 }), (p, g, s, lr, t) => {
    s.m ??= p.map(() => 0);
    s.v ??= p.map(() => 0);
    return p.map((v, i) => {
      s.m![i] = 0.9 * s.m![i]! + 0.1 * g[i]!;
      s.v![i] = 0.999 * s.v![i]! + 0.001 * g[i]! ** 2;
      const mHat = s.m![i]! / (1 - 0.9 ** t);
      const vHat = s.v![i]! / (1 - 0.999 ** t);
      return v - (lr * mHat) / (Math.sqrt(vHat) + 1e-8);
    });
  }],
  adamw: [new AdamW({ learningRate: 0.01, weightDecay: 0.1 }), (p, g, s, lr, t) => {
    s.m ??= p.map(() => 0);
    s.v ??= p.map(() => 0);
    return p.map((v, i) => {
      const decayed = v - lr * 0.1 * v;
      s.m![i] = 0.9 * s.m![i]! + 0.1 * g[i]!;
      s.v![i] = 0.999 * s.v![i]! + 0.001 * g[i]! ** 2;
      return decayed - (lr * (s.m![i]! / (1 - 0.9 ** t))) / (Math.sqrt(s.v![i]! / (1 - 0.999 ** t)) + 1e-8);
    });
  }],
};

describe('optimizer updates match plain-TypeScript reference steps', () => {
  for (const [name, [optimizer, ref]] of Object.entries(refs)) {
    it(name, async () => {
      const g = new Graph();
      const param = g.input('p', [4]);
      const gradient = g.input('g', [4]);
      const lr = g.input('lr', []);
      const step = g.input('t', []);
      const slots = Object.fromEntries(optimizer.slotNames.map((s) => [s, g.input(`slot_${s}`, [4])]));
      const updated = optimizer.update(g, { param, grad: gradient, slots, lr, step });
      const outputs = { newP: updated.param, ...Object.fromEntries(Object.entries(updated.slots).map(([k, v]) => [`new_${k}`, v])) };
      const m = await compile(g, outputs);
      let p = [0.5, -1, 2, 0.1];
      let state: Record<string, Float32Array> = Object.fromEntries(optimizer.slotNames.map((s) => [`slot_${s}`, new Float32Array(4)]));
      let expected = [...p];
      const refState: RefState = {};
      for (let t = 1; t <= 4; t++) {
        const grads = [0.3 * t, -0.2, 1.5 / t, 0.05 * t * t];
        const out = await m.run({
          p: tensor('float32', [4], p), g: tensor('float32', [4], grads), lr: tensor('float32', [], [optimizer.learningRate]), t: tensor('float32', [], [t]),
          ...Object.fromEntries(Object.entries(state).map(([k, v]) => [k, tensor('float32', [4], v)])),
        });
        expected = ref(expected, grads, refState, optimizer.learningRate, t);
        p = Array.from(out.newP!.data as Float32Array);
        state = Object.fromEntries(Object.keys(state).map((k) => [k, out[`new_${k.slice(5)}`]!.data as Float32Array]));
        p.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5 * Math.max(1, Math.abs(expected[i]!)), `${name} step ${t} [${i}]: ${v} vs ${expected[i]}`));
      }
    });
  }

  it('clips gradients by their global norm', async () => {
    const g = new Graph();
    const a = g.input('a', [2]);
    const b = g.input('b', [1]);
    const { grads, norm } = clipByGlobalNorm(g, [a, b], 1);
    const out = await (await compile(g, { clippedA: grads[0]!, clippedB: grads[1]!, norm })).run({ a: tensor('float32', [2], [3, 0]), b: tensor('float32', [1], [4]) });
    assert.ok(Math.abs(Number(out.norm!.data[0]) - 5) < 1e-5);
    const clipped = [...Array.from(out.clippedA!.data as Float32Array), ...Array.from(out.clippedB!.data as Float32Array)];
    [0.6, 0, 0.8].forEach((v, i) => assert.ok(Math.abs(clipped[i]! - v) < 1e-5));
  });
});

describe('learning-rate schedules', () => {
  it('steps, decays and anneals per epoch', () => {
    assert.equal(new LearningRateSchedule(0.1, { type: 'step', stepSize: 2, gamma: 0.5 }).lrForEpoch(5), 0.1 * 0.25);
    assert.ok(Math.abs(new LearningRateSchedule(0.1, { type: 'exponential', gamma: 0.9 }).lrForEpoch(3) - 0.1 * 0.729) < 1e-12);
    const cosine = new LearningRateSchedule(0.1, { type: 'cosine', totalEpochs: 10, minLr: 0.01 });
    assert.equal(cosine.lrForEpoch(0), 0.1);
    assert.ok(Math.abs(cosine.lrForEpoch(5) - 0.055) < 1e-12);
    assert.ok(Math.abs(cosine.lrForEpoch(10) - 0.01) < 1e-12);
  });

  it('reduces on a plateau after the patience runs out', () => {
    const s = new LearningRateSchedule(1, { type: 'reduceOnPlateau', factor: 0.5, patience: 1, monitor: 'loss' });
    for (const loss of [1, 0.5, 0.5, 0.5]) s.onEpochEnd({ loss });
    assert.equal(s.lrForEpoch(4), 0.5);
    assert.throws(() => new LearningRateSchedule(1, { type: 'bogus' } as never), /unknown schedule 'bogus'/);
  });
});
