/**
 * `evaluateAndReconstruct` (Trainer.evaluateWithPart): one pass gives what
 * `evaluate` and `reconstruct` give in two, bit for bit, for models whose
 * objective shares the part's forward pass (the conv preset, with ELU and
 * transposed convolutions; a sparse dense autoencoder) and for one whose does
 * not (a VAE samples its code, the part decodes μ). `aekit eval` prints from it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AutoencoderModel, modelFromConfig } from '../../src/models/index.js';
import { presetConfig } from '../../src/runs/presets.js';
import { Rng } from '../../src/data/random.js';
import { reconstructionMetrics } from '../../src/eval/reconstruction.js';

/** n MNIST-sized samples in [0, 1], mostly zeros as digits are. */
function samples(n: number, size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * size }, () => (rng.float() < 0.8 ? 0 : rng.float()));
}

async function compare(model: AutoencoderModel, n: number, batchSize: number): Promise<void> {
  const size = model.inputShape.reduce((a, b) => a * b, 1);
  const data = { x: samples(n, size, 7), shape: [n, ...model.inputShape] };
  model.compile({ seed: 3 });
  const one = await model.evaluateAndReconstruct(data, { batchSize });
  const metrics = await model.evaluate(data, { batchSize });
  const reconstruction = await model.reconstruct(data.x, { batchSize });
  assert.deepEqual(one.metrics, metrics);
  assert.equal(one.reconstruction.length, reconstruction.length);
  assert.ok(one.reconstruction.every((v, i) => Object.is(v, reconstruction[i])), 'reconstructions differ');
  // evaluateAndMeasure: the same loss, and MSE, BCE and PSNR summed batch by batch to the last bit.
  const measured = await model.evaluateAndMeasure(data, { batchSize });
  // A VAE's objective draws new noise on each call; the others give the same loss again.
  if (!('kl' in metrics)) assert.deepEqual(measured.metrics, metrics);
  assert.deepEqual(measured.reconstruction, reconstructionMetrics(data.x, reconstruction));
}

describe('evaluateAndReconstruct', () => {
  it("the conv preset (ELU, transposed convs): evaluate's metrics and reconstruct's outputs, bit for bit", async () => {
    const model = modelFromConfig(presetConfig('conv', [1, 28, 28], { latent: 8 })) as AutoencoderModel;
    await compare(model, 37, 16);
  });

  it('a sparse dense autoencoder (a penalty term beside the loss) and a VAE (the objective samples z, the part decodes μ)', async () => {
    await compare(modelFromConfig(presetConfig('sparse', [784])) as AutoencoderModel, 21, 8);
    await compare(modelFromConfig(presetConfig('vae', [784], { latent: 4 })) as AutoencoderModel, 21, 8);
  });

  it('refuses a model part that does not exist', async () => {
    const model = modelFromConfig(presetConfig('dense', [784])) as AutoencoderModel;
    await assert.rejects(model.trainer.evaluateWithPart({ x: samples(2, 784, 1), shape: [2, 784] }, { part: 'nope' }), /no model part 'nope'; parts: model, encoder/);
  });
});
