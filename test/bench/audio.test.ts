import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatAudioTables, runAudioBenchmark } from '../../bench/audio/protocol.js';
import { writeWav } from '../../src/data/audio.js';
import { Rng } from '../../src/data/random.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-bench-audio-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('bench:audio protocol', () => {
  it('runs end to end on a tiny FSDD-shaped folder: baselines, the complex-mask denoiser, codes, goals and figures material', async () => {
    // 2 "digits" (pitches) × 2 "speakers" (vibrato rates) × takes 0–9; takes 0–4 test, 5–9 training; quick keeps take 0 of the test.
    const rec = join(dir, 'recordings');
    mkdirSync(rec, { recursive: true });
    const rng = new Rng(1);
    for (let d = 0; d < 2; d++) {
      for (const [s, rate] of [['ann', 3], ['ben', 7]] as const) {
        for (let t = 0; t < 10; t++) {
          const n = 1500 + 100 * t;
          const samples = Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(2 * Math.PI * (300 + 300 * d) * i / 8000 + Math.sin(2 * Math.PI * rate * i / 8000)) * Math.sin(Math.PI * i / n) + 0.001 * rng.normal());
          writeWav(join(rec, `${d}_${s}_${t}.wav`), { samples, sampleRate: 8000 });
        }
      }
    }
    const examples: string[] = [];
    const r = await runAudioBenchmark({ dataDir: dir, quick: true, seeds: [1], threads: 1, examples: (e) => examples.push(`${e.kind}-${e.snr}`) });
    assert.deepEqual(r.protocol.trainClips, 20);
    assert.deepEqual(r.protocol.testClips, 4);
    for (const kind of ['white', 'babble'] as const) {
      for (const snr of ['0', '5', '10']) {
        assert.ok(Math.abs(r.noisy[kind][snr]!.siSdr - Number(snr)) < 1, `noisy SI-SDR of ${kind} ${snr} dB: ${r.noisy[kind][snr]!.siSdr}`);
        assert.ok(Number.isFinite(r.denoise[kind][snr]!.siSdri));
        assert.ok(r.baselines.wiener[kind][snr]!.siSdri > 0, 'the Wiener filter with the oracle noise spectrum helps');
      }
    }
    assert.equal(examples.length, 6);
    assert.ok(r.codes && r.codes.knn5Digit >= 0 && r.codes.mfccKnn5Digit > 0.5);
    assert.equal(typeof r.goal.denoise?.met, 'boolean');
    assert.match(formatAudioTables(r), /\| white \| 0 \|/);
    assert.equal(r.protocol.denoiser, 'complex');
  });

  it('the magnitude-mask denoiser, the practical baselines beside the oracle ones, and a seed run without baselines', async () => {
    const r = await runAudioBenchmark({ dataDir: dir, quick: true, seeds: [2], threads: 1, denoiser: 'mask', practicalBaselines: true, noCodes: true });
    assert.equal(r.protocol.denoiser, 'mask');
    for (const kind of ['white', 'babble'] as const) {
      for (const snr of ['0', '5', '10']) {
        assert.ok(Number.isFinite(r.baselines.wienerPractical![kind][snr]!.siSdri));
        assert.ok(Number.isFinite(r.baselines.spectralSubtractionPractical![kind][snr]!.siSdri));
      }
    }
    assert.match(formatAudioTables(r), /subtraction \(MS\)/);
    const alone = await runAudioBenchmark({ dataDir: dir, quick: true, seeds: [2], threads: 1, denoiser: 'mask', noBaselines: true, noCodes: true });
    assert.equal(alone.goal.denoise, null);
    assert.deepEqual(alone.baselines.wiener.white, {});
    assert.ok(Number.isFinite(alone.perSeed['2']!.white['0']!.siSdri));
    assert.match(formatAudioTables(alone), /per seed/);
  });
});
