import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { PNG } from 'pngjs';
import { lossCurvesSpec } from '../../src/viz/charts.js';
import { latentScatterPng, lossCurvesPng, precisionRecallPng, reconstructionLinesPng, rocCurvePng, scoreHistogramPng } from '../../src/viz/figures.js';
import { bundledFontFiles, chartPng, chartSvg, svgToPng } from '../../src/viz/render.js';

const decode = (png: Uint8Array) => PNG.sync.read(Buffer.from(png));

/** Pixels clearly darker than the white background. */
function inked(img: PNG, x0 = 0, y0 = 0, x1 = img.width, y1 = img.height): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (img.data[(y * img.width + x) * 4]! < 160) n++;
  return n;
}

test('the font ships with the package, so text renders without system fonts', () => {
  const files = bundledFontFiles();
  assert.ok(files.length >= 1, 'dejavu-fonts-ttf is installed');
  assert.ok(files.every(existsSync));
  assert.match(files[0]!, /DejaVuSans\.ttf$/);
  const png = decode(svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="10" y="28" font-family="sans-serif" font-size="20">aekit</text></svg>'));
  assert.deepEqual([png.width, png.height], [120, 40]);
  assert.ok(inked(png) > 40, 'glyphs drawn');
  assert.throws(() => svgToPng('not svg'), /svgToPng: expected the text of an SVG document/);
});

test('charts render to PNGs of the requested size, with title, axes and data drawn', async () => {
  const spec = lossCurvesSpec({ train: [1, 0.5, 0.25, 0.2], validation: [1.1, 0.6, 0.3, 0.28] }, { title: 'Loss of a test run' });
  const svg = await chartSvg(spec, { width: 640, height: 400 });
  assert.match(svg, /^<svg[^>]*width="640"[^>]*height="400"/);
  assert.match(svg, />Loss of a test run</);
  assert.match(svg, />epoch</);
  assert.match(svg, />validation</);
  const png = decode(await chartPng(spec, { width: 640, height: 400 }));
  assert.deepEqual([png.width, png.height], [640, 400]);
  assert.ok(inked(png, 0, 0, 640, 35) > 100, 'title drawn');
  assert.ok(inked(png, 80, 90, 620, 340) > 300, 'curves drawn');
  const hi = decode(await lossCurvesPng({ train: [3, 2, 1] }, { width: 300, height: 200, pixelRatio: 2 }));
  assert.deepEqual([hi.width, hi.height], [600, 400]);
  await assert.rejects(chartPng(spec, { width: 10 }), /chart width must be an integer number of pixels in \[50, 10000\], got 10/);
  await assert.rejects(chartPng(spec, { pixelRatio: 0 }), /pixelRatio must be a number in \(0, 8\]/);
});

test('latent scatter and score histogram figures', async () => {
  const n = 40;
  const codes = Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(i * 1.7) + (i % 4 === 0 ? 3 * (Math.floor(i / 4) % 2) : 0));
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const scatter = decode(await latentScatterPng({ codes, dim: 4, labels, classNames: ['even', 'odd'] }, { width: 500, height: 400 }));
  assert.deepEqual([scatter.width, scatter.height], [500, 400]);
  // Coloured points: pixels whose channels differ (not gray text or axes).
  let coloured = 0;
  for (let i = 0; i < scatter.data.length; i += 4) if (Math.abs(scatter.data[i]! - scatter.data[i + 2]!) > 60) coloured++;
  assert.ok(coloured > 200, `${coloured} coloured pixels`);
  const scatterDefault = decode(await latentScatterPng({ codes: codes.subarray(0, 2 * n), dim: 2 }));
  assert.deepEqual([scatterDefault.width, scatterDefault.height], [760, 600]);

  const hist = decode(await scoreHistogramPng({ scores: Array.from({ length: 200 }, (_, i) => (i * 37) % 101 / 100), threshold: 0.8, labels: Array.from({ length: 200 }, (_, i) => i % 10 === 0) }));
  assert.deepEqual([hist.width, hist.height], [800, 500]);
  assert.ok(inked(hist) > 1000);
  await assert.rejects(latentScatterPng({ codes, dim: 1 }), /at least 2 dimensions/);
});

test('ROC, precision-recall and reconstruction line figures render at their default sizes with ink on them', async () => {
  const scores = Array.from({ length: 200 }, (_, i) => Math.sin(i * 12.9898) * 0.5 + (i % 4 === 0 ? 0.3 : 0));
  const labels = scores.map((_, i) => (i % 4 === 0 ? 1 : 0));
  for (const png of [await rocCurvePng({ scores, labels, threshold: 0.6 }), await precisionRecallPng({ scores, labels, threshold: 0.6 })]) {
    const img = decode(png);
    assert.deepEqual([img.width, img.height], [600, 560]);
    assert.ok(inked(img, 80, 100, 560, 500) > 300, 'curve and axes drawn');
  }
  const inputs = Float32Array.from({ length: 4 * 30 }, (_, i) => Math.sin(i / 3));
  const lines = decode(await reconstructionLinesPng({ inputs, reconstructions: inputs.map((v) => v * 0.8), shape: [4, 30] }));
  assert.deepEqual([lines.width, lines.height], [900, 90 + 2 * 230], 'two rows of two panels');
  assert.ok(inked(lines) > 1000);
});
