import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AnomalyDetector, TimeSeriesDetector, flaggedRanges, knnMeanDistance, readTabular, seriesAutoencoder, seriesModelConfig, slidingWindows, smoothSteps, stepScores } from '../../src/anomaly/index.js';
import { Autoencoder, RecurrentAutoencoder } from '../../src/models/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-anomaly-ts-'));

/** Two channels: a sine and a cosine of period 25 steps, with a little noise. */
function series(steps: number, seed: number): Float32Array {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const x = new Float32Array(steps * 2);
  for (let t = 0; t < steps; t++) {
    x[2 * t] = Math.sin((2 * Math.PI * t) / 25) + 0.02 * (rand() - 0.5);
    x[2 * t + 1] = 2 + 0.5 * Math.cos((2 * Math.PI * t) / 25) + 0.02 * (rand() - 0.5);
  }
  return x;
}

describe('sliding windows, step scores, ranges', () => {
  it('windows cover every step; the last one ends at the last step', () => {
    const x = Float32Array.from({ length: 20 }, (_, i) => i); // 10 steps × 2 channels
    const w = slidingWindows(x, 2, { window: 4, stride: 3 });
    assert.deepEqual(w.starts, [0, 3, 6]);
    assert.deepEqual(w.shape, [3, 4, 2]);
    assert.deepEqual(Array.from(w.x.subarray(8, 16)), [6, 7, 8, 9, 10, 11, 12, 13]);
    assert.deepEqual(slidingWindows(x, 2, { window: 4, stride: 4 }).starts, [0, 4, 6]);
    assert.throws(() => slidingWindows(x, 2, { window: 11 }), /10 steps, fewer than one window of 11/);
    assert.throws(() => slidingWindows(x, 2, { window: 4, stride: 5 }), /stride 5 > window 4/);
    assert.throws(() => slidingWindows(x, 2, { window: 1 }), /window must be an integer >= 2/);
  });

  it('a step gets the mean of the windows covering it; runs above the threshold become ranges', () => {
    // Windows of 3 at 0, 2, 4 over 7 steps: step 2 is in windows 0 and 1, step 4 in 1 and 2.
    assert.deepEqual(Array.from(stepScores([1, 3, 5], [0, 2, 4], 3, 7)), [1, 1, 2, 3, 4, 5, 5]);
    const s = [0, 5, 6, 0, 0, 7, 0, 9, 9, 9, 0];
    assert.deepEqual(flaggedRanges(s, 1), [
      { start: 1, end: 3, peak: 2, maxScore: 6 }, { start: 5, end: 6, peak: 5, maxScore: 7 }, { start: 7, end: 10, peak: 7, maxScore: 9 },
    ]);
    assert.deepEqual(flaggedRanges(s, 1, { mergeGap: 1, minLength: 3 }), [{ start: 5, end: 10, peak: 7, maxScore: 9 }]);
  });

  it('smoothing is a centred moving mean, shorter at the ends', () => {
    assert.deepEqual(Array.from(smoothSteps([0, 0, 6, 0, 0], 3)), [0, 2, 2, 2, 0]);
    // Width 4 takes 2 steps before and 1 after: step 0 averages steps 0–1, step 4 steps 2–4.
    assert.deepEqual(Array.from(smoothSteps([4, 0, 0, 8, 0], 4)), [2, 4 / 3, 3, 2, 8 / 3]);
    assert.deepEqual(Array.from(smoothSteps([1, 5, 2], 1)), [1, 5, 2]);
    assert.throws(() => smoothSteps([1], 0), /width must be a positive integer, got 0/);
  });
});

describe('TimeSeriesDetector', () => {
  it('flags an injected spike at the right range, and saves/loads', async () => {
    const window = 10;
    const model = new Autoencoder({ inputShape: [window * 2], encoder: { sizes: [16, 4] } }).compile({ seed: 1 });
    const det = new TimeSeriesDetector(model, { window, stride: 2, score: 'mse' });
    assert.equal(det.smoothing, 2 * window, 'step scores are smoothed over two windows by default');
    await det.fit({ x: series(1000, 1), shape: [1000, 2] }, { threshold: { type: 'max' }, train: { epochs: 30, batchSize: 32, worker: false } });
    const live = series(400, 2);
    for (let t = 200; t < 204; t++) live[2 * t] = live[2 * t]! + 3; // a spike on channel 0, steps [200, 204)
    const { scores, flags, ranges } = await det.detect({ x: live, shape: [400, 2] });
    assert.equal(scores.length, 400);
    assert.equal(ranges.length, 1, JSON.stringify(ranges));
    const r = ranges[0]!;
    assert.ok(r.start <= 200 && r.end >= 204, `the range [${r.start}, ${r.end}) holds the spike`);
    const reach = window + det.smoothing / 2; // a window covering the spike, then the smoothing's half width
    assert.ok(r.start > 200 - reach && r.end < 204 + reach, `the range [${r.start}, ${r.end}) stays within ${reach} steps of it`);
    assert.ok(r.peak >= 196 && r.peak < 208, `peak at ${r.peak}`);
    assert.equal(flags.reduce((a, b) => a + b, 0), r.end - r.start);
    const dir = join(tmp(), 'ts');
    det.save(dir);
    const loaded = TimeSeriesDetector.load(dir);
    assert.equal(loaded.threshold, det.threshold);
    assert.deepEqual(Array.from(await loaded.scoreSteps({ x: live, shape: [400, 2] })), Array.from(scores));
    // A detector saved before smoothing existed (no 'smoothing' in detector.json) keeps scoring unsmoothed steps.
    const file = join(dir, 'detector.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { extra: { timeSeries: Record<string, unknown> } };
    assert.equal(json.extra.timeSeries.smoothing, 2 * window);
    delete json.extra.timeSeries.smoothing;
    writeFileSync(file, JSON.stringify(json));
    const old = TimeSeriesDetector.load(dir);
    assert.equal(old.smoothing, 1);
    const unsmoothed = await old.scoreSteps({ x: live, shape: [400, 2] });
    assert.deepEqual(Array.from(smoothSteps(unsmoothed, 2 * window)), Array.from(scores));
    assert.throws(() => new TimeSeriesDetector(model, { window, smoothing: 2.5 }), /options.smoothing: expected a positive integer \(steps; 1 for none\), got 2.5/);
    await assert.rejects(det.scoreSteps({ x: new Float32Array(30), shape: [10, 3] }), /the series has 3 channels, the detector was fitted on 2/);
    const gap = live.slice();
    gap[7] = NaN;
    await assert.rejects(det.scoreSteps({ x: gap, shape: [400, 2] }), /step 3, channel 1 is NaN/);
  });

  it('works with a recurrent autoencoder over [window, channels]', async () => {
    const model = new RecurrentAutoencoder({ inputShape: [6, 2], cell: 'gru', encoder: { units: [4] } }).compile({ seed: 1 });
    const det = new TimeSeriesDetector(model, { window: 6, stride: 3, score: 'reconstruction' });
    await det.fit({ x: series(120, 3), shape: [120, 2] }, { train: { epochs: 1, worker: false } });
    assert.equal((await det.scoreSteps({ x: series(50, 4), shape: [50, 2] })).length, 50);
    assert.throws(() => new TimeSeriesDetector(model, { window: 5 }), /samples of shape \[6,2\], which is not a window of 5 steps/);
  });
});

describe('readTabular', () => {
  it('numeric columns as features, the label column out of them, anomalies by label value', async () => {
    const file = join(tmp(), 'rows.csv');
    writeFileSync(file, 'id,a,b,diagnosis\nx1,1.5,2,benign\nx2,3,4,malignant\nx3,5,6.5,benign\n');
    const t = await readTabular(file, { labelColumn: 'diagnosis', anomalyLabel: 'malignant' });
    assert.deepEqual(t.columns, ['a', 'b']);
    assert.deepEqual(t.shape, [3, 2]);
    assert.deepEqual(Array.from(t.x), [1.5, 2, 3, 4, 5, 6.5]);
    assert.deepEqual(Array.from(t.labels!), [0, 1, 0]);
    assert.deepEqual(t.labelValues, ['benign', 'malignant']);
    const numeric = join(tmp(), 'numeric.csv');
    writeFileSync(numeric, 'a,b,label\n1,2,0\n3,4,0\n5,6,1\n');
    const u = await readTabular(numeric, { labelColumn: 'label' });
    assert.deepEqual(Array.from(u.labels!), [0, 0, 1]);
    assert.deepEqual(u.columns, ['a', 'b']);
    await assert.rejects(readTabular(numeric, { labelColumn: 'lable' }), /lable/);
  });
});

describe('time-series k-NN exclusion zone and the default series model', () => {
  it('k-NN of training rows skips the rows within the exclusion zone', () => {
    const rows = Float64Array.from({ length: 10 }, (_, i) => i); // 1-D codes 0..9
    assert.deepEqual(Array.from(knnMeanDistance(rows, rows, 1, 1, { excludeSelf: true })), Array(10).fill(1));
    // Zone 3: rows i−2..i+2 are skipped, so the nearest is 3 away.
    assert.deepEqual(Array.from(knnMeanDistance(rows, rows, 1, 1, { excludeSelf: true, exclusionZone: 3 })), Array(10).fill(3));
    assert.throws(() => knnMeanDistance(rows, rows, 1, 1, { exclusionZone: 3 }), /exclusionZone needs excludeSelf/);
    assert.throws(() => knnMeanDistance(rows, rows, 1, 6, { excludeSelf: true, exclusionZone: 3 }), /k = 6 neighbours asked, but only 5 reference codes outside an exclusion zone of 3 rows/);
  });

  it('the detector fits training k-NN scores outside the zone, keeps the zone in detector.json (1 when absent)', async () => {
    const model = new Autoencoder({ inputShape: [8], encoder: { sizes: [6, 3] } }).compile({ seed: 2 });
    // A random walk of 200 steps: no two stretches alike, only overlapping windows are near copies.
    let s = 7;
    let level = 0;
    const x = Float32Array.from({ length: 200 }, () => (level += ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5));
    const w = slidingWindows(x, 1, { window: 8 });
    const plain = await new AnomalyDetector(model, { score: 'knn' }).fit({ x: w.x, shape: [w.starts.length, 8] }, { train: { epochs: 2, worker: false } });
    const zoned = await new AnomalyDetector(model, { score: 'knn' }).fit({ x: w.x, shape: [w.starts.length, 8] }, { train: false, exclusionZone: 8 });
    const a = plain.trainingScores;
    const b = zoned.trainingScores;
    assert.ok(b.every((v, i) => v >= a[i]! - 1e-12), 'farther neighbours outside the zone');
    assert.ok(b.reduce((s, v) => s + v, 0) > 1.1 * a.reduce((s, v) => s + v, 0), "overlapping windows were among the nearest ones");
    assert.equal(zoned.state().exclusionZone, 8);
    await assert.rejects(new AnomalyDetector(model, { score: 'knn' }).fit({ x: w.x.subarray(0, 12 * 8), shape: [12, 8] }, { train: false, exclusionZone: 8 }), /12 training samples leave fewer than k = 5 neighbours outside an exclusion zone of 8/);
    const dir = join(tmp(), 'zoned');
    zoned.save(dir);
    const loaded = AnomalyDetector.load(dir);
    assert.equal(loaded.state().exclusionZone, 8);
    const file = join(dir, 'detector.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    delete json.exclusionZone;
    writeFileSync(file, JSON.stringify(json));
    assert.equal(AnomalyDetector.load(dir).state().exclusionZone, 1, 'a detector saved before the field: the sample itself');
    json.exclusionZone = 0;
    writeFileSync(file, JSON.stringify(json));
    assert.throws(() => AnomalyDetector.load(dir), /field 'exclusionZone': expected a positive integer/);
    assert.throws(() => loaded.trainingScores, /not kept by save\/load/, 'not kept after load');
  });

  it('TimeSeriesDetector sets the zone from window and stride and thresholds the training steps with it', async () => {
    const det = new TimeSeriesDetector(seriesAutoencoder(10, 2).compile({ seed: 1 }), { window: 10, stride: 2 });
    await det.fit({ x: series(300, 6), shape: [300, 2] }, { contamination: 0.05, train: { epochs: 2, worker: false } });
    assert.equal(det.windows.state().exclusionZone, 5);
    const own = await det.scoreSteps({ x: series(300, 6), shape: [300, 2] });
    // Scored as new data, the training windows find themselves: their step scores sit below the zoned ones the threshold came from.
    assert.ok(own.filter((v) => v > det.threshold).length < 0.05 * 300, 'fewer than the contamination flagged on the training series itself');
  });

  it('the default series model is the benchmarked Conv1D one; the dense one on request', () => {
    assert.deepEqual(seriesModelConfig(64, 1), { className: 'Conv1DAutoencoder', inputShape: [64, 1], encoder: { filters: [32, 16], kernelSize: 5 }, latentDim: 8, loss: 'mse' });
    assert.deepEqual(seriesModelConfig(32, 2, { kind: 'dense', hidden: 16, code: 4 }), { className: 'Autoencoder', inputShape: [64], encoder: { sizes: [16, 4] }, loss: 'mse' });
    assert.equal(seriesAutoencoder(64).className, 'Conv1DAutoencoder');
    assert.deepEqual(seriesAutoencoder(64, 1, { kind: 'dense' }).inputShape, [64]);
    assert.throws(() => seriesModelConfig(64, 1, { hidden: 8 }), /'hidden' sizes the dense model/);
    assert.throws(() => seriesModelConfig(1, 1), /window must be an integer >= 2/);
  });
});
