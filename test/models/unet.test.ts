import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { AutoencoderModel, ConfigError, UNetAutoencoder, modelFromConfig } from '../../src/models/index.js';
import { digits } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-unet-'));
const config = { className: 'UNetAutoencoder', inputShape: [1, 28, 28], encoder: { filters: [4, 6] }, loss: 'bce' };

describe('UNetAutoencoder', () => {
  it('has a [bottleneck, H/4, W/4] code, skips by concatenation or sum, and a config that round-trips', () => {
    const m = modelFromConfig(config) as UNetAutoencoder;
    assert.ok(m instanceof UNetAutoencoder);
    assert.deepEqual(m.latentShape, [6, 7, 7]);
    assert.deepEqual(m.getConfig(), { ...config, outputActivation: 'sigmoid', reduction: 'perElement', encoder: { filters: [4, 6], kernelSize: 3, activation: 'relu', convsPerLevel: 1 }, bottleneck: 6, skip: 'concat' });
    assert.deepEqual(modelFromConfig(m.getConfig()).getConfig(), m.getConfig());
    const summary = m.summary();
    // The merge convolution after a concatenation reads 2·f channels: 3·3·(2·6)·6 + 6 weights.
    assert.match(summary, /decoder\/decoder_conv_1 \(Conv2D\)\s+\[N, 6, 14, 14\]\s+654/);
    const add = new UNetAutoencoder({ ...config, skip: 'add', bottleneck: 5 } as never);
    assert.deepEqual(add.latentShape, [5, 7, 7]);
    assert.match(add.summary(), /decoder\/decoder_conv_1 \(Conv2D\)\s+\[N, 6, 14, 14\]\s+330/);
  });

  it('stacks convsPerLevel convolutions at every resolution, keeping the first one\'s name', () => {
    const deep = new UNetAutoencoder({ ...config, encoder: { filters: [4, 6], convsPerLevel: 2 } } as never);
    assert.deepEqual(deep.latentShape, [6, 7, 7]);
    assert.equal(deep.getConfig().encoder && (deep.getConfig().encoder as { convsPerLevel: number }).convsPerLevel, 2);
    const summary = deep.summary();
    // Encoder level 1: 4 → 6 channels, then 6 → 6; the bottleneck and the decoder's merge each get a second 6 → 6 conv too.
    assert.match(summary, /encoder\/encoder_conv_1 \(Conv2D\)\s+\[N, 6, 14, 14\]\s+222/);
    assert.match(summary, /encoder\/encoder_conv_1_1 \(Conv2D\)\s+\[N, 6, 14, 14\]\s+330/);
    assert.match(summary, /encoder\/bottleneck_conv_1 \(Conv2D\)\s+\[N, 6, 7, 7\]\s+330/);
    assert.match(summary, /decoder\/decoder_conv_1_1 \(Conv2D\)\s+\[N, 6, 14, 14\]\s+330/);
    assert.match(summary, /decoder\/decoder_conv_0_1 \(Conv2D\)\s+\[N, 4, 28, 28\]\s+148/);
    assert.doesNotMatch(new UNetAutoencoder(config as never).summary(), /_conv_\d_1/);
    assert.throws(() => modelFromConfig({ ...config, encoder: { filters: [4, 6], convsPerLevel: 0 } }), /config.encoder.convsPerLevel/);
  });

  it('rejects bad configs naming the field', () => {
    assert.throws(() => modelFromConfig({ ...config, skip: 'sum' }), (e: unknown) => e instanceof ConfigError && /config.skip/.test(e.message));
    assert.throws(() => modelFromConfig({ ...config, encoder: { filters: [4, 4, 4] } }), /3 levels halve the size 3 times, so 28×28 must be divisible by 8/);
    assert.throws(() => modelFromConfig({ ...config, inputShape: [784] }), /a U-Net autoencoder expects \[channels, height, width\]/);
    assert.throws(() => modelFromConfig({ ...config, latentDim: 3 }), /latentDim/);
  });

  it('trains, reconstructs and encodes; save → load keeps the outputs; a code alone cannot be decoded', async () => {
    const m = new UNetAutoencoder(config as never);
    const data = digits(32, 'image');
    await m.fit(data, { epochs: 1, batchSize: 16, worker: false });
    const rec = await m.reconstruct(data.x);
    assert.equal(rec.length, data.x.length);
    assert.equal((await m.encode(data.x)).length, 32 * 6 * 7 * 7);
    assert.deepEqual(Object.keys(m.parts()).sort(), ['encoder', 'errors', 'model']);
    await assert.rejects(m.decode(new Float32Array(6 * 49)), /reads the encoder's skip connections, so a code alone cannot be decoded/);
    await assert.rejects(m.sample(2), /cannot be decoded/);
    const dir = tmp();
    m.save(dir);
    const loaded = AutoencoderModel.load(dir);
    assert.ok(loaded instanceof UNetAutoencoder);
    assert.deepEqual(await loaded.reconstruct(data.x), rec);
  });

  it('trains from a CLI config and exports the parts it has', () => {
    const dir = tmp();
    const file = join(dir, 'unet.json');
    writeFileSync(file, JSON.stringify({ model: config, data: { source: 'mnist', shape: [1, 28, 28] }, training: { epochs: 1, batchSize: 32 } }));
    const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
    const out = join(dir, 'run');
    const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), main, 'train', '--config', file, '--samples', '64', '--test-samples', '32', '--no-figures', '--out', out], { cwd: dir, encoding: 'utf8', timeout: 120000 });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(out, 'model.onnx')) && existsSync(join(out, 'encoder.onnx')));
    assert.ok(!existsSync(join(out, 'decoder.onnx')));
    assert.match(r.stdout, /Run folder .*: checkpoint\/, model\.onnx, encoder\.onnx, metrics\.csv/);
  });
});
