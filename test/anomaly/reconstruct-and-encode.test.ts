import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnomalyDetector } from '../../src/anomaly/index.js';
import {
  Autoencoder, type AutoencoderModel, Conv1DAutoencoder, ConvAutoencoder, RecurrentAutoencoder, UNetAutoencoder, VariationalAutoencoder,
} from '../../src/models/index.js';

/** Deterministic values in [0, 1) for n samples of `size`. */
function samples(n: number, size: number, seed: number): Float32Array {
  return Float32Array.from({ length: n * size }, (_, i) => (Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453) % 1 * 0.5 + 0.5);
}

const sameBits = (a: Float32Array, b: Float32Array, what: string) => {
  assert.equal(a.length, b.length, `${what}: length`);
  const i = a.findIndex((v, j) => !Object.is(v, b[j]));
  assert.equal(i, -1, `${what}: element ${i} is ${a[i]} one way, ${b[i]} the other`);
};

describe('reconstructAndEncode: one graph for a detector that reads reconstructions and codes', () => {
  const fused: Array<[string, () => AutoencoderModel, number[]]> = [
    ['dense', () => new Autoencoder({ inputShape: [12], encoder: { sizes: [8, 3] } }), [12]],
    ['convolutional', () => new ConvAutoencoder({ inputShape: [1, 8, 8], encoder: { filters: [4] }, latentDim: 3, loss: 'bce' }), [1, 8, 8]],
    ['Conv1D', () => new Conv1DAutoencoder({ inputShape: [16, 2], encoder: { filters: [4, 2] } }), [16, 2]],
    ['recurrent', () => new RecurrentAutoencoder({ inputShape: [6, 2], cell: 'gru', encoder: { units: [4] } }), [6, 2]],
  ];
  for (const [name, make, shape] of fused) {
    it(`${name}: the same values, to the bit, as reconstruct and encode, in one batch, several, and a lone sample`, async () => {
      const model = make().compile({ seed: 3 });
      assert.equal(model.reconstructsAndEncodesAtOnce, true);
      const size = shape.reduce((a, b) => a * b, 1);
      for (const [n, batchSize] of [[37, 256], [37, 16], [1, 256]] as const) {
        const x = samples(n, size, n + batchSize);
        const both = await model.reconstructAndEncode(x, { batchSize });
        sameBits(both.reconstruction, await model.reconstruct(x, { batchSize }), `${name}, ${n} samples in batches of ${batchSize}: reconstruction`);
        sameBits(both.code, await model.encode(x, { batchSize }), `${name}, ${n} samples in batches of ${batchSize}: code`);
      }
    });
  }

  it('models whose parts are their own run the two parts: a VAE (its code is μ) and a U-Net', async () => {
    const vae = new VariationalAutoencoder({ inputShape: [12], encoder: { type: 'dense', sizes: [8] }, latentDim: 2 }).compile({ seed: 1 });
    const unet = new UNetAutoencoder({ inputShape: [1, 8, 8], encoder: { filters: [2, 4] } }).compile({ seed: 1 });
    for (const model of [vae, unet]) {
      assert.equal(model.reconstructsAndEncodesAtOnce, false, model.className);
      const x = samples(5, model.inputShape.reduce((a, b) => a * b, 1), 9);
      const both = await model.reconstructAndEncode(x);
      sameBits(both.reconstruction, await model.reconstruct(x), `${model.className} reconstruction`);
      sameBits(both.code, await model.encode(x), `${model.className} code`);
    }
  });

  it("the default combined detector's scores are those of the part-by-part path, and it makes one call a batch", async () => {
    const model = new Autoencoder({ inputShape: [12], encoder: { sizes: [8, 3] } }).compile({ seed: 2 });
    const det = await new AnomalyDetector(model).fit(samples(300, 12, 1), { train: { epochs: 2, batchSize: 64, worker: false } });
    assert.equal(det.scoreKind, 'combined');
    const x = samples(50, 12, 2);
    const fusedScores = await det.score(x);
    let calls = 0;
    const predictWith = model.trainer.predictWith.bind(model.trainer);
    model.trainer.predictWith = (...args) => {
      calls++;
      return predictWith(...args);
    };
    await det.score(x);
    assert.equal(calls, 1, 'one reconstructionAndCode call for 50 rows');
    // The same detector with the fused path switched off: reconstruct, then encode.
    Object.defineProperty(model, 'reconstructsAndEncodesAtOnce', { value: false });
    const apart = await det.score(x);
    assert.deepEqual(Array.from(fusedScores), Array.from(apart));
  });
});
