import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sizeOf } from '../../src/graph/types.js';
import {
  Autoencoder, AutoencoderModel, ConvAutoencoder, RecurrentAutoencoder, VariationalAutoencoder, modelFromConfig,
} from '../../src/models/index.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { arr, digits, waves } from './helpers.js';

/** Equal within float32 rounding: baked initializers and batch sizes may change the GEMM kernel's summation order. */
function close(a: ArrayLike<number>, b: ArrayLike<number>, what = '') {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 * Math.max(1, Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-models-'));

const configs: Record<string, unknown>[] = [
  { className: 'Autoencoder', inputShape: [784], encoder: { sizes: [32, 8] }, loss: 'bce', noise: { type: 'gaussian', std: 0.1 } },
  { className: 'ConvAutoencoder', inputShape: [1, 28, 28], encoder: { filters: [4, 4], downsample: 'stride' }, latentDim: 6 },
  { className: 'ConvAutoencoder', inputShape: [1, 28, 28], encoder: { filters: [4, 4] }, decoder: { upsample: 'transpose' } },
  { className: 'RecurrentAutoencoder', inputShape: [6, 3], cell: 'gru', encoder: { units: [5] } },
  { className: 'RecurrentAutoencoder', inputShape: [6, 3], cell: 'lstm', encoder: { units: [4] }, decoder: { units: [6], stateFromCode: true, reverse: true } },
  { className: 'VariationalAutoencoder', inputShape: [1, 28, 28], latentDim: 3, encoder: { type: 'conv', filters: [4, 4] } },
  // 6 steps, two halvings: 6 → 3 → 2, decoded to 8 and cropped to 6.
  { className: 'Conv1DAutoencoder', inputShape: [6, 3], encoder: { filters: [4, 4], kernelSize: 3 }, latentDim: 5 },
  { className: 'Conv1DAutoencoder', inputShape: [6, 3], encoder: { filters: [4], downsample: 'stride' }, latentDim: null },
];
const dataFor = (m: AutoencoderModel) => (m.inputShape.length === 2 ? waves(32) : digits(32, m.inputShape.length === 3 ? 'image' : 'flat'));

describe('model API', () => {
  it('configs round-trip: modelFromConfig(m.getConfig()) has the same config', () => {
    for (const c of configs) {
      const m = modelFromConfig(c);
      assert.equal(m.className, c.className);
      assert.deepEqual(modelFromConfig(JSON.parse(JSON.stringify(m.getConfig()))).getConfig(), m.getConfig());
    }
  });

  it('save → load gives identical outputs, optimizer state and class', async () => {
    for (const c of configs) {
      const m = modelFromConfig(c);
      const data = dataFor(m);
      await m.fit(data, { epochs: 1, batchSize: 16, worker: false });
      const dir = join(tmp(), 'model');
      m.save(dir);
      const loaded = AutoencoderModel.load(dir);
      assert.equal(loaded.constructor, m.constructor);
      assert.deepEqual(loaded.getConfig(), m.getConfig());
      const x = data.x.subarray(0, 4 * sizeOf(m.inputShape));
      assert.deepEqual(arr(await loaded.reconstruct(x)), arr(await m.reconstruct(x)));
      assert.deepEqual(arr(await loaded.encode(x)), arr(await m.encode(x)));
      for (const [k, t] of Object.entries(m.trainer.tensors)) assert.deepEqual(arr(loaded.trainer.tensors[k]!.data as Float32Array), arr(t.data as Float32Array), k);
    }
    const dir = join(tmp(), 'vae');
    new VariationalAutoencoder({ inputShape: [784], latentDim: 2, encoder: { type: 'dense', sizes: [8] } }).save(dir);
    assert.ok(VariationalAutoencoder.load(dir) instanceof VariationalAutoencoder);
    assert.throws(() => ConvAutoencoder.load(dir), /holds a VariationalAutoencoder, not a ConvAutoencoder/);
  });

  it('ONNX exports of every part reproduce the in-process outputs', async () => {
    for (const c of configs) {
      const m = modelFromConfig(c);
      const data = dataFor(m);
      await m.fit(data, { epochs: 1, batchSize: 16, worker: false });
      const n = 3;
      const x = data.x.subarray(0, n * sizeOf(m.inputShape));
      const code = await m.encode(x);
      const inProcess: Record<string, [Float32Array, Float32Array]> = {
        model: [x, await m.reconstruct(x)],
        encoder: [x, code],
        decoder: [code, await m.decode(code)],
        errors: [x, await m.reconstructionError(x)],
      };
      for (const [part, [input, expected]] of Object.entries(inProcess)) {
        const path = join(tmp(), `${part}.onnx`);
        m.exportOnnx(path, part);
        const session = await RuntimeSession.create(new Uint8Array(readFileSync(path)));
        const shape = part === 'decoder' ? [n, ...m.latentShape] : [n, ...m.inputShape];
        const out = await session.run({ x: { dtype: 'float32', shape, data: input } });
        await session.release();
        const name = part === 'encoder' ? (m instanceof VariationalAutoencoder ? 'mu' : 'code') : part === 'errors' ? 'errors' : 'reconstruction';
        close(out[name]!.data as Float32Array, expected, `${c.className} ${part}`);
      }
    }
  });

  it('reconstructionError gives one error per sample: Σ (x̂ − x)² for MSE', async () => {
    const m = new Autoencoder({ inputShape: [784], encoder: { sizes: [8] } });
    const x = digits(5).x;
    const errors = await m.reconstructionError(x);
    const rec = await m.reconstruct(x);
    assert.equal(errors.length, 5);
    for (let n = 0; n < 5; n++) {
      let s = 0;
      for (let i = 0; i < 784; i++) s += (rec[n * 784 + i]! - x[n * 784 + i]!) ** 2;
      assert.ok(Math.abs(s - errors[n]!) < 1e-3 * s, `${errors[n]} vs ${s}`);
    }
  });

  it('sample decodes seeded prior draws; interpolate hits both endpoints', async () => {
    const vae = new VariationalAutoencoder({ inputShape: [784], latentDim: 2, encoder: { type: 'dense', sizes: [16] } });
    const a = await vae.sample(3, 7);
    assert.equal(a.length, 3 * 784);
    assert.deepEqual(arr(a), arr(await vae.sample(3, 7)));
    assert.notDeepEqual(arr(a), arr(await vae.sample(3, 8)));
    const zA = new Float32Array([-1, 0.5]);
    const zB = new Float32Array([2, -1]);
    const line = await vae.interpolate(zA, zB, 5);
    assert.equal(line.length, 5 * 784);
    close(line.subarray(0, 784), await vae.decode(zA));
    close(line.subarray(4 * 784), await vae.decode(zB));
    close(line.subarray(2 * 784, 3 * 784), await vae.decode(new Float32Array([0.5, -0.25])));
    assert.throws(() => vae.interpolate(zA, new Float32Array(3), 4), /2 values/);
  });

  it("a conv decoder with upsample 'transpose' doubles sizes with stride-2 transposed convs (keras-io's layout)", () => {
    const m = new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [4, 6] }, decoder: { upsample: 'transpose' } });
    const decoder = m.summaryRows().filter((r) => r.layer.startsWith('decoder_')).map((r) => [r.layer, r.outputShape.slice(1)]);
    assert.deepEqual(decoder, [['decoder_deconv_0', [6, 14, 14]], ['decoder_deconv_1', [4, 28, 28]], ['decoder_output', [1, 28, 28]]]);
  });

  it('summary lists layers, output shapes and parameter counts that match the tensors', () => {
    for (const c of configs) {
      const m = modelFromConfig(c);
      const rows = m.summaryRows();
      const params = Object.entries(m.trainer.tensors).filter(([k]) => !k.includes(':'));
      assert.equal(m.countParams(), params.reduce((s, [, t]) => s + t.data.length, 0), c.className as string);
      const text = m.summary();
      assert.match(text, new RegExp(`Total params: ${m.countParams().toLocaleString('en-US')}`));
      for (const r of rows) assert.ok(text.includes(r.layer) && text.includes(r.params.toLocaleString('en-US')));
      // Per layer: the layer's own tensors.
      for (const r of rows) {
        const own = params.filter(([k]) => k.startsWith(`${r.layer}/`) || k.startsWith(`${r.layer}_dense/`));
        assert.equal(r.params, own.reduce((s, [, t]) => s + t.data.length, 0), `${c.className} ${r.layer}`);
      }
    }
    const dense = new Autoencoder({ inputShape: [10], encoder: { sizes: [4, 2] } });
    assert.deepEqual(dense.summaryRows().map((r) => [r.layer, r.outputShape, r.params]), [
      ['encoder_0', ['N', 4], 44], ['encoder_1', ['N', 2], 10], ['decoder_0', ['N', 4], 12], ['decoder_output', ['N', 10], 50],
    ]);
  });
});

describe('config validation names the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ className: 'Autoencoder', inputShape: [784], encoder: { sizes: [64, 32, -3] } }, /^config\.encoder\.sizes\[2\]: expected a positive integer, got -3$/],
    [{ className: 'Autoencoder', inputShape: [784], encoder: { sizes: [8], activaton: 'relu' } }, /^config\.encoder\.activaton: unknown field/],
    [{ className: 'Autoencoder', inputShape: [784], encoder: { sizes: [8] }, dropout: 0.1 }, /^config\.dropout: unknown field/],
    [{ className: 'Autoencoder', inputShape: [784], encoder: { sizes: '8' } }, /^config\.encoder\.sizes: expected an array of positive integers, got "8"$/],
    [{ className: 'Autoencoder', inputShape: [784], encoder: { sizes: [8] }, loss: 'l2' }, /^config\.loss: expected one of 'mse', 'mae', 'bce', got "l2"$/],
    [{ className: 'Autoencoder', inputShape: [784], encoder: { sizes: [8] }, loss: 'bce', outputActivation: 'relu' }, /^config\.outputActivation: loss 'bce' needs/],
    [{ className: 'Autoencoder', inputShape: [784], encoder: { sizes: [8, 4] }, linear: true }, /^config\.encoder\.sizes: a linear autoencoder has one encoder layer/],
    [{ className: 'Autoencoder', inputShape: [784], encoder: { sizes: [8] }, sparsity: { type: 'kl', rho: 0.05 } }, /^config\.encoder\.codeActivation: KL sparsity needs/],
    [{ className: 'Autoencoder', inputShape: [784], encoder: { sizes: [8] }, sparsity: { type: 'kl', rho: 1.5 } }, /^config\.sparsity\.rho: expected a number in \(0, 1\), got 1\.5$/],
    [{ className: 'Autoencoder', inputShape: [784], encoder: { sizes: [8] }, noise: { type: 'gaussian', rate: 0.1 } }, /^config\.noise\.rate: unknown field/],
    [{ className: 'Autoencoder', inputShape: [784], encoder: { sizes: [8] }, noise: { type: 'blur' } }, /^config\.noise\.type: expected one of 'gaussian', 'masking', 'saltPepper'/],
    [{ className: 'Autoencoder', inputShape: [784], encoder: { sizes: [8] }, contractive: -1 }, /^config\.contractive: expected a number in \(0, ∞\), got -1$/],
    [{ className: 'Autoencoder', inputShape: [784] }, /^config\.encoder: required field is missing$/],
    [{ className: 'ConvAutoencoder', inputShape: [1, 28, 28], encoder: { filters: [8, 8, 8] } }, /^config\.encoder\.filters: 3 levels .* 28×28 must be divisible by 8$/],
    [{ className: 'ConvAutoencoder', inputShape: [1, 28, 28], encoder: { filters: [8, 8] }, decoder: { filters: [8] } }, /^config\.decoder\.filters: expected 2 entries/],
    [{ className: 'ConvAutoencoder', inputShape: [1, 28, 28], encoder: { filters: [8, 8] }, decoder: { upsample: 'bilinear' } }, /^config\.decoder\.upsample: expected one of 'nearest', 'transpose'/],
    [{ className: 'ConvAutoencoder', inputShape: [784], encoder: { filters: [8] } }, /^config\.inputShape: a convolutional autoencoder expects \[channels, height, width\]/],
    [{ className: 'RecurrentAutoencoder', inputShape: [6, 3], cell: 'rnn', encoder: { units: [4] } }, /^config\.cell: expected one of 'lstm', 'gru'/],
    [{ className: 'RecurrentAutoencoder', inputShape: [18], encoder: { units: [4] } }, /^config\.inputShape: a recurrent autoencoder expects \[timesteps, features\]/],
    [{ className: 'VariationalAutoencoder', inputShape: [784], encoder: { type: 'dense', sizes: [8] } }, /^config\.latentDim: required field is missing$/],
    [{ className: 'VariationalAutoencoder', inputShape: [784], latentDim: 2, encoder: { type: 'dense', sizes: [8] }, beta: 'high' }, /^config\.beta: expected a number/],
    [{ className: 'VariationalAutoencoder', inputShape: [784], latentDim: 2, encoder: { type: 'dense', filters: [8] } }, /^config\.encoder\.filters: unknown field/],
    [{ className: 'VariationalAutoencoder', inputShape: [784], latentDim: 2, encoder: { type: 'dense', sizes: [8] }, contractive: 1 }, /^config\.contractive: not supported/],
    [{ className: 'Autoencoderr', inputShape: [784] }, /^config\.className: expected one of .*'Autoencoder'.*, got "Autoencoderr"$/],
  ];
  for (const [config, message] of cases) {
    it(`${message.source.slice(1, 40)}`, () => {
      assert.throws(() => modelFromConfig(config), (e: Error) => e.name === 'ConfigError' && message.test(e.message) ? true : assert.fail(e.message));
    });
  }

  it('the constructors validate code-built configs the same way', () => {
    assert.throws(() => new Autoencoder({ inputShape: [784], encoder: { sizes: [64, 0] } }), /config\.encoder\.sizes\[1\]: expected a positive integer, got 0/);
    assert.throws(() => new RecurrentAutoencoder({ inputShape: [6, 3], encoder: { units: [] } }), /config\.encoder\.units: expected at least one entry/);
  });
});
