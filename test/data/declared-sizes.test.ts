import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeNpy, encodeNpz, openNpyStream, parseJsonData, parseNpz } from '../../src/data/index.js';
import { collect, tempDir, throwsData } from './helpers.js';

/** An .npz of one float32 [4] array whose central directory says `originalSize` bytes uncompressed. */
function npzDeclaring(originalSize: number, compress: boolean): Buffer {
  const z = Buffer.from(encodeNpz({ a: { shape: [4], data: Float32Array.of(1, 2, 3, 4) } }, compress));
  const cd = z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  z.writeUInt32LE(originalSize, cd + 24);
  return z;
}

test('NPZ: sizes in the zip directory are checked before fflate allocates for them', () => {
  // 179 bytes claiming a 4 GB entry: fflate allocated the 4 GB before inflating 144 bytes into it.
  const before = process.memoryUsage().arrayBuffers;
  throwsData(() => parseNpz(npzDeclaring(0xf0000000, true), 'bomb.npz'),
    { file: 'bomb.npz', field: 'a.npy', message: /declares 4026531840 bytes uncompressed from \d+ compressed bytes, more than deflate can produce/ });
  assert.ok(process.memoryUsage().arrayBuffers - before < 100e6);
  throwsData(() => parseNpz(npzDeclaring(200, false), 's.npz'), { field: 'a.npy', message: /stored \(uncompressed\) entry declares 200 bytes but occupies 144/ });
  // Declared larger than the stream inflates to: the entry was accepted as if whole.
  throwsData(() => parseNpz(npzDeclaring(200, true), 'short.npz'), { field: 'a.npy', message: /entry holds 144 bytes but the archive's directory declares 200 \(truncated or damaged archive\)/ });
  // A stored entry whose data runs past the end of the file.
  const z = Buffer.from(encodeNpz({ a: { shape: [4], data: new Float32Array(4) } }, false));
  const cd = z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  z.writeUInt32LE(cd - 10, cd + 42); // local header offset moved so the data overlaps the directory's end
  throwsData(() => parseNpz(z, 'past.npz'), { file: 'past.npz', field: 'a.npy', message: /entry holds 0 bytes but the archive's directory declares 144/ });
  assert.deepEqual(Array.from(parseNpz(npzDeclaring(144, true), 'ok.npz').a!.data), [1, 2, 3, 4]);
});

test('JSON: a ragged array implying more values than the text holds is rejected without allocating for them', () => {
  // 60 kB whose first row implies shape [15001, 15000]: 900 MB were allocated before the ragged row was found;
  // at 70000 the implied length exceeded what a typed array can hold and a RangeError escaped.
  for (const n of [15000, 70000]) {
    const text = `[[${Array(n).fill(1).join(',')}]${',1'.repeat(n)}]`;
    const before = process.memoryUsage().arrayBuffers;
    throwsData(() => parseJsonData(text, 'r.json'), { file: 'r.json', field: '[1]', message: new RegExp(`ragged array: expected an array of length ${n} \\(shape \\[${n + 1}, ${n}\\]\\)`) });
    assert.ok(process.memoryUsage().arrayBuffers - before < 100e6);
  }
  // The bound is never too tight: single-digit numbers packed as densely as JSON allows.
  const dense = parseJsonData('[[1,2],[3,4]]', 'd.json');
  assert.deepEqual(Array.from(dense.x), [1, 2, 3, 4]);
  assert.deepEqual(parseJsonData('[1]', 'one.json').shape, [1]);
});

test('NPY stream: a batch size beyond the samples in the file does not allocate for missing rows', async () => {
  const dir = tempDir();
  // One 8 MB sample read with batchSize 4096 asked for a 32 GB buffer (RangeError).
  const one = join(dir, 'one.npy');
  writeFileSync(one, encodeNpy({ shape: [1, 2_000_000], data: new Float32Array(2_000_000).fill(0.5) }));
  const bs = await collect(await openNpyStream(one, { batchSize: 4096 }));
  assert.equal(bs.length, 1);
  assert.deepEqual(bs[0]!.shape, [1, 2_000_000]);
  assert.equal(bs[0]!.x[1_999_999], 0.5);
  // Zero samples of a huge declared sample shape: nothing to read, nothing allocated.
  const none = join(dir, 'none.npy');
  writeFileSync(none, encodeNpy({ shape: [0, 100_000, 100_000], data: new Float32Array(0) }));
  assert.deepEqual(await collect(await openNpyStream(none, { batchSize: 16 })), []);
});
