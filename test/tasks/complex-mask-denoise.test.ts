import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/data/random.js';
import { siSdr } from '../../src/eval/audio-quality.js';
import { mixAtSnr, whiteNoise } from '../../src/tasks/audio-denoise.js';
import { ComplexMaskDenoiser } from '../../src/tasks/complex-mask-denoise.js';

/** Harmonics of 500 Hz at 8 kHz with a random phase and level. */
const voice = (n: number, rng: Rng) => {
  const p = 2 * Math.PI * rng.float();
  const a = 0.2 + 0.3 * rng.float();
  return Float32Array.from({ length: n }, (_, i) => a * (Math.sin(2 * Math.PI * 500 * i / 8000 + p) + 0.5 * Math.sin(2 * Math.PI * 1000 * i / 8000 + 2 * p)));
};

describe('complex-mask denoiser', () => {
  it('rejects a segment whose frames do not halve evenly in the U-Net, and denoising before training', async () => {
    assert.throws(() => new ComplexMaskDenoiser({ segment: 100, nFft: 32, hop: 16, filters: [4, 8] }), /divide by 2\^2/);
    await assert.rejects(new ComplexMaskDenoiser({ segment: 112, nFft: 32, hop: 16, filters: [4, 8] }).denoise([new Float32Array(10)]), /train the model first/);
  });

  it('learns to clean a harmonic signal in white noise, and denoises clips of any length to their own length', async () => {
    const segment = 112; // 8 frames at hop 16
    const model = new ComplexMaskDenoiser({ segment, nFft: 32, hop: 16, filters: [4, 8] });
    assert.deepEqual(model.inputShape, [112]);
    const rng = new Rng(5);
    const batch = () => {
      const noisy: Float32Array[] = [];
      const clean: Float32Array[] = [];
      for (let i = 0; i < 128; i++) {
        const c = voice(segment, rng);
        noisy.push(mixAtSnr(c, whiteNoise(segment, rng), 0).noisy);
        clean.push(c);
      }
      return { noisy, clean };
    };
    const losses: number[] = [];
    await model.train(batch, { epochs: 3, batchSize: 16, learningRate: 1e-2, seed: 1, onEpoch: (_, loss) => losses.push(loss) });
    assert.ok(losses.at(-1)! < losses[0]! - 1, `loss (−SI-SDR) ${losses[0]} → ${losses.at(-1)}`);
    const test = [300, 57, 112].map((n) => {
      const c = voice(n, new Rng(n));
      return { clean: c, noisy: mixAtSnr(c, whiteNoise(n, new Rng(n + 1)), 0).noisy };
    });
    const out = await model.denoise(test.map((t) => t.noisy));
    out.forEach((y, i) => assert.equal(y.length, test[i]!.clean.length));
    const gain = siSdr(out[0]!, test[0]!.clean) - siSdr(test[0]!.noisy, test[0]!.clean);
    assert.ok(gain > 1, `SI-SDR improvement on a 300-sample clip: ${gain} dB`);
  });
});
