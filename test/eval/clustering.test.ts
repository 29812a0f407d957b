import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/data/random.js';
import { clusteringAccuracy, hungarian, kMeans, nmi } from '../../src/eval/clustering.js';

/** All permutations of [0, n). */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

/** The least total cost over all matchings of min(r, c) rows to columns, by enumeration. */
function bruteForce(cost: number[][]): number {
  const r = cost.length;
  const c = cost[0]!.length;
  if (r > c) return bruteForce(cost[0]!.map((_, j) => cost.map((row) => row[j]!)));
  let best = Infinity;
  for (const p of permutations(c)) best = Math.min(best, cost.reduce((s, row, i) => s + row[p[i]!]!, 0));
  return best;
}

const total = (cost: number[][], match: Int32Array) => Array.from(match).reduce((s, j, i) => (j < 0 ? s : s + cost[i]![j]!), 0);

describe('hungarian', () => {
  it('solves a hand-computed 3×3 case', () => {
    // Rows 0→1 (1), 1→0 (2), 2→2 (2): total 5; every other matching costs more.
    assert.deepEqual(Array.from(hungarian([[4, 1, 3], [2, 0, 5], [3, 2, 2]])), [1, 0, 2]);
  });

  it('finds the optimum of random square and rectangular matrices (checked by enumeration)', () => {
    const rng = new Rng(11);
    for (const [r, c] of [[1, 1], [4, 4], [6, 6], [3, 5], [5, 3], [2, 6], [7, 7]] as const) {
      for (let trial = 0; trial < 5; trial++) {
        const cost = Array.from({ length: r }, () => Array.from({ length: c }, () => rng.int(20) - 5 + (trial % 2 ? rng.float() : 0)));
        const match = hungarian(cost);
        assert.equal(match.length, r);
        const used = Array.from(match).filter((j) => j >= 0);
        assert.equal(used.length, Math.min(r, c), 'every row (or column) matched');
        assert.equal(new Set(used).size, used.length, 'columns used once');
        assert.ok(Math.abs(total(cost, match) - bruteForce(cost)) < 1e-9, `${r}×${c} trial ${trial}`);
      }
    }
  });

  it('rejects ragged and non-finite costs', () => {
    assert.throws(() => hungarian([[1, 2], [3]]), /row 1 has 1 entries, row 0 has 2/);
    assert.throws(() => hungarian([[1, Infinity]]), /cost\[0\]\[1\] is Infinity/);
    assert.deepEqual(Array.from(hungarian([])), []);
  });
});

describe('clustering accuracy and NMI', () => {
  it('clusteringAccuracy matches clusters to classes one-to-one (hand-computed)', () => {
    // Contingency: cluster 2 = {class 0 ×2}; cluster 1 = {class 0 ×1, class 2 ×3}; cluster 0 = {class 1 ×2}.
    // Best map 2→0, 0→1, 1→2 gets 2 + 2 + 3 = 7 of 8.
    const r = clusteringAccuracy([0, 0, 0, 1, 1, 2, 2, 2], [2, 2, 1, 0, 0, 1, 1, 1]);
    assert.equal(r.accuracy, 7 / 8);
    assert.deepEqual([...r.mapping].sort(), [[0, 1], [1, 2], [2, 0]]);
    // More clusters than classes: the extra cluster counts as wrong.
    assert.equal(clusteringAccuracy([0, 0, 1, 1], [0, 1, 2, 2]).accuracy, 3 / 4);
    // One cluster for everything: the largest class.
    assert.equal(clusteringAccuracy([0, 1, 1, 2], [5, 5, 5, 5]).accuracy, 2 / 4);
  });

  it('nmi matches a hand-computed case and its bounds', () => {
    // Classes {0,0,1,1}, clusters {0,0,0,1}: H(U) = ln 2, H(V) = −(¾ ln ¾ + ¼ ln ¼),
    // I = ½ ln(4/3) + ¼ ln(2/3) + ¼ ln 2.
    const hu = Math.log(2);
    const hv = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
    const mi = 0.5 * Math.log(4 / 3) + 0.25 * Math.log(2 / 3) + 0.25 * Math.log(2);
    assert.ok(Math.abs(nmi([0, 0, 1, 1], [0, 0, 0, 1]) - mi / ((hu + hv) / 2)) < 1e-15);
    assert.equal(nmi([0, 0, 1, 1, 2, 2], [7, 7, 3, 3, 5, 5]), 1);
    assert.equal(nmi([0, 1, 0, 1], [0, 0, 1, 1]), 0);
    assert.equal(nmi([3, 3, 3], [1, 1, 1]), 1);
    assert.equal(nmi([0, 1, 2], [0, 0, 0]), 0);
  });

  it('rejects mismatched lengths and non-integer ids', () => {
    assert.throws(() => nmi([0, 1], [0]), /nmi: 2 labels but 1 cluster assignments/);
    assert.throws(() => clusteringAccuracy([0, -1], [0, 0]), /label 1 is -1/);
    assert.throws(() => clusteringAccuracy([], []), /no samples/);
  });
});

describe('kMeans', () => {
  it('finds the obvious clusters and their inertia (hand-computed)', () => {
    const r = kMeans({ x: Float32Array.of(0, 1, 10, 11), shape: [4, 1] }, { k: 2, restarts: 3 });
    assert.deepEqual([...r.centroids].sort((a, b) => a - b), [0.5, 10.5]);
    assert.equal(r.inertia, 1);
    assert.equal(r.assignments[0], r.assignments[1]);
    assert.equal(r.assignments[2], r.assignments[3]);
    assert.notEqual(r.assignments[0], r.assignments[2]);
  });

  it('recovers Gaussian blobs, is deterministic for a seed, and keeps the best restart', () => {
    const rng = new Rng(3);
    const centres = [[0, 0], [5, 0], [0, 5], [5, 5], [10, 10]];
    const x = new Float32Array(centres.length * 50 * 2);
    const labels: number[] = [];
    centres.forEach((c, k) => {
      for (let i = 0; i < 50; i++) {
        x[labels.length * 2] = c[0]! + 0.6 * rng.normal();
        x[labels.length * 2 + 1] = c[1]! + 0.6 * rng.normal();
        labels.push(k);
      }
    });
    const data = { x, shape: [labels.length, 2] };
    const a = kMeans(data, { k: 5, seed: 4 });
    const b = kMeans(data, { k: 5, seed: 4 });
    assert.deepEqual(a.assignments, b.assignments);
    assert.equal(clusteringAccuracy(labels, a.assignments).accuracy, 1);
    assert.equal(nmi(labels, a.assignments), 1);
    const single = kMeans(data, { k: 5, seed: 4, restarts: 1 });
    assert.ok(a.inertia <= single.inertia);
    assert.ok(a.restart >= 0 && a.restart < 10);
  });

  it('survives duplicate rows (empty clusters are re-seeded) and checks its options', () => {
    const r = kMeans({ x: Float32Array.of(0, 0, 0, 0, 5), shape: [5, 1] }, { k: 3, restarts: 2 });
    assert.ok(r.assignments.every((c) => c >= 0 && c < 3));
    assert.equal(r.inertia, 0);
    assert.throws(() => kMeans({ x: Float32Array.of(0, 1), shape: [2, 1] }, { k: 3 }), /k = 3 clusters but only 2 rows/);
    assert.throws(() => kMeans({ x: Float32Array.of(0, 1), shape: [2, 1] }, { k: 1, restarts: 0 }), /restarts must be a positive integer, got 0/);
    assert.throws(() => kMeans({ x: Float32Array.of(0, 1), shape: [3, 1] }, { k: 1 }), /shape \[3,1\] needs 3 values, x has 2/);
  });
});
