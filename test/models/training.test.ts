import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph, type Value } from '../../src/graph/graph.js';
import { GraphBuildContext } from '../../src/layers/core.js';
import {
  Autoencoder, type AutoencoderModel, ConvAutoencoder, RecurrentAutoencoder, VariationalAutoencoder,
} from '../../src/models/index.js';
import { compile } from '../../src/onnx/compile.js';
import { arr, digits, waves } from './helpers.js';

async function lossFalls(model: AutoencoderModel, data: { x: Float32Array; shape: number[] }, epochs = 2, batchSize = 32) {
  model.compile({ seed: 1 });
  const before = await model.evaluate(data);
  const result = await model.fit(data, { epochs, batchSize, worker: false });
  const after = await model.evaluate(data);
  assert.ok(after.loss! < before.loss!, `${model.className}: loss ${before.loss} -> ${after.loss}`);
  assert.equal(result.history.length, epochs);
  return { before, after };
}

describe('every model trains: its loss falls on a small slice', () => {
  const flat = digits(256);
  const image = digits(128, 'image');

  it('dense Autoencoder (deep, BCE)', async () => {
    await lossFalls(new Autoencoder({ inputShape: [784], encoder: { sizes: [64, 32, 16] }, loss: 'bce' }), flat);
  });

  it('linear Autoencoder computes f(x) = xW + b', async () => {
    const ae = new Autoencoder({ inputShape: [784], encoder: { sizes: [8] }, linear: true });
    await lossFalls(ae, flat, 2);
    const x = flat.x.subarray(0, 784 * 2);
    const code = await ae.encode(x);
    const w = ae.trainer.tensors['encoder_0/kernel']!.data as Float32Array;
    const b = ae.trainer.tensors['encoder_0/bias']!.data as Float32Array;
    for (let n = 0; n < 2; n++) {
      for (let j = 0; j < 8; j++) {
        let s = b[j]!;
        for (let i = 0; i < 784; i++) s += x[n * 784 + i]! * w[i * 8 + j]!;
        assert.ok(Math.abs(s - code[n * 8 + j]!) < 1e-4, `code[${n},${j}] = ${code[n * 8 + j]} vs ${s}`);
      }
    }
  });

  it('ConvAutoencoder with pooling/upsampling and with strided/transposed convs', async () => {
    await lossFalls(new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [8, 4] }, loss: 'bce' }), image);
    await lossFalls(new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [8, 4] }, decoder: { upsample: 'transpose' }, loss: 'bce' }), image);
    await lossFalls(new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [8, 8], downsample: 'stride' }, latentDim: 8, loss: 'bce' }), image);
  });

  it('RecurrentAutoencoder with LSTM and with GRU', async () => {
    const seq = waves(64);
    await lossFalls(new RecurrentAutoencoder({ inputShape: [6, 3], cell: 'lstm', encoder: { units: [8] } }), seq, 3, 16);
    await lossFalls(new RecurrentAutoencoder({ inputShape: [6, 3], cell: 'gru', encoder: { units: [8, 4] } }), seq, 3, 16);
  });

  it('sparse (L1 and KL) and contractive autoencoders report their penalties', async () => {
    const l1 = await lossFalls(new Autoencoder({ inputShape: [784], encoder: { sizes: [32, 8] }, sparsity: { type: 'l1', coefficient: 1e-3 } }), flat);
    assert.ok(l1.after.sparsity! > 0);
    const kl = await lossFalls(new Autoencoder({ inputShape: [784], encoder: { sizes: [32, 8], codeActivation: 'sigmoid' }, sparsity: { type: 'kl', rho: 0.05, beta: 0.1 } }), flat);
    assert.ok(kl.after.sparsity! < kl.before.sparsity!);
    const cae = await lossFalls(new Autoencoder({ inputShape: [784], encoder: { sizes: [16, 4], activation: 'sigmoid' }, contractive: 0.1 }), flat);
    assert.ok(cae.after.contractive! > 0);
    assert.ok(Math.abs(cae.after.loss! - cae.after.reconstruction! - cae.after.contractive!) < 1e-5);
  });

  it('denoising autoencoders train on corrupted inputs', async () => {
    for (const noise of [{ type: 'gaussian', std: 0.3, clip: true }, { type: 'masking', rate: 0.3 }, { type: 'saltPepper', rate: 0.2 }] as const) {
      await lossFalls(new Autoencoder({ inputShape: [784], encoder: { sizes: [32] }, loss: 'bce', noise }), flat, 2);
    }
  });

  it('VariationalAutoencoder (dense and conv) lowers loss = reconstruction + β·KL, reported apart', async () => {
    const dense = new VariationalAutoencoder({ inputShape: [784], latentDim: 4, encoder: { type: 'dense', sizes: [64] } });
    const { after } = await lossFalls(dense, flat, 3);
    assert.ok(after.kl! > 0 && after.reconstruction! > 0);
    assert.ok(Math.abs(after.loss! - after.reconstruction! - after.kl!) < 1e-3 * after.loss!);
    // Reconstruction is BCE summed over the 784 pixels of each image: hundreds of nats, not a per-pixel mean.
    assert.ok(after.reconstruction! > 50, `per-image BCE ${after.reconstruction}`);
    const beta = new VariationalAutoencoder({ inputShape: [1, 28, 28], latentDim: 4, beta: 4, encoder: { type: 'conv', filters: [8, 8] } });
    const b = await lossFalls(beta, image, 2);
    assert.ok(Math.abs(b.after.loss! - b.after.reconstruction! - 4 * b.after.kl!) < 1e-3 * b.after.loss!);
  });

  it('VAE: the KL term is zero for μ = 0, log σ² = 0', async () => {
    const vae = new VariationalAutoencoder({ inputShape: [784], latentDim: 3, encoder: { type: 'dense', sizes: [16] } });
    vae.compile({ seed: 2 });
    const t = vae.trainer.tensors;
    for (const name of ['mu/kernel', 'mu/bias', 'log_var/kernel', 'log_var/bias']) t[name] = { ...t[name]!, data: new Float32Array(t[name]!.data.length) };
    const m = await vae.evaluate(flat);
    assert.equal(m.kl, 0);
    assert.deepEqual(arr(await vae.encode(flat.x.subarray(0, 784))), [0, 0, 0]);
  });
});

/** The value fed into the first Dense (the Gemm using `kernel`) of a training graph, and the graph's input x. */
function firstLayerInput(model: AutoencoderModel, kernel: string) {
  const g = new Graph(7);
  const ctx = new GraphBuildContext(g, true);
  const x = g.input('x', ['N', ...model.inputShape]);
  model.buildObjective(ctx, x, x);
  const w = ctx.values.get(kernel)!;
  const node = g.nodes.find((n) => n.inputs.includes(w) && n.op !== 'Mul' && n.op !== 'Abs')!;
  return { g, ctx, x, encoderInput: node.inputs[0] as Value };
}

describe('denoising: the encoder never sees the clean input', () => {
  for (const noise of [{ type: 'gaussian', std: 0.2, clip: true }, { type: 'masking', rate: 0.5 }, { type: 'saltPepper', rate: 0.5 }] as const) {
    it(`${noise.type}: the training graph feeds the encoder a corrupted x, fresh at each run`, async () => {
      const model = new Autoencoder({ inputShape: [64], encoder: { sizes: [4] }, noise });
      const { g, x, encoderInput } = firstLayerInput(model, 'encoder_0/kernel');
      assert.notEqual(encoderInput, x);
      const step = await compile(g, { seen: encoderInput });
      const feed = { x: { dtype: 'float32' as const, shape: [8, 64], data: new Float32Array(8 * 64).fill(0.5) } };
      const a = (await step.run(feed)).seen!.data as Float32Array;
      const b = (await step.run(feed)).seen!.data as Float32Array;
      await step.release();
      const changed = a.filter((v) => v !== 0.5).length / a.length;
      assert.ok(changed > 0.3, `${noise.type}: only ${changed} of the inputs corrupted`);
      assert.notDeepEqual(arr(a), arr(b));
      if (noise.type === 'gaussian') assert.ok(a.every((v) => v >= 0 && v <= 1));
      if (noise.type !== 'gaussian') assert.ok(a.every((v) => v === 0 || v === 0.5 || v === 1));
      // Inference parts and the evaluation graph use the clean input.
      const ge = new Graph(0);
      const ectx = new GraphBuildContext(ge, false);
      const xe = ge.input('x', ['N', 64]);
      assert.equal(model.corruptInput(ectx, xe), xe);
    });
  }

  it('the target of the loss stays the clean input', async () => {
    const model = new Autoencoder({ inputShape: [4], encoder: { sizes: [2] }, noise: { type: 'masking', rate: 0.99 }, loss: 'mse' });
    const g = new Graph(3);
    const ctx = new GraphBuildContext(g, true);
    const x = g.input('x', ['N', 4]);
    const { loss } = model.buildObjective(ctx, x, x);
    // Zero every weight: the reconstruction is 0 whatever the encoder sees, so the loss is mean(x²) of the clean x.
    const step = await compile(g, { loss });
    const zeros = Object.fromEntries([...ctx.initialValues(0)].map(([k, t]) => [k, { ...t, data: new Float32Array(t.data.length) }]));
    const out = await step.run({ ...zeros, x: { dtype: 'float32', shape: [2, 4], data: new Float32Array(8).fill(0.5) } });
    await step.release();
    assert.ok(Math.abs((out.loss!.data as Float32Array)[0]! - 0.25) < 1e-6);
  });
});
