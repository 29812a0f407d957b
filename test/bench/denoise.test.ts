import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDenoiseTable, runDenoiseBenchmark } from '../../bench/denoise/protocol.js';

describe('bench:denoise protocol', () => {
  it('runs on a slice and reports aekit and every baseline at each factor', async () => {
    const result = await runDenoiseBenchmark({ trainSamples: 200, testSamples: 40, epochs: 1, noiseFactors: [0.5], model: 'conv' });
    assert.deepEqual(Object.keys(result.psnr), ['0.5']);
    assert.deepEqual(Object.keys(result.baselines).sort(), ['gaussianBlur', 'median3x3', 'noisy', 'pca64']);
    assert.ok(result.baselines.noisy!['0.5']! < result.baselines.median3x3!['0.5']!);
    assert.ok(Number.isFinite(result.psnr['0.5']!) && result.goal.met !== null);
    const table = formatDenoiseTable(result);
    assert.match(table, /\| PCA k=64 projection \|/);
    assert.match(table, /Goal: PSNR ≥ 21 dB at noise factor 0.5/);
    await assert.rejects(runDenoiseBenchmark({ noiseFactors: [0] }), /noiseFactors must be numbers in \(0, 2\]/);
  });

  it("trains the U-Net the options describe and reports its config and learning rate", async () => {
    const result = await runDenoiseBenchmark({ trainSamples: 100, testSamples: 20, epochs: 1, noiseFactors: [0.5], unet: { filters: [4, 6], convsPerLevel: 2, bottleneck: 5 }, learningRate: 0.01 });
    const config = result.protocol.config as { encoder: { filters: number[]; convsPerLevel: number }; bottleneck: number };
    assert.deepEqual(config.encoder.filters, [4, 6]);
    assert.equal(config.encoder.convsPerLevel, 2);
    assert.equal(config.bottleneck, 5);
    assert.equal(result.protocol.learningRate, 0.01);
    assert.ok(Number.isFinite(result.psnr['0.5']!));
    await assert.rejects(runDenoiseBenchmark({ model: 'conv', unet: { convsPerLevel: 2 } }), /change the 'unet' denoiser, not 'conv'/);
    await assert.rejects(runDenoiseBenchmark({ learningRate: 0 }), /learningRate must be in \(0, 1\)/);
  });
});
