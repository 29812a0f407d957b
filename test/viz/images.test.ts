import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import {
  comparisonGrid, imageGrid, imageGridPng, latentGridTitles, reconstructionGrid, reconstructionGridPng, topScoresGrid, worstReconstructed, worstReconstructionsGrid, worstReconstructionsPng,
  encodePng as encodeTitled,
} from '../../src/viz/images.js';

const decode = (png: Uint8Array) => PNG.sync.read(Buffer.from(png));
const BACKGROUND = 222;

/** RGB of pixel (x, y). */
function at(img: { width: number; data: Uint8Array | Buffer }, x: number, y: number): number[] {
  const o = (y * img.width + x) * 4;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
}

/** Top-left corner of the first tile: the grid's first pixel that is not background. */
function firstTile(img: { width: number; height: number; data: Uint8Array | Buffer }): [number, number] {
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (at(img, x, y)[0] !== BACKGROUND) return [x, y];
  throw new Error('no tile');
}

test('image grid: size from n, columns, scale and gap; pixels exact, upscaled, top row first (upright)', () => {
  // Two 2×3 gray images: image 0 is white only in its top-left pixel, image 1 in its bottom-right.
  const data = new Float32Array(12);
  data[0] = 1;
  data[6 + 5] = 1;
  const img = imageGrid({ data, shape: [2, 2, 3] }, { scale: 4, gap: 3, columns: 2 });
  assert.equal(img.width, 6 * 2 + 2 * 12 + 3);
  assert.equal(img.height, 6 * 2 + 8);
  const [x0, y0] = firstTile(img);
  assert.deepEqual([x0, y0], [6, 6]);
  for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) assert.deepEqual(at(img, x0 + dx, y0 + dy), [255, 255, 255], 'top-left pixel of image 0 is a white 4×4 block');
  assert.deepEqual(at(img, x0 + 4, y0), [0, 0, 0]);
  assert.deepEqual(at(img, x0, y0 + 4), [0, 0, 0], 'row 0 of the image is on top');
  const x1 = x0 + 12 + 3;
  assert.deepEqual(at(img, x1 + 11, y0 + 7), [255, 255, 255], 'bottom-right pixel of image 1');
  assert.deepEqual(at(img, x1, y0), [0, 0, 0]);
  assert.deepEqual(at(img, x0 + 12, y0), [BACKGROUND, BACKGROUND, BACKGROUND], 'gap between tiles');

  const png = decode(imageGridPng({ data, shape: [2, 1, 2, 3] }, { scale: 4, gap: 3, columns: 2 }));
  assert.deepEqual([png.width, png.height], [img.width, img.height]);
  assert.deepEqual(png.data, Buffer.from(img.data), 'the PNG holds the same pixels');
});

test('image grid: layouts [n, 784], [n, 1, 28, 28], [n, 28, 28] and a bare Float32Array give the same picture', () => {
  const n = 5;
  const data = Float32Array.from({ length: n * 784 }, (_, i) => (i % 784) / 783);
  const a = imageGrid({ data, shape: [n, 784] });
  const b = imageGrid({ x: data, shape: [n, 1, 28, 28] });
  const c = imageGrid({ data: Array.from(data), shape: [n, 28, 28] });
  const d = imageGrid(data, { imageShape: [28, 28] });
  assert.deepEqual(b, a);
  assert.deepEqual(c, a);
  assert.deepEqual(d, a);
  // Default: ⌈√5⌉ = 3 columns, 2 rows, scale 3 (84 px tiles), gap 2, margin 6.
  assert.equal(a.width, 12 + 3 * 84 + 2 * 2);
  assert.equal(a.height, 12 + 2 * 84 + 2);
  const [x0, y0] = firstTile(a);
  assert.deepEqual(at(a, x0, y0), [0, 0, 0]);
  assert.deepEqual(at(a, x0 + 83, y0 + 83), [255, 255, 255], 'last pixel of the first image, value 1');
  const nonSquare = imageGrid(Float32Array.from({ length: 2 * 3 * 5 }), { imageShape: [1, 3, 5], scale: 1, gap: 0 });
  assert.deepEqual([nonSquare.width, nonSquare.height], [12 + 10, 12 + 3]);
});

test('image grid: RGB channels-first, values clipped to the range, NaN black', () => {
  // One 1×3 RGB image: pixel 0 red, pixel 1 green over-range, pixel 2 NaN.
  const data = Float32Array.from([1, 0, NaN, 0, 7, 0.5, 0, -1, 0.5]);
  const img = imageGrid({ data, shape: [1, 3, 1, 3] }, { scale: 1, gap: 0 });
  const [x0, y0] = firstTile(img);
  assert.deepEqual(at(img, x0, y0), [255, 0, 0]);
  assert.deepEqual(at(img, x0 + 1, y0), [0, 255, 0]);
  assert.deepEqual(at(img, x0 + 2, y0), [0, 128, 128]);
  const ranged = imageGrid({ data: [-1, 0, 1, 3], shape: [1, 1, 2, 2] }, { scale: 1, gap: 0, range: [-1, 1] });
  const [rx, ry] = [6, 6];
  assert.deepEqual([at(ranged, rx, ry)[0], at(ranged, rx + 1, ry)[0], at(ranged, rx, ry + 1)[0], at(ranged, rx + 1, ry + 1)[0]], [0, 128, 255, 255]);
});

test('reconstruction grid: inputs above outputs, blocks wrap, titles and captions get their own bands', () => {
  const n = 3;
  const originals = new Float32Array(n * 4).fill(1);
  const reconstructions = new Float32Array(n * 4).fill(0.5);
  const plain = reconstructionGrid({ data: originals, shape: [n, 4] }, { data: reconstructions, shape: [n, 1, 2, 2] }, { scale: 5, columns: 2, rowTitles: [] });
  // Two blocks (2 + 1 pairs) of two rows of 10 px; gap 2 between rows, 4·2 + 6 between blocks.
  assert.equal(plain.width, 12 + 2 * 10 + 2);
  assert.equal(plain.height, 12 + 10 + 2 + 10 + 14 + 10 + 2 + 10);
  const [x0, y0] = firstTile(plain);
  assert.deepEqual(at(plain, x0, y0), [255, 255, 255], 'input row first');
  assert.deepEqual(at(plain, x0, y0 + 12), [128, 128, 128], 'reconstruction row under it');
  assert.deepEqual(at(plain, x0 + 12, y0 + 12), [128, 128, 128], 'second pair');
  assert.deepEqual(at(plain, x0, y0 + 12 + 10 + 14), [255, 255, 255], 'third pair starts the second block');
  assert.deepEqual(at(plain, x0 + 12, y0 + 36), [BACKGROUND, BACKGROUND, BACKGROUND], 'no fourth pair');

  const labelled = decode(reconstructionGridPng({ data: originals, shape: [n, 4] }, { data: reconstructions, shape: [n, 4] }, { scale: 5, columns: 3, captions: ['7', 'two\nlines', undefined], title: 'Reconstructions' }));
  assert.ok(labelled.width > plain.width, 'row titles widen the grid');
  assert.equal(labelled.height, 12 + 26 + 10 + 2 + 10 + 2 * 15 + 2);
  // Text was drawn: dark pixels in the title band and in the caption band.
  const dark = (y0: number, y1: number) => {
    let count = 0;
    for (let y = y0; y < y1; y++) for (let x = 0; x < labelled.width; x++) if (at(labelled, x, y)[0]! < 120) count++;
    return count;
  };
  assert.ok(dark(0, 30) > 20, 'title text rendered');
  assert.ok(dark(labelled.height - 34, labelled.height) > 20, 'caption text rendered');
});

test('worst reconstructions: highest per-sample MSE first, NaN worst of all', () => {
  const x = [0, 0, 0, 0, 0, 0, 0, 0];
  const r = [0.1, 0.1, 1, 1, 0, 0, NaN, 0];
  assert.deepEqual(worstReconstructed(x, r, 4, 3), { indices: [3, 1, 0], errors: [Infinity, 1, 0.010000000000000002] });
  const png = decode(worstReconstructionsPng({ data: Float32Array.from(r), shape: [2, 4] }, { data: Float32Array.from(x), shape: [2, 4] }, { k: 1, labels: [3, 5], classNames: ['a', 'b', 'c', 'd', 'e', 'f'] }));
  assert.ok(png.width > 0 && png.height > 0);
  assert.throws(() => worstReconstructed(x, r.slice(1), 4, 1), /7 reconstructed values/);
  assert.throws(() => worstReconstructed(x, r, 4, 0), /k must be a positive integer/);
});

test('image grids: bad input names the function, option and what was expected', () => {
  const ok = { data: new Float32Array(784), shape: [1, 784] };
  assert.throws(() => imageGrid({ data: new Float32Array(10), shape: [1, 10] }), /imageGrid: images of 10 values are not square; give imageShape/);
  assert.throws(() => imageGrid({ data: new Float32Array(10), shape: [2, 4] }), /10 values do not fill shape \[2,4\]/);
  assert.throws(() => imageGrid({ data: new Float32Array(8), shape: [1, 2, 2, 2] }), /1 \(gray\) or 3 \(RGB\) channels, got 2/);
  assert.throws(() => imageGrid(new Float32Array(784)), /bare Float32Array needs options.imageShape/);
  assert.throws(() => imageGrid(ok, { imageShape: [27, 28] }), /imageShape \[27,28\] has 756 values, the batch's images have 784/);
  assert.throws(() => imageGrid(ok, { scale: 0 }), /scale must be an integer in \[1, 64\], got 0/);
  assert.throws(() => imageGrid(ok, { range: [1, 0] }), /range must be two finite numbers/);
  assert.throws(() => imageGrid(ok, { captions: ['a', 'b'] }), /one caption per image \(1\), got 2/);
  assert.throws(() => imageGrid(ok, { columns: 1.5 }), /columns must be a positive integer/);
  assert.throws(() => imageGrid({ data: new Float32Array(0), shape: [0, 784] }), /no images to draw/);
  assert.throws(() => imageGrid({ shape: [1, 784] } as never), /expected an image batch/);
  assert.throws(() => reconstructionGrid(ok, { data: new Float32Array(1568), shape: [2, 784] }), /1 originals of 1×28×28 and 2 reconstructions/);
});

test('worst reconstructions say what their number is: "MSE 0.083"', () => {
  const x = new Float32Array(3 * 4);
  const r = Float32Array.from([0, 0, 0, 0.2, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5]);
  const grid = worstReconstructionsGrid({ data: x, shape: [3, 4] }, { data: r, shape: [3, 4] }, { k: 2, labels: [0, 1, 2], classNames: ['zero', 'one', 'two'], scale: 50 });
  assert.match(grid.texts![0]!, /^Worst 2 reconstructions \(MSE/);
  assert.deepEqual(grid.texts!.slice(1), ['input', 'output', 'two #2', 'MSE 0.25', 'zero #0', 'MSE 0.01']);
});

test('top scores: the highest first, each captioned with its label and its score', () => {
  const images = { data: Float32Array.from({ length: 5 * 4 }, (_, i) => i / 20), shape: [5, 4] };
  const scores = [0.5, 97.25, NaN, 3, 12];
  const grid = topScoresGrid(images, scores, { k: 3, labels: [0, 1, 1, 0, 1], classNames: ['digit', 'clothing'], scoreName: 'combined', scale: 50 });
  assert.deepEqual(grid.texts, ['Highest 3 scores of 5', 'clothing', 'combined 97.3', '#1', 'clothing', 'combined 12', '#4', 'digit', 'combined 3', '#3']);
  // Booleans name their class too; without labels the index and score.
  assert.deepEqual(topScoresGrid(images, scores, { k: 1, labels: [false, true, true, false, true], classNames: ['normal', 'anomalous'], scale: 50 }).texts!.slice(1, 3), ['anomalous', 'score 97.3']);
  assert.deepEqual(topScoresGrid(images, scores, { k: 1, scale: 50, title: 'top' }).texts, ['top', '#1', 'score 97.3']);
  assert.throws(() => topScoresGrid(images, [1, 2]), /one score per image \(5\), got 2/);
});

test('comparison grid: input, PCA and autoencoder rows; each reconstruction captioned with its MSE against the input', () => {
  const input = { data: new Float32Array(2 * 4), shape: [2, 4] };
  const pca = { data: Float32Array.from([0.1, 0.1, 0.1, 0.1, 0, 0, 0, 0]), shape: [2, 4] };
  const ae = { data: Float32Array.from([0, 0, 0, 0, 0.2, 0.2, 0.2, 0.2]), shape: [2, 4] };
  const grid = comparisonGrid([{ title: 'input', images: input }, { title: 'PCA', images: pca }, { title: 'autoencoder', images: ae }], { scale: 50, captions: ['7', '2'] });
  assert.deepEqual(grid.texts, ['input', 'PCA', 'MSE 0.01', 'MSE 0', 'autoencoder', 'MSE 0', '7', 'MSE 0.04', '2']);
  // Three rows of 2×2 tiles at scale 50, one above the other, two samples across.
  assert.ok(grid.height > 3 * 100 && grid.width < grid.height, `${grid.width}×${grid.height}`);
  assert.throws(() => comparisonGrid([{ images: input }]), /at least two/);
  assert.throws(() => comparisonGrid([{ title: 'input', images: input }, { title: 'PCA', images: { data: new Float32Array(4), shape: [1, 4] } }]), /2 input images of 1×2×2 and 1 PCA images of 1×2×2 do not match/);
});

test('latent grid: the z values over the columns and down the rows, dimensions numbered from 1', () => {
  const titles = latentGridTitles([-2.5, -0.8333333, 0.8333333, 2.5]);
  assert.deepEqual(titles, { columnTitles: ['-2.5', '-0.83', '0.83', '2.5'], columnAxisTitle: 'z1 →', rowTitles: ['2.5', '0.83', '-0.83', '-2.5'], rowAxisTitle: 'z2 →' });
  assert.equal(latentGridTitles([0, 1], [2, 5]).rowAxisTitle, 'z6 →');
  // 4×4 images of 4×4 pixels at scale 14: tiles 56 px wide, as in a run's latent-grid.png.
  const plain = imageGrid({ data: new Float32Array(16 * 16), shape: [16, 16] }, { columns: 4, scale: 14, gap: 0 });
  const titled = imageGrid({ data: new Float32Array(16 * 16), shape: [16, 16] }, { columns: 4, scale: 14, gap: 0, ...titles });
  assert.deepEqual(titled.texts, ['z1 →', '-2.5', '-0.83', '0.83', '2.5', 'z2 →', '2.5', '0.83', '-0.83', '-2.5']);
  assert.ok(titled.width > plain.width && titled.height > plain.height, 'the titles get their own bands, never over the images');
  const png = decode(encodeTitled(titled));
  // The column titles are drawn above the first row of tiles.
  let ink = 0;
  for (let y = 0; y < titled.height - 4 * 56 - 12; y++) for (let x = 0; x < png.width; x++) if (png.data[(y * png.width + x) * 4]! < 120) ink++;
  assert.ok(ink > 30, `${ink} dark pixels in the header`);
  assert.throws(() => imageGrid({ data: new Float32Array(4 * 4), shape: [4, 4] }, { columns: 2, columnTitles: ['a', 'b', 'c'] }), /columnTitles must be an array of at most one title per column \(2 columns\)/);
});
