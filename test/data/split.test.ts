import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batches, type Dataset, Rng, shuffleDataset, take, trainTestSplit } from '../../src/data/index.js';

function toy(n: number, d = 2): Dataset {
  return {
    x: Float32Array.from({ length: n * d }, (_, i) => Math.floor(i / d)),
    shape: [n, d],
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    labelNames: ['a', 'b', 'c'],
    description: 'toy',
  };
}

test('take and shuffle keep samples and labels together', () => {
  const ds = toy(10);
  const t = take(ds, [3, 1]);
  assert.deepEqual([...t.x], [3, 3, 1, 1]);
  assert.deepEqual([...t.labels!], [0, 1]);
  const s = shuffleDataset(ds, 1);
  for (let i = 0; i < 10; i++) assert.equal(s.labels![i], s.x[2 * i]! % 3);
  assert.deepEqual(s.x, shuffleDataset(ds, 1).x);
  assert.notDeepEqual(s.x, ds.x);
  assert.throws(() => take(ds, [10]), RangeError);
});

test('trainTestSplit: sizes, disjoint, reproducible, stratified', () => {
  const ds = toy(100);
  const { train, test: te } = trainTestSplit(ds, { testFraction: 0.25, seed: 3 });
  assert.equal(train.shape[0], 75);
  assert.equal(te.shape[0], 25);
  const ids = (d: Dataset) => Array.from({ length: d.shape[0]! }, (_, i) => d.x[2 * i]!);
  const all = [...ids(train), ...ids(te)].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(trainTestSplit(ds, { testFraction: 0.25, seed: 3 }).test.x, te.x);
  assert.notDeepEqual(trainTestSplit(ds, { testFraction: 0.25, seed: 4 }).test.x, te.x);
  const ordered = trainTestSplit(ds, { shuffle: false, testFraction: 0.1 });
  assert.deepEqual(ids(ordered.test), [90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
  const st = trainTestSplit(toy(90), { testFraction: 1 / 3, stratify: true, seed: 1 });
  const counts = [0, 0, 0];
  for (const k of st.test.labels!) counts[k]!++;
  assert.deepEqual(counts, [10, 10, 10]);
  assert.match(st.test.description, /stratified seeded random split/);
  assert.throws(() => trainTestSplit(ds, { testFraction: 1 }), RangeError);
});

test('batches: sizes, dropLast, shuffled order covers everything; epochs differ with a shared Rng', () => {
  const ds = toy(10);
  const sizes = [...batches(ds, { batchSize: 4 })].map((b) => b.shape[0]);
  assert.deepEqual(sizes, [4, 4, 2]);
  assert.deepEqual([...batches(ds, { batchSize: 4, dropLast: true })].length, 2);
  const seen: number[] = [];
  for (const b of batches(ds, { batchSize: 3, shuffle: true, seed: 2 })) {
    assert.deepEqual(b.shape.slice(1), [2]);
    for (let i = 0; i < b.shape[0]!; i++) {
      assert.equal(b.x[2 * i], b.indices![i]);
      assert.equal(b.labels![i], b.indices![i]! % 3);
      seen.push(b.indices![i]!);
    }
  }
  assert.deepEqual(seen.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const rng = new Rng(5);
  const e1 = [...batches(ds, { batchSize: 10, shuffle: true, seed: rng })][0]!.indices;
  const e2 = [...batches(ds, { batchSize: 10, shuffle: true, seed: rng })][0]!.indices;
  assert.notDeepEqual(e1, e2);
  const again = new Rng(5);
  assert.deepEqual([...batches(ds, { batchSize: 10, shuffle: true, seed: again })][0]!.indices, e1);
  assert.throws(() => [...batches(ds, { batchSize: 0 })], RangeError);
});
