import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { constants as zlibConstants, deflateSync } from 'node:zlib';
import { decodeImage, imageToChw, loadImageFolder, MAX_IMAGE_PIXELS, resizePlane } from '../../src/data/index.js';
import { rejectsData, tempDir, throwsData } from './helpers.js';

/** A PNG whose pixel (x, y) has colour f(x, y). */
function png(w: number, h: number, f: (x: number, y: number) => [number, number, number]): Buffer {
  const p = new pngjs.PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = f(x, y);
      p.data.set([r, g, b, 255], 4 * (y * w + x));
    }
  }
  return pngjs.PNG.sync.write(p);
}

function jpg(w: number, h: number, v: number): Buffer {
  const data = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([v, v, v, 255], 4 * i);
  return jpeg.encode({ width: w, height: h, data }, 95).data;
}

test('decodes PNG and JPEG, by signature', () => {
  const a = decodeImage(png(3, 2, (x, y) => [x * 10, y * 10, 7]));
  assert.equal(a.width, 3);
  assert.equal(a.height, 2);
  assert.deepEqual([...a.data.subarray(4 * 5, 4 * 6)], [20, 10, 7, 255]);
  const b = decodeImage(jpg(8, 8, 200));
  assert.equal(b.width, 8);
  assert.ok(Math.abs(b.data[0]! - 200) <= 2);
});

test('grayscale uses BT.601 luma; RGB keeps channels in CHW order', () => {
  const img = decodeImage(png(2, 1, (x) => (x === 0 ? [255, 0, 0] : [0, 0, 255])));
  const g = imageToChw(img, { channels: 1 });
  assert.deepEqual(g.shape, [1, 1, 2]);
  assert.ok(Math.abs(g.data[0]! - 0.299) < 1e-6 && Math.abs(g.data[1]! - 0.114) < 1e-6);
  const c = imageToChw(img, { channels: 3, normalize: false });
  assert.deepEqual([...c.data], [255, 0, 0, 0, 0, 255]);
});

test('resizing: area average when shrinking, bilinear when enlarging', () => {
  // 4×4 → 2×2 averages 2×2 blocks exactly.
  const src = Float32Array.from({ length: 16 }, (_, i) => i);
  assert.deepEqual([...resizePlane(src, 4, 4, 2, 2)], [2.5, 4.5, 10.5, 12.5]);
  // A constant image stays constant at any size.
  const flat = new Float32Array(35).fill(0.5);
  for (const v of resizePlane(flat, 5, 7, 28, 28)) assert.ok(Math.abs(v - 0.5) < 1e-6);
  for (const v of resizePlane(flat, 5, 7, 3, 2)) assert.ok(Math.abs(v - 0.5) < 1e-6);
  // Enlarging 1×2 → 1×4: [0, 1] → [0, .25, .75, 1].
  assert.deepEqual([...resizePlane(Float32Array.of(0, 1), 1, 2, 1, 4)], [0, 0.25, 0.75, 1]);
});

test('a folder with class subfolders → NCHW dataset with labels, resized', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'cats'));
  mkdirSync(join(dir, 'dogs'));
  writeFileSync(join(dir, 'dogs', 'b.png'), png(10, 10, () => [255, 255, 255]));
  writeFileSync(join(dir, 'dogs', 'a.jpg'), jpg(16, 16, 0));
  writeFileSync(join(dir, 'cats', 'z.PNG'), png(4, 8, () => [0, 0, 0]));
  writeFileSync(join(dir, 'cats', 'notes.txt'), 'ignored');
  const ds = await loadImageFolder(dir, { size: 6 });
  assert.deepEqual(ds.shape, [3, 1, 6, 6]);
  assert.deepEqual(ds.labelNames, ['cats', 'dogs']);
  assert.deepEqual([...ds.labels!], [0, 1, 1]);
  // Sorted order: cats/z.PNG, dogs/a.jpg, dogs/b.png.
  assert.ok(ds.x[0]! === 0 && ds.x[36]! < 0.02 && Math.abs(ds.x[72]! - 1) < 1e-6);
  assert.match(ds.description, /2 classes from subfolders/);
  const rgb = await loadImageFolder(dir, { size: [5, 7], channels: 3, normalize: false });
  assert.deepEqual(rgb.shape, [3, 3, 5, 7]);
  assert.equal(rgb.x[2 * 105 + 3]!, 255);
});

test('a flat folder without size: every image must match the first', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, '1.png'), png(3, 3, () => [9, 9, 9]));
  writeFileSync(join(dir, '2.png'), png(3, 3, () => [0, 0, 0]));
  const ds = await loadImageFolder(dir);
  assert.deepEqual(ds.shape, [2, 1, 3, 3]);
  assert.equal(ds.labels, undefined);
  writeFileSync(join(dir, '3.png'), png(4, 3, () => [0, 0, 0]));
  await rejectsData(loadImageFolder(dir), { file: '3.png', message: /image is 4×3 \(width×height\), expected 3×3/ });
});

test('wrong size is rejected when resize is off', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.png'), png(28, 28, () => [1, 1, 1]));
  writeFileSync(join(dir, 'b.png'), png(27, 28, () => [1, 1, 1]));
  await rejectsData(loadImageFolder(dir, { size: 28, resize: false }), { file: 'b.png', message: /27×28.*expected 28×28.*resize: true/ });
});

test('corrupt, truncated and non-image files name the file', async () => {
  const good = png(5, 5, () => [1, 2, 3]);
  throwsData(() => decodeImage(good.subarray(0, good.length - 20), 't.png'), { file: 't.png', message: /past the end of the file \(truncated PNG\)/ });
  throwsData(() => decodeImage(Buffer.from('hello world'), 'h.png'), { offset: 0, message: /not a PNG or JPEG/ });
  const j = jpg(8, 8, 100);
  throwsData(() => decodeImage(j.subarray(0, 30), 't.jpg'), { message: /corrupt JPEG/ });
  const huge = rawPng({ width: 100000, height: 100000, idat: deflateSync(Buffer.alloc(1)) });
  throwsData(() => decodeImage(huge, 'big.png'), { offset: 16, message: /more than the limit/ });
  const dir = tempDir();
  mkdirSync(join(dir, 'k'));
  writeFileSync(join(dir, 'k', 'x.jpg'), 'not really a jpeg');
  await rejectsData(loadImageFolder(dir, { size: 4 }), { file: 'k/x.jpg' });
  await rejectsData(loadImageFolder(join(dir, 'nothing')), { message: /file not found/ });
  const empty = tempDir();
  await rejectsData(loadImageFolder(empty), { message: /no \.png\/\.jpg\/\.jpeg images/ });
});

/** A PNG assembled chunk by chunk, so tests can damage one part and keep the CRCs valid. */
function rawPng(o: { width: number; height: number; colorType?: number; interlace?: number; idat: Uint8Array; crc?: boolean }): Buffer {
  const chunk = (type: string, data: Uint8Array) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE((crc32(Buffer.concat([head.subarray(4), data])) ^ (o.crc === false ? 1 : 0)) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(o.width, 0);
  ihdr.writeUInt32BE(o.height, 4);
  ihdr[8] = 8;
  ihdr[9] = o.colorType ?? 6;
  ihdr[12] = o.interlace ?? 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', o.idat), chunk('IEND', new Uint8Array(0))]);
}

function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const v of b) {
    c ^= v;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

/** `rows` rows of filter byte 0 and RGBA pixels of value `v`. */
function rows(width: number, count: number, v = 0): Buffer {
  const b = Buffer.alloc(count * (1 + 4 * width), v);
  for (let r = 0; r < count; r++) b[r * (1 + 4 * width)] = 0;
  return b;
}

test('PNG whose compressed data stops early is rejected, never padded with zeros or stale memory', () => {
  // 10 of 64 rows: pngjs alone returned whatever its unzeroed output buffer held for the rest.
  const short = rawPng({ width: 64, height: 64, idat: deflateSync(rows(64, 10)) });
  for (let i = 0; i < 3; i++) {
    throwsData(() => decodeImage(short, 'short.png'), { file: 'short.png', message: /ends after 2570 of 16448 bytes \(10 of 64 rows\).*truncated/ });
  }
  // A sync-flushed stream without its final block is truncated too.
  const flushed = deflateSync(rows(8, 8), { finishFlush: zlibConstants.Z_SYNC_FLUSH, flush: zlibConstants.Z_SYNC_FLUSH });
  throwsData(() => decodeImage(rawPng({ width: 8, height: 16, idat: flushed }), 's.png'), { message: /ends after 264 of 528 bytes \(8 of 16 rows\)/ });
  // Interlaced: the 7 Adam7 passes of an 8×8 RGBA image hold 5+5+9+18+34+68+132 = 271 bytes.
  throwsData(() => decodeImage(rawPng({ width: 8, height: 8, interlace: 1, idat: deflateSync(Buffer.alloc(100)) }), 'i.png'),
    { message: /ends after 100 of 271 bytes: the file is truncated/ });
  assert.equal(decodeImage(rawPng({ width: 8, height: 8, interlace: 1, idat: deflateSync(Buffer.alloc(271)) }), 'i.png').width, 8);
  throwsData(() => decodeImage(rawPng({ width: 4, height: 4, idat: deflateSync(rows(4, 5)) }), 'long.png'), { message: /holds more than the declared 4×4 image/ });
  throwsData(() => decodeImage(rawPng({ width: 4, height: 4, idat: deflateSync(rows(4, 4)), crc: false }), 'crc.png'), { message: /fails its CRC check/ });
  throwsData(() => decodeImage(rawPng({ width: 4, height: 4, idat: Buffer.from('not zlib data') }), 'z.png'), { message: /corrupt compressed image data/ });
  throwsData(() => decodeImage(rawPng({ width: 4, height: 4, colorType: 5, idat: deflateSync(rows(4, 4)) }), 'c.png'), { message: /colour type 5 is not a valid PNG/ });
  // The complete image still decodes, pixel for pixel.
  const ok = decodeImage(rawPng({ width: 64, height: 64, idat: deflateSync(rows(64, 64, 9)) }), 'ok.png');
  assert.equal(ok.data.length, 64 * 64 * 4);
  assert.ok(ok.data.every((v) => v === 9));
});

test('image sizes are checked against the limit and the file size before decoding', () => {
  // 68 bytes declaring 9999×10000 (under MAX_IMAGE_PIXELS): it cannot hold 400 MB of pixels.
  const bomb = rawPng({ width: 9999, height: 10000, idat: deflateSync(Buffer.alloc(1)) });
  assert.ok(bomb.length < 70);
  const t0 = performance.now();
  throwsData(() => decodeImage(bomb, 'bomb.png'), { file: 'bomb.png', message: /declares a 9999×10000 image .* can hold at most \d+: the file is truncated or its header is wrong/ });
  assert.ok(performance.now() - t0 < 500, 'rejected before inflating or allocating');
  assert.equal(MAX_IMAGE_PIXELS, 100_000_000);
  // Deflate's ratio bound is tight but never too tight: a 1×300000 all-black PNG compresses ~1026:1 and decodes.
  const flat = rawPng({ width: 1, height: 300_000, colorType: 0, idat: deflateSync(Buffer.alloc(300_000 * 2), { level: 9 }) });
  assert.equal(decodeImage(flat, 'flat.png').height, 300_000);
  // A JPEG whose frame header claims 10000×10000 in a few kilobytes (jpeg-js alone spent 6 s and 2 GB on it).
  const j = jpg(16, 16, 80);
  const sof = j.findIndex((b, i) => b === 0xff && j[i + 1] === 0xc0);
  const big = Buffer.from(j);
  big.writeUInt16BE(10000, sof + 5);
  big.writeUInt16BE(10000, sof + 7);
  throwsData(() => decodeImage(big, 'big.jpg'), { file: 'big.jpg', offset: sof + 5, message: /declares a 10000×10000 image .* can hold at most/ });
  big.writeUInt16BE(20000, sof + 5);
  throwsData(() => decodeImage(big, 'huge.jpg'), { offset: sof + 5, message: /20000 pixels, more than the limit of 100000000/ });
  // A large flat JPEG is far above one bit per block and decodes.
  assert.equal(decodeImage(jpg(512, 512, 0), 'flat.jpg').width, 512);
});

test('sizes too large for memory are refused up front, naming the option or the folder', async () => {
  assert.throws(() => imageToChw({ width: 1, height: 1, data: new Uint8Array(4) }, { size: [20000, 20000] }), /image size 20000×20000 \(height×width\) is more than MAX_IMAGE_PIXELS/);
  // 43 images at 10000×10000 need 4.3e9 values: Float32Array threw a bare RangeError.
  const dir = tempDir();
  const tiny = png(2, 2, () => [1, 2, 3]);
  for (let i = 0; i < 43; i++) writeFileSync(join(dir, `${String(i).padStart(2, '0')}.png`), tiny);
  const t0 = performance.now();
  await rejectsData(loadImageFolder(dir, { size: 10000 }), { message: /43 images of 1×10000×10000 values make 4300000000 float32 values, more than one array holds \(4294967296\); pass a smaller size/ });
  assert.ok(performance.now() - t0 < 2000, 'before resizing anything');
});
