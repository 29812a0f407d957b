import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimeSeriesDetector } from '../../src/anomaly/index.js';
import { mulberry32 } from '../../src/eval/stats.js';
import { Conv1DAutoencoder, type Conv1DAutoencoderConfig, modelFromConfig } from '../../src/models/index.js';
import { Adam } from '../../src/optim/optimizers.js';
import { presetConfig } from '../../src/runs/presets.js';
import { kindDefaults } from '../../src/runs/data-kinds.js';

/** n windows of T steps, one channel: sines of random period (8–20 steps), phase and amplitude (0.5–1.5), noise σ 0.05. */
function sineWindows(n: number, steps: number, seed: number) {
  const rand = mulberry32(seed);
  const x = new Float32Array(n * steps);
  for (let i = 0; i < n; i++) {
    const period = 8 + 12 * rand();
    const phase = 2 * Math.PI * rand();
    const amplitude = 0.5 + rand();
    for (let t = 0; t < steps; t++) {
      const noise = 0.05 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      x[i * steps + t] = amplitude * Math.sin((2 * Math.PI * t) / period + phase) + noise;
    }
  }
  return { x, shape: [n, steps, 1] };
}

function variance(x: Float32Array): number {
  let mean = 0;
  for (const v of x) mean += v / x.length;
  let s = 0;
  for (const v of x) s += (v - mean) ** 2 / x.length;
  return s;
}

const layersOf = (m: Conv1DAutoencoder) => m.summaryRows().map((r) => [r.layer.replace(/^(en|de)coder\//, ''), r.outputShape.slice(1)]);

describe('Conv1DAutoencoder: architecture and config', () => {
  it('pools by 2 per level, makes a dense code, and mirrors back to [window, channels]', () => {
    const m = new Conv1DAutoencoder({ inputShape: [32, 2], encoder: { filters: [8, 4] } });
    assert.deepEqual(m.latentShape, [16]);
    assert.deepEqual(layersOf(m), [
      ['encoder_conv_0', [32, 8]], ['encoder_pool_0', [16, 8]], ['encoder_conv_1', [16, 4]], ['encoder_pool_1', [8, 4]], ['encoder_flatten', [32]], ['encoder_code', [16]],
      ['decoder_dense', [32]], ['decoder_reshape', [8, 4]], ['decoder_conv_0', [8, 4]], ['decoder_up_0', [16, 4]], ['decoder_conv_1', [16, 8]], ['decoder_up_1', [32, 8]],
      ['decoder_output', [32, 2]],
    ]);
    assert.equal(m.outputActivation, 'linear');
    assert.equal(m.loss, 'mse');
    assert.deepEqual(m.getConfig(), {
      className: 'Conv1DAutoencoder', inputShape: [32, 2], loss: 'mse', outputActivation: 'linear', reduction: 'perElement',
      encoder: { filters: [8, 4], kernelSize: 5, activation: 'relu', downsample: 'pool' }, decoder: { filters: [4, 8], upsample: 'nearest' }, latentDim: 16,
    });
  });

  it('a window that is not a multiple of 2^levels is padded at the end by each halving and cropped back before the output conv', () => {
    // 50 → 25 → 13; decoder 13 → 26 → 52, cropped by 2.
    const m = new Conv1DAutoencoder({ inputShape: [50, 1], encoder: { filters: [8, 4] }, latentDim: 6 });
    const rows = layersOf(m);
    assert.deepEqual(rows.find(([l]) => l === 'encoder_pool_1'), ['encoder_pool_1', [13, 4]]);
    assert.deepEqual(rows.slice(-3), [['decoder_up_1', [52, 8]], ['decoder_crop', [50, 8]], ['decoder_output', [50, 1]]]);
    assert.deepEqual(m.latentShape, [6]);
    // Strided convs round up the same way; no dense code: the code is the last feature map.
    const s = new Conv1DAutoencoder({ inputShape: [21, 3], encoder: { filters: [4, 4, 2], downsample: 'stride' }, latentDim: null });
    assert.deepEqual(s.latentShape, [3, 2]);
    assert.deepEqual(layersOf(s).slice(3), [['decoder_deconv_0', [6, 2]], ['decoder_deconv_1', [12, 4]], ['decoder_deconv_2', [24, 4]], ['decoder_crop', [21, 4]], ['decoder_output', [21, 3]]]);
    // Very short windows still work: 3 → 2 → 1 → 1, decoder 1 → 2 → 4 → 8, cropped to 3.
    assert.deepEqual(layersOf(new Conv1DAutoencoder({ inputShape: [3, 1], encoder: { filters: [2, 2, 2] }, latentDim: 2 })).at(-2), ['decoder_crop', [3, 2]]);
  });

  it('configs round-trip; bad fields are named', () => {
    const configs: Record<string, unknown>[] = [
      { className: 'Conv1DAutoencoder', inputShape: [50, 2], encoder: { filters: [32, 16] } },
      { className: 'Conv1DAutoencoder', inputShape: [24, 1], encoder: { filters: [8], kernelSize: 7, activation: 'elu', downsample: 'stride' }, latentDim: null, noise: { type: 'gaussian', std: 0.1 } },
      { className: 'Conv1DAutoencoder', inputShape: [24, 1], encoder: { filters: [8, 4] }, decoder: { filters: [6, 10], upsample: 'transpose' }, latentDim: 3 },
    ];
    for (const c of configs) {
      const m = modelFromConfig(c);
      assert.ok(m instanceof Conv1DAutoencoder);
      assert.deepEqual(modelFromConfig(JSON.parse(JSON.stringify(m.getConfig()))).getConfig(), m.getConfig());
    }
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ inputShape: [50], encoder: { filters: [4] } }, /^ConfigError: config\.inputShape: a 1-D convolutional autoencoder expects \[window, channels\], got \[50\]/],
      [{ inputShape: [50, 1], encoder: { filters: [] } }, /config\.encoder\.filters/],
      [{ inputShape: [50, 1], encoder: { filters: [4], kernel: 3 } }, /config\.encoder\.kernel: unknown field/],
      [{ inputShape: [50, 1], encoder: { filters: [4], downsample: 'avg' } }, /config\.encoder\.downsample: expected one of 'pool', 'stride'/],
      [{ inputShape: [50, 1], encoder: { filters: [4, 4] }, decoder: { filters: [4] } }, /config\.decoder\.filters: expected 2 entries/],
      [{ inputShape: [50, 1], encoder: { filters: [4] }, latentDim: 0 }, /config\.latentDim/],
      [{ inputShape: [50, 1], encoder: { filters: [4] }, sparsity: { type: 'kl', rho: 0.05 } }, /config\.sparsity: KL sparsity needs a code in \(0, 1\)/],
    ];
    for (const [c, pattern] of bad) assert.throws(() => new Conv1DAutoencoder(c as unknown as Conv1DAutoencoderConfig), pattern);
  });

  it("the 'conv1d' preset: [32, 16] filters, kernel 5, code 16 (--latent changes it); sequences only", () => {
    const config = presetConfig('conv1d', [50, 2], {}, kindDefaults('sequence', [50, 2]));
    assert.deepEqual(config, { className: 'Conv1DAutoencoder', inputShape: [50, 2], encoder: { filters: [32, 16], kernelSize: 5 }, latentDim: 16, loss: 'mse' });
    assert.equal((presetConfig('conv1d', [50, 2], { latent: 4 }) as { latentDim: number }).latentDim, 4);
    assert.ok(modelFromConfig(config) instanceof Conv1DAutoencoder);
    assert.throws(() => presetConfig('conv1d', [1, 28, 28]), /'conv1d' needs sequences \[timesteps, features\]/);
  });
});

describe('Conv1DAutoencoder learns sine windows and finds anomalies in a series', () => {
  it('held-out reconstruction MSE under 10 % of the variance after a few seconds of training', async (t) => {
    // 50 steps: not a multiple of 4, so the crop is part of what is trained.
    const train = sineWindows(512, 50, 1);
    const test = sineWindows(128, 50, 2);
    const model = new Conv1DAutoencoder({ inputShape: [50, 1], encoder: { filters: [32, 16] } });
    model.compile({ seed: 1, optimizer: new Adam({ learningRate: 3e-3 }), session: { threads: 1 } });
    const before = (await model.evaluate(test)).loss!;
    await model.fit(train, { epochs: 12, batchSize: 32, worker: false });
    const { loss } = await model.evaluate(test);
    const v = variance(test.x);
    t.diagnostic(`held-out MSE ${loss!.toFixed(4)} (${((100 * loss!) / v).toFixed(1)} % of the variance ${v.toFixed(3)}; untrained ${before.toFixed(3)})`);
    assert.ok(loss! < 0.1 * v, `held-out MSE ${loss} against a variance of ${v}`);
  });

  it('TimeSeriesDetector with it flags a planted spike and a planted level shift, and nothing else', async () => {
    const series = (steps: number, seed: number) => {
      const rand = mulberry32(seed);
      return Float32Array.from({ length: steps }, (_, t) => Math.sin((2 * Math.PI * t) / 20) + 0.5 * Math.sin((2 * Math.PI * t) / 7.3) + 0.05 * (rand() - 0.5));
    };
    const window = 30; // not a multiple of 4
    const model = new Conv1DAutoencoder({ inputShape: [window, 1], encoder: { filters: [16, 8] }, latentDim: 8 }).compile({ seed: 1, session: { threads: 1 } });
    const det = new TimeSeriesDetector(model, { window, stride: 2, score: 'mse' });
    await det.fit(series(2000, 1), { threshold: { type: 'max' }, train: { epochs: 10, batchSize: 32, worker: false } });
    const planted: [string, number, number, number][] = [['spike', 300, 303, 3], ['level shift', 300, 340, 1.5]];
    for (const [what, start, end, size] of planted) {
      const live = series(600, 2);
      for (let t = start; t < end; t++) live[t] += size;
      const { ranges } = await det.detect(live);
      assert.equal(ranges.length, 1, `${what}: ${JSON.stringify(ranges)}`);
      const r = ranges[0]!;
      assert.ok(r.start <= start && r.end >= end, `${what}: the range [${r.start}, ${r.end}) holds [${start}, ${end})`);
      const reach = window + det.smoothing / 2; // a window covering the anomaly, then the step smoothing's half width
      assert.ok(r.start > start - reach && r.end < end + reach, `${what}: the range [${r.start}, ${r.end}) stays within ${reach} steps of it`);
    }
  });
});
