import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/data/random.js';
import { Graph } from '../../src/graph/graph.js';
import * as L from '../../src/layers/index.js';
import { assertClose, draws, runLayer, values } from './helpers.js';

describe('Dropout', () => {
  it('drops and rescales in training, is the identity in inference', async () => {
    const layer = new L.Dropout({ rate: 0.5 });
    const x = new Array<number>(400).fill(1);
    const train = await runLayer(layer, [4, 100], x, { training: true, graphSeed: 3 });
    const zeros = train.y.filter((v) => v === 0).length;
    assert.ok(train.y.every((v) => v === 0 || Math.abs(v - 2) < 1e-6), 'survivors are scaled by 1 / (1 - rate)');
    assert.ok(zeros > 120 && zeros < 280, `about half dropped, got ${zeros} of 400`);
    const infer = await runLayer(layer, [4, 100], x, { training: false });
    assert.deepEqual(infer.y, x);
    const g = new Graph();
    const input = g.input('x', ['N', 3]);
    assert.equal(layer.call(new L.GraphBuildContext(g, false), input), input, 'no ops added in inference');
  });
});

describe('BatchNormalization', () => {
  const x = [1, 10, -2, 3, 14, 0, 5, 6, 4, -1, 2, 6]; // [4, 3]
  const col = (j: number) => [0, 1, 2, 3].map((i) => x[i * 3 + j]!);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const biasedVar = (a: number[]) => mean(a.map((v) => (v - mean(a)) ** 2));

  it('normalizes with batch statistics and updates the moving averages in training', async () => {
    const layer = new L.BatchNormalization({ name: 'bn' });
    const run = await runLayer(layer, [4, 3], x, { training: true });
    const expected = x.map((v, k) => (v - mean(col(k % 3))) / Math.sqrt(biasedVar(col(k % 3)) + 1e-3));
    assertClose(run.y, expected, 1e-4, 'y');
    assert.deepEqual([...run.updates.keys()], ['bn/movingMean', 'bn/movingVariance']);
    assertClose(run.updates.get('bn/movingMean')!, [0, 1, 2].map((j) => 0.01 * mean(col(j))), 1e-5, 'moving mean');
    assertClose(run.updates.get('bn/movingVariance')!, [0, 1, 2].map((j) => 0.99 + 0.01 * biasedVar(col(j))), 1e-5, 'moving variance');
    const specs = run.ctx.specs.map((s) => [s.name, s.trainable]);
    assert.deepEqual(specs, [['bn/gamma', true], ['bn/beta', true], ['bn/movingMean', false], ['bn/movingVariance', false]]);
  });

  it('uses the moving averages in inference and records no updates', async () => {
    const layer = new L.BatchNormalization({ name: 'bn2', momentum: 0.9, epsilon: 1e-2 });
    const stats = { 'bn2/movingMean': [1, 2, 3], 'bn2/movingVariance': [4, 0.25, 1], 'bn2/gamma': [2, 1, -1], 'bn2/beta': [0, 0.5, 1] };
    const run = await runLayer(layer, [4, 3], x, { training: false, override: stats });
    const expected = x.map((v, k) => {
      const j = k % 3;
      return (stats['bn2/gamma'][j]! * (v - stats['bn2/movingMean'][j]!)) / Math.sqrt(stats['bn2/movingVariance'][j]! + 1e-2) + stats['bn2/beta'][j]!;
    });
    assertClose(run.y, expected, 1e-4, 'y');
    assert.equal(run.updates.size, 0);
    assert.equal(run.ctx.stateUpdates.size, 0);
  });

  it('works on [N, C, H, W] without learned scale and offset', async () => {
    const layer = new L.BatchNormalization({ center: false, scale: false, name: 'bn3' });
    const data = draws(2 * 2 * 2 * 2, 5);
    const run = await runLayer(layer, [2, 2, 2, 2], data, { training: true });
    assert.deepEqual(run.ctx.specs.map((s) => s.name), ['bn3/movingMean', 'bn3/movingVariance']);
    for (let c = 0; c < 2; c++) {
      const idx = [0, 1].flatMap((n) => [0, 1, 2, 3].map((k) => n * 8 + c * 4 + k));
      const ys = idx.map((i) => run.y[i]!);
      assert.ok(Math.abs(mean(ys)) < 1e-5, 'channel mean 0');
    }
  });
});

describe('initializers', () => {
  it('glorotUniform stays within the limit with about the right variance (dense and conv fans)', () => {
    const g = new Graph();
    const ctx = new L.GraphBuildContext(g, false);
    new L.Dense({ units: 200, name: 'd' }).call(ctx, g.input('x', ['N', 300]));
    new L.Conv2D({ filters: 32, kernelSize: 3, name: 'c' }).call(ctx, g.input('y', ['N', 16, 5, 5]));
    const init = ctx.initialValues(42);
    const check = (name: string, fanIn: number, fanOut: number) => {
      const w = values(init.get(name)!);
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      assert.ok(w.every((v) => Math.abs(v) <= limit), `${name} within ±${limit}`);
      const m = w.reduce((s, v) => s + v, 0) / w.length;
      const variance = w.reduce((s, v) => s + (v - m) ** 2, 0) / w.length;
      const expected = 2 / (fanIn + fanOut); // limit² / 3
      assert.ok(Math.abs(variance - expected) / expected < 0.1, `${name} variance ${variance} vs ${expected}`);
      assert.ok(Math.abs(m) < 0.05 * limit);
    };
    check('d/kernel', 300, 200);
    check('c/kernel', 16 * 9, 32 * 9);
    assert.ok(values(init.get('d/bias')!).every((v) => v === 0));
  });

  it('is reproducible from a seed and differs across seeds', () => {
    const build = () => {
      const g = new Graph();
      const ctx = new L.GraphBuildContext(g, false);
      new L.Sequential({ layers: [new L.Dense({ units: 8, name: 'a' }), new L.Dense({ units: 4, kernelInitializer: 'heNormal', name: 'b' })] }).call(ctx, g.input('x', ['N', 6]));
      return ctx;
    };
    const a = build().initialValues(7);
    const b = build().initialValues(7);
    const c = build().initialValues(8);
    for (const name of ['a/kernel', 'b/kernel']) {
      assert.deepEqual(values(a.get(name)!), values(b.get(name)!));
      assert.notDeepEqual(values(a.get(name)!), values(c.get(name)!));
    }
    // Truncated normal: He σ = √(2 / fanIn), rescaled by 1/0.8796, cut at 2 standard units.
    const bound = (2 * Math.sqrt(2 / 8)) / 0.8796256610342398;
    assert.ok(values(a.get('b/kernel')!).every((v) => Math.abs(v) <= bound + 1e-6));
  });

  it('matches core.initialize directly', () => {
    const direct = L.initialize('glorotUniform', [4, 3], L.fans([4, 3]), new Rng(1));
    const g = new Graph();
    const ctx = new L.GraphBuildContext(g, false);
    new L.Dense({ units: 3, useBias: false, name: 'd' }).call(ctx, g.input('x', ['N', 4]));
    assert.deepEqual(values(ctx.initialValues(1).get('d/kernel')!), [...direct]);
  });

  it('LSTM starts its forget bias at 1 (unitForgetBias), others at the bias initializer', () => {
    const g = new Graph();
    const ctx = new L.GraphBuildContext(g, false);
    new L.LSTM({ units: 3, name: 'l' }).call(ctx, g.input('x', ['N', 2, 4]));
    new L.LSTM({ units: 3, name: 'm', unitForgetBias: false }).call(ctx, g.input('y', ['N', 2, 4]));
    const init = ctx.initialValues(0);
    assert.deepEqual(values(init.get('l/bias_f')!), [1, 1, 1]);
    assert.deepEqual(values(init.get('l/bias_i')!), [0, 0, 0]);
    assert.deepEqual(values(init.get('m/bias_f')!), [0, 0, 0]);
    assert.deepEqual(init.get('l/kernel')!.shape, [4, 12]);
    assert.deepEqual(init.get('l/recurrentKernel')!.shape, [3, 12]);
  });
});

describe('regularizers', () => {
  it('Dense adds l1·Σ|W| + l2·ΣW² and the batch mean of per-sample activity penalties', async () => {
    const layer = new L.Dense({ units: 3, name: 'd', kernelRegularizer: { l1: 0.1, l2: 0.2 }, activityRegularizer: { l1: 0.05, l2: 0.5 } });
    const x = draws(8, 2); // [2, 4]
    const run = await runLayer(layer, [2, 4], x, { seed: 4 });
    const w = values(run.params.get('d/kernel')!);
    const kernel = w.reduce((s, v) => s + 0.1 * Math.abs(v) + 0.2 * v * v, 0);
    assert.ok(Math.abs(run.losses.get('d/kernelRegularizer')! - kernel) < 1e-5);
    const activity = run.y.reduce((s, v) => s + 0.05 * Math.abs(v) + 0.5 * v * v, 0) / 2;
    assert.ok(Math.abs(run.losses.get('d/activityRegularizer')! - activity) < 1e-5);
  });

  it('Conv2D adds its kernel penalty; no regularizer adds no loss', async () => {
    const layer = new L.Conv2D({ filters: 2, kernelSize: 2, name: 'c', kernelRegularizer: { l2: 1e-2 } });
    const run = await runLayer(layer, [1, 1, 3, 3], draws(9, 3), { seed: 1 });
    const w = values(run.params.get('c/kernel')!);
    assert.ok(Math.abs(run.losses.get('c/kernelRegularizer')! - 1e-2 * w.reduce((s, v) => s + v * v, 0)) < 1e-6);
    assert.deepEqual([...run.losses.keys()], ['c/kernelRegularizer']);
    const plain = await runLayer(new L.Dense({ units: 2, kernelRegularizer: { l1: 0, l2: 0 } }), [1, 2], [1, 2]);
    assert.equal(plain.losses.size, 0);
  });
});

describe('Activation', () => {
  const x = [-2, -0.5, 0, 0.7, 3];
  const refs: [L.ActivationSpec, (v: number) => number][] = [
    ['linear', (v) => v],
    ['relu', (v) => Math.max(0, v)],
    ['leakyRelu', (v) => (v > 0 ? v : 0.3 * v)],
    [{ name: 'leakyRelu', alpha: 0.1 }, (v) => (v > 0 ? v : 0.1 * v)],
    ['elu', (v) => (v > 0 ? v : Math.exp(v) - 1)],
    ['sigmoid', (v) => 1 / (1 + Math.exp(-v))],
    ['tanh', Math.tanh],
    ['softplus', (v) => Math.log1p(Math.exp(v))],
  ];
  for (const [spec, f] of refs) {
    it(JSON.stringify(spec), async () => {
      const run = await runLayer(new L.Activation({ activation: spec }), [1, 5], x);
      assertClose(run.y, x.map(f), 1e-5, JSON.stringify(spec));
      // The same spec as a Dense activation (identity kernel, zero bias).
      const dense = await runLayer(new L.Dense({ units: 1, activation: spec, name: 'id' }), [5, 1], x, { override: { 'id/kernel': [1] } });
      assertClose(dense.y, x.map(f), 1e-5, `Dense ${JSON.stringify(spec)}`);
    });
  }
  it('softmax over the last axis', async () => {
    const run = await runLayer(new L.Activation({ activation: 'softmax' }), [1, 5], x);
    const e = x.map(Math.exp);
    const s = e.reduce((a, v) => a + v, 0);
    assertClose(run.y, e.map((v) => v / s), 1e-5);
  });
});
