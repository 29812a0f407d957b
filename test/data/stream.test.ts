import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeNpy, openCsvStream, openNpyStream, parseCsv, parseNpyHeader, Rng } from '../../src/data/index.js';
import { collect, rejectsData, tempDir } from './helpers.js';

test('CSV stream yields the same rows as parsing at once, across tiny chunks', async () => {
  const dir = tempDir();
  const rows = ['a,b,y'];
  for (let i = 0; i < 53; i++) rows.push(`${i},${(i * 0.5).toFixed(2)},${i % 4}`);
  const text = rows.join('\r\n') + '\r\n';
  writeFileSync(join(dir, 'd.csv'), text);
  const whole = parseCsv(text, { labelColumn: 'y' });
  // 1 KiB chunks cut lines anywhere; the stream must stitch them back.
  const s = await openCsvStream(join(dir, 'd.csv'), { batchSize: 10, labelColumn: 'y', chunkBytes: 1024 });
  assert.deepEqual(s.columns, ['a', 'b']);
  for (let epoch = 0; epoch < 2; epoch++) {
    const bs = await collect(s);
    assert.deepEqual(bs.map((b) => b.shape[0]), [10, 10, 10, 10, 10, 3]);
    assert.deepEqual(Float32Array.from(bs.flatMap((b) => [...b.x])), whole.x);
    assert.deepEqual(Int32Array.from(bs.flatMap((b) => [...b.labels!])), whole.labels);
    assert.deepEqual(bs[5]!.indices, Int32Array.of(50, 51, 52));
    assert.equal(s.rows, 53);
  }
});

test('CSV stream: multi-byte UTF-8 split across chunks, headerless file, one line without newline', async () => {
  const dir = tempDir();
  const name = 'é'.repeat(600);
  writeFileSync(join(dir, 'u.csv'), `${name},b\n1,2\n3,4`);
  const s = await openCsvStream(join(dir, 'u.csv'), { batchSize: 5, chunkBytes: 1024 });
  assert.deepEqual(s.columns, [name, 'b']);
  assert.deepEqual([...(await collect(s))[0]!.x], [1, 2, 3, 4]);
  writeFileSync(join(dir, 'one.csv'), '7,8');
  const one = await collect(await openCsvStream(join(dir, 'one.csv'), { batchSize: 5 }));
  assert.deepEqual([...one[0]!.x], [7, 8]);
});

test('CSV stream errors carry the line number, even deep in the file', async () => {
  const dir = tempDir();
  const rows = ['a,b'];
  for (let i = 0; i < 5000; i++) rows.push(i === 4321 ? '1,oops' : '1,2');
  writeFileSync(join(dir, 'bad.csv'), rows.join('\n'));
  const s = await openCsvStream(join(dir, 'bad.csv'), { batchSize: 100, chunkBytes: 4096 });
  await rejectsData(collect(s), { file: 'bad.csv', line: 4323, field: 'b', message: /non-numeric value "oops"/ });
  writeFileSync(join(dir, 'rag.csv'), 'a,b\n1,2\n3\n');
  await rejectsData(collect(await openCsvStream(join(dir, 'rag.csv'), { batchSize: 1 })), { line: 3, message: /ragged/ });
  writeFileSync(join(dir, 'empty.csv'), '\n');
  await rejectsData(openCsvStream(join(dir, 'empty.csv'), { batchSize: 1 }), { file: 'empty.csv', message: /empty/ });
  writeFileSync(join(dir, 'long.csv'), 'x'.repeat(5000));
  await rejectsData(openCsvStream(join(dir, 'long.csv'), { batchSize: 1, chunkBytes: 1024, maxLineLength: 2000 }), { line: 1, message: /line longer than 2000/ });
  writeFileSync(join(dir, 'nan.csv'), 'a\n1\nNaN\n');
  const imputed = await collect(await openCsvStream(join(dir, 'nan.csv'), { batchSize: 5, impute: 0 }));
  assert.deepEqual([...imputed[0]!.x], [1, 0]);
  await assert.rejects(openCsvStream(join(dir, 'nan.csv'), { batchSize: 5, impute: 'mean' as never }), /needs the whole file/);
});

test('NPY stream reads batches along the first axis with any dtype', async () => {
  const dir = tempDir();
  const data = Uint8Array.from({ length: 7 * 2 * 3 }, (_, i) => i);
  writeFileSync(join(dir, 'u.npy'), encodeNpy({ shape: [7, 2, 3], data }));
  const s = await openNpyStream(join(dir, 'u.npy'), { batchSize: 3, scale: 0.5 });
  assert.deepEqual(s.shape, [7, 2, 3]);
  const bs = await collect(s);
  assert.deepEqual(bs.map((b) => b.shape), [[3, 2, 3], [3, 2, 3], [1, 2, 3]]);
  assert.deepEqual(Float32Array.from(bs.flatMap((b) => [...b.x])), Float32Array.from(data, (v) => v * 0.5));
  // Block shuffle: every sample exactly once, rows intact, reproducible.
  const rng = new Rng(4);
  const sh = await collect(await openNpyStream(join(dir, 'u.npy'), { batchSize: 3, shuffle: true, seed: rng }));
  const order = sh.flatMap((b) => [...b.indices!]);
  assert.deepEqual([...order].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6]);
  for (const b of sh) for (let i = 0; i < b.shape[0]!; i++) assert.equal(b.x[6 * i], b.indices![i]! * 6);
});

test('NPY stream rejects bad headers and size mismatches before reading data', async () => {
  const dir = tempDir();
  const good = encodeNpy({ shape: [4, 2], data: new Float32Array(8) });
  writeFileSync(join(dir, 't.npy'), good.subarray(0, good.length - 4));
  await rejectsData(openNpyStream(join(dir, 't.npy'), { batchSize: 2 }), { file: 't.npy', message: /32 bytes\) but file has 28 bytes of data \(truncated\?\)/ });
  writeFileSync(join(dir, 'm.npy'), 'hello');
  await rejectsData(openNpyStream(join(dir, 'm.npy'), { batchSize: 2 }), { offset: 0, message: /wrong magic/ });
  await rejectsData(openNpyStream(join(dir, 'none.npy'), { batchSize: 2 }), { file: 'none.npy', message: /not found/ });
});

test('NPY stream: NaN/Inf rejected with the byte offset, or replaced', async () => {
  const dir = tempDir();
  const b = encodeNpy({ shape: [4, 2], data: Float32Array.from([0, 1, 2, 3, 4, 5, NaN, 7]) });
  writeFileSync(join(dir, 'n.npy'), b);
  const off = parseNpyHeader(b).dataOffset;
  await rejectsData(collect(await openNpyStream(join(dir, 'n.npy'), { batchSize: 3 })), { file: 'n.npy', offset: off + 6 * 4, message: /in sample 3/ });
  const ok = await collect(await openNpyStream(join(dir, 'n.npy'), { batchSize: 3, nonFinite: 9 }));
  assert.equal(ok[1]!.x[0], 9);
  await assert.rejects(openNpyStream(join(dir, 'n.npy'), { batchSize: 3, nonFinite: 'mean' as never }), /needs the whole file/);
});
