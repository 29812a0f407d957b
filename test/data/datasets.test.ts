import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clearDatasetCache, datasets, DataFormatError, FASHION_MNIST_LABELS, parseFashionClassFile } from '../../src/data/index.js';
import { throwsData } from './helpers.js';

test('MNIST train: 60k flat samples in [0,1] with labels from the IDX files', () => {
  const ds = datasets.mnist();
  assert.deepEqual(ds.shape, [60000, 784]);
  assert.equal(ds.x.length, 60000 * 784);
  assert.equal(ds.labels!.length, 60000);
  assert.deepEqual([...ds.labels!.subarray(0, 5)], [5, 0, 4, 1, 9]);
  let max = 0;
  for (let i = 0; i < 784 * 100; i++) max = Math.max(max, ds.x[i]!);
  assert.equal(max, 1);
  const counts = new Array(10).fill(0);
  for (const k of ds.labels!) counts[k]++;
  assert.deepEqual(counts, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.match(ds.description, /MNIST train split/);
});

test('MNIST test: image shape, raw values, limit, custom shape', () => {
  const ds = datasets.mnist({ split: 'test', shape: 'image', normalize: false, limit: 3 });
  assert.deepEqual(ds.shape, [3, 1, 28, 28]);
  assert.deepEqual([...ds.labels!], [7, 2, 1]);
  assert.ok(ds.x.some((v) => v === 255));
  assert.ok(ds.x.every((v) => Number.isInteger(v)));
  assert.match(ds.description, /first 3 of 10000/);
  assert.deepEqual(datasets.mnist({ split: 'test', shape: [28, 28], limit: 1 }).shape, [1, 28, 28]);
  clearDatasetCache();
  const head = datasets.mnist({ split: 'test', limit: 7 }); // read from the files' first bytes alone
  const all = datasets.mnist({ split: 'test' });
  assert.equal(all.shape[0], 10000);
  assert.deepEqual(head.x, all.x.subarray(0, 7 * 784));
  assert.deepEqual(head.labels, all.labels!.subarray(0, 7));
  assert.match(head.description, /first 7 of 10000/);
  assert.throws(() => datasets.mnist({ shape: [10, 10] }), /does not hold the 784 pixels/);
  assert.throws(() => datasets.mnist({ split: 'val' as never }), /split must be/);
});

test('Fashion-MNIST: deterministic 60k/10k split, interleaved classes, documented', () => {
  const tr = datasets.fashionMnist({ split: 'train' });
  const te = datasets.fashionMnist({ split: 'test', shape: 'image' });
  assert.deepEqual(tr.shape, [60000, 784]);
  assert.deepEqual(te.shape, [10000, 1, 28, 28]);
  assert.deepEqual(tr.labelNames, FASHION_MNIST_LABELS);
  for (let i = 0; i < 30; i++) assert.equal(tr.labels![i], i % 10);
  for (const ds of [tr, te]) {
    const counts = new Array(10).fill(0);
    for (const k of ds.labels!) counts[k]++;
    assert.ok(counts.every((c) => c === ds.shape[0]! / 10));
  }
  assert.match(tr.description, /first 6000 → train, last 1000 → test/);
  // Trousers (class 1) are tall and narrow: the centre column is brighter than the edges.
  let centre = 0, edge = 0;
  for (let i = 1; i < 1000; i += 10) {
    for (let y = 4; y < 24; y++) { centre += tr.x[i * 784 + y * 28 + 10]!; edge += tr.x[i * 784 + y * 28 + 1]!; }
  }
  assert.ok(centre > 5 * edge);
  // Same call, same data (cached raw bytes, fresh float copies).
  const again = datasets.fashionMnist({ split: 'test', limit: 10 });
  assert.deepEqual(again.x, te.x.subarray(0, 7840));
  again.x[0] = 42;
  assert.notEqual(datasets.fashionMnist({ split: 'test', limit: 1 }).x[0], 42);
});

test('the Fashion-MNIST class-file scanner rejects malformed input with offsets', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const img = Array(784).fill(7).join(',');
  assert.equal(parseFashionClassFile(enc(`{"data":[[${img}],[]]}`), 'c.json').length, 1);
  throwsData(() => parseFashionClassFile(enc('{"data":[[1,2'), 'c.json'), { file: 'c.json', offset: 13 });
  throwsData(() => parseFashionClassFile(enc('{"data":[[256]]}'), 'c.json'), { message: /outside 0\.\.255/ });
  throwsData(() => parseFashionClassFile(enc('{"data":[[1,2]]}'), 'c.json'), { message: /has 2 pixels, expected 784/ });
  throwsData(() => parseFashionClassFile(enc('{"date":[]}'), 'c.json'), { offset: 5, message: /"data"/ });
  assert.throws(() => parseFashionClassFile(enc(''), 'c.json'), DataFormatError);
});

test('the class-file scanner skips the first images without decoding them; empty entries are not counted', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const img = (v: number) => Array(784).fill(v).join(',');
  const file = enc(`{"data":[[${img(1)}], [ ],[${img(2)}],[${img(3)}]\n]}`);
  assert.deepEqual(parseFashionClassFile(file, 'c.json', 1).map((b) => b[0]), [2, 3]);
  assert.deepEqual(parseFashionClassFile(file, 'c.json', 2).map((b) => b[0]), [3]);
  assert.deepEqual(parseFashionClassFile(file, 'c.json', 5), []);
  // A skipped image is not checked; the ones after it are, numbered from the file's start.
  throwsData(() => parseFashionClassFile(enc(`{"data":[[999],[1,2]]}`), 'c.json', 1), { message: /image 1 has 2 pixels/ });
  throwsData(() => parseFashionClassFile(enc('{"data":[[1,2'), 'c.json', 1), { file: 'c.json', message: /no closing/ });
});

test('Fashion-MNIST test split loaded alone equals the one built with the training split', () => {
  clearDatasetCache();
  const alone = datasets.fashionMnist({ split: 'test', normalize: false });
  clearDatasetCache();
  datasets.fashionMnist({ split: 'train', limit: 1 });
  const withTrain = datasets.fashionMnist({ split: 'test', normalize: false });
  assert.deepEqual(alone.labels, withTrain.labels);
  assert.deepEqual(alone.x, withTrain.x);
  assert.equal(alone.description, withTrain.description);
});
