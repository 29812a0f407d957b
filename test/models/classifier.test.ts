import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mnist } from '../../src/data/datasets.js';
import { ConfigError, ImageClassifier } from '../../src/models/index.js';
import { arr } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-classifier-'));
const train = mnist({ limit: 2000, shape: 'image' });
const test = mnist({ split: 'test', limit: 500, shape: 'image' });
const small = () => new ImageClassifier({ inputShape: [1, 28, 28], filters: [8, 16], hidden: [32] });

describe('ImageClassifier', () => {
  it('learns MNIST digits: test accuracy well above chance after 2 short epochs', async () => {
    const c = small();
    const r = await c.fit({ x: train.x, shape: train.shape, labels: train.labels! }, { epochs: 2, batchSize: 64, worker: false });
    assert.ok(r.history[1]!.loss! < r.history[0]!.loss!, `cross-entropy fell: ${r.history.map((h) => h.loss)}`);
    const acc = await c.accuracy(test.x, test.labels!);
    assert.ok(acc > 0.5, `test accuracy ${acc} (chance 0.1)`);
    // The in-graph metric agrees with counting argmax hits in JS.
    const m = await c.evaluate({ x: test.x, shape: test.shape, labels: test.labels! });
    assert.ok(Math.abs(m.accuracy! - acc) < 1e-6, `graph accuracy ${m.accuracy} vs ${acc}`);
  });

  it('loss is the softmax cross-entropy of the logits, computed in plain TS', async () => {
    const c = small();
    const n = 16;
    const x = train.x.subarray(0, n * 784);
    const labels = train.labels!.subarray(0, n);
    const out = await c.trainer.predict(x);
    const z = out.logits!.data as Float32Array;
    const p = out.probabilities!.data as Float32Array;
    let ce = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(z.subarray(i * 10, i * 10 + 10));
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      ce += lse - row[labels[i]!]!;
      const sum = Array.from(p.subarray(i * 10, i * 10 + 10)).reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `probabilities of sample ${i} sum to ${sum}`);
    }
    const m = await c.evaluate({ x, shape: [n, 1, 28, 28], labels });
    assert.ok(Math.abs(m.loss! - ce / n) < 1e-5, `graph ${m.loss} vs TS ${ce / n}`);
  });

  it('integer labels and one-hot rows train identically', async () => {
    const n = 128;
    const x = train.x.subarray(0, n * 784);
    const labels = train.labels!.subarray(0, n);
    const a = small();
    const b = small();
    await a.fit({ x, shape: [n, 1, 28, 28], labels }, { epochs: 1, batchSize: 32, worker: false });
    await b.fit({ x, shape: [n, 1, 28, 28], labels: b.oneHot(labels, n) }, { epochs: 1, batchSize: 32, worker: false });
    for (const [k, t] of a.weights()) assert.deepEqual(arr(b.weights().get(k)!.data as Float32Array), arr(t.data as Float32Array), k);
    assert.throws(() => a.oneHot([0, 10], 2), /labels\[1\]: expected a class in \[0, 10\), got 10/);
    assert.throws(() => a.oneHot([0, 1, 2], 2), /expected 2 class indices or 2×10 one-hot values, got 3/);
  });

  it('save → load restores config and weights; predictions are identical', async () => {
    const c = small();
    const n = 64;
    await c.fit({ x: train.x.subarray(0, n * 784), shape: [n, 1, 28, 28], labels: train.labels!.subarray(0, n) }, { epochs: 1, batchSize: 32, worker: false });
    const dir = join(tmp(), 'clf');
    c.save(dir);
    for (const f of ['classifier.json', 'checkpoint.json', 'weights.safetensors']) assert.ok(existsSync(join(dir, f)), f);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'classifier.json'), 'utf8')), c.getConfig());
    const loaded = ImageClassifier.load(dir);
    assert.deepEqual(loaded.getConfig(), c.getConfig());
    const x = test.x.subarray(0, 8 * 784);
    assert.deepEqual(arr(await loaded.predict(x)), arr(await c.predict(x)));
    assert.throws(() => ImageClassifier.load(join(dir, 'nowhere')), /nowhere: no such directory/);
  });

  it('rejects bad configs, naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ inputShape: [784] }, /^config\.inputShape: an image classifier expects \[channels, height, width\]/],
      [{ inputShape: [1, 28, 28], filter: [8] }, /^config\.filter: unknown field/],
      [{ inputShape: [1, 28, 28], numClasses: 1 }, /^config\.numClasses: expected at least 2 classes/],
      [{ inputShape: [1, 4, 4], filters: [2, 2, 2] }, /^config\.filters: 3 blocks halve the size 3 times/],
      [{ inputShape: [1, 28, 28], hidden: [0] }, /^config\.hidden\[0\]: expected a positive integer/],
      [{ className: 'Autoencoder', inputShape: [1, 28, 28] }, /^config\.className: expected 'ImageClassifier'/],
    ];
    for (const [config, re] of bad) {
      assert.throws(() => new ImageClassifier(config as never), (e: unknown) => e instanceof ConfigError && re.test(e.message), JSON.stringify(config));
    }
  });

  it('features are the activations feeding the logits: logits = features · W + b', async () => {
    const c = new ImageClassifier({ inputShape: [1, 28, 28], filters: [4], hidden: [12] });
    assert.equal(c.featureSize, 12);
    assert.equal(new ImageClassifier({ inputShape: [1, 28, 28], filters: [4, 8], hidden: [] }).featureSize, 8 * 7 * 7);
    const x = test.x.subarray(0, 3 * 784);
    const f = await c.features(x);
    assert.equal(f.length, 3 * 12);
    const logits = (await c.trainer.predict(x, { part: 'model' })).logits!.data as Float32Array;
    const w = c.trainer.tensors['logits/kernel']!.data as Float32Array;
    const b = c.trainer.tensors['logits/bias']!.data as Float32Array;
    for (let i = 0; i < 3; i++) for (let k = 0; k < 10; k++) {
      let s = b[k]!;
      for (let j = 0; j < 12; j++) s += f[i * 12 + j]! * w[j * 10 + k]!;
      assert.ok(Math.abs(s - logits[i * 10 + k]!) < 1e-4);
    }
  });
});
