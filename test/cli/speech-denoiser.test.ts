import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runDenoiseCommand } from '../../src/cli/commands/denoise.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { readWav, writeWav } from '../../src/data/audio.js';
import { Rng } from '../../src/data/random.js';
import { openRun } from '../../src/runs/open-run.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-speech-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A voiced "word": harmonics of a pitch under a smooth envelope, with a little background noise. */
const word = (n: number, pitch: number, rng: Rng) => Float32Array.from({ length: n }, (_, i) => {
  const env = Math.sin((Math.PI * i) / n) ** 2;
  let v = 0;
  for (let h = 1; h <= 4; h++) v += Math.sin((2 * Math.PI * h * pitch * i) / 8000) / h;
  return 0.3 * env * v + 0.003 * rng.normal();
});

describe('aekit train --model speech-denoiser and aekit denoise', () => {
  const wavs = join(dir, 'wavs');
  mkdirSync(wavs);
  const rng = new Rng(3);
  const speakers = [['amy', 140], ['bob', 110], ['cy', 210]] as const;
  for (const [s, pitch] of speakers) for (let t = 0; t < 2; t++) writeWav(join(wavs, `${t}_${s}_${t}.wav`), { samples: word(2500 + 700 * t, pitch * (1 + 0.1 * t), rng), sampleRate: 8000 });
  const io = () => {
    const lines: string[] = [];
    return { lines, log: (l: string) => lines.push(l), out: (l: string) => lines.push(l), tty: false };
  };
  const runDir = join(dir, 'run');

  it('trains into an ordinary run folder with validation SI-SDR, figures, audio and a report', async () => {
    const out = io();
    await runTrainCommand({ runs: dir, out: runDir, model: 'speech-denoiser', data: wavs, labelPattern: '^(?<digit>\\d)_(?<speaker>[a-z]+)_', noiseSnr: [0, 10], noiseType: 'both', epochs: 1, threads: 1 }, out);
    for (const f of ['checkpoint/checkpoint.json', 'model.onnx', 'config.json', 'metrics.jsonl', 'results.json', 'report.html', 'figures/spectrograms.png', 'figures/waveforms.png', 'audio/clips.json']) assert.ok(existsSync(join(runDir, f)), `${f} is written`);
    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    assert.equal(config.model.className, 'ComplexMaskDenoiser');
    assert.deepEqual(config.preset, { noiseSnr: [0, 10], noiseTypes: ['white', 'babble'] });
    assert.equal(config.data.audio.sampleRate, 8000);
    const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8'));
    assert.equal(results.epochs, 1);
    // 20 % of 6 clips held out: one, scored before and after.
    assert.equal(results.validation.clips, 1);
    assert.ok(Number.isFinite(results.validation.noisySiSdr) && Number.isFinite(results.validation.denoisedSiSdr));
    assert.ok(results.validation.noisySiSdr >= -1 && results.validation.noisySiSdr <= 11, `the mixture's SI-SDR ${results.validation.noisySiSdr} dB is near its SNR in [0, 10]`);
    assert.match(out.lines.join('\n'), /Validation, 1 clips with fixed noise at 0…10 dB: SI-SDR/);
    assert.match(readFileSync(join(runDir, 'report.html'), 'utf8'), /SI-SDR before and after/);
    const index = JSON.parse(readFileSync(join(runDir, 'audio/clips.json'), 'utf8'));
    assert.deepEqual(index.clips[0].versions.map((v: { label: string }) => v.label), ['clean', 'noisy', 'denoised']);
    assert.equal(readWav(join(runDir, index.clips[0].versions[2].file)).samples.length, index.clips[0].versions[0].samples);
  });

  it('denoises whole clips of any length and rate into WAVs at the run\'s rate, each under its own name', async () => {
    const noisy = join(dir, 'noisy');
    mkdirSync(noisy);
    writeWav(join(noisy, 'short.wav'), { samples: word(1000, 150, rng), sampleRate: 8000 });
    writeWav(join(noisy, 'long.wav'), { samples: word(9001, 120, rng), sampleRate: 8000 });
    // 16 kHz: resampled to the run's 8 kHz first, so 6000 samples become 3000.
    writeWav(join(noisy, 'wide.wav'), { samples: Float32Array.from({ length: 6000 }, (_, i) => 0.2 * Math.sin(i / 7)), sampleRate: 16000 });
    const out = io();
    await runDenoiseCommand(runDir, { data: noisy, wav: join(dir, 'clean'), png: join(dir, 'first.png') }, out);
    assert.deepEqual(readdirSync(join(dir, 'clean')).sort(), ['long.wav', 'short.wav', 'wide.wav']);
    const lengths = Object.fromEntries(['short', 'long', 'wide'].map((n) => {
      const w = readWav(join(dir, 'clean', `${n}.wav`));
      assert.equal(w.sampleRate, 8000, n);
      assert.ok(w.samples.some((v) => v !== 0), `${n} is not silent`);
      return [n, w.samples.length];
    }));
    assert.deepEqual(lengths, { short: 1000, long: 9001, wide: 3000 });
    assert.ok(existsSync(join(dir, 'first.png')));
    assert.match(out.lines.join('\n'), /Denoised 3 clips/);
  });

  it('names the file or folder when the input is not a folder of WAV files', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'note.wav'), 'this is text, not RIFF audio');
    await assert.rejects(runDenoiseCommand(runDir, { data: bad, wav: join(dir, 'x') }, io()), /note\.wav: not a WAV file/);
    await assert.rejects(runDenoiseCommand(runDir, { data: join(dir, 'missing'), wav: join(dir, 'x') }, io()), /--data: '.*missing' does not exist; expected a folder of \.wav files/);
    await assert.rejects(runDenoiseCommand(runDir, { data: join(bad, 'note.wav'), wav: join(dir, 'x') }, io()), /is a file; expected a folder of \.wav files/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await assert.rejects(runDenoiseCommand(runDir, { data: empty, wav: join(dir, 'x') }, io()), /holds no \.wav files/);
    await assert.rejects(runDenoiseCommand(runDir, { data: wavs }, io()), /--wav <folder>/);
    await assert.rejects(runDenoiseCommand(runDir, { data: wavs, wav: wavs }, io()), /is the folder being denoised/);
    await assert.rejects(runTrainCommand({ runs: dir, model: 'speech-denoiser', epochs: 1 }, io()), /needs a folder of \.wav files \(--data <folder>\), got 'mnist'/);
    await assert.rejects(runTrainCommand({ runs: dir, model: 'speech-denoiser', data: bad, epochs: 1 }, io()), /note\.wav: not a WAV file/);
    // The commands of autoencoder runs (eval, encode, detect...) say what applies a speech denoiser instead.
    assert.throws(() => openRun(runDir), /is a speech-denoiser run .*aekit denoise <run> --data <folder of \.wav> --wav <folder>/);
  });
});
