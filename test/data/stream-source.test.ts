import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_SHUFFLE_BUFFER, encodeNpy, isStreamSource, MinMaxScaler, Rng, streamBatches, streamSource } from '../../src/data/index.js';
import { collect, rejectsData, tempDir } from './helpers.js';

/** n samples of d values where every value of sample i is i, so rows are recognisable after shuffling. */
function rowsFile(dir: string, n: number, d: number): string {
  const path = join(dir, `rows-${n}x${d}.npy`);
  writeFileSync(path, encodeNpy({ shape: [n, d], data: Float32Array.from({ length: n * d }, (_, k) => Math.floor(k / d)) }));
  return path;
}

test('streamSource is a plain JSON description with the format from the extension', () => {
  const scaler = new MinMaxScaler().fit({ x: Float32Array.of(0, 1, 2, 3), shape: [2, 2] });
  const s = streamSource('data/x.CSV', { labelColumn: 'y', scaler, shuffleBuffer: 10 });
  assert.equal(s.kind, 'csv');
  assert.ok(s.path.endsWith('data/x.CSV') && s.path.startsWith('/'));
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  assert.deepEqual(s.scaler, scaler.toJSON());
  assert.ok(isStreamSource(s) && !isStreamSource({ x: new Float32Array(1), shape: [1, 1] }));
  assert.equal(streamSource('a.bin', { format: 'npy' }).kind, 'npy');
  assert.throws(() => streamSource('a.npy', { shuffleBuffer: 0 }), /shuffleBuffer must be a positive integer, got 0/);
  assert.throws(() => streamSource('a.npy', { sampleShape: [2, -1] }), /sampleShape\[1\] must be a positive integer/);
  assert.ok(DEFAULT_SHUFFLE_BUFFER > 0);
});

test('streamBatches: exact batch sizes, file order without shuffle', async () => {
  const dir = tempDir();
  const path = rowsFile(dir, 103, 3);
  const bs = await collect(streamBatches(streamSource(path, { readBlock: 7 }), { batchSize: 25 }));
  assert.deepEqual(bs.map((b) => b.shape), [[25, 3], [25, 3], [25, 3], [25, 3], [3, 3]]);
  assert.deepEqual(bs.flatMap((b) => [...b.indices!]), Array.from({ length: 103 }, (_, i) => i));
  assert.deepEqual([...bs[4]!.x], [100, 100, 100, 101, 101, 101, 102, 102, 102]);
});

test('streamBatches: shuffle buffer visits every sample once with rows intact, reproducibly, mixing beyond the buffer', async () => {
  const dir = tempDir();
  const path = rowsFile(dir, 500, 4);
  const src = streamSource(path, { shuffleBuffer: 40, readBlock: 16 });
  const order = async (seed: number | Rng) => {
    const bs = await collect(streamBatches(src, { batchSize: 32, shuffle: seed }));
    for (const b of bs) for (let i = 0; i < b.shape[0]!; i++) for (let j = 0; j < 4; j++) assert.equal(b.x[i * 4 + j], b.indices![i]);
    return bs.flatMap((b) => [...b.indices!]);
  };
  const a = await order(3);
  assert.deepEqual([...a].sort((p, q) => p - q), Array.from({ length: 500 }, (_, i) => i));
  assert.deepEqual(await order(3), a);
  assert.notDeepEqual(await order(4), a);
  // Blocks are read in random order, so the first batch is not just the file's first rows.
  assert.ok(a.slice(0, 32).some((i) => i >= 100), `first batch ${a.slice(0, 32)}`);
  // One generator across epochs gives a different order each epoch.
  const rng = new Rng(9);
  assert.notDeepEqual(await order(rng), await order(rng));
  // CSV is read in order, but the buffer still mixes it.
  writeFileSync(join(dir, 'r.csv'), Array.from({ length: 200 }, (_, i) => `${i},${i}`).join('\n'));
  const csv = await collect(streamBatches(streamSource(join(dir, 'r.csv'), { shuffleBuffer: 64 }), { batchSize: 50, shuffle: 1 }));
  const seen = csv.flatMap((b) => [...b.indices!]);
  assert.deepEqual([...seen].sort((p, q) => p - q), Array.from({ length: 200 }, (_, i) => i));
  assert.notDeepEqual(seen, Array.from({ length: 200 }, (_, i) => i));
});

test('streamBatches applies the scaler and rejects values that scaling makes non-finite', async () => {
  const dir = tempDir();
  const path = rowsFile(dir, 10, 2);
  const scaler = new MinMaxScaler().fit({ x: Float32Array.from({ length: 20 }, (_, k) => Math.floor(k / 2)), shape: [10, 2] });
  const bs = await collect(streamBatches(streamSource(path, { scaler }), { batchSize: 10 }));
  assert.deepEqual([...bs[0]!.x].filter((_, k) => k % 2 === 0).map((v) => +v.toFixed(6)), Array.from({ length: 10 }, (_, i) => +(i / 9).toFixed(6)));
  // A tiny range scales x by 1e38: from x = 4 on the result overflows float32.
  const tiny = MinMaxScaler.fromJSON({ kind: 'minmax', axis: 'feature', sampleShape: [2], min: [0, 0], max: [1e-38, 1e-38], count: 1, clip: false });
  await rejectsData(collect(streamBatches(streamSource(path, { scaler: tiny }), { batchSize: 4 })), { file: path.split('/').pop()!, message: /non-finite value Infinity at sample 4, element 0 after scaling/ });
});
