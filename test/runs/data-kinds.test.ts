import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { dataKindOf, describeDefaults, hiddenWidth, kindDefaults, tableCodeSize } from '../../src/runs/data-kinds.js';
import { presetConfig } from '../../src/runs/presets.js';
import { DEFAULT_TEST_SPLIT, loadRunData } from '../../src/runs/run-data.js';
import { baselineWarning, codeUnitStds, codeWarnings, deadUnits } from '../../src/runs/run-warnings.js';
import { worseningWarning } from '../../src/tasks/denoise.js';
import { correlatedCsv } from './correlated-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-kinds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('data kinds', () => {
  it('tells images, tables and sequences apart by shape, and 8-bit sources are images', () => {
    assert.equal(dataKindOf([1, 28, 28]), 'image');
    assert.equal(dataKindOf([784], true), 'image');
    assert.equal(dataKindOf([20]), 'table');
    assert.equal(dataKindOf([50, 3]), 'sequence');
  });

  it('gives each kind its loss, output, scaling and code', () => {
    assert.deepEqual(kindDefaults('image', [1, 28, 28]), { kind: 'image', loss: 'bce', outputActivation: 'sigmoid', scale: 'none', widthScale: 1 });
    assert.equal(kindDefaults('image', [1, 8, 8], false).scale, 'minmax');
    const table = kindDefaults('table', [20]);
    assert.deepEqual([table.loss, table.outputActivation, table.scale, table.latent, table.codeActivation], ['mse', 'linear', 'zscore', 5, 'linear']);
    const seq = kindDefaults('sequence', [50, 1]);
    assert.deepEqual([seq.loss, seq.outputActivation, seq.scale, seq.latent], ['mse', 'linear', 'zscore', undefined]);
    assert.deepEqual([tableCodeSize(3), tableCodeSize(20), tableCodeSize(100)], [2, 5, 25]);
  });

  it('scales the dense presets to a table, and user options win', () => {
    const d = kindDefaults('table', [20]);
    const dense = presetConfig('dense', [20], {}, d) as { encoder: { sizes: number[]; codeActivation: string }; loss: string };
    assert.deepEqual(dense.encoder, { sizes: [80, 5], codeActivation: 'linear' });
    assert.equal(dense.loss, 'mse');
    const mine = presetConfig('dense', [20], { latent: 3, loss: 'bce' }, d) as { encoder: { sizes: number[] }; loss: string };
    assert.deepEqual([mine.encoder.sizes, mine.loss], [[80, 3], 'bce']);
    assert.equal(hiddenWidth(128, kindDefaults('table', [4]), 2), 16);
    // Without a kind the presets keep their image defaults.
    assert.deepEqual((presetConfig('dense', [784]) as { encoder: unknown }).encoder, { sizes: [128, 32] });
    assert.equal((presetConfig('lstm', [50, 1], {}, kindDefaults('sequence', [50, 1])) as { loss: string }).loss, 'mse');
  });

  it('describes the choice in one line', () => {
    assert.equal(describeDefaults({ kind: 'table', sampleShape: [20], loss: 'mse', outputActivation: 'linear', scale: 'zscore', code: 5 }),
      'table data (20 columns): loss mse, output linear, scale zscore, code 5 — set --loss/--scale/--latent to change');
  });
});

describe('loadRunData defaults', () => {
  const csv = correlatedCsv(join(dir, 'table.csv'), 200, 20);

  it('holds out a seeded 20 % of a file as the test set, z-scores a table, and records both', async () => {
    const a = await loadRunData({ source: csv });
    const b = await loadRunData({ source: csv });
    assert.equal(DEFAULT_TEST_SPLIT, 0.2);
    assert.deepEqual([a.train.shape[0], a.test?.shape[0], a.testFrom, a.kind, a.scale, a.unitRange], [160, 40, 'held-out', 'table', 'zscore', false]);
    assert.deepEqual(Array.from(a.test!.x.subarray(0, 20)), Array.from(b.test!.x.subarray(0, 20)), 'the same rows every time');
    const none = await loadRunData({ source: csv, testSplit: 0 });
    assert.deepEqual([none.train.shape[0], none.test], [200, undefined]);
    const whole = await loadRunData({ source: csv }, undefined, { wholeSource: true });
    assert.equal(whole.train.shape[0], 200);
  });

  it('scales min-max when the loss asked for is BCE, and an explicit --scale wins', async () => {
    assert.equal((await loadRunData({ source: csv }, undefined, { unitRangeLoss: true })).scale, 'minmax');
    assert.equal((await loadRunData({ source: csv, scale: 'none' }, undefined, { unitRangeLoss: true })).scale, 'none');
  });

  it('names the held-out rows when --samples asks for more than remain', async () => {
    await assert.rejects(loadRunData({ source: csv, samples: 200 }), /160 training samples \(40 more are held out/);
  });
});

describe('run warnings', () => {
  it('finds dead code units by their std', () => {
    const codes = Float32Array.from([0, 1, 5, 0, 2, 5, 0, 3, 5]); // 3 codes of 3 units; units 1 and 3 are constant
    assert.deepEqual(Array.from(codeUnitStds(codes, 3)).map((s) => Number(s.toFixed(3))), [0, 0.816, 0]);
    assert.deepEqual(deadUnits(codeUnitStds(codes, 3)), [0, 2]);
  });

  it('warns of dead units and of a code not smaller than the input, numbering units from 1', async () => {
    const model = { inputShape: [2], latentShape: [3], encode: async (x: Float32Array) => Float32Array.from({ length: (x.length / 2) * 3 }, (_, i) => (i % 3 === 1 ? i : 0)) };
    const data = { train: { x: new Float32Array(20), shape: [10, 2] } } as never;
    const w = await codeWarnings(model, data);
    assert.equal(w.length, 2);
    assert.match(w[0]!, /code \(3 values\) is not smaller than the input \(2 values\)/);
    assert.match(w[1]!, /2 of 3 code units are dead .*10 training samples.*units 1, 3/);
    assert.equal((await codeWarnings(model, data, { denoises: true })).length, 1);
  });

  it('warns when the test MSE is far above PCA with the same code', () => {
    assert.deepEqual(baselineWarning({ model: { mse: 0.02 }, pca: { k: 5, mse: 0.019 } }, 5), []);
    assert.match(baselineWarning({ model: { mse: 0.77 }, pca: { k: 5, mse: 0.0198 } }, 5)[0]!, /38\.9× PCA's.*--epochs 50/);
  });

  it('warns when denoising made PSNR or SSIM worse, and only then', () => {
    const q = (psnr: number, ssim: number) => ({ mse: 0, psnr, ssim });
    assert.equal(worseningWarning({ images: 1, noisy: q(9.37, 0.413), denoised: q(12, 0.5), gain: { psnr: 2.63, ssim: 0.087 } }), undefined);
    assert.match(worseningWarning({ images: 1, noisy: q(9.37, 0.413), denoised: q(10.05, 0.208), gain: { psnr: 0.68, ssim: -0.205 } })!, /SSIM fell 0\.205.*unet-denoising/);
  });
});
