import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { decodeImage, imageToChw, loadImageFolder, resizePlane } from '../../src/data/index.js';
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
  throwsData(() => decodeImage(good.subarray(0, good.length - 20), 't.png'), { file: 't.png', message: /corrupt PNG/ });
  throwsData(() => decodeImage(Buffer.from('hello world'), 'h.png'), { offset: 0, message: /not a PNG or JPEG/ });
  const j = jpg(8, 8, 100);
  throwsData(() => decodeImage(j.subarray(0, 30), 't.jpg'), { message: /corrupt JPEG/ });
  const huge = Buffer.from(good);
  huge.writeUInt32BE(100000, 16);
  huge.writeUInt32BE(100000, 20);
  throwsData(() => decodeImage(huge, 'big.png'), { offset: 16, message: /more than the limit/ });
  const dir = tempDir();
  mkdirSync(join(dir, 'k'));
  writeFileSync(join(dir, 'k', 'x.jpg'), 'not really a jpeg');
  await rejectsData(loadImageFolder(dir, { size: 4 }), { file: 'k/x.jpg' });
  await rejectsData(loadImageFolder(join(dir, 'nothing')), { message: /file not found/ });
  const empty = tempDir();
  await rejectsData(loadImageFolder(empty), { message: /no \.png\/\.jpg\/\.jpeg images/ });
});
