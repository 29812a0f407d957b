/**
 * .npz entries are checked against their CRC-32: fflate does not check it,
 * so a changed byte in a stored entry used to load silently.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32, crc32Portable } from '../../src/data/crc32.js';
import { encodeNpz, parseNpz, readNpz } from '../../src/data/index.js';
import { FIXTURES, rejectsData, tempDir, throwsData } from './helpers.js';

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const eocdOf = (z: Uint8Array) => {
  for (let i = z.length - 22; i >= 0; i--) if (u32(z, i) === 0x06054b50) return i;
  throw new Error('no EOCD');
};

/** A stored (uncompressed) archive of one float32 entry x.npy; returns it and where the entry's data starts. */
function storedNpz(): { z: Uint8Array; data: number } {
  const z = encodeNpz({ x: { shape: [4, 4], data: Float32Array.from({ length: 16 }, (_, i) => i / 16) } });
  assert.equal(u32(z, 0), 0x04034b50);
  const nameLen = z[26]! | (z[27]! << 8);
  const extraLen = z[28]! | (z[29]! << 8);
  return { z, data: 30 + nameLen + extraLen };
}

test('CRC-32 is the zip polynomial, native and portable alike', () => {
  const check = new TextEncoder().encode('123456789');
  assert.equal(crc32Portable(check), 0xcbf43926); // the standard check value
  assert.equal(crc32(check), 0xcbf43926);
  const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 2654435761) >>> 24);
  assert.equal(crc32Portable(bytes), crc32(bytes));
  assert.equal(crc32Portable(new Uint8Array(0)), 0);
});

test('a changed byte in a stored entry is an error naming the file and the entry', async () => {
  const { z, data } = storedNpz();
  assert.equal(parseNpz(z, 'ok.npz').x!.data[5], 5 / 16);
  // In the .npy header, the first value, the last byte of the data.
  for (const at of [data + 10, data + 128 + 7, data + 191]) {
    const bad = z.slice();
    bad[at]! ^= 0x01;
    throwsData(() => parseNpz(bad, 'bad.npz'), { file: 'bad.npz', field: 'x.npy', message: /^bad\.npz: field "x\.npy": entry data fails its CRC-32 check \(computed 0x[0-9a-f]{8}, the central directory says 0x[0-9a-f]{8}\): the archive is damaged$/ });
  }
  const dir = tempDir();
  const bad = z.slice();
  bad[data + 150]! ^= 0x80;
  writeFileSync(join(dir, 'flip.npz'), bad);
  await rejectsData(readNpz(join(dir, 'flip.npz')), { file: 'flip.npz', field: 'x.npy', message: /CRC-32/ });
});

test('a damaged CRC in the central directory or the local header is an error', () => {
  const { z } = storedNpz();
  const cd = u32(z, eocdOf(z) + 16);
  const central = z.slice();
  central[cd + 16]! ^= 0xff;
  throwsData(() => parseNpz(central, 'c.npz'), { field: 'x.npy', message: /fails its CRC-32 check/ });
  const local = z.slice();
  local[14]! ^= 0xff;
  throwsData(() => parseNpz(local, 'l.npz'), { field: 'x.npy', message: /local header gives CRC-32 0x[0-9a-f]{8} but the central directory 0x[0-9a-f]{8}: the archive is damaged/ });
});

test('compressed entries and NumPy-written archives pass the check', () => {
  const t = { shape: [64], data: Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)) };
  assert.deepEqual([...parseNpz(encodeNpz({ a: t, b: t }, true), 'c.npz').b!.data], [...t.data]);
  // np.savez and np.savez_compressed (NumPy 2.4, zip64 extra fields in the local headers).
  for (const name of ['pair.npz', 'pair_compressed.npz']) assert.deepEqual(Object.keys(parseNpz(readFileSync(join(FIXTURES, name)), name)).sort(), ['labels', 'x']);
});

test('the directory is found through a zip64 end record too', () => {
  const { z, data } = storedNpz();
  const eocd = eocdOf(z);
  const cdSize = u32(z, eocd + 12);
  const cdOffset = u32(z, eocd + 16);
  // [entries, central directory] + zip64 end record + its locator + an end record pointing at them.
  const z64 = new Uint8Array(eocd + 56 + 20 + 22);
  z64.set(z.subarray(0, eocd));
  const dv = new DataView(z64.buffer);
  dv.setUint32(eocd, 0x06064b50, true);
  dv.setBigUint64(eocd + 4, 44n, true);
  dv.setUint16(eocd + 12, 45, true);
  dv.setUint16(eocd + 14, 45, true);
  dv.setBigUint64(eocd + 24, 1n, true);
  dv.setBigUint64(eocd + 32, 1n, true);
  dv.setBigUint64(eocd + 40, BigInt(cdSize), true);
  dv.setBigUint64(eocd + 48, BigInt(cdOffset), true);
  const loc = eocd + 56;
  dv.setUint32(loc, 0x07064b50, true);
  dv.setBigUint64(loc + 8, BigInt(eocd), true);
  dv.setUint32(loc + 16, 1, true);
  const end = loc + 20;
  dv.setUint32(end, 0x06054b50, true);
  dv.setUint16(end + 8, 0xffff, true);
  dv.setUint16(end + 10, 0xffff, true);
  dv.setUint32(end + 12, 0xffffffff, true);
  dv.setUint32(end + 16, 0xffffffff, true);
  assert.equal(parseNpz(z64, 'z64.npz').x!.data[3], 3 / 16);
  z64[data + 20]! ^= 0x04;
  throwsData(() => parseNpz(z64, 'z64.npz'), { field: 'x.npy', message: /fails its CRC-32 check/ });
});
