import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mnist } from '../../src/data/datasets.js';
import { meanAndCovariance } from '../../src/eval/frechet.js';
import { Graph, compile, tensor } from '../../src/index.js';
import { AdversarialAutoencoder, ConfigError, modelFromConfig } from '../../src/models/index.js';
import { type MixturePrior, drawPrior, labelRows, mixtureDrawsGraph, mostLikelyComponent, parsePrior } from '../../src/models/mixture-prior.js';
import { Adam } from '../../src/optim/optimizers.js';
import { sample } from '../../src/tasks/generate.js';

const config = { inputShape: [784], latentDim: 2, encoder: { sizes: [64] }, discriminator: { sizes: [32] }, prior: { type: 'mixture' as const, components: 10 } };
const mixture = (dim: number, extra: Record<string, unknown> = {}) => parsePrior({ type: 'mixture', components: 10, ...extra }, 'prior', dim) as MixturePrior;

/** Fraction of codes whose most likely component is their label. */
function agreement(prior: MixturePrior, codes: Float32Array, labels: ArrayLike<number>): number {
  const c = mostLikelyComponent(prior, codes);
  let hits = 0;
  for (let i = 0; i < c.length; i++) hits += c[i] === labels[i] ? 1 : 0;
  return hits / c.length;
}

describe('AdversarialAutoencoder with a mixture prior', () => {
  it('checks its prior config and round-trips it', () => {
    const m = new AdversarialAutoencoder(config);
    assert.deepEqual(m.getConfig().prior, { type: 'mixture', components: 10, radius: 4, std: [1, 0.25], labelledFraction: 1, labelledRepeats: 1 });
    assert.deepEqual(modelFromConfig(m.getConfig()).getConfig(), m.getConfig());
    assert.deepEqual(m.targetShape, [784 + 11]);
    assert.deepEqual(new AdversarialAutoencoder({ ...config, prior: undefined }).getConfig().prior, { type: 'gaussian' });
    const bad = (prior: unknown, re: RegExp, latentDim = 2) => assert.throws(() => new AdversarialAutoencoder({ ...config, latentDim, prior } as never), (e: unknown) => e instanceof ConfigError && re.test(e.message), JSON.stringify(prior));
    bad({ type: 'mixture', components: 1 }, /config.prior.components: a mixture needs at least 2/);
    bad({ type: 'mixture' }, /config.prior.components/);
    bad({ type: 'mixture', components: 10 }, /config.prior: a mixture prior needs a code of at least 2/, 1);
    bad({ type: 'mixture', components: 10, std: [1] }, /config.prior.std: expected \[radial, across\]/);
    bad({ type: 'mixture', components: 10, labelledFraction: 1.5 }, /config.prior.labelledFraction/);
    bad({ type: 'mixture', components: 10, labelledRepeats: 0 }, /config.prior.labelledRepeats/);
    bad({ type: 'gaussian', components: 10 }, /config.prior.components: only a 'mixture' prior/);
    bad({ type: 'gmm' }, /config.prior.type/);
    assert.match(m.summary(), /discriminator_logit/);
  });

  it('draws each component with its mean and covariance, and the most likely component recovers it', () => {
    const prior = mixture(3, { radius: 4, std: [1, 0.25] });
    for (const c of [0, 3]) {
      const z = drawPrior(prior, 3, 4000, 5, c);
      const { mean, cov } = meanAndCovariance(z, 4000, 3);
      const theta = (2 * Math.PI * c) / 10;
      const u = [Math.cos(theta), Math.sin(theta), 0];
      assert.ok(Math.abs(mean[0]! - 4 * u[0]!) < 0.06 && Math.abs(mean[1]! - 4 * u[1]!) < 0.06 && Math.abs(mean[2]!) < 0.02, `mean ${Array.from(mean)}`);
      // Variance along the radial direction 1, across it and in the third dimension 0.0625.
      const along = u.reduce((s, a, i) => s + u.reduce((t, b, j) => t + a * b * cov[i * 3 + j]!, 0), 0);
      assert.ok(Math.abs(along - 1) < 0.08 && Math.abs(cov[8]! - 0.0625) < 0.006, `radial ${along}, third ${cov[8]}`);
      assert.ok(agreement(prior, z, new Int32Array(4000).fill(c)) > 0.99);
    }
    // Without a label, every component about equally often.
    const counts = new Array(10).fill(0);
    for (const c of mostLikelyComponent(prior, drawPrior(prior, 3, 5000, 2))) counts[c] += 1;
    assert.ok(counts.every((k) => k > 400 && k < 600), String(counts));
    assert.throws(() => drawPrior(prior, 3, 2, 0, 10), /label must be an integer in \[0, 10\)/);
    assert.throws(() => drawPrior({ type: 'gaussian' }, 3, 2, 0, 1), /prior is N\(0, I\)/);
  });

  it('draws the same mixture in the graph: labelled rows from their class, unlabelled rows from every component', async () => {
    const prior = mixture(2);
    const g = new Graph(3);
    const labels = g.input('labels', ['N', 11]);
    const like = g.input('like', ['N', 2]);
    const m = await compile(g, { z: mixtureDrawsGraph(prior, labels, like) });
    const n = 3000;
    const rows = new Array(n * 11).fill(0);
    const truth = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      truth[i] = i < n / 2 ? i % 10 : -1;
      rows[i * 11 + (truth[i] === -1 ? 10 : truth[i]!)] = 1;
    }
    const run = async () => (await m.run({ labels: tensor('float32', [n, 11], rows), like: tensor('float32', [n, 2], new Array(n * 2).fill(0)) })).z!.data as Float32Array;
    const z = await run();
    const comp = mostLikelyComponent(prior, z);
    let hits = 0;
    for (let i = 0; i < n / 2; i++) hits += comp[i] === truth[i] ? 1 : 0;
    assert.ok(hits / (n / 2) > 0.99, `labelled rows: ${hits}`);
    const counts = new Array(10).fill(0);
    for (let i = n / 2; i < n; i++) counts[comp[i]!] += 1;
    assert.ok(counts.every((k) => k > 100 && k < 200), `unlabelled rows: ${counts}`);
    // A labelled row's draw has the component's moments (class 0: mean (4, 0), variances 1 and 0.0625).
    const zero = Float32Array.from({ length: 150 * 2 }, (_, j) => z[Math.floor(j / 2) * 20 + (j % 2)]!);
    const { mean, cov } = meanAndCovariance(zero, 150, 2);
    assert.ok(Math.abs(mean[0]! - 4) < 0.3 && Math.abs(mean[1]!) < 0.1 && Math.abs(cov[0]! - 1) < 0.35 && Math.abs(cov[3]! - 0.0625) < 0.025, `${Array.from(mean)} ${Array.from(cov)}`);
    assert.notDeepEqual(Array.from(await run()), Array.from(z), 'fresh draws every run');
  });

  it('keeps an evenly spread fraction of the labels, and names bad ones', () => {
    const labels = Int32Array.from({ length: 100 }, (_, i) => i % 10);
    const rows = labelRows(labels, 100, 10, 0.1, 'fit');
    let kept = 0;
    for (let i = 0; i < 100; i++) {
      const row = Array.from(rows.subarray(i * 11, i * 11 + 11));
      assert.equal(row.reduce((a, b) => a + b, 0), 1);
      if (row[10] === 0) {
        kept += 1;
        assert.equal(row[labels[i]!], 1);
      }
    }
    assert.equal(kept, 10);
    assert.equal(labelRows(undefined, 3, 10, 1, 'fit')[10], 1, 'no labels: unlabelled');
    assert.equal(labelRows([-1], 1, 10, 1, 'fit')[10], 1, '-1: unlabelled');
    assert.throws(() => labelRows([10], 1, 10, 1, 'fit'), /fit: labels\[0\] is 10; expected a class in \[0, 10\)/);
    assert.throws(() => labelRows([1, 2], 3, 10, 1, 'fit'), /labels has 2 entries for 3 samples/);
  });

  it('repeats the labelled samples labelledRepeats times in what fit trains on', () => {
    const m = new AdversarialAutoencoder({ ...config, inputShape: [2], prior: { ...config.prior, labelledFraction: 0.5, labelledRepeats: 3 } });
    const x = Float32Array.from({ length: 8 }, (_, i) => i);
    const d = m.trainingData({ x, shape: [4, 2], labels: [7, 8, 9, -1] });
    // Labels kept: samples 1 and 3 (⌊(i + 1)/2⌋ > ⌊i/2⌋), and sample 3 has none: sample 1 alone is labelled.
    assert.deepEqual(d.shape, [6, 2]);
    assert.deepEqual(Array.from(d.x), [0, 1, 2, 3, 4, 5, 6, 7, 2, 3, 2, 3]);
    const row = (j: number) => Array.from(d.target!.subarray(j * 13, j * 13 + 13));
    assert.deepEqual(row(1).slice(0, 2), [2, 3]);
    assert.equal(row(1)[2 + 8], 1, 'sample 1: class 8');
    assert.equal(row(0)[2 + 10], 1, 'sample 0: label dropped');
    assert.equal(row(5)[2 + 8], 1, 'repeated row: class 8');
    assert.throws(() => new AdversarialAutoencoder({ ...config, prior: undefined }).trainingData({ x, shape: [4, 2] }), /only a mixture prior/);
  });

  it('moves labelled codes to their class\'s component; samples by class; saves and loads', async () => {
    const data = mnist({ limit: 1000 });
    // Adam with β1 = 0.5 for both players, as GANs are usually trained: with 0.9 the codes circled without settling (see docs/adversarial.md).
    const aae = { m: new AdversarialAutoencoder({ ...config, encoder: { sizes: [128] }, discriminator: { sizes: [64, 64] }, adversarialWeight: 30 })
      .compile({ optimizer: new Adam({ learningRate: 1e-3, beta1: 0.5 }), discriminatorOptimizer: new Adam({ learningRate: 2e-3, beta1: 0.5 }), seed: 1 }) };
    const before = agreement(aae.m.mixture!, await aae.m.encode(data.x), data.labels!);
    const r = await aae.m.fit({ x: data.x, shape: data.shape, labels: data.labels }, { epochs: 20, batchSize: 50 });
    const after = agreement(aae.m.mixture!, await aae.m.encode(data.x), data.labels!);
    assert.ok(r.history.every((e) => Number.isFinite(e.discriminatorLoss!) && Number.isFinite(e.reconstruction!)));
    assert.ok(after > 0.6 && after > before + 0.4, `codes at their class's component: ${before} before training, ${after} after`);
    // One class's component decodes to that class more than to others: the decoded draws' codes land back near it.
    const threes = await aae.m.sample(50, { label: 3, seed: 1 });
    assert.equal(threes.length, 50 * 784);
    assert.ok(agreement(aae.m.mixture!, await aae.m.encode(threes), new Int32Array(50).fill(3)) > 0.5);
    assert.deepEqual(Array.from((await sample(aae.m, 4, { seed: 2, label: 3 })).images), Array.from(await aae.m.sample(4, { seed: 2, label: 3 })));
    await assert.rejects(async () => aae.m.fit({ x: data.x, shape: data.shape, labels: data.labels!.subarray(0, 10) }, { epochs: 1 }), /labels has 10 entries for 1000 samples/);
    const metrics = await aae.m.evaluate({ x: data.x, shape: data.shape, labels: data.labels });
    assert.ok(Number.isFinite(metrics.discriminatorLoss!));

    const dir = mkdtempSync(join(tmpdir(), 'aekit-aae-mixture-'));
    aae.m.save(dir);
    const loaded = AdversarialAutoencoder.load(dir);
    assert.deepEqual(loaded.getConfig(), aae.m.getConfig());
    assert.deepEqual(Array.from(await loaded.sample(3, { label: 5 })), Array.from(await aae.m.sample(3, { label: 5 })));
  });
});
