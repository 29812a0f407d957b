import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Value } from '../../src/graph/graph.js';
import { type GraphBuildContext } from '../../src/layers/core.js';
import { binaryCrossEntropyWithLogits, mse } from '../../src/losses/index.js';
import { Adam, SGD } from '../../src/optim/optimizers.js';
import { type TrainableModel } from '../../src/train/model.js';
import { Trainer } from '../../src/train/trainer.js';
import { TinyAutoencoder, curveData } from './tiny-model.js';

/**
 * The tiny 8-3-8 autoencoder with a discriminator on its codes (an adversarial
 * autoencoder in miniature): the generator's loss is MSE + `weight` · BCE(D(code), real),
 * the discriminator's `scale` · [BCE(D(prior), real) + BCE(D(code), fake)].
 */
class TinyAdversarial extends TinyAutoencoder implements TrainableModel {
  constructor(readonly weight = 1, readonly scale = 1, readonly randomPrior = true) {
    super(3);
  }

  discriminate(ctx: GraphBuildContext, z: Value): Value {
    const { g } = ctx;
    const w1 = ctx.param('disc1', 'w', [3, 6], 'glorotUniform');
    const b1 = ctx.param('disc1', 'b', [6], 'zeros');
    const w2 = ctx.param('disc2', 'w', [6, 1], 'glorotUniform');
    const b2 = ctx.param('disc2', 'b', [1], 'zeros');
    return g.gemm(g.tanh(g.gemm(z, w1, b1)), w2, b2);
  }

  override buildObjective(ctx: GraphBuildContext, x: Value, target: Value) {
    const { g } = ctx;
    const code = this.encode(ctx, x);
    const terms = mse(this.decode(ctx, code), target);
    const recon = terms.perElement;
    const fake = this.discriminate(ctx, code);
    // Without random ops the "prior" is a fixed function of the batch (for the exact-resume test).
    const real = this.discriminate(ctx, this.randomPrior ? g.randomNormalLike(code) : g.mul(g.sub(g.slice(x, [0], [3], [1]), 0.5), 4));
    const fool = binaryCrossEntropyWithLogits(fake, g.onesLike(fake)).perElement;
    const dLoss = g.add(binaryCrossEntropyWithLogits(real, g.onesLike(real)).perElement, binaryCrossEntropyWithLogits(fake, g.zerosLike(fake)).perElement);
    return {
      loss: g.add(recon, g.mul(fool, this.weight)),
      metrics: { msePerSample: terms.perSample },
      discriminator: { loss: g.mul(dLoss, this.scale), owns: (name: string) => name.startsWith('disc') },
    };
  }

  override getConfig() {
    return { ...super.getConfig(), className: 'TinyAdversarial', weight: this.weight, scale: this.scale, randomPrior: this.randomPrior };
  }
}

const arrays = (t: Record<string, { data: ArrayLike<number | bigint> }>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Array.from(v.data as ArrayLike<number>)]));
const pick = (t: Record<string, number[]>, disc: boolean) => Object.fromEntries(Object.entries(t).filter(([k]) => k.startsWith('disc') === disc));

describe('two-player training step', () => {
  const data = curveData(256);

  it('splits the parameters between the players, each with its own optimizer and slots', () => {
    const trainer = Trainer.create(new TinyAdversarial(), { optimizer: new SGD({ learningRate: 0.1 }), discriminatorOptimizer: new Adam({ learningRate: 0.01 }) });
    assert.deepEqual(trainer.artifacts.discriminatorParams, ['disc1/w', 'disc1/b', 'disc2/w', 'disc2/b']);
    assert.deepEqual(trainer.artifacts.slots.map(([s]) => s).sort(), ['disc1/b:m', 'disc1/b:v', 'disc1/w:m', 'disc1/w:v', 'disc2/b:m', 'disc2/b:v', 'disc2/w:m', 'disc2/w:v']);
    assert.ok(trainer.artifacts.metrics.includes('discriminatorLoss'));
    assert.equal(Trainer.create(new TinyAutoencoder()).artifacts.discriminatorParams.length, 0);
  });

  it("moves each player's weights by its own loss only", async () => {
    const oneStep = async (model: TinyAdversarial) => {
      const t = Trainer.create(model, { optimizer: new SGD({ learningRate: 0.5 }), seed: 3 });
      const before = arrays(t.tensors);
      await t.fit(data, { epochs: 1, batchSize: 256, shuffle: false, worker: false });
      return { before, after: arrays(t.tensors) };
    };
    const base = await oneStep(new TinyAdversarial(1, 1));
    const louderD = await oneStep(new TinyAdversarial(1, 1000));
    const louderG = await oneStep(new TinyAdversarial(7, 1));
    // Both players moved.
    assert.notDeepEqual(pick(base.after, true), pick(base.before, true));
    assert.notDeepEqual(pick(base.after, false), pick(base.before, false));
    // Scaling the discriminator's loss changes its update only; the generator's update is bit for bit the same.
    assert.deepEqual(pick(louderD.after, false), pick(base.after, false));
    assert.notDeepEqual(pick(louderD.after, true), pick(base.after, true));
    // Weighting the generator's adversarial term changes the generator only.
    assert.deepEqual(pick(louderG.after, true), pick(base.after, true));
    assert.notDeepEqual(pick(louderG.after, false), pick(base.after, false));
  });

  it('trains the discriminator: its loss falls below chance while the generator is held still', async () => {
    const t = Trainer.create(new TinyAdversarial(0), { optimizer: new SGD({ learningRate: 1e-12 }), discriminatorOptimizer: new Adam({ learningRate: 0.02 }), seed: 1 });
    const r = await t.fit(data, { epochs: 6, batchSize: 32, worker: false });
    const first = r.history[0]!.discriminatorLoss!;
    const last = r.history.at(-1)!.discriminatorLoss!;
    assert.ok(last < first && last < 2 * Math.log(2) - 0.1, `discriminator loss ${first} → ${last}`);
  });

  it('is deterministic for a seed (in a worker thread) and differs across seeds', async () => {
    const run = async (seed: number) => {
      const t = Trainer.create(new TinyAdversarial(), { optimizer: new Adam({ learningRate: 0.01 }), seed });
      await t.fit(data, { epochs: 2, batchSize: 32 });
      return arrays(t.tensors);
    };
    const a = await run(5);
    assert.deepEqual(await run(5), a);
    assert.notDeepEqual(await run(6), a);
  });

  // Exact as for one-player models: random ops restart their sequence in a new
  // session (docs/reference.md, Randomness), so this model draws none.
  it('resumes from a checkpoint exactly, with both optimizers restored', async () => {
    const options = () => ({ optimizer: new Adam({ learningRate: 0.01 }), discriminatorOptimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), seed: 2 });
    const straight = Trainer.create(new TinyAdversarial(1, 1, false), options());
    await straight.fit(data, { epochs: 4, batchSize: 32, worker: false });
    const dir = mkdtempSync(join(tmpdir(), 'aekit-two-player-'));
    const first = Trainer.create(new TinyAdversarial(1, 1, false), options());
    await first.fit(data, { epochs: 2, batchSize: 32, worker: false, checkpointDir: join(dir, 'ckpt') });
    const resumed = Trainer.resume(join(dir, 'ckpt'), new TinyAdversarial(1, 1, false));
    assert.deepEqual(resumed.discriminatorOptimizer?.getConfig(), options().discriminatorOptimizer.getConfig());
    await resumed.fit(data, { epochs: 4, batchSize: 32, worker: false });
    assert.deepEqual(arrays(resumed.tensors), arrays(straight.tensors));
  });

  it("stops when only the discriminator's update is non-finite, keeping both players' last good weights", async () => {
    // The generator ignores the discriminator (weight 0), so its loss stays finite;
    // the discriminator's rate, 1e40 × the generator's, overflows float32 in the graph.
    const t = Trainer.create(new TinyAdversarial(0), { optimizer: new SGD({ learningRate: 1e-3 }), discriminatorOptimizer: new SGD({ learningRate: 1e37 }), seed: 1 });
    const before = arrays(t.tensors);
    const result = await t.fit(data, { epochs: 2, batchSize: 32, worker: false });
    assert.match(result.stopReason ?? '', /parameters became non-finite.* at epoch 1, step 1 of 8/);
    assert.deepEqual(arrays(t.tensors), before);
  });
});
