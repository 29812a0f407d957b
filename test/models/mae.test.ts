import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AutoencoderModel, ConfigError, MaskedAutoencoder, modelFromConfig } from '../../src/models/index.js';
import { presetConfig } from '../../src/runs/presets.js';
import { digits } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-mae-'));
const config = { className: 'MaskedAutoencoder', inputShape: [1, 28, 28], patchSize: 7, encoder: { embedDim: 16, depth: 1, numHeads: 2, mlpDim: 32 }, decoder: { embedDim: 8, depth: 1, numHeads: 2 } };

describe('MaskedAutoencoder', () => {
  it('has a config that round-trips, a summary with every layer and the masking, and rejects bad configs naming the field', () => {
    const m = modelFromConfig(config) as MaskedAutoencoder;
    assert.ok(m instanceof MaskedAutoencoder);
    assert.equal(m.numPatches, 16);
    assert.equal(m.visiblePatches, 4);
    assert.deepEqual(m.latentShape, [16]);
    assert.deepEqual(modelFromConfig(m.getConfig()).getConfig(), m.getConfig());
    assert.deepEqual(m.getConfig().decoder, { embedDim: 8, depth: 1, numHeads: 2, mlpDim: 32 });
    const summary = m.summary();
    // Patch embedding: 7·7·1·16 + 16; the head predicts 49 pixels per patch from 8 features: 8·49 + 49.
    assert.match(summary, /embed\/patch_embed \(PatchEmbedding\)\s+\[N, 16, 16\]\s+800/);
    assert.match(summary, /decoder\/decoder_head \(Dense\)\s+\[N, 16, 49\]\s+441/);
    assert.match(summary, /mask ratio 0.75 \(4 of 16 patches visible\)/);
    assert.throws(() => modelFromConfig({ ...config, patchSize: 5 }), (e: unknown) => e instanceof ConfigError && /config.patchSize.*5×5 must tile the 28×28/.test(e.message));
    assert.throws(() => modelFromConfig({ ...config, maskRatio: 1 }), /config.maskRatio/);
    assert.throws(() => modelFromConfig({ ...config, maskRatio: 0.99 }), /leaves 0 visible/);
    assert.throws(() => modelFromConfig({ ...config, encoder: { embedDim: 10, depth: 1, numHeads: 4 } }), /config.encoder.numHeads/);
    assert.throws(() => modelFromConfig({ ...config, loss: 'bce' }), /config.loss/);
    assert.throws(() => modelFromConfig({ ...config, normPixelLoss: true, outputActivation: 'sigmoid' }), /config.outputActivation/);
    assert.throws(() => modelFromConfig({ ...config, noise: { type: 'gaussian', std: 0.1 } }), /noise/);
  });

  it("the 'mae' preset is bench:attention's model: a 4×4 grid of patches, code = latent", () => {
    const m = modelFromConfig(presetConfig('mae', [1, 28, 28])) as MaskedAutoencoder;
    assert.deepEqual([m.patchSize, m.numPatches, m.visiblePatches, m.latentShape], [[7, 7], 16, 4, [64]]);
    assert.equal(m.countParams(), 159633);
    assert.equal(m.normPixelLoss, false);
    assert.equal(m.positional, 'learned');
    assert.deepEqual((modelFromConfig(presetConfig('mae', [3, 32, 32], { latent: 32 })) as MaskedAutoencoder).patchSize, [8, 8]);
    assert.throws(() => presetConfig('mae', [1, 28, 28], { latent: 20 }), /divisible by 8/);
  });

  it('a training step runs and the masked-patch loss decreases over a few steps on tiny data', async () => {
    const m = new MaskedAutoencoder({ ...config, normPixelLoss: false } as never);
    m.compile({ seed: 3 });
    const data = digits(64, 'image');
    const fit = await m.fit(data, { epochs: 8, batchSize: 32, worker: false });
    const losses = fit.history.map((h) => h.loss);
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses.at(-1)! < 0.8 * losses[0]!, `loss went ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
  });

  it('draws a different mask at each step, reproducible from the seed', async () => {
    const data = digits(4, 'image');
    const masks = async (seed: number) => {
      const m = new MaskedAutoencoder(config as never);
      m.compile({ seed });
      return [(await m.runPart('masked', data.x)).mask!, (await m.runPart('masked', data.x)).mask!];
    };
    const [a1, a2] = await masks(5);
    const [b1] = await masks(5);
    assert.deepEqual(Array.from(a1!), Array.from(b1!), 'same seed, same first mask');
    assert.notDeepEqual(Array.from(a1!), Array.from(a2!), 'a new mask at the next run');
    // 12 of 16 patches hidden, each 7×7 pixels, in every image.
    for (let i = 0; i < 4; i++) assert.equal(a1!.subarray(i * 784, (i + 1) * 784).reduce((s, v) => s + v, 0), 12 * 49);
  });

  it('encodes the unmasked image deterministically, reconstructs, gives attention maps; save → load keeps the outputs; no decoder', async () => {
    const m = new MaskedAutoencoder({ ...config, normPixelLoss: true } as never);
    const data = digits(16, 'image');
    await m.fit(data, { epochs: 1, batchSize: 8, worker: false });
    const code = await m.encode(data.x);
    assert.equal(code.length, 16 * 16);
    assert.deepEqual(await m.encode(data.x), code, 'encode draws no mask');
    const rec = await m.reconstruct(data.x);
    assert.equal(rec.length, data.x.length);
    assert.ok(rec.every(Number.isFinite));
    const { weights } = await m.runPart('attention', data.x.subarray(0, 784));
    assert.equal(weights!.length, 2 * 16 * 16);
    for (let r = 0; r < 32; r++) assert.ok(Math.abs(weights!.subarray(r * 16, r * 16 + 16).reduce((s, v) => s + v, 0) - 1) < 1e-5);
    assert.equal((await m.reconstructionError(data.x)).length, 16);
    assert.deepEqual(Object.keys(m.parts()).sort(), ['attention', 'encoder', 'errors', 'masked', 'model']);
    await assert.rejects(m.decode(new Float32Array(16)), /a code alone cannot be decoded/);
    await assert.rejects(m.sample(2), /cannot be decoded/);
    const dir = tmp();
    m.save(dir);
    const loaded = AutoencoderModel.load(dir);
    assert.ok(loaded instanceof MaskedAutoencoder);
    assert.deepEqual(await loaded.encode(data.x), code);
    assert.deepEqual(await loaded.reconstruct(data.x), rec);
  });

  it("pooling 'cls': the code is the encoded class token (one more parameter vector), training runs, save → load keeps it", async () => {
    const m = modelFromConfig({ ...config, pooling: 'cls' }) as MaskedAutoencoder;
    const mean = modelFromConfig(config) as MaskedAutoencoder;
    assert.equal(m.countParams(), mean.countParams() + 16);
    assert.match(m.summary(), /code: the class token \(16 params\)/);
    assert.deepEqual(modelFromConfig(m.getConfig()).getConfig(), m.getConfig());
    assert.equal(mean.getConfig().pooling, undefined, 'mean pooling keeps the config of models saved before the option');
    assert.throws(() => modelFromConfig({ ...config, pooling: 'max' }), /config.pooling/);
    const data = digits(16, 'image');
    const fit = await m.fit(data, { epochs: 2, batchSize: 8, worker: false });
    assert.ok(fit.history.every((h) => Number.isFinite(h.loss)));
    assert.ok('cls_token/embedding' in m.weights());
    const code = await m.encode(data.x);
    assert.equal(code.length, 16 * 16);
    // Attention maps stay patch × patch: the class token's row and column are left out.
    assert.equal((await m.runPart('attention', data.x.subarray(0, 784))).weights!.length, 2 * 16 * 16);
    const dir = tmp();
    m.save(dir);
    assert.deepEqual(await (AutoencoderModel.load(dir) as MaskedAutoencoder).encode(data.x), code);
  });

  it("pooling 'spatial': each patch token through a linear bottleneck, concatenated; the decoder reads the bottleneck; encode is deterministic", async () => {
    const m = modelFromConfig({ ...config, pooling: 'spatial', patchCode: 3 }) as MaskedAutoencoder;
    const mean = modelFromConfig(config) as MaskedAutoencoder;
    assert.deepEqual(m.latentShape, [16 * 3]);
    // Bottleneck 16·3 + 3; the decoder's input map then reads 3 values instead of 16: 3·8 + 8 against 16·8 + 8.
    assert.equal(m.countParams(), mean.countParams() + (16 * 3 + 3) + (3 * 8 + 8) - (16 * 8 + 8));
    assert.match(m.summary(), /patch_code \(Dense\)\s+\[N, 4, 3\]\s+51/);
    assert.match(m.summary(), /code: 3 values per patch × 16 patches/);
    assert.deepEqual(modelFromConfig(m.getConfig()).getConfig(), m.getConfig());
    assert.equal((modelFromConfig({ ...config, pooling: 'spatial' }) as MaskedAutoencoder).latentShape[0], 64, 'default 4 values per patch');
    assert.throws(() => modelFromConfig({ ...config, patchCode: 4 }), (e: unknown) => e instanceof ConfigError && /config.patchCode.*'spatial'/.test(e.message));
    assert.throws(() => modelFromConfig({ ...config, pooling: 'spatial', patchCode: 0 }), /config.patchCode/);
    const data = digits(16, 'image');
    m.compile({ seed: 4 });
    const fit = await m.fit(data, { epochs: 2, batchSize: 8, worker: false });
    assert.ok(fit.history.every((h) => Number.isFinite(h.loss)));
    const code = await m.encode(data.x);
    assert.equal(code.length, 16 * 48);
    assert.ok(code.every(Number.isFinite));
    assert.deepEqual(await m.encode(data.x), code, 'encode draws no mask');
    // The code is spatial: changing only the top-left 7×7 patch of an image changes its first 3 values more than a far patch's.
    const one = data.x.slice(0, 784);
    const before = await m.encode(one);
    for (let r = 0; r < 7; r++) for (let c = 0; c < 7; c++) one[r * 28 + c] = 1 - one[r * 28 + c]!;
    const after = await m.encode(one);
    const change = (p: number) => Math.hypot(...[0, 1, 2].map((j) => after[p * 3 + j]! - before[p * 3 + j]!));
    // The residual stream carries each patch's own pixels into its token; other tokens see the change only through attention.
    assert.ok(change(0) > change(15), `top-left code moved ${change(0)}, bottom-right ${change(15)}`);
    assert.equal((await m.runPart('masked', data.x.subarray(0, 784 * 2))).reconstruction!.length, 2 * 784);
    const dir = tmp();
    m.save(dir);
    assert.deepEqual(await (AutoencoderModel.load(dir) as MaskedAutoencoder).encode(data.x), code);
  });

  it('visibleLossWeight w: the loss is the masked-patch error + w × the visible-patch error; 0 keeps the config unchanged', async () => {
    const m = modelFromConfig({ ...config, visibleLossWeight: 0.5 }) as MaskedAutoencoder;
    assert.match(m.summary(), /loss: masked \+ 0.5 × visible patches/);
    assert.deepEqual(modelFromConfig(m.getConfig()).getConfig(), m.getConfig());
    assert.equal((modelFromConfig({ ...config, visibleLossWeight: 0 }) as MaskedAutoencoder).getConfig().visibleLossWeight, undefined);
    assert.throws(() => modelFromConfig({ ...config, visibleLossWeight: -1 }), /config.visibleLossWeight/);
    m.compile({ seed: 2 });
    // One batch per epoch, so each epoch's numbers come from one forward pass.
    const fit = await m.fit(digits(16, 'image'), { epochs: 2, batchSize: 16, worker: false });
    for (const h of fit.history) {
      assert.ok(h.visibleError! > 0 && h.reconstruction! > 0);
      assert.ok(Math.abs(h.loss - (h.reconstruction! + 0.5 * h.visibleError!)) < 1e-5 * h.loss, JSON.stringify(h));
    }
  });
});
