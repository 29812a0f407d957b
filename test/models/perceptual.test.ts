import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mnist } from '../../src/data/datasets.js';
import { type TensorData } from '../../src/graph/types.js';
import {
  Autoencoder, AutoencoderModel, ConfigError, ConvAutoencoder, ImageClassifier, VariationalAutoencoder, modelFromConfig,
} from '../../src/models/index.js';
import { arr } from './helpers.js';

const f32 = (t: TensorData) => arr(t.data as Float32Array);
const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-perceptual-'));

// ----- A tiny classifier with hand-set weights, and its features in plain TS -----

/** [1, 4, 4] images, one block of 2 filters (3×3 'same' conv + ReLU, 2×2 max pool), no hidden layer, 2 classes. */
function tinyClassifier(): ImageClassifier {
  const c = new ImageClassifier({ inputShape: [1, 4, 4], filters: [2], hidden: [], numClasses: 2 });
  const set = (name: string, values: (i: number) => number) => {
    const t = c.trainer.tensors[name]!;
    const data = new Float32Array(t.data.length);
    for (let i = 0; i < data.length; i++) data[i] = values(i);
    c.trainer.tensors[name] = { dtype: 'float32', shape: [...t.shape], data };
  };
  // Mixed signs, so ReLU clips some outputs and the pool picks different cells.
  set('conv_0/kernel', (i) => Math.sin(1.3 * i + 0.4));
  set('conv_0/bias', (i) => (i === 0 ? 0.1 : -0.2));
  set('logits/kernel', (i) => Math.cos(0.7 * i));
  set('logits/bias', () => 0);
  return c;
}

/** conv_0 (ReLU) and pool_0 outputs of one [1, 4, 4] image under the tiny classifier's weights. */
function tinyFeatures(w: Map<string, TensorData>, img: ArrayLike<number>): { conv_0: number[]; pool_0: number[] } {
  const k = w.get('conv_0/kernel')!.data as Float32Array;
  const b = w.get('conv_0/bias')!.data as Float32Array;
  const conv: number[] = [];
  for (let f = 0; f < 2; f++) {
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        let s = b[f]!;
        for (let dy = 0; dy < 3; dy++) {
          for (let dx = 0; dx < 3; dx++) {
            const yy = y + dy - 1;
            const xx = x + dx - 1;
            if (yy >= 0 && yy < 4 && xx >= 0 && xx < 4) s += k[f * 9 + dy * 3 + dx]! * img[yy * 4 + xx]!;
          }
        }
        conv.push(Math.max(0, s));
      }
    }
  }
  const pool: number[] = [];
  for (let f = 0; f < 2; f++) {
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 2; x++) {
        pool.push(Math.max(...[0, 1].flatMap((dy) => [0, 1].map((dx) => conv[f * 16 + (2 * y + dy) * 4 + 2 * x + dx]!))));
      }
    }
  }
  return { conv_0: conv, pool_0: pool };
}

function tinyImages(n: number): Float32Array {
  const x = new Float32Array(n * 16);
  for (let i = 0; i < x.length; i++) x[i] = 0.5 + 0.5 * Math.sin(0.9 * i * i + 0.3);
  return x;
}

const sumSq = (a: number[], b: number[]) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('perceptual loss', () => {
  it('matches a plain-TS computation: per element (conv model) and per sample (flat dense model, reshaped)', async () => {
    const clf = tinyClassifier();
    const w = clf.weights();
    const n = 3;
    const x = tinyImages(n);
    const loss = { type: 'perceptual', classifier: clf, layers: ['conv_0', 'pool_0'], weight: 0.5, pixelWeight: 2 } as const;
    const models: AutoencoderModel[] = [
      new ConvAutoencoder({ inputShape: [1, 4, 4], encoder: { filters: [2] }, loss }),
      new Autoencoder({ inputShape: [16], encoder: { sizes: [3] }, reduction: 'perSample', loss }),
    ];
    for (const m of models) {
      const xhat = await m.reconstruct(x);
      let conv = 0;
      let pool = 0;
      let pixel = 0;
      const samples: number[] = [];
      for (let s = 0; s < n; s++) {
        const a = tinyFeatures(w, xhat.subarray(s * 16, s * 16 + 16));
        const b = tinyFeatures(w, x.subarray(s * 16, s * 16 + 16));
        const px = sumSq(Array.from(xhat.subarray(s * 16, s * 16 + 16)), Array.from(x.subarray(s * 16, s * 16 + 16)));
        const c0 = sumSq(a.conv_0, b.conv_0);
        const p0 = sumSq(a.pool_0, b.pool_0);
        conv += c0;
        pool += p0;
        pixel += px;
        samples.push(0.5 * (c0 + p0) + 2 * px);
      }
      // perElement: each layer's mean over its N·D_l elements; perSample: sums over features, mean over the batch.
      const [perceptual, pix] = m.reduction === 'perElement' ? [conv / (n * 32) + pool / (n * 8), pixel / (n * 16)] : [(conv + pool) / n, pixel / n];
      assert.ok(perceptual > 1e-3, `the reconstructions differ from the inputs in feature space (${perceptual})`);
      const metrics = await m.evaluate({ x, shape: [n, ...m.inputShape] });
      near(metrics.perceptual!, perceptual, `${m.className} perceptual`);
      near(metrics.pixel!, pix, `${m.className} pixel`);
      near(metrics.loss!, 0.5 * perceptual + 2 * pix, `${m.className} loss`);
      const errors = await m.reconstructionError(x);
      samples.forEach((v, i) => near(errors[i]!, v, `${m.className} errors[${i}]`));
    }
  });

  it('trains the autoencoder through the frozen classifier: loss falls, classifier weights stay bit-identical', async () => {
    const digits = mnist({ limit: 600, shape: 'image' });
    const clf = new ImageClassifier({ inputShape: [1, 28, 28], filters: [8, 16], hidden: [32] });
    await clf.fit({ x: digits.x, shape: digits.shape, labels: digits.labels! }, { epochs: 1, batchSize: 64, worker: false });
    const frozen = clf.weights();
    const dir = join(tmp(), 'clf');
    clf.save(dir);
    // Pure perceptual loss (pixelWeight 0): every gradient reaching the decoder went through the classifier.
    const ae = new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [8, 8] }, loss: { type: 'perceptual', classifier: dir } });
    const data = { x: digits.x.subarray(0, 256 * 784), shape: [256, 1, 28, 28] };
    const before = await ae.evaluate(data);
    const r = await ae.fit(data, { epochs: 3, batchSize: 32 }); // in the worker: tensors cross a thread boundary
    const after = await ae.evaluate(data);
    assert.ok(after.perceptual! < 0.8 * before.perceptual!, `perceptual ${before.perceptual} → ${after.perceptual}; history ${JSON.stringify(r.history)}`);
    assert.ok(r.history[2]!.loss! < r.history[0]!.loss!);
    const names = Object.keys(ae.trainer.tensors).filter((k) => k.startsWith('perceptual/'));
    assert.deepEqual(names.sort(), ['perceptual/conv_0/bias', 'perceptual/conv_0/kernel', 'perceptual/conv_1/bias', 'perceptual/conv_1/kernel']);
    for (const name of names) {
      assert.ok(!ae.trainer.paramNames.includes(name), `${name} is not a trainable parameter`);
      assert.ok(!Object.keys(ae.trainer.tensors).some((k) => k.startsWith(`${name}:`)), `${name} has no optimizer slots`);
      assert.deepEqual(f32(ae.trainer.tensors[name]!), f32(frozen.get(name.slice('perceptual/'.length))!), `${name} is bit-identical`);
    }
    for (const [k, t] of clf.weights()) assert.deepEqual(f32(t), f32(frozen.get(k)!), `the classifier's own ${k}`);
  });

  it('survives save/load without the classifier directory, config round trips, ONNX export leaves the classifier out', async () => {
    const clf = tinyClassifier();
    const dir = join(tmp(), 'clf');
    clf.save(dir);
    const ae = new ConvAutoencoder({ inputShape: [1, 4, 4], encoder: { filters: [2] }, loss: { type: 'perceptual', classifier: dir, pixelLoss: 'bce', pixelWeight: 0.1 } });
    const x = tinyImages(8);
    await ae.fit({ x, shape: [8, 1, 4, 4] }, { epochs: 2, batchSize: 4, worker: false });
    const config = ae.getConfig();
    assert.deepEqual(config.loss, { type: 'perceptual', classifier: clf.getConfig(), layers: ['conv_0'], weight: 1, pixelLoss: 'bce', pixelWeight: 0.1 });
    assert.equal(config.outputActivation, 'sigmoid');
    const saved = join(tmp(), 'ae');
    ae.save(saved);
    rmSync(dir, { recursive: true });
    const loaded = AutoencoderModel.load(saved);
    assert.deepEqual(loaded.getConfig(), config);
    for (const [k, t] of Object.entries(ae.trainer.tensors)) assert.deepEqual(f32(loaded.trainer.tensors[k]!), f32(t), k);
    assert.deepEqual(await loaded.evaluate({ x, shape: [8, 1, 4, 4] }), await ae.evaluate({ x, shape: [8, 1, 4, 4] }));
    assert.deepEqual(arr(await loaded.reconstruct(x)), arr(await ae.reconstruct(x)));
    // A loaded model keeps its classifier's weights for a fresh start too.
    loaded.compile({ seed: 3 });
    assert.deepEqual(f32(loaded.trainer.tensors['perceptual/conv_0/kernel']!), f32(clf.weights().get('conv_0/kernel')!));
    // The config alone holds the architecture, not the weights: it round-trips, but cannot train.
    const fresh = modelFromConfig(JSON.parse(JSON.stringify(config)));
    assert.deepEqual(fresh.getConfig(), config);
    assert.throws(() => fresh.compile(), /^ConfigError: config\.loss\.classifier: holds the classifier's architecture but not its weights/);
    const onnx = join(tmp(), 'model.onnx');
    ae.exportOnnx(onnx);
    assert.ok(!readFileSync(onnx).includes('perceptual/conv_0'), 'the exported model carries no classifier weights');
  });

  it('works for a VAE: metrics perceptual and pixel next to kl', async () => {
    const vae = new VariationalAutoencoder({
      inputShape: [1, 4, 4], latentDim: 2, encoder: { type: 'conv', filters: [2] }, loss: { type: 'perceptual', classifier: tinyClassifier(), pixelWeight: 1 },
    });
    const m = await vae.evaluate({ x: tinyImages(4), shape: [4, 1, 4, 4] });
    assert.deepEqual(Object.keys(m).sort(), ['kl', 'loss', 'perceptual', 'pixel', 'reconstruction']);
    near(m.reconstruction!, m.perceptual! + m.pixel!, 'reconstruction = perceptual + pixel');
  });

  it('rejects bad perceptual configs, naming the field', () => {
    const clf = tinyClassifier();
    const base = { inputShape: [1, 4, 4], encoder: { filters: [2] } };
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ loss: { type: 'perceptual', classifier: clf, layers: ['conv_9'] } }, /^config\.loss\.layers\[0\]: unknown layer "conv_9"; the classifier's layers: conv_0, pool_0, flatten, logits$/],
      [{ loss: { type: 'perceptual', classifier: clf, layers: ['conv_0', 'conv_0'] } }, /^config\.loss\.layers\[1\]: layer 'conv_0' is listed twice/],
      [{ loss: { type: 'perceptual', classifier: clf, layers: [] } }, /^config\.loss\.layers: expected a non-empty array/],
      [{ inputShape: [1, 8, 8], loss: { type: 'perceptual', classifier: clf } }, /^config\.loss\.classifier: the classifier takes inputs \[1,4,4\] \(16 values\) but the model's inputShape is \[1,8,8\] \(64 values\)/],
      [{ loss: { type: 'perceptual', classifier: '/no/such/dir' } }, /^config\.loss\.classifier: cannot load a classifier from '\/no\/such\/dir'/],
      [{ loss: { type: 'perceptual', classifier: 7 } }, /^config\.loss\.classifier: expected the directory of a saved ImageClassifier/],
      [{ loss: { type: 'perceptual', classifier: { className: 'ImageClassifier', inputShape: [16] } } }, /^config\.loss\.classifier\.inputShape: an image classifier expects/],
      [{ loss: { type: 'perceptual' } }, /^config\.loss\.classifier: required field is missing/],
      [{ loss: { type: 'vgg', classifier: clf } }, /^config\.loss\.type: expected 'perceptual'/],
      [{ loss: { type: 'perceptual', classifier: clf, layer: ['conv_0'] } }, /^config\.loss\.layer: unknown field/],
      [{ loss: { type: 'perceptual', classifier: clf, weight: 0 } }, /^config\.loss\.weight: expected a number in \(0, ∞\)/],
      [{ loss: { type: 'perceptual', classifier: clf, pixelWeight: -1 } }, /^config\.loss\.pixelWeight: expected a number in \[0, ∞\)/],
      [{ loss: { type: 'perceptual', classifier: clf, pixelLoss: 'l2' } }, /^config\.loss\.pixelLoss: expected one of 'mse', 'mae', 'bce'/],
      [{ loss: { type: 'perceptual', classifier: clf, pixelLoss: 'bce' }, outputActivation: 'linear' }, /^config\.outputActivation: loss 'bce' needs outputs in \[0, 1\]/],
    ];
    for (const [fields, re] of bad) {
      assert.throws(() => new ConvAutoencoder({ ...base, ...fields } as never), (e: unknown) => e instanceof ConfigError && re.test(e.message), JSON.stringify(fields, (k, v) => (v instanceof ImageClassifier ? '<classifier>' : v)));
    }
  });
});
