import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/data/random.js';
import { evaluateCodes } from '../../src/eval/codes.js';
import { classificationAccuracy, knnAccuracy, knnClassify, linearProbe, nearestNeighbors } from '../../src/eval/features.js';

const line = (values: number[], labels?: number[]) => ({ x: Float32Array.from(values), shape: [values.length, 1], ...(labels ? { labels } : {}) });

/** n points per class around the given centres (Gaussian, std `spread`), labelled by centre. */
function blobs(centres: number[][], n: number, spread: number, seed: number) {
  const rng = new Rng(seed);
  const d = centres[0]!.length;
  const x = new Float32Array(centres.length * n * d);
  const labels: number[] = [];
  centres.forEach((c, k) => {
    for (let i = 0; i < n; i++) {
      const row = labels.length;
      for (let j = 0; j < d; j++) x[row * d + j] = c[j]! + spread * rng.normal();
      labels.push(k);
    }
  });
  return { x, shape: [labels.length, d], labels };
}

describe('k-nearest neighbours', () => {
  const reference = line([0, 1, 2, 10, 11, 12], [0, 0, 0, 1, 1, 1]);

  it('classifies by majority among the k nearest (hand-computed)', () => {
    // 6.2: nearest are 10 (3.8), 2 (4.2), 11 (4.8) → two votes for class 1.
    assert.deepEqual(Array.from(knnClassify(reference, line([0.4, 10.6, 6.2]), { k: 3 })), [0, 1, 1]);
    assert.equal(knnAccuracy(reference, line([0.4, 10.6, 6.2], [0, 1, 0]), { k: 3 }), 2 / 3);
  });

  it('breaks a vote tie by the nearest member, and equal distances by the lower reference index', () => {
    // 5.9 with k = 2: one vote each; 2 (3.9) is nearer than 10 (4.1) → class 0.
    assert.deepEqual(Array.from(knnClassify(reference, line([5.9]), { k: 2 })), [0]);
    // 6.1: 10 (3.9) is nearer → class 1.
    assert.deepEqual(Array.from(knnClassify(reference, line([6.1]), { k: 2 })), [1]);
    // 6 with k = 4: 2 and 10 both at 4, 1 and 11 both at 5; 2 comes first (index 2 < 3), so class 0 wins the 2–2 tie.
    assert.deepEqual(Array.from(nearestNeighbors({ x: reference.x, n: 6, d: 1 }, { x: Float32Array.of(6), n: 1, d: 1 }, 4)), [2, 3, 1, 4]);
    assert.deepEqual(Array.from(knnClassify(reference, line([6]), { k: 4 })), [0]);
  });

  it("metric 'cosine' ranks by angle, not length (hand-computed)", () => {
    // Class 0 near the x axis (a short and a long row), class 1 on the y axis.
    const ref = { x: Float32Array.of(1, 0, 10, 0.5, 0, 1, 0, 12), shape: [4, 2], labels: [0, 0, 1, 1] };
    const query = { x: Float32Array.of(2, 2.2, 30, 1), shape: [2, 2], labels: [1, 0] };
    // (2, 2.2), squared distances: (0, 1) 5.44, (1, 0) 5.84, (10, 0.5) 66.89, (0, 12) 100.04 → k = 3 votes 0, 0, 1 → class 0.
    //   Angles: 42.3° to both y rows, 44.9° to (10, 0.5), 47.7° to (1, 0) → votes 1, 1, 0 → class 1.
    // (30, 1): (10, 0.5), (1, 0), (0, 1) by either measure → class 0.
    assert.deepEqual(Array.from(knnClassify(ref, query, { k: 3 })), [0, 0]);
    assert.deepEqual(Array.from(knnClassify(ref, query, { k: 3, metric: 'cosine' })), [1, 0]);
    assert.equal(knnAccuracy(ref, query, { k: 3, metric: 'cosine' }), 1);
    assert.throws(() => knnClassify(ref, query, { metric: 'manhattan' as never }), /options.metric must be 'euclidean' or 'cosine'/);
  });

  it('finds the same neighbours as sorting all distances, across block boundaries', () => {
    const rng = new Rng(7);
    const d = 5;
    const nr = 1300;
    const nq = 37;
    const rx = Float32Array.from({ length: nr * d }, () => rng.normal());
    const qx = Float32Array.from({ length: nq * d }, () => rng.normal());
    const k = 7;
    const got = nearestNeighbors({ x: rx, n: nr, d }, { x: qx, n: nq, d }, k);
    for (let q = 0; q < nq; q++) {
      const dist = Array.from({ length: nr }, (_, r) => {
        let s = 0;
        for (let c = 0; c < d; c++) s += (qx[q * d + c]! - rx[r * d + c]!) ** 2;
        return [s, r] as const;
      }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      assert.deepEqual(Array.from(got.subarray(q * k, (q + 1) * k)), dist.slice(0, k).map((e) => e[1]), `query ${q}`);
    }
  });

  it('rejects mismatched sizes, missing labels and k beyond the reference', () => {
    assert.throws(() => knnClassify(reference, { x: new Float32Array(4), shape: [2, 2] }), /reference rows have 1 features but query rows 2/);
    assert.throws(() => knnClassify(line([0, 1]), line([0])), /reference: labels are needed/);
    assert.throws(() => knnClassify(line([0, 1], [0, 1]), line([0]), { k: 3 }), /k = 3 is more than the 2 reference rows/);
    assert.throws(() => knnAccuracy(reference, line([0])), /query: labels are needed/);
    assert.throws(() => knnClassify({ ...reference, x: Float32Array.of(0, 1, NaN, 10, 11, 12) }, line([0])), /reference: row 2 holds NaN/);
    assert.throws(() => knnClassify(line([0, 1], [0, 1.5]), line([0]), { k: 1 }), /label 1 is 1\.5/);
    assert.throws(() => classificationAccuracy([1], [1, 2]), /classificationAccuracy: 1 predictions for 2 labels/);
  });
});

describe('linear probe', () => {
  it('separates linearly separable classes perfectly', async () => {
    const train = blobs([[0, 0], [4, 0], [0, 4]], 40, 0.5, 1);
    const test = blobs([[0, 0], [4, 0], [0, 4]], 20, 0.5, 2);
    const r = await linearProbe(train, test, { epochs: 40, batchSize: 32, learningRate: 0.05 });
    assert.equal(r.trainAccuracy, 1);
    assert.equal(r.testAccuracy, 1);
    assert.ok(r.loss < 0.1, `loss ${r.loss}`);
  });

  it('cannot separate XOR, which 5-NN does', async () => {
    const xor = (seed: number) => {
      const b = blobs([[0, 0], [3, 3], [0, 3], [3, 0]], 25, 0.3, seed);
      return { ...b, labels: b.labels.map((l) => (l < 2 ? 0 : 1)) };
    };
    const train = xor(3);
    const test = xor(4);
    const r = await linearProbe(train, test, { epochs: 30, batchSize: 25, learningRate: 0.05 });
    assert.ok(r.trainAccuracy <= 0.8, `a line cannot separate XOR, got ${r.trainAccuracy}`);
    assert.equal(knnAccuracy(train, test), 1);
  });

  it('names the bad input', async () => {
    await assert.rejects(linearProbe(line([0, 1], [0, 1]), { x: new Float32Array(2), shape: [1, 2], labels: [0] }), /train rows have 1 features but test rows 2/);
    await assert.rejects(linearProbe(line([0, 1], [0, 3]), line([0], [0]), { numClasses: 2 }), /a label is 3, but numClasses is 2/);
  });
});

describe('evaluateCodes', () => {
  it('bundles k-NN, the probe and k-means on well-separated codes', async () => {
    const centres = [[0, 0, 0], [6, 0, 0], [0, 6, 0], [0, 0, 6]];
    const r = await evaluateCodes(blobs(centres, 30, 0.5, 5), blobs(centres, 10, 0.5, 6), { probe: { epochs: 30, batchSize: 30, learningRate: 0.05 }, clustering: { restarts: 3 } });
    assert.equal(r.dimensions, 3);
    assert.deepEqual(r.knn, { k: 5, accuracy: 1 });
    assert.deepEqual(r.probe, { trainAccuracy: 1, testAccuracy: 1 });
    assert.equal(r.clustering!.on, 'all');
    assert.equal(r.clustering!.clusters, 4);
    assert.equal(r.clustering!.result.assignments.length, 160);
    assert.equal(r.clustering!.accuracy, 1);
    assert.ok(Math.abs(r.clustering!.nmi - 1) < 1e-12);
  });

  it('skips parts on request and clusters the test rows alone', async () => {
    const centres = [[0, 0], [5, 5]];
    const r = await evaluateCodes(blobs(centres, 10, 0.3, 1), blobs(centres, 6, 0.3, 2), { probe: false, clustering: { on: 'test', restarts: 2 } });
    assert.equal(r.probe, undefined);
    assert.equal(r.clustering!.result.assignments.length, 12);
    await assert.rejects(evaluateCodes(line([0, 1], [0, 1]), line([0]), { probe: false }), /test: labels are needed/);
  });
});
