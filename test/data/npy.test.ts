import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeNpy, encodeNpz, parseNpy, parseNpyHeader, parseNpz, readNpy, readNpz, writeNpy, writeNpz } from '../../src/data/index.js';
import { openNpyStream } from '../../src/data/stream.js';
import { FIXTURES, rejectsData, tempDir, throwsData } from './helpers.js';

test('reads arrays written by NumPy (fixtures)', async () => {
  const f4 = await readNpy(join(FIXTURES, 'f4_2x3.npy'));
  assert.equal(f4.dtype, 'float32');
  assert.deepEqual(f4.shape, [2, 3]);
  assert.deepEqual([...f4.data], [0, 0.25, 0.5, 0.75, 1, 1.25]);
  const f8 = await readNpy(join(FIXTURES, 'f8_3.npy'));
  assert.deepEqual([f8.dtype, ...f8.data], ['float64', 1.5, -2.25, 1e300]);
  const u1 = await readNpy(join(FIXTURES, 'u1_2x2x2.npy'));
  assert.deepEqual(u1.shape, [2, 2, 2]);
  assert.deepEqual([...u1.data], [0, 30, 60, 90, 120, 150, 180, 210]);
  const i4 = await readNpy(join(FIXTURES, 'i4_4.npy'));
  assert.deepEqual([i4.dtype, ...i4.data], ['int32', -1, 0, 7, 2147483647]);
  const be = await readNpy(join(FIXTURES, 'be_f4_3.npy'));
  assert.deepEqual([...be.data], [1, 2.5, -3]);
});

test('reads .npz written by np.savez and np.savez_compressed', async () => {
  for (const name of ['pair.npz', 'pair_compressed.npz']) {
    const z = await readNpz(join(FIXTURES, name));
    assert.deepEqual(Object.keys(z).sort(), ['labels', 'x']);
    assert.deepEqual(z.x!.shape, [2, 3]);
    assert.deepEqual([...z.labels!.data], [3, 1]);
  }
});

test('writes byte-identical files to NumPy for the same array', () => {
  const mine = encodeNpy({ shape: [2, 3], data: Float32Array.from([0, 0.25, 0.5, 0.75, 1, 1.25]) });
  assert.deepEqual(Buffer.from(mine), readFileSync(join(FIXTURES, 'f4_2x3.npy')));
  const i4 = encodeNpy({ shape: [4], data: Int32Array.from([-1, 0, 7, 2147483647]) });
  assert.deepEqual(Buffer.from(i4), readFileSync(join(FIXTURES, 'i4_4.npy')));
});

test('round-trips float32/float64/uint8/int32 through .npy and .npz', async () => {
  const dir = tempDir();
  const arrays = {
    a: { shape: [2, 2], data: Float32Array.from([1, -2, 3.5, 1e-30]) },
    b: { shape: [3], data: Float64Array.from([1e300, -0, 5]) },
    c: { shape: [1, 2, 2], data: Uint8Array.from([0, 1, 254, 255]) },
    d: { shape: [], data: Int32Array.from([-7]) },
  };
  for (const [k, t] of Object.entries(arrays)) {
    await writeNpy(join(dir, `${k}.npy`), t);
    const r = await readNpy(join(dir, `${k}.npy`));
    assert.deepEqual(r.shape, t.shape);
    assert.deepEqual(r.data, t.data);
    // Data starts on a 64-byte boundary, as NumPy writes it.
    assert.equal(parseNpyHeader(encodeNpy(t)).dataOffset % 64, 0);
  }
  for (const compress of [false, true]) {
    await writeNpz(join(dir, 'all.npz'), arrays, compress);
    const z = await readNpz(join(dir, 'all.npz'));
    for (const [k, t] of Object.entries(arrays)) assert.deepEqual(z[k]!.data, t.data);
  }
});

test('wrong magic number', () => {
  const b = encodeNpy({ shape: [1], data: Float32Array.of(1) });
  b[1] = 0x58;
  throwsData(() => parseNpy(b, 'x.npy'), { file: 'x.npy', offset: 1, message: /wrong magic/ });
});

test('unsupported version', () => {
  const b = encodeNpy({ shape: [1], data: Float32Array.of(1) });
  b[6] = 9;
  throwsData(() => parseNpy(b, 'x.npy'), { offset: 6, message: /version 9\.0/ });
});

test('truncated header and truncated data', () => {
  const b = encodeNpy({ shape: [4], data: Float32Array.of(1, 2, 3, 4) });
  throwsData(() => parseNpy(b.subarray(0, 40), 'x.npy'), { offset: 10, message: /truncated header/ });
  throwsData(() => parseNpy(b.subarray(0, b.length - 3), 'x.npy'), { offset: parseNpyHeader(b).dataOffset, message: /16 bytes\) but file has 13 bytes of data \(truncated\?\)/ });
});

test('declared shape larger than the data', () => {
  const text = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 1000), }";
  const b = encodeNpy({ shape: [2], data: Float32Array.of(1, 2) });
  const good = parseNpyHeader(b);
  const h = new TextEncoder().encode(text.padEnd(good.dataOffset - 11) + '\n');
  b.set(h, 10);
  throwsData(() => parseNpy(b, 'x.npy'), { message: /shape \[1000, 1000\] of float32 \(4000000 bytes\) but file has 8 bytes/ });
});

test('int64 (NumPy\'s default integer) is read into int32; Fortran order into row-major order', async () => {
  const ints = await readNpy(join(FIXTURES, 'i8_2.npy'));
  assert.equal(ints.dtype, 'int32');
  assert.deepEqual(Array.from(ints.data), [1, 2]);
  const f = await readNpy(join(FIXTURES, 'fortran_2x3.npy'));
  assert.deepEqual(f.shape, [2, 3]);
  assert.deepEqual(Array.from(f.data), [0, 1, 2, 3, 4, 5]);
  // An int64 beyond int32 is refused, naming the element.
  const big = encodeNpy({ shape: [2], data: Float64Array.of(0, 0) });
  const text = new TextDecoder('latin1').decode(big.subarray(10, parseNpyHeader(big).dataOffset)).replace("'<f8'", "'<i8'");
  big.set(new TextEncoder().encode(text), 10);
  new DataView(big.buffer, big.byteOffset).setBigInt64(parseNpyHeader(big).dataOffset + 8, 1n << 40n, true);
  throwsData(() => parseNpy(big, 'big.npy'), { message: /int64 element 1 is 1099511627776, outside the int32 range/ });
  // Streaming reads rows as stored, so it refuses both with a way out.
  await assert.rejects(openNpyStream(join(FIXTURES, 'fortran_2x3.npy'), { batchSize: 2 }), /Fortran-order array cannot be streamed.*ascontiguousarray/);
  await assert.rejects(openNpyStream(join(FIXTURES, 'i8_2.npy'), { batchSize: 2 }), /int64 data cannot be streamed.*astype/);
});

test('unsupported dtypes: structured, complex', async () => {
  const mk = (descr: string) => {
    const t = `{'descr': ${descr}, 'fortran_order': False, 'shape': (1,), }`.padEnd(117) + '\n';
    const b = new Uint8Array(10 + t.length + 16);
    b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, t.length, 0]);
    b.set(new TextEncoder().encode(t), 10);
    return b;
  };
  throwsData(() => parseNpy(mk("'<c16'"), 'c.npy'), { field: 'descr', message: /unsupported dtype '<c16'/ });
  throwsData(() => parseNpy(mk("[('a', '<f4')]"), 's.npy'), { field: 'descr', message: /structured/ });
  throwsData(() => parseNpy(mk('<f4'), 'q.npy'), { offset: 20, message: /malformed header: unexpected character "<"/ });
});

test('corrupt .npz and a bad entry inside one', () => {
  throwsData(() => parseNpz(Uint8Array.from([1, 2, 3, 4]), 'z.npz'), { file: 'z.npz', message: /not a valid \.npz/ });
  const bad = encodeNpy({ shape: [2], data: Float32Array.of(1, 2) }).slice(0, 70);
  const z = encodeNpz({ ok: { shape: [1], data: Uint8Array.of(1) } });
  assert.ok(parseNpz(z).ok);
  // Build an archive whose entry is a truncated .npy.
  const zz = encodeNpzRaw({ 'bad.npy': bad });
  throwsData(() => parseNpz(zz, 'z.npz'), { file: 'z.npz', field: 'bad.npy', message: /truncated/ });
});

import { zipSync } from 'fflate';
function encodeNpzRaw(files: Record<string, Uint8Array>): Uint8Array {
  return zipSync(files);
}

test('NaN/Inf are rejected with their byte offset, or replaced when asked', async () => {
  const t = { shape: [3, 2], data: Float32Array.from([1, 2, 3, NaN, 5, Infinity]) };
  const b = encodeNpy(t);
  const off = parseNpyHeader(b).dataOffset;
  throwsData(() => parseNpy(b, 'n.npy'), { file: 'n.npy', offset: off + 3 * 4, message: /non-finite value NaN at element 3/ });
  assert.deepEqual([...parseNpy(b, 'n.npy', { nonFinite: 'zero' }).data], [1, 2, 3, 0, 5, 0]);
  assert.deepEqual([...parseNpy(b, 'n.npy', { nonFinite: -1 }).data], [1, 2, 3, -1, 5, -1]);
  // Mean of the finite values at the same position across samples.
  assert.deepEqual([...parseNpy(b, 'n.npy', { nonFinite: 'mean' }).data], [1, 2, 3, 2, 5, 2]);
  assert.ok(Number.isNaN(parseNpy(b, 'n.npy', { nonFinite: 'allow' }).data[3]));
  const z = encodeNpz({ a: t });
  throwsData(() => parseNpz(z, 'z.npz'), { file: 'z.npz', field: 'a.npy', offset: off + 12 });
  assert.equal(parseNpz(z, 'z.npz', { nonFinite: 'zero' }).a!.data[3], 0);
});
