import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { meanAndCovariance } from '../../src/eval/frechet.js';
import { AdversarialAutoencoder, ConfigError, modelFromConfig } from '../../src/models/index.js';
import { Adam } from '../../src/optim/optimizers.js';
import { interpolate, sample } from '../../src/tasks/generate.js';
import { presetConfig } from '../../src/runs/presets.js';
import { digits } from './helpers.js';

const config = { inputShape: [784], latentDim: 4, encoder: { sizes: [64] }, discriminator: { sizes: [32] } };

/** Per-dimension mean and standard deviation of codes [n, k]. */
function moments(codes: Float32Array, k: number): { mean: number[]; std: number[] } {
  const { mean, cov } = meanAndCovariance(codes, codes.length / k, k);
  return { mean: Array.from(mean), std: Array.from(mean, (_, j) => Math.sqrt(cov[j * k + j]!)) };
}

describe('AdversarialAutoencoder', () => {
  const data = digits(1000);

  it('round-trips its config through the registry and names bad fields', () => {
    const m = new AdversarialAutoencoder(config);
    const again = modelFromConfig(m.getConfig());
    assert.ok(again instanceof AdversarialAutoencoder);
    assert.deepEqual(again.getConfig(), m.getConfig());
    assert.deepEqual(m.getConfig().discriminator, { sizes: [32], activation: 'relu' });
    assert.throws(() => new AdversarialAutoencoder({ ...config, adversarialWeight: -1 }), (e: unknown) => e instanceof ConfigError && /config.adversarialWeight/.test(e.message));
    assert.throws(() => new AdversarialAutoencoder({ ...config, discriminator: { size: [3] } } as never), /config.discriminator/);
    assert.throws(() => new AdversarialAutoencoder({ ...config, sparsity: { type: 'l1', coefficient: 1 } } as never), /config.sparsity: not supported/);
    assert.match(m.summary(), /discriminator_logit/);
    const preset = modelFromConfig(presetConfig('aae', [784]));
    assert.ok(preset instanceof AdversarialAutoencoder && preset.latentDim === 8 && preset.adversarialWeight === 2);
  });

  it('pushes its codes towards N(0, I), unlike the same autoencoder without the discriminator, and generates', async () => {
    const train = async (adversarialWeight: number) => {
      const m = new AdversarialAutoencoder({ ...config, adversarialWeight }).compile({ optimizer: new Adam({ learningRate: 2e-3 }), discriminatorOptimizer: new Adam({ learningRate: 1e-3 }), seed: 1 });
      const r = await m.fit({ x: data.x, shape: data.shape }, { epochs: 20, batchSize: 50 });
      return { m, r, codes: moments(await m.encode(data.x), 4) };
    };
    const aae = await train(10);
    const plain = await train(0);
    const h = aae.r.history;
    assert.ok(h.at(-1)!.reconstruction! < h[0]!.reconstruction!, 'reconstruction falls');
    assert.ok(h.every((e) => e.discriminatorAccuracy! >= 0 && e.discriminatorAccuracy! <= 1 && Number.isFinite(e.discriminatorLoss!)));
    // The prior's moments: mean 0 and standard deviation 1 in every dimension.
    const off = (c: { mean: number[]; std: number[] }) => Math.max(...c.mean.map(Math.abs), ...c.std.map((s) => Math.abs(Math.log(s))));
    assert.ok(off(plain.codes) > 1.5 && off(aae.codes) < off(plain.codes) / 1.5, `without the discriminator ${JSON.stringify(plain.codes)} vs ${JSON.stringify(aae.codes)}`);
    const s = await sample(aae.m, 6, { seed: 3 });
    assert.deepEqual(s.shape, [6, 784]);
    assert.deepEqual(Array.from((await sample(aae.m, 6, { seed: 3 })).images), Array.from(s.images));
    const path = await interpolate(aae.m, data.x.subarray(0, 784), data.x.subarray(784, 1568), 5);
    assert.equal(path.images.length, 5 * 784);

    const dir = mkdtempSync(join(tmpdir(), 'aekit-aae-'));
    aae.m.save(dir);
    const loaded = AdversarialAutoencoder.load(dir);
    assert.deepEqual(loaded.getConfig(), aae.m.getConfig());
    assert.deepEqual(Array.from(await loaded.encode(data.x.subarray(0, 7840))), Array.from(await aae.m.encode(data.x.subarray(0, 7840))));
    assert.deepEqual(Array.from((await sample(loaded, 6, { seed: 3 })).images), Array.from(s.images));
    assert.equal(loaded.trainer.discriminatorOptimizer?.getConfig().learningRate, 1e-3);
    const p = await loaded.runPart('discriminator', new Float32Array(8));
    assert.ok(p.probability!.every((v) => v > 0 && v < 1));
  });
});
