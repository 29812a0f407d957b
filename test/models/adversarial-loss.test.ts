import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Autoencoder, ConfigError, VariationalAutoencoder, modelFromConfig } from '../../src/models/index.js';
import { Adam } from '../../src/optim/optimizers.js';
import { digits } from './helpers.js';

const config = { inputShape: [784], encoder: { sizes: [32, 8] }, loss: { type: 'adversarial' as const, weight: 0.05, base: 'mse' as const, discriminator: { filters: [4, 8] } } };

describe('adversarial reconstruction loss', () => {
  it('round-trips its config, infers the image shape and names bad fields', () => {
    const m = new Autoencoder(config);
    assert.deepEqual(m.getConfig().loss, { type: 'adversarial', weight: 0.05, base: 'mse', discriminator: { filters: [4, 8], imageShape: [1, 28, 28] } });
    assert.deepEqual(modelFromConfig(m.getConfig()).getConfig(), m.getConfig());
    assert.equal(new Autoencoder({ ...config, loss: { type: 'adversarial' } }).loss, 'mse');
    assert.match(m.summary(), /adversarial: 0\.05 · GAN loss of an image discriminator \(conv \[4, 8\] on \[1, 28, 28\]\)/);
    assert.throws(() => new Autoencoder({ ...config, inputShape: [10] }), (e: unknown) => e instanceof ConfigError && /config.loss.discriminator.imageShape/.test(e.message));
    assert.throws(() => new Autoencoder({ ...config, loss: { ...config.loss, base: 'huber' } } as never), /config.loss.base/);
    assert.throws(() => new Autoencoder({ ...config, loss: { ...config.loss, discriminator: { imageShape: [1, 28, 27] } } }), /config.loss.discriminator.imageShape/);
    assert.throws(() => new VariationalAutoencoder({ inputShape: [784], latentDim: 2, encoder: { type: 'dense', sizes: [8] }, loss: { type: 'adversarial' } } as never), /config.loss: an adversarial loss is not supported by VariationalAutoencoder/);
  });

  it('trains an image discriminator next to the autoencoder, and saves it with the model', async () => {
    const data = digits(600);
    const m = new Autoencoder(config).compile({ optimizer: new Adam({ learningRate: 2e-3 }), discriminatorOptimizer: new Adam({ learningRate: 5e-4 }), seed: 1 });
    assert.deepEqual(m.trainer.artifacts.discriminatorParams.filter((p) => !p.startsWith('image_discriminator_')), []);
    assert.ok(m.trainer.artifacts.discriminatorParams.length === 6);
    const r = await m.fit(data, { epochs: 3, batchSize: 50 });
    const h = r.history;
    assert.ok(h.at(-1)!.reconstruction! < h[0]!.reconstruction!);
    assert.ok(h.every((e) => e.discriminatorAccuracy! >= 0 && e.discriminatorAccuracy! <= 1 && e.adversarial! > 0));
    // The loss is the base loss plus the weighted adversarial term.
    const e = h.at(-1)!;
    assert.ok(Math.abs(e.loss! - (e.reconstruction! + 0.05 * e.adversarial!)) < 1e-4 * e.loss!);
    const dir = mkdtempSync(join(tmpdir(), 'aekit-adv-loss-'));
    m.save(dir);
    const loaded = Autoencoder.load(dir);
    assert.deepEqual(Array.from(loaded.trainer.tensors['image_discriminator_logit/kernel']!.data as Float32Array), Array.from(m.trainer.tensors['image_discriminator_logit/kernel']!.data as Float32Array));
    assert.deepEqual(Array.from(await loaded.reconstruct(data.x.subarray(0, 784 * 4))), Array.from(await m.reconstruct(data.x.subarray(0, 784 * 4))));
  });
});
