import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runDenoiseCommand } from '../../src/cli/commands/denoise.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { readWav, writeWav } from '../../src/data/audio.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-audio-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('aekit train and denoise on a folder of .wav files', () => {
  const wavs = join(dir, 'wavs');
  mkdirSync(wavs);
  // 20 clips of 60–70 samples: two "digits" (tones) by two "speakers" (amplitudes).
  for (let d = 0; d < 2; d++) {
    for (const [s, amp] of [['amy', 0.3], ['bob', 0.6]] as const) {
      for (let t = 0; t < 5; t++) {
        const n = 60 + 2 * t;
        writeWav(join(wavs, `${d}_${s}_${t}.wav`), { samples: Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * (d + 1) * 500 * i) / 8000 + t)), sampleRate: 8000 });
      }
    }
  }

  it('reads waveforms as [samples, 1] audio with labels from the names, trains conv1d by default, and writes denoised WAVs', async () => {
    const lines: string[] = [];
    const io = { log: (l: string) => lines.push(l), out: (l: string) => lines.push(l), tty: false };
    const outcome = (await runTrainCommand({ runs: dir, out: join(dir, 'run'), data: wavs, labelPattern: '^(?<digit>\\d)_(?<speaker>[a-z]+)_', audioLength: 64, epochs: 2, batchSize: 8, figures: false, threads: 1 }, io))!;
    assert.ok(lines.some((l) => l.includes('audio data (clips of 64 samples): loss mse, output linear, scale none')), lines.join('\n'));
    assert.equal(outcome.data.kind, 'audio');
    assert.equal(outcome.data.sampleRate, 8000);
    assert.deepEqual(outcome.data.sampleShape, [64, 1]);
    assert.ok(outcome.data.train.labels, 'labels from the file names');
    const config = JSON.parse(readFileSync(join(outcome.run.dir, 'config.json'), 'utf8'));
    assert.equal(config.model.className, 'Conv1DAutoencoder');
    // The sample rate is recorded (the dashboard and later commands read it from the config).
    assert.deepEqual(config.data.audio, { labelPattern: '^(?<digit>\\d)_(?<speaker>[a-z]+)_', length: 64, sampleRate: 8000 });

    const out = join(dir, 'denoised');
    lines.length = 0;
    await runDenoiseCommand(outcome.run.dir, { noise: 0.05, wav: out, json: true, png: join(dir, 'spec.png') }, io);
    const report = JSON.parse(lines.at(-1)!);
    assert.equal(report.clips, 4); // the held-out 20 %
    assert.ok(Number.isFinite(report.noisySiSdr) && Number.isFinite(report.improvement));
    const files = readdirSync(out).sort();
    assert.deepEqual(files, ['0-denoised.wav', '0-noisy.wav', '1-denoised.wav', '1-noisy.wav', '2-denoised.wav', '2-noisy.wav', '3-denoised.wav', '3-noisy.wav']);
    const w = readWav(join(out, '0-denoised.wav'));
    assert.equal(w.sampleRate, 8000);
    assert.equal(w.samples.length, 64);
    assert.ok(existsSync(join(dir, 'spec.png')));

    // New clips of another length are cropped or padded to the model's input.
    lines.length = 0;
    await runDenoiseCommand(outcome.run.dir, { data: wavs, wav: join(dir, 'all'), json: true }, io);
    assert.equal(JSON.parse(lines.at(-1)!).clips, 20);
  });
});
