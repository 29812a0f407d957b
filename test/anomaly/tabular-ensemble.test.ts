import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import { TABULAR_RULES } from '../../src/anomaly/ensemble.js';
import { FeatureTails } from '../../src/anomaly/tails.js';
import { Autoencoder } from '../../src/models/index.js';
import { rocAuc } from '../../src/eval/detection.js';
import { mulberry32 } from '../../src/eval/stats.js';
import { runDetectCommand } from '../../src/cli/commands/detect.js';
import { type Io } from '../../src/cli/io.js';

const D = 6;
const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-tabular-'));

/** Rows of a table with structure: features 0, 2, 4 follow one latent factor and 1, 3, 5 another, at different scales. */
function table(n: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const x = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const a = gauss();
    const b = gauss();
    for (let j = 0; j < D; j++) x[i * D + j] = (j % 2 ? a : b) * (1 + j) + 0.2 * gauss();
  }
  return x;
}

/** Normal rows with one feature j pushed 6 of its standard deviations away: row i gets feature i mod D. */
function planted(n: number, seed: number): Float32Array {
  const x = table(n, seed);
  const rnd = mulberry32(seed + 7);
  for (let i = 0; i < n; i++) {
    const j = i % D;
    x[i * D + j] += (rnd() < 0.5 ? -1 : 1) * 6 * (1 + j);
  }
  return x;
}

describe('AnomalyDetector without a model (the tabular ensemble)', () => {
  let det: AnomalyDetector;
  const train = table(300, 1);
  before(async () => {
    det = new AnomalyDetector();
    await det.fit({ x: train, shape: [300, D] });
  });

  it('builds its members from the table, ranks planted anomalies above normal rows, and keeps the training scores', async () => {
    assert.equal(det.auto, true);
    assert.equal(det.tabularEnsemble!.members.length, TABULAR_RULES.members);
    assert.deepEqual(det.sampleShape, [D]);
    assert.deepEqual(det.tabularEnsemble!.members.map((m) => (m.model as Autoencoder).encoderSizes), Array.from({ length: TABULAR_RULES.members }, (_, i) => TABULAR_RULES.encoderSizes(D, i)));
    assert.equal(det.trainingScores.length, 300);
    // Contamination 0.1 (the default): about a tenth of the training rows lie above the threshold.
    const above = det.trainingScores.filter((s) => s > det.threshold).length;
    assert.ok(above >= 25 && above <= 35, `${above} of 300 training rows above the threshold`);
    const normal = table(100, 2);
    const odd = planted(60, 3);
    const x = new Float32Array([...normal, ...odd]);
    const scores = await det.score({ x, shape: [160, D] });
    const auc = rocAuc(scores, [...new Array(100).fill(0), ...new Array(60).fill(1)]);
    assert.ok(auc > 0.95, `ROC-AUC ${auc}`);
  });

  it('explain: the planted feature is ranked first in at least 95 % of rows, with shares that sum to 1', async () => {
    const odd = planted(120, 4);
    const ex = await det.explain({ x: odd, shape: [120, D] }, { top: 2 });
    const hits = ex.filter((e, i) => e.top[0]!.feature === i % D).length;
    assert.ok(hits / 120 >= 0.95, `${hits} of 120 rows name the planted feature first`);
    for (const e of ex) {
      assert.equal(e.top.length, 2);
      assert.ok(Math.abs(e.shares.reduce((a, b) => a + b, 0) - 1) < 1e-9);
      assert.ok(e.unattributed >= 0 && e.unattributed <= 1);
    }
    const scores = await det.score({ x: odd, shape: [120, D] });
    assert.deepEqual(ex.map((e) => e.score), Array.from(scores));
  });

  it('saves and loads: the same scores bit for bit, refuses damaged files by name', async () => {
    const dir = join(tmp(), 'det');
    det.save(dir);
    const back = AnomalyDetector.load(dir);
    assert.equal(back.auto, true);
    assert.equal(back.threshold, det.threshold);
    const x = planted(30, 5);
    assert.deepEqual(await back.score({ x, shape: [30, D] }), await det.score({ x, shape: [30, D] }));
    assert.throws(() => back.trainingScores, /not kept by save\/load/);
    // Saving again replaces the generation and leaves no stale one.
    back.save(dir);
    assert.deepEqual(AnomalyDetector.load(dir).threshold, det.threshold);
    const json = JSON.parse(readFileSync(join(dir, 'detector.json'), 'utf8')) as { ensemble: { tails: { file: string } } };
    const tails = join(dir, json.ensemble.tails.file);
    const bytes = readFileSync(tails);
    bytes[0] ^= 1;
    writeFileSync(tails, bytes);
    assert.throws(() => AnomalyDetector.load(dir), /tails\.f32: checksum does not match/);
  });

  it('refuses options that need a model, a table without a shape, and the model before fit', async () => {
    assert.throws(() => new AnomalyDetector({ score: 'mse' }), /option 'score' needs a model/);
    assert.throws(() => new AnomalyDetector().model, /call fit\(table\) first/);
    await assert.rejects(new AnomalyDetector().fit(train), /fitted on a table: \{ x: Float32Array, shape: \[rows, features\] \}/);
    await assert.rejects(det.score({ x: new Float32Array(5), shape: [1, 5] }), /samples of shape \[5\].*expects \[n, 6\]/);
  });
});

describe('explain with a model of ones own', () => {
  // Reconstruction error alone spreads a planted value over the features the code ties it to,
  // so the planted one is first less often than with the tabular ensemble's tail parts (above).
  it('names the planted feature first from its reconstruction error in most rows', async () => {
    const model = new Autoencoder({ inputShape: [D], encoder: { sizes: [8, 2] } }).compile({ seed: 3 });
    const det = new AnomalyDetector(model, { scaler: 'zscore', score: 'mse' });
    await det.fit({ x: table(300, 1), shape: [300, D] }, { train: { epochs: 30, batchSize: 32, seed: 3, worker: false } });
    const ex = await det.explain({ x: planted(120, 4), shape: [120, D] });
    const hits = ex.filter((e, i) => e.top[0]!.feature === i % D).length;
    assert.ok(hits / 120 >= 0.8, `${hits} of 120 rows name the planted feature first`);
    assert.ok(ex.every((e) => e.unattributed === 0), 'mse splits wholly by feature');
  });
});

describe('FeatureTails', () => {
  it('scores each value by its nearer empirical tail, and does not care how a column is scaled', () => {
    const x = Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40]);
    const t = FeatureTails.fit(x, 2);
    const parts = t.parts(Float32Array.from([2.5, 100]));
    // 2.5: 2 of 4 training values at or below, 2 at or above → −log(3/5); 100: none above → −log(1/5).
    assert.ok(Math.abs(parts[0]! - Math.log(5 / 3)) < 1e-12);
    assert.ok(Math.abs(parts[1]! - Math.log(5)) < 1e-12);
    assert.equal(t.score(Float32Array.from([2.5, 100]))[0], parts[0]! + parts[1]!);
    const logged = FeatureTails.fit(x.map((v, i) => (i % 2 ? Math.log(v) : v)), 2);
    assert.deepEqual(logged.parts(Float32Array.from([2.5, Math.log(100)])), parts);
    assert.throws(() => FeatureTails.fromState({ features: 1, rows: 2, sortedColumns: Float32Array.from([2, 1]) }), /column 0 is not sorted/);
  });
});

describe('aekit detect --data table.csv', () => {
  it('fits the detector on the table, explains the flagged rows and writes them to --out', async () => {
    const dir = tmp();
    const rows = table(200, 6);
    const odd = planted(6, 8);
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const lines = [[...names, 'label'].join(',')];
    for (let i = 0; i < 200; i++) lines.push([...rows.subarray(i * D, i * D + D)].map((v) => v.toFixed(4)).join(',') + ',0');
    for (let i = 0; i < 6; i++) lines.push([...odd.subarray(i * D, i * D + D)].map((v) => v.toFixed(4)).join(',') + ',1');
    const csv = join(dir, 'table.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const outs: string[] = [];
    const io: Io = { log: () => {}, out: (l) => outs.push(l), tty: false };
    const out = join(dir, 'scores.csv');
    await runDetectCommand(undefined, { data: csv, labelColumn: 'label', anomalyLabels: '1', explain: 2, out, json: true }, io);
    const outcome = JSON.parse(outs[0]!) as { samples: number; evaluation: { rocAuc: number }; features: string[]; explanations: Array<{ row: number; top: Array<{ feature: string }> }> };
    assert.equal(outcome.samples, 206);
    assert.deepEqual(outcome.features, names);
    assert.ok(outcome.evaluation.rocAuc > 0.95, `ROC-AUC ${outcome.evaluation.rocAuc}`);
    const planted6 = outcome.explanations.filter((e) => e.row >= 200);
    assert.ok(planted6.length >= 5, 'the planted rows are flagged');
    for (const e of planted6) assert.equal(e.top[0]!.feature, names[(e.row - 200) % D]);
    const written = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(written[0], 'row,score,anomaly,label,feature_1,share_1,feature_2,share_2');
    assert.equal(written.length, 207);
    await assert.rejects(runDetectCommand(undefined, { data: csv, anomalyLabels: '1' }, io), /--anomaly-labels: say which column holds the labels with --label-column/);
  });
});
