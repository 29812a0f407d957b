import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  AnomalyDetector, AnomalyInputError, DEFAULT_DETECTOR_TRAINING, DetectorFileError, defaultMetric, quantile, rocAuc,
} from '../../src/anomaly/index.js';
import { Autoencoder, ConvAutoencoder, VariationalAutoencoder } from '../../src/models/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-anomaly-'));
const D = 12;

/**
 * Normal samples lie near a 2-D plane in 12 dimensions: x = 0.5 + B·(f − ½)
 * for two uniform factors f ∈ [0, 1]², plus small noise. Planted anomalies of
 * two kinds: 'off' are uniform noise off the plane (what reconstruction error
 * sees), 'far' lie on the plane with a factor outside the training range
 * (what distances between codes see, as an encoder may map noise into the
 * normal code region).
 */
function planted(n: number, anomalies: number, seed: number, kind: 'off' | 'far' = 'off') {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const basis = Array.from({ length: 2 * D }, (_, i) => 0.5 * Math.sin(i * 1.7 + 0.3));
  const x = new Float32Array((n + anomalies) * D);
  const labels = new Uint8Array(n + anomalies);
  for (let i = 0; i < n + anomalies; i++) {
    const normal = i < n;
    const a = normal || kind === 'off' ? rand() : 1.4 + 0.3 * rand();
    const b = rand();
    for (let j = 0; j < D; j++) {
      x[i * D + j] = normal || kind === 'far' ? 0.5 + basis[j]! * (a - 0.5) + basis[D + j]! * (b - 0.5) + 0.01 * (rand() - 0.5) : rand();
    }
    labels[i] = normal ? 0 : 1;
  }
  return { x, labels };
}

const train = planted(400, 0, 1);
const test = planted(200, 40, 2);
const far = planted(200, 40, 4, 'far');
let model: Autoencoder;

before(async () => {
  model = new Autoencoder({ inputShape: [D], encoder: { sizes: [16, 6] }, outputActivation: 'sigmoid' }).compile({ seed: 3 });
  await model.fit({ x: train.x, shape: [400, D] }, { epochs: 40, batchSize: 32, worker: false });
});

describe('AnomalyDetector', () => {
  it('planted anomalies score higher than normal samples: off the data by reconstruction, far along it by codes, both combined', async () => {
    const cases = { reconstruction: [test], mse: [test], mae: [test], knn: [far], center: [far], combined: [test, far] } as const;
    for (const [score, sets] of Object.entries(cases)) {
      for (const metric of score === 'knn' || score === 'center' || score === 'combined' ? ['cosine', 'euclidean'] as const : ['cosine'] as const) {
        const det = await new AnomalyDetector(model, { score: score as keyof typeof cases, metric }).fit(train.x, { train: false });
        for (const set of sets) {
          const s = await det.score(set.x);
          assert.equal(s.length, 240);
          const what = `${score} (${metric}) on ${set === test ? 'off' : 'far'}`;
          assert.ok(rocAuc(s, set.labels) > 0.95, `${what}: ROC-AUC ${rocAuc(s, set.labels)}`);
          const e = await det.evaluate(set.x, set.labels);
          assert.ok(e.recall > 0.8, `${what}: recall ${e.recall} at the contamination threshold`);
        }
      }
    }
  });

  it('an untrained model is trained by fit; a trained one is taken as it is', async () => {
    const fresh = new Autoencoder({ inputShape: [D], encoder: { sizes: [8, 2] } }).compile({ seed: 1 });
    await new AnomalyDetector(fresh, { score: 'mse' }).fit(train.x, { train: { epochs: 2, batchSize: 64, worker: false } });
    assert.equal(fresh.trainer.history.length, 2);
    await new AnomalyDetector(fresh, { score: 'mse' }).fit(train.x);
    assert.equal(fresh.trainer.history.length, 2);
  });

  it('partial training options are merged over the defaults (10 epochs)', async () => {
    const fresh = new Autoencoder({ inputShape: [D], encoder: { sizes: [8, 2] } }).compile({ seed: 1 });
    await new AnomalyDetector(fresh, { score: 'mse' }).fit(train.x.subarray(0, 64 * D), { train: { batchSize: 128, worker: false } });
    assert.equal(fresh.trainer.history.length, DEFAULT_DETECTOR_TRAINING.epochs);
    assert.equal(fresh.trainer.history.length, 10);
  });

  it('the default code distance is the benchmarked one for the data: cosine for images, Euclidean for tables', () => {
    const image = new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [4] }, latentDim: 4, loss: 'bce' });
    const flatImage = new Autoencoder({ inputShape: [784], encoder: { sizes: [16, 4] }, loss: 'bce' });
    const table = new Autoencoder({ inputShape: [30], encoder: { sizes: [16, 8] } });
    // docs/anomaly.md: images under { metric: 'cosine' } (the default combined score), tables under { scaler: 'zscore' } with Euclidean codes.
    assert.equal(new AnomalyDetector(image).metric, 'cosine');
    assert.equal(new AnomalyDetector(flatImage).metric, 'cosine');
    assert.equal(new AnomalyDetector(image).scoreKind, 'combined');
    assert.equal(new AnomalyDetector(table, { scaler: 'zscore' }).metric, 'euclidean');
    assert.equal(new AnomalyDetector(table).metric, 'euclidean');
    assert.equal(new AnomalyDetector(image, { metric: 'euclidean' }).metric, 'euclidean', 'a given metric wins');
  });

  it('a saved detector keeps its stored metric, whatever the default for its model', async () => {
    const det = await new AnomalyDetector(model, { score: 'knn', metric: 'cosine' }).fit(train.x, { train: false });
    assert.equal(defaultMetric(model), 'euclidean');
    const dir = tmp();
    det.save(dir);
    assert.equal(AnomalyDetector.load(dir).metric, 'cosine');
  });

  it('thresholds by each strategy; predict and predictProba follow them', async () => {
    const det = new AnomalyDetector(model, { score: 'mse' });
    await det.fit({ x: train.x, shape: [400, D] }, { train: false, contamination: 0.05 });
    const trainScores = await det.score(train.x);
    assert.equal(det.threshold, quantile(trainScores, 0.95));
    assert.deepEqual(det.thresholdStrategy, { type: 'contamination', contamination: 0.05 });
    const flags = await det.predict(train.x);
    assert.equal(flags.reduce((a, b) => a + b, 0), 20); // 5 % of 400, distinct scores
    await det.fit(train.x, { train: false, threshold: { type: 'max' } });
    assert.equal(det.threshold, Math.max(...trainScores));
    assert.equal((await det.predict(train.x)).reduce((a, b) => a + b, 0), 0);
    await det.fit(train.x, { train: false, threshold: { type: 'meanStd', k: 2 } });
    const m = trainScores.reduce((a, b) => a + b, 0) / 400;
    const sd = Math.sqrt(trainScores.reduce((a, b) => a + (b - m) ** 2, 0) / 400);
    assert.ok(Math.abs(det.threshold - (m + 2 * sd)) < 1e-12 * det.threshold);
    await det.setThreshold({ type: 'bestF1', x: test.x, labels: test.labels });
    assert.equal(det.thresholdStrategy.type, 'bestF1');
    assert.ok((await det.evaluate(test.x, test.labels)).f1 > 0.9);
    await det.setThreshold({ type: 'contamination', contamination: 0.1 }, train.x);
    assert.equal(det.threshold, quantile(trainScores, 0.9));
    det.threshold = 0.5;
    assert.deepEqual(det.thresholdStrategy, { type: 'manual' });
    const s = await det.score(test.x);
    assert.deepEqual(Array.from(await det.predict(test.x)), Array.from(s, (v) => (v > 0.5 ? 1 : 0)));
    // The CLI flags the scores it already has, without scoring again.
    assert.deepEqual(det.flagsOf(s), await det.predict(test.x));
    // Probabilities: linear = min-max of the training scores, clipped; unify = erf of the z-score, clipped at 0.
    const { min, max, mean, std } = det.trainStats;
    const lin = await det.predictProba(test.x);
    const uni = await det.predictProba(test.x, 'unify');
    for (let i = 0; i < s.length; i++) {
      assert.ok(Math.abs(lin[i]! - Math.min(1, Math.max(0, (s[i]! - min) / (max - min)))) < 1e-15);
      assert.ok(uni[i]! >= 0 && uni[i]! <= 1);
      if (s[i]! <= mean) assert.equal(uni[i], 0);
    }
    assert.ok(uni[239]! > 0.99 && std > 0);
  });

  it("scores 'elbo' for a VAE: reconstruction error + β·KL ≥ reconstruction; other models refuse it", async () => {
    const vae = new VariationalAutoencoder({ inputShape: [D], latentDim: 2, encoder: { type: 'dense', sizes: [8] } }).compile({ seed: 2 });
    const det = await new AnomalyDetector(vae, { score: 'elbo' }).fit(train.x, { train: { epochs: 2, worker: false } });
    const elbo = await det.score(test.x);
    const rec = await vae.reconstructionError(test.x);
    for (let i = 0; i < elbo.length; i++) assert.ok(elbo[i]! >= rec[i]! - 1e-4, `${elbo[i]} < ${rec[i]}`);
    assert.ok(elbo.some((v, i) => v > rec[i]! + 1e-3));
    assert.throws(() => new AnomalyDetector(model, { score: 'elbo' }), /score 'elbo' needs a VariationalAutoencoder, got a Autoencoder/);
  });

  it('a scaler is fitted on the training data and applied before the model', async () => {
    // Same data in other units: 1000 × x + 7. A z-score scaler makes it look the same to a fresh model.
    const big = Float32Array.from(train.x, (v) => 1000 * v + 7);
    const m = new Autoencoder({ inputShape: [D], encoder: { sizes: [16, 2] } }).compile({ seed: 3 });
    const det = await new AnomalyDetector(m, { score: 'mse', scaler: 'zscore' }).fit(big, { train: { epochs: 30, batchSize: 32, worker: false } });
    const s = await det.score(Float32Array.from(test.x, (v) => 1000 * v + 7));
    assert.ok(rocAuc(s, test.labels) > 0.95, `ROC-AUC ${rocAuc(s, test.labels)}`);
  });
});

describe('AnomalyDetector batch independence', () => {
  it('a sample scores the same alone, in any small batch, and among 240 (a stream scores batches of any size)', async () => {
    const det = await new AnomalyDetector(model, { score: 'combined' }).fit(train.x, { train: false });
    const all = await det.score(test.x);
    for (const size of [1, 2, 3, 7, 257]) {
      for (let i = 0; i < 240; i += size) {
        const m = Math.min(size, 240 - i);
        const part = await det.score({ x: test.x.subarray(i * D, (i + m) * D), shape: [m, D] });
        for (let k = 0; k < m; k++) assert.equal(part[k], all[i + k], `sample ${i + k} in a batch of ${m}`);
      }
    }
  });
});

describe('AnomalyDetector save/load', () => {
  it('keeps model, scaler, codes, score kind and threshold: bit-identical scores in a fresh process', async () => {
    const det = await new AnomalyDetector(model, { score: 'combined', combine: ['mse', 'knn'], k: 3, scaler: 'minmax', proba: 'unify' }).fit(train.x, { train: false, contamination: 0.02 });
    const dir = join(tmp(), 'det');
    det.save(dir);
    const scores = await det.score(test.x);
    const loaded = AnomalyDetector.load(dir);
    assert.equal(loaded.scoreKind, 'combined');
    assert.deepEqual(loaded.combine, ['mse', 'knn']);
    assert.equal(loaded.threshold, det.threshold);
    assert.equal(loaded.proba, 'unify');
    assert.deepEqual(Buffer.from((await loaded.score(test.x)).buffer), Buffer.from(scores.buffer));
    // A fresh process: nothing shared but the files.
    const input = join(dir, '..', 'x.f32');
    writeFileSync(input, Buffer.from(test.x.buffer));
    const script = `
      import { readFileSync } from 'node:fs';
      import { AnomalyDetector } from ${JSON.stringify(fileURLToPath(new URL('../../src/anomaly/index.ts', import.meta.url)))};
      const b = readFileSync(${JSON.stringify(input)});
      const x = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      const s = await AnomalyDetector.load(${JSON.stringify(dir)}).score(x);
      process.stdout.write(Buffer.from(s.buffer).toString('base64'));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(out, Buffer.from(scores.buffer).toString('base64'));
  });

  it('saves again over its own save (one generation kept); refuses folders it did not write', async () => {
    const det = await new AnomalyDetector(model, { score: 'knn' }).fit(train.x, { train: false });
    const root = tmp();
    const dir = join(root, 'det');
    det.save(dir);
    det.threshold = 123;
    det.save(dir);
    assert.deepEqual(readdirSync(dir).sort(), ['codes-2.f32', 'detector.json', 'model-2']);
    assert.equal(AnomalyDetector.load(dir).threshold, 123);
    // A user's folder, a file, a foreign detector.json.
    const mine = join(root, 'project');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'mine');
    assert.throws(() => det.save(mine), (e: Error) => e instanceof DetectorFileError && /is not empty \(notes\.txt\) and holds no aekit detector/.test(e.message));
    assert.equal(readFileSync(join(mine, 'notes.txt'), 'utf8'), 'mine');
    assert.throws(() => det.save(join(mine, 'notes.txt')), /is a file/);
    const other = join(root, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'detector.json'), '{"format":"something-else"}');
    assert.throws(() => det.save(other), /is not an aekit detector/);
  });

  it('a damaged save is refused naming the file and field', async () => {
    const det = await new AnomalyDetector(model, { score: 'knn' }).fit(train.x, { train: false });
    const dir = join(tmp(), 'det');
    det.save(dir);
    const codes = join(dir, 'codes-1.f32');
    const bytes = readFileSync(codes);
    bytes[5]! ^= 1;
    writeFileSync(codes, bytes);
    assert.throws(() => AnomalyDetector.load(dir), /codes-1\.f32: checksum does not match detector\.json/);
    writeFileSync(codes, bytes.subarray(0, 12));
    assert.throws(() => AnomalyDetector.load(dir), /holds 12 bytes, detector\.json says 2400 float32 values/);
    const file = join(dir, 'detector.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...json, threshold: 'high' }));
    assert.throws(() => AnomalyDetector.load(dir), /detector\.json: field 'threshold': expected a finite number, got "high"/);
    writeFileSync(file, JSON.stringify({ ...json, score: 'psychic' }));
    assert.throws(() => AnomalyDetector.load(dir), /field 'score': expected one of/);
    writeFileSync(file, JSON.stringify({ ...json, model: '../../etc' }));
    assert.throws(() => AnomalyDetector.load(dir), /field 'model': expected a folder name 'model-<n>'/);
    assert.throws(() => AnomalyDetector.load(join(dir, 'nothing')), /no such directory/);
  });
});

describe('AnomalyDetector bad input', () => {
  it('wrong width or shape, NaN/Inf, an empty set, contamination outside (0, 0.5]', async () => {
    const det = new AnomalyDetector(model, { score: 'mse' });
    await assert.rejects(det.score(train.x), /not fitted; call fit\(data\) first/);
    await det.fit(train.x, { train: false });
    const err = (re: RegExp) => (e: Error) => e instanceof AnomalyInputError && re.test(e.message);
    await assert.rejects(det.score(new Float32Array(13)), err(/score: 13 values are not whole samples of shape \[12\] \(12 values each\)/));
    await assert.rejects(det.score({ x: new Float32Array(26), shape: [2, 13] }), err(/samples of shape \[13\] \(data shape \[2,13\]\), the detector expects \[n, 12\]/));
    await assert.rejects(det.score(new Float32Array(0)), err(/score: no samples \(an empty set\)/));
    const bad = train.x.slice(0, 24);
    bad[15] = NaN;
    await assert.rejects(det.score(bad), err(/sample 1, feature 3 is NaN/));
    bad[15] = Infinity;
    await assert.rejects(det.predict(bad), err(/sample 1, feature 3 is Infinity/));
    await assert.rejects(det.score([1, 2] as unknown as Float32Array), /a plain array \(use Float32Array\.from/);
    for (const c of [0, 0.6, -1, NaN]) {
      await assert.rejects(det.fit(train.x, { train: false, contamination: c }), /contamination must be a number in \(0, 0\.5\]/);
    }
    await assert.rejects(det.fit(train.x, { train: false, threshold: { type: 'percentile' } as never }), /threshold\.type: expected 'contamination'/);
    await assert.rejects(det.fit(train.x, { epochs: 3 } as never), /fit: unknown option 'epochs'/);
    assert.throws(() => new AnomalyDetector(model, { score: 'lof' as never }), /options\.score: expected one of 'reconstruction'/);
    assert.throws(() => new AnomalyDetector(model, { k: 0 }), /options\.k: expected a positive integer, got 0/);
    assert.throws(() => new AnomalyDetector(model, { combine: ['mse', 'mse'] }), /options\.combine\[1\]: 'mse' is listed twice/);
    assert.throws(() => { det.threshold = NaN; }, /threshold: expected a finite number/);
  });
});
