/**
 * The indexed k-NN (src/anomaly/knn-index.ts: ONNX Runtime shortlists, the
 * scan's float64 code measures) gives knnMeanDistance's means to the bit:
 * unit codes as the cosine metric makes them, codes of large values, exact
 * copies and ties, a query with NaN, and a reference of identical rows (more
 * rows inside the error margin than the shortlist holds: the fallback scan).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { knnMeanDistance } from '../../src/anomaly/knn.js';
import { INDEX_MIN_PAIRS, INDEX_MIN_ROWS, knnMeanDistanceIndexed, usesIndex } from '../../src/anomaly/knn-index.js';
import { unitRows } from '../../src/eval/stats.js';

function clusteredRows(n: number, dim: number, seed: number, scale: number): Float32Array {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const centres = Array.from({ length: 10 }, () => Array.from({ length: dim }, () => next() * 4));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[i % 10]!;
    for (let j = 0; j < dim; j++) out[i * dim + j] = (c[j]! + next() * 0.3) * scale;
  }
  return out;
}

/** The scan: a plain array is copied per call, so knnMeanDistance neither builds a tree nor reuses one. */
const scan = (reference: ArrayLike<number>, queries: ArrayLike<number>, dim: number, k: number) => Array.from(knnMeanDistance(Array.from(reference), queries, dim, k));

test('indexed k-NN: the scan\'s means to the bit, for unit codes and for codes of large values', async () => {
  for (const [dim, k, scale, unit] of [[16, 5, 1, true], [16, 1, 1000, false], [12, 20, 0.01, false], [32, 5, 1, true]] as const) {
    const raw = clusteredRows(3000, dim, dim * 7 + k, scale);
    // Copies and ties: rows 1–20 repeat row 0, so a query on row 0 has 21 neighbours at distance 0.
    for (let i = 1; i <= 20; i++) raw.copyWithin(i * dim, 0, dim);
    const reference = unit ? unitRows(raw, dim) : raw;
    const rawQueries = clusteredRows(300, dim, 99 + dim, scale * 1.2);
    rawQueries.set(raw.subarray(0, dim), 0);
    rawQueries.set(raw.subarray(dim * 500, dim * 501), dim);
    const queries = unit ? unitRows(rawQueries, dim) : rawQueries;
    assert.ok(usesIndex(reference, dim, 300));
    const indexed = Array.from(await knnMeanDistanceIndexed(reference, queries, dim, k));
    assert.deepEqual(indexed, scan(reference, queries, dim, k), `dim ${dim}, k ${k}, scale ${scale}`);
    assert.deepEqual(Array.from(await knnMeanDistanceIndexed(reference, queries, dim, k)), indexed, 'the kept index, second call');
  }
});

test('indexed k-NN: a query with NaN and a reference of identical rows come out as the scan\'s', async () => {
  const dim = 8;
  const same = new Float32Array(INDEX_MIN_ROWS * dim).fill(0.25);
  const queries = Float32Array.from({ length: 3 * dim }, (_, i) => (i < dim ? 0.25 : i < 2 * dim ? Math.sin(i) : i === 2 * dim ? Number.NaN : 1));
  assert.deepEqual(Array.from(await knnMeanDistanceIndexed(same, queries, dim, 30)), scan(same, queries, dim, 30));
});

test('the index is for many rows of more values than a k-d tree prunes, made for a call worth it', async () => {
  const many = Math.ceil(INDEX_MIN_PAIRS / INDEX_MIN_ROWS);
  const reference = clusteredRows(INDEX_MIN_ROWS, 16, 5, 1);
  assert.equal(usesIndex(reference, 16, many), true);
  assert.equal(usesIndex(reference, 16, 1), false, 'one row, no index yet: the scan');
  await knnMeanDistanceIndexed(reference, clusteredRows(many, 16, 6, 1), 16, 5);
  assert.equal(usesIndex(reference, 16, 1), true, 'one row once the index exists');
  assert.equal(usesIndex(new Float32Array((INDEX_MIN_ROWS - 1) * 16), 16, 1e6), false, 'few rows: the scan');
  assert.equal(usesIndex(new Float32Array(INDEX_MIN_ROWS * 6), 6, 1e6), false, 'six values: the k-d tree');
  assert.equal(usesIndex(Array.from({ length: INDEX_MIN_ROWS * 16 }, () => 0), 16, 1e6), false, 'a plain array');
});
