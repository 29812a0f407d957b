import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesPerImage, codecMosaic, codecPerImage, decodeGrey, encodeGrey, MOSAIC_TILE, packMosaic, unpackMosaic } from '../../bench/compress/codecs.js';
import { checkGoal, cheapestAt, formatCompressTable, jpegHeaderBytes, psnrOverSet, runCompressBenchmark, type RatePoint } from '../../bench/compress/protocol.js';

/** `count` images of side×side whose every pixel says which image and where it is (never 0, so padding stands out). */
function labelled(count: number, side: number): Uint8Array {
  return Uint8Array.from({ length: count * side * side }, (_, i) => 1 + ((Math.floor(i / (side * side)) * 37 + (i % (side * side))) % 255));
}

describe('mosaic packing', () => {
  it('lays images row-major in near-square cells at each top-left, padding with 0, and unpacks them unchanged', () => {
    const side = 3;
    const images = labelled(5, side);
    const m = packMosaic(images, 5, side, 4);
    assert.deepEqual([m.columns, m.rows, m.width, m.height, m.tile], [3, 2, 12, 8, 4]);
    // Image 4 is cell (1, 1): its first row starts at pixel (x 4, y 4).
    assert.deepEqual([...m.pixels.subarray(4 * 12 + 4, 4 * 12 + 7)], [...images.subarray(4 * 9, 4 * 9 + 3)]);
    // Image 1 is cell (1, 0): its last row is y 2.
    assert.deepEqual([...m.pixels.subarray(2 * 12 + 4, 2 * 12 + 7)], [...images.subarray(9 + 6, 9 + 9)]);
    let nonZero = 0;
    for (const v of m.pixels) if (v !== 0) nonZero++;
    assert.equal(nonZero, images.length, 'every pixel outside the images is padding (0)');
    assert.deepEqual(unpackMosaic(m, 5, side), images);
  });

  it('round-trips any count, including a full square and one image', () => {
    for (const count of [1, 2, 4, 9, 10, 17]) {
      const images = labelled(count, 28);
      const m = packMosaic(images, count, 28);
      assert.equal(m.tile, MOSAIC_TILE);
      assert.ok(m.columns * m.rows >= count && (m.columns - 1) * m.rows < count, `${count}: ${m.columns}×${m.rows}`);
      assert.deepEqual(unpackMosaic(m, count, 28), images);
    }
  });

  it('rejects sizes that do not fit, naming them', () => {
    assert.throws(() => packMosaic(new Uint8Array(10), 1, 3), /10 pixels for 1 images of 3×3/);
    assert.throws(() => packMosaic(new Uint8Array(33 * 33), 1, 33), /side must be an integer in \[1, 32\]/);
    assert.throws(() => unpackMosaic(packMosaic(labelled(2, 3), 2, 3, 4), 5, 3), /5 images do not fit 2×1 cells/);
  });
});

describe('per-image byte accounting', () => {
  it('divides the bytes of all files by the images they hold', () => {
    assert.equal(bytesPerImage([new Uint8Array(100), new Uint8Array(50)], 2), 75);
    assert.equal(bytesPerImage([new Uint8Array(1000)], 40), 25, 'one mosaic file: its header counted once over all images');
    assert.throws(() => bytesPerImage([new Uint8Array(1)], 0), /images must be at least 1/);
  });

  it('per image: the mean of the files each image gets; mosaic: one file over all images', async () => {
    const images = labelled(4, 28);
    const files = await Promise.all([0, 1, 2, 3].map((i) => encodeGrey(images.subarray(i * 784, (i + 1) * 784), 28, 28, 'webp', 60)));
    const per = await codecPerImage(images, 4, 28, 'webp', 60, 3);
    assert.equal(per.bytesPerImage, files.reduce((s, f) => s + f.length, 0) / 4);
    const m = packMosaic(images, 4, 28);
    const file = await encodeGrey(m.pixels, m.width, m.height, 'webp', 60);
    const mosaic = await codecMosaic(images, 4, 28, 'webp', 60);
    assert.equal(mosaic.bytesPerImage, file.length / 4);
    assert.equal(mosaic.decoded.length, images.length);
  });

  it('PNG through a mosaic is lossless; grey JPEG files decode to the grey picture', async () => {
    const images = labelled(3, 28);
    assert.deepEqual((await codecMosaic(images, 3, 28, 'png')).decoded, images);
    const flat = new Uint8Array(32 * 16).fill(120);
    const back = await decodeGrey(await encodeGrey(flat, 32, 16, 'jpeg', 90));
    assert.deepEqual([back.width, back.height], [32, 16]);
    assert.ok(back.pixels.every((v) => Math.abs(v - 120) <= 1), 'a flat grey survives JPEG');
  });
});

describe('bench:compress protocol', () => {
  const pt = (method: RatePoint['method'], bytesPerImage: number, psnr: number | null): RatePoint => ({ method, setting: '', bytesPerImage, psnr, ssim: null });

  it('psnrOverSet: 10·log10(1 / MSE over all values)', () => {
    assert.equal(psnrOverSet([0, 0, 0, 0], [0.1, 0.1, 0.1, 0.1]), 20);
    assert.ok(Math.abs(psnrOverSet([1, 0], [0.9, 0]) - 10 * Math.log10(2 / 0.01)) < 1e-9);
  });

  it('cheapestAt and checkGoal follow the staircase of measured settings', () => {
    const points = [pt('aekit', 2, 16), pt('aekit', 10, 26), pt('pca', 3, 15.5), pt('pca', 12, 25.5), pt('jpeg', 700, 23), pt('png', 300, null)];
    assert.equal(cheapestAt(points, 'aekit', 15), 2);
    assert.equal(cheapestAt(points, 'aekit', 16.01), 10);
    assert.equal(cheapestAt(points, 'pca', 25.6), null);
    assert.equal(cheapestAt(points, 'png', 10), null);
    const ok = checkGoal(points);
    assert.equal(ok.met, true);
    // The narrowest margin: between 15.55 and 16 dB aekit pays 2 B where PCA pays 12 B; at 16.05 aekit pays 10 B vs PCA's 12 B.
    assert.equal(ok.worst.psnr, 16.05);
    assert.equal(ok.worst.ratio, 10 / 12);
    const bad = checkGoal([...points, pt('pca', 9, 20)]);
    assert.equal(bad.met, false);
    assert.equal(bad.failures[0], 16.05);
    assert.equal(bad.worst.ratio, 10 / 9);
    assert.equal(checkGoal([pt('aekit', 1, 20)]).met, false, 'aekit must reach every PSNR of the range');
  });

  it('jpegHeaderBytes counts the segments up to the start of scan', () => {
    const file = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2, 0xff, 0xda, 0, 3, 9, 0x55, 0x66, 0xff, 0xd9]);
    assert.equal(jpegHeaderBytes(file), 13);
  });

  it('runs end to end on a slice, with every method in its points', async () => {
    const lines: string[] = [];
    const r = await runCompressBenchmark({
      trainSamples: 200, testSamples: 30, epochs: 1, models: [{ code: 4, hidden: [16] }], bits: [3, 8], pcaComponents: [4], jpegQualities: [50], codecQualities: [50], log: (l) => lines.push(l),
    });
    assert.deepEqual(r.points.map((p) => `${p.method} ${p.setting}`), [
      'aekit code 4, 3 bits', 'aekit code 4, 8 bits', 'pca k 4, 3 bits', 'pca k 4, 8 bits', 'jpeg quality 50', 'png lossless',
      'png-mosaic lossless', 'jpeg-mosaic quality 50', 'webp quality 50', 'webp-mosaic quality 50', 'avif quality 50', 'avif-mosaic quality 50',
    ]);
    for (const p of r.points) {
      assert.ok(p.bytesPerImage > 0 && Number.isFinite(p.bytesPerImage), `${p.method} bytes`);
      if (p.setting === 'lossless') assert.deepEqual([p.psnr, p.ssim], [null, null]);
      else {
        assert.ok(p.psnr! > 5 && p.psnr! < 60, `${p.method} ${p.setting}: ${p.psnr}`);
        assert.ok(p.ssim! > 0 && p.ssim! <= 1, `${p.method} ${p.setting}: SSIM ${p.ssim}`);
      }
    }
    const bytes = (method: string) => r.points.find((p) => p.method === method)!.bytesPerImage;
    // The header is paid once: a mosaic of 30 images costs less per image than 30 files of the same codec.
    assert.ok(bytes('png-mosaic') < bytes('png'), `PNG mosaic ${bytes('png-mosaic')} vs per image ${bytes('png')}`);
    assert.ok(bytes('avif-mosaic') < bytes('avif'), `AVIF mosaic ${bytes('avif-mosaic')} vs per image ${bytes('avif')}`);
    assert.deepEqual(Object.keys(r.bytesAtPsnr), ['15', '20', '25', '30']);
    assert.equal(r.bytesAtPsnr['15']!['avif-mosaic'], cheapestAt(r.points, 'avif-mosaic', 15));
    assert.ok(JSON.parse(JSON.stringify({ points: r.points })).points.length === 12);
    assert.match(formatCompressTable(r), /\| webp-mosaic \| quality 50 \| \d+\.\d\d \| \d+\.\d\d \| [01]\.\d{3} \|/);
    assert.equal(lines.some((l) => l.includes('not reusable')), false, 'jpeg-js encoder reused');
  });

  it('with no models and no PCA (--codecs-only) measures only the codecs and checks no goal', async () => {
    const r = await runCompressBenchmark({ trainSamples: 50, testSamples: 12, models: [], pcaComponents: [], bits: [4], jpegQualities: [50], codecQualities: [50] });
    assert.equal(r.points.some((p) => p.method === 'aekit' || p.method === 'pca'), false);
    assert.ok(r.points.some((p) => p.method === 'avif-mosaic'));
    assert.match(formatCompressTable(r), /Goal not checked: no aekit points/);
  });
});
