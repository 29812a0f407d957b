import assert from 'node:assert/strict';
import { test } from 'node:test';
import { knnMeanDistance } from '../../src/anomaly/knn.js';

function randomRows(n: number, dim: number, seed: number, scale = 1): Float32Array {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  return Float32Array.from({ length: n * dim }, () => next() * scale);
}

test('k-NN over a typed-array reference (k-d tree) gives the plain scan\'s means to the bit', () => {
  for (const [n, dim, k] of [[2000, 4, 5], [600, 2, 1], [1000, 3, 40], [300, 6, 7]] as const) {
    const reference = randomRows(n, dim, n + dim);
    // Ties and duplicates: a block of identical rows and rows sharing one coordinate.
    for (let i = 1; i <= 60; i++) for (let j = 0; j < dim; j++) reference[i * dim + j] = j === 0 || i <= 30 ? reference[j]! : reference[i * dim + j]!;
    const queries = randomRows(400, dim, 7, 3);
    queries.set(reference.subarray(0, dim), 0); // a query on top of the duplicated block
    const tree = knnMeanDistance(reference, queries, dim, k);
    const scan = knnMeanDistance(Array.from(reference), queries, dim, k); // a plain array is copied per call: the scan
    assert.deepEqual(Array.from(tree), Array.from(scan), `n ${n}, dim ${dim}, k ${k}`);
    assert.deepEqual(Array.from(knnMeanDistance(reference, queries, dim, k)), Array.from(scan), 'the cached tree, second call');
  }
});

test('k-NN with every reference row equal still finds k neighbours', () => {
  const reference = new Float32Array(300 * 2).fill(1);
  const out = knnMeanDistance(reference, Float32Array.from([1, 1, 4, 5]), 2, 3);
  assert.deepEqual(Array.from(out), [0, 5]);
});
