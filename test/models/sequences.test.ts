import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { presetConfig } from '../../src/runs/presets.js';
import { RecurrentAutoencoder, type RecurrentAutoencoderConfig } from '../../src/models/index.js';
import { Adam } from '../../src/optim/optimizers.js';
import { mulberry32 } from '../../src/eval/stats.js';

/**
 * n noisy sines of T steps, one feature: random phase, 1.6–3.2 periods per
 * window, noise σ 0.05, then z-scored over all values (mean 0, variance 1).
 */
function noisySines(n: number, steps: number, seed = 7) {
  const rand = mulberry32(seed);
  const x = new Float32Array(n * steps);
  for (let i = 0; i < n; i++) {
    const cyclesPerStep = 0.05 + 0.05 * rand();
    const phase = 2 * Math.PI * rand();
    for (let t = 0; t < steps; t++) {
      const noise = 0.05 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      x[i * steps + t] = Math.sin(2 * Math.PI * cyclesPerStep * t + phase) + noise;
    }
  }
  let mean = 0;
  for (const v of x) mean += v / x.length;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2 / x.length;
  const std = Math.sqrt(variance);
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean) / std;
  return { x, shape: [n, steps, 1] };
}

describe('RecurrentAutoencoder decoder.stateFromCode', () => {
  it('adds the start-state weights to the first decoder layer only; a config without it builds the old decoder', () => {
    const weights = (decoder: RecurrentAutoencoderConfig['decoder']) =>
      Object.keys(new RecurrentAutoencoder({ inputShape: [4, 1], encoder: { units: [3] }, ...(decoder ? { decoder } : {}) }).trainer.tensors).filter((k) => /^decoder_.*\/state(Kernel|Bias)$/.test(k));
    assert.deepEqual(weights(undefined), []);
    assert.deepEqual(weights({ units: [5, 2], stateFromCode: true, reverse: true }).sort(), ['decoder_lstm_0/stateBias', 'decoder_lstm_0/stateKernel']);
    assert.throws(() => new RecurrentAutoencoder({ inputShape: [4, 1], encoder: { units: [3] }, decoder: { stateFromCode: 'yes' as never } }), /config\.decoder\.stateFromCode: expected true or false/);
  });
});

// The sine-wave failure of issue 24: a decoder started from zero and fed a constant
// code stalled at the mean (MSE = the variance). The presets start it from the code.
describe('recurrent presets learn noisy sine waves', () => {
  const data = noisySines(256, 32);

  for (const cell of ['lstm', 'gru'] as const) {
    it(`${cell} preset, code size 8, Adam 0.002 as the CLI: MSE under 5% of the variance in 40 epochs`, async (t) => {
      const config = presetConfig(cell, [32, 1], { latent: 8, loss: 'mse' }) as unknown as RecurrentAutoencoderConfig;
      assert.equal(config.decoder?.stateFromCode, true);
      const model = new RecurrentAutoencoder(config);
      model.compile({ seed: 1, optimizer: new Adam({ learningRate: 2e-3 }), session: { threads: 1 } });
      await model.fit(data, { epochs: 40, batchSize: 32, worker: false });
      const { loss } = await model.evaluate(data);
      t.diagnostic(`${cell}: reconstruction MSE ${loss!.toFixed(4)} (variance 1)`);
      assert.ok(loss! < 0.05, `${cell}: reconstruction MSE ${loss} of a variance of 1`);
    });
  }
});
