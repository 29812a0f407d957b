import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Autoencoder, ConvAutoencoder, VariationalAutoencoder, modelFromConfig } from '../../src/models/index.js';
import { digits } from './helpers.js';

/** Mean over pairs i ≠ j of exp(−2‖ẑᵢ − ẑⱼ‖²) of normalized codes, in log: the uniformity of a set of codes. */
function uniformity(codes: Float32Array, k: number): number {
  const n = codes.length / k;
  const z = Array.from({ length: n }, (_, i) => {
    const row = Array.from(codes.subarray(i * k, (i + 1) * k));
    const norm = Math.hypot(...row) || 1;
    return row.map((v) => v / norm);
  });
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) s += Math.exp(-2 * z[i]!.reduce((a, v, c) => a + (v - z[j]![c]!) ** 2, 0));
  return Math.log(s / (n * (n - 1)));
}

describe('model option contrastive', () => {
  it('accepts a weight or { weight, t }, round-trips its config and shows in the summary', () => {
    const a = new Autoencoder({ inputShape: [784], encoder: { sizes: [16, 4] }, contrastive: 0.5 });
    assert.deepEqual(a.getConfig().contrastive, { weight: 0.5, t: 2 });
    const b = modelFromConfig({ className: 'ConvAutoencoder', inputShape: [1, 28, 28], encoder: { filters: [4] }, latentDim: 3, contrastive: { weight: 1, t: 0.5 } });
    assert.deepEqual(b.getConfig().contrastive, { weight: 1, t: 0.5 });
    assert.deepEqual(modelFromConfig(b.getConfig()).getConfig(), b.getConfig());
    assert.match(b.summary(), /contrastive: 1 · uniformity \(t = 0\.5\)/);
    assert.equal(new Autoencoder({ inputShape: [4], encoder: { sizes: [2] } }).getConfig().contrastive, undefined);
  });

  it('rejects bad values naming the field', () => {
    const base = { inputShape: [784], encoder: { sizes: [4] } };
    assert.throws(() => new Autoencoder({ ...base, contrastive: 0 }), /config\.contrastive.*0/);
    assert.throws(() => new Autoencoder({ ...base, contrastive: { weight: 1, t: -1 } }), /config\.contrastive\.t/);
    assert.throws(() => new Autoencoder({ ...base, contrastive: { t: 1 } as never }), /config\.contrastive\.weight/);
    assert.throws(() => new Autoencoder({ ...base, contrastive: { weight: 1, temperature: 1 } as never }), /config\.contrastive.*temperature/);
    assert.throws(() => new Autoencoder({ ...base, contrastive: 'yes' as never }), /config\.contrastive/);
  });

  it('is reported as a metric and spreads the codes of a dense model and of a VAE', async () => {
    const data = digits(256);
    for (const make of [
      (c?: number) => new Autoencoder({ inputShape: [784], encoder: { sizes: [32, 2] }, loss: 'bce', ...(c ? { contrastive: c } : {}) }),
      (c?: number) => new VariationalAutoencoder({ inputShape: [784], latentDim: 2, encoder: { type: 'dense', sizes: [32] }, ...(c ? { contrastive: c } : {}) }),
    ]) {
      const spread: number[] = [];
      for (const weight of [undefined, make().className === 'VariationalAutoencoder' ? 50 : 1]) {
        const m = make(weight).compile({ seed: 3 });
        const fit = await m.fit(data, { epochs: 4, batchSize: 64, worker: false });
        if (weight) assert.ok(Number.isFinite(fit.history.at(-1)!.contrastive), `${m.className}: metric contrastive missing`);
        else assert.equal(fit.history.at(-1)!.contrastive, undefined);
        spread.push(uniformity(await m.encode(data.x), 2));
      }
      assert.ok(spread[1]! < spread[0]! - 0.3, `${make().className}: uniformity ${spread[1]} with the term vs ${spread[0]} without`);
    }
  });

  it('works on image-shaped codes (flattened per sample)', async () => {
    const m = new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [4] }, contrastive: 0.1 }).compile({ seed: 1 });
    const fit = await m.fit(digits(16, 'image'), { epochs: 1, batchSize: 8, worker: false });
    assert.ok(Number.isFinite(fit.history[0]!.contrastive));
  });
});
