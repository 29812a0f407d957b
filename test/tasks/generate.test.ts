import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { mnist } from '../../src/data/datasets.js';
import { Autoencoder, ConfigError, VariationalAutoencoder, modelFromConfig } from '../../src/models/index.js';
import { Adam } from '../../src/optim/index.js';
import {
  binarize, generatedPng, importanceSampledNll, interpolate, latentGrid, latentTraversal, negativeElbo, sample, writeGeneratedPng,
} from '../../src/tasks/generate.js';

const raw = mnist({ limit: 300 });
const data = { x: binarize(raw.x, 1), shape: [300, 784] };
const evalX = data.x.subarray(0, 20 * 784);

async function tinyVae(latentDim: number, importanceSamples = 1): Promise<VariationalAutoencoder> {
  const m = new VariationalAutoencoder({ inputShape: [784], latentDim, encoder: { type: 'dense', sizes: [32], activation: 'tanh' }, importanceSamples });
  m.compile({ optimizer: new Adam({ learningRate: 1e-2 }), seed: 5 });
  await m.fit(data, { epochs: 10, batchSize: 30, seed: 5, worker: false });
  return m;
}

/** log p(x) of a VAE with a 1-D latent space by quadrature: p(x) = ∫ p(x|z) N(z; 0, 1) dz on a fine grid (posteriors here have σ ≈ 0.2). */
async function exactLogPx(m: VariationalAutoencoder, x: Float32Array): Promise<number[]> {
  const lo = -6;
  const step = 0.01;
  const points = 1201;
  const n = x.length / 784;
  const per = 10;
  const out: number[] = [];
  for (let first = 0; first < n; first += per) {
    const count = Math.min(per, n - first);
    const rows = new Float32Array(count * points * 785);
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < points; j++) {
        rows[(i * points + j) * 785] = lo + j * step;
        rows.set(x.subarray((first + i) * 784, (first + i + 1) * 784), (i * points + j) * 785 + 1);
      }
    }
    const ll = (await m.trainer.predict(rows, { part: 'logLikelihood', batchSize: 4096 })).logLikelihood!.data as Float32Array;
    for (let i = 0; i < count; i++) {
      const terms = Array.from({ length: points }, (_, j) => ll[i * points + j]! - 0.5 * ((lo + j * step) ** 2 + Math.log(2 * Math.PI)));
      const max = Math.max(...terms);
      out.push(max + Math.log(terms.reduce((s, t) => s + Math.exp(t - max), 0) * step));
    }
  }
  return out;
}

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe('importance-sampled likelihood', () => {
  let vae1: VariationalAutoencoder;
  before(async () => {
    vae1 = await tinyVae(1);
  });

  it('log p(x) ≥ IWAE bound ≥ ELBO, and the estimate tightens as k grows (1-D latent, exact log p(x) by quadrature)', async () => {
    const exact = -mean(await exactLogPx(vae1, evalX));
    const elbo = (await negativeElbo(vae1, evalX, { samples: 500, seed: 3 })).nll;
    const k1 = (await importanceSampledNll(vae1, evalX, { samples: 1, seed: 11 })).nll;
    const k1000 = (await importanceSampledNll(vae1, evalX, { samples: 1000, seed: 11 })).nll;
    const report = `exact ${exact}, −ELBO ${elbo}, k=1 ${k1}, k=1000 ${k1000}`;
    // k = 1 estimates the negative ELBO itself; k = 1000 comes within a fraction of a nat of −log p(x), from above.
    assert.ok(Math.abs(k1 - elbo) < 0.01 * elbo, report);
    assert.ok(elbo - exact > 0.3, `the ELBO is a loose bound here: ${report}`);
    assert.ok(k1000 >= exact - 0.02 && k1000 - exact < 0.15, report);
  });

  it('with a poorer proposal q the estimates decrease steadily with k towards −log p(x)', async () => {
    // Any q gives bounds; a posterior three times too narrow (log σ² − 2) leaves a gap that k closes slowly,
    // so each tenfold k gains more than the noise of 100 inputs (which share their draws across k).
    const narrow = new VariationalAutoencoder(vae1.getConfig() as never);
    const bias = vae1.trainer.tensors['log_var/bias']!;
    narrow.trainer.tensors = { ...vae1.trainer.tensors, 'log_var/bias': { ...bias, data: (bias.data as Float32Array).map((v) => v - 2) } };
    const x = data.x.subarray(0, 100 * 784);
    const exact = -mean(await exactLogPx(narrow, x));
    const nll = [];
    for (const k of [1, 10, 100, 1000]) nll.push((await importanceSampledNll(narrow, x, { samples: k, seed: 11 })).nll);
    const report = `exact ${exact}, k = 1, 10, 100, 1000: ${nll.join(', ')}`;
    for (let i = 1; i < nll.length; i++) assert.ok(nll[i - 1]! - nll[i]! > 0.1, report);
    assert.ok(nll[3]! > exact, report);
  });

  it('the IWAE training objective is the negative k-sample bound: evaluate() agrees with the estimator at the same k', async () => {
    const iwae = new VariationalAutoencoder({ ...(vae1.getConfig() as object), importanceSamples: 5 } as never);
    iwae.trainer.tensors = { ...vae1.trainer.tensors };
    const x = data.x.subarray(0, 200 * 784);
    const loss = (await iwae.evaluate({ x, shape: [200, 784] }, { batchSize: 200 })).loss!;
    const estimate = (await importanceSampledNll(iwae, x, { samples: 5, seed: 2 })).nll;
    const elbo = (await vae1.evaluate({ x, shape: [200, 784] }, { batchSize: 200 })).loss!;
    assert.ok(Math.abs(loss - estimate) < 1, `evaluate ${loss} vs estimator ${estimate}`);
    assert.ok(loss < elbo, `IWAE-5 loss ${loss} < negative ELBO ${elbo}`);
  });

  it('trains with k samples per input; the option round-trips and is checked', async () => {
    const m = await tinyVae(2, 4);
    assert.equal(m.importanceSamples, 4);
    assert.equal(m.getConfig().importanceSamples, 4);
    assert.deepEqual(modelFromConfig(m.getConfig()).getConfig(), m.getConfig());
    assert.equal('importanceSamples' in vae1.getConfig(), false, 'plain VAE configs are unchanged');
    const h = m.trainer.history;
    assert.ok(h.length === 10 && Number.isFinite(h[9]!.loss!) && h[9]!.loss! < h[0]!.loss!, JSON.stringify(h));
    const base = { inputShape: [784], latentDim: 2, encoder: { type: 'dense', sizes: [8] } };
    assert.throws(() => modelFromConfig({ className: 'VariationalAutoencoder', ...base, importanceSamples: 3, loss: 'mse' }), (e: unknown) => e instanceof ConfigError && /config.importanceSamples: .*needs the Bernoulli likelihood of loss 'bce'; got loss 'mse'/.test(e.message));
    assert.throws(() => modelFromConfig({ className: 'VariationalAutoencoder', ...base, importanceSamples: 3, beta: 2 }), /only with beta 1/);
    assert.throws(() => modelFromConfig({ className: 'VariationalAutoencoder', ...base, importanceSamples: 0 }), /config.importanceSamples/);
  });

  it('rejects models and data it cannot score', async () => {
    const ae = new Autoencoder({ inputShape: [784], encoder: { sizes: [4] } });
    await assert.rejects(importanceSampledNll(ae, evalX), /needs a VariationalAutoencoder/);
    const mse = new VariationalAutoencoder({ inputShape: [784], latentDim: 2, encoder: { type: 'dense', sizes: [8] }, loss: 'mse', reduction: 'perSample' });
    await assert.rejects(importanceSampledNll(mse, evalX), /needs a VAE with loss 'bce'/);
    await assert.rejects(importanceSampledNll(vae1, new Float32Array(700)), /whole inputs of 784 values/);
    await assert.rejects(importanceSampledNll(vae1, new Float32Array(784).fill(2)), /input 0 holds 2 at value 0; a Bernoulli likelihood needs values in \[0, 1\]/);
  });
});

describe('generation', () => {
  let vae2: VariationalAutoencoder;
  before(async () => {
    vae2 = await tinyVae(2);
  });

  it('sample(n): n images of the input shape, reproducible from the seed', async () => {
    const s = await sample(vae2, 6, { seed: 4 });
    assert.deepEqual(s.shape, [6, 784]);
    assert.equal(s.images.length, 6 * 784);
    assert.equal(s.codes.length, 12);
    assert.equal(s.columns, 3);
    assert.deepEqual((await sample(vae2, 6, { seed: 4 })).images, s.images);
    assert.ok(s.images.every((v) => v >= 0 && v <= 1));
  });

  it('interpolate(a, b, steps) runs from the decoded code of a to that of b', async () => {
    const a = raw.x.subarray(0, 784);
    const b = raw.x.subarray(784, 1568);
    const r = await interpolate(vae2, a, b, 5);
    assert.deepEqual(r.shape, [5, 784]);
    assert.equal(r.columns, 5);
    const mu = await vae2.encode(raw.x.subarray(0, 1568));
    assert.deepEqual(Array.from(r.codes.subarray(0, 2)), Array.from(mu.subarray(0, 2)));
    assert.ok(Math.abs(r.codes[8]! - mu[2]!) < 1e-6 && Math.abs(r.codes[9]! - mu[3]!) < 1e-6);
    const endpoint = await vae2.reconstruct(a);
    // Same code, different batch: equal up to float32 summation order.
    assert.ok(r.images.subarray(0, 784).every((v, i) => Math.abs(v - endpoint[i]!) < 1e-6));
    await assert.rejects(interpolate(vae2, a, b, 1), /steps must be an integer >= 2/);
    await assert.rejects(interpolate(vae2, a.subarray(0, 10), b, 3), /a must be one input: a Float32Array of 784 values/);
  });

  it('latent traversals of one and two dimensions, and the 2-D latent grid', async () => {
    const one = await latentTraversal(vae2, { dims: [1], steps: 7, range: [-2, 2] });
    assert.deepEqual(one.shape, [7, 784]);
    // Dimensions are numbered from 1 where users read them: index 1 is z2.
    assert.deepEqual(one.rowTitles, ['z2']);
    assert.match(one.title, /Latent dimension z2 over \[-2, 2\]/);
    assert.deepEqual(one.columnTitles, ['-2', '-1.33', '-0.67', '0', '0.67', '1.33', '2']);
    assert.deepEqual(Array.from(one.codes.subarray(0, 4)), [0, -2, 0, (-2 + 4 / 6)].map(Math.fround));
    const base = raw.x.subarray(0, 784);
    const mu = await vae2.encode(base);
    const fromInput = await latentTraversal(vae2, { dims: [0], steps: 3, input: base });
    assert.equal(fromInput.codes[1], mu[1]);
    const two = await latentTraversal(vae2, { dims: [1, 0], steps: 4 });
    assert.deepEqual(two.shape, [16, 784]);
    assert.deepEqual(two.rowTitles, ['3', '1', '-1', '-3']);
    assert.deepEqual(two.columnTitles, ['-3', '-1', '1', '3']);
    assert.deepEqual([two.columnAxisTitle, two.rowAxisTitle], ['z2 →', 'z1 →']);
    // Top-left: dims[0] (index 1, z2) at its low end, dims[1] (index 0, z1) at its high end.
    assert.deepEqual(Array.from(two.codes.subarray(0, 2)), [3, -3]);
    const grid = await latentGrid(vae2, { side: 5, radius: 2 });
    assert.deepEqual(grid.shape, [25, 784]);
    assert.equal(grid.columns, 5);
    assert.deepEqual(Array.from(grid.codes.subarray(0, 2)), [-2, 2]);
    assert.deepEqual(Array.from(grid.codes.subarray(48, 50)), [2, -2]);
    assert.deepEqual([grid.columnTitles, grid.rowTitles], [['-2', '-1', '0', '1', '2'], ['2', '1', '0', '-1', '-2']], 'the grid says which z each column and row decodes');
    await assert.rejects(latentGrid(vae1Like()), /needs a VAE with a 2-D latent space, this one has latentDim 3/);
    await assert.rejects(latentTraversal(vae2, { dims: [2] }), /options.dims must be one or two different latent dimensions in 0 … 1/);
    await assert.rejects(sample(new Autoencoder({ inputShape: [784], encoder: { sizes: [4] } }), 2), /sample: needs a VariationalAutoencoder/);
  });

  it('writes each result as one PNG grid that decodes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-generate-'));
    const grid = await latentGrid(vae2, { side: 4 });
    const path = join(dir, 'grid.png');
    writeGeneratedPng(path, grid, { scale: 1, gap: 0, title: undefined, rowTitles: [], columnTitles: [], columnAxisTitle: '', rowAxisTitle: '' });
    const png = PNG.sync.read(Buffer.from(readFileSync(path)));
    // 4 × 4 tiles of 28 px with no gap, no title and no row or column titles: a square with the grid's margin around it.
    assert.equal(png.width, png.height);
    assert.ok(png.width >= 4 * 28 && png.width < 4 * 28 + 20, `${png.width}`);
    const traversal = PNG.sync.read(Buffer.from(generatedPng(await latentTraversal(vae2, { dims: [0, 1], steps: 3 }))));
    assert.ok(traversal.width > 3 * 28 && traversal.height > 3 * 28, 'row titles and title add bands');
  });
});

function vae1Like(): VariationalAutoencoder {
  return new VariationalAutoencoder({ inputShape: [784], latentDim: 3, encoder: { type: 'dense', sizes: [8] } });
}
