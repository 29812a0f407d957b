/**
 * Issue 26 (audio) generation: a VAE on FSDD's log-magnitude spectrograms,
 * its samples from the prior and interpolations between two test clips
 * written as WAV (Griffin–Lim) and as spectrogram PNGs.
 *
 *   node --import tsx bench/experiments/audio-generate.ts [fsdd-dir] [out-dir] [epochs]
 *   node --import tsx bench/experiments/audio-generate.ts --redraw <out-dir>   # the PNGs again from the WAVs
 *
 * Input: each training clip's first 0.75 s (48 frames, STFT 256/128,
 * zero-padded), `logMagnitudeImage` [1, 128, 48] in [0, 1]; a dense VAE
 * 6144-512-16 with a BCE loss, Adam 1e-3 with a cosine decay.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FSDD_PATTERN, loadAudioFolder, readWav, writeWav } from '../../src/data/audio.js';
import { logMagnitudeImage, logMagnitudeImageToAudio } from '../../src/data/spectrogram.js';
import { VariationalAutoencoder } from '../../src/models/vae.js';
import { Adam } from '../../src/optim/optimizers.js';
import { interpolate, sample } from '../../src/tasks/generate.js';
import { spectrogramsPng } from '../../src/viz/audio.js';

const drawRow = (clips: Float32Array[], stem: string, dir: string) =>
  writeFileSync(join(dir, `${stem}.png`), spectrogramsPng(clips.map((c, i) => ({ name: `${stem} ${i}`, samples: c })), 8000, { nFft: 256, hop: 64, panelWidth: 160, panelHeight: 200 }));
if (process.argv[2] === '--redraw') {
  const dir = process.argv[3] ?? 'runs/audio-generate';
  for (const stem of ['sample', 'interpolation']) drawRow(Array.from({ length: 6 }, (_, i) => readWav(join(dir, `${stem}-${i}.wav`)).samples), stem, dir);
  console.log(`redrew ${dir}/sample.png and interpolation.png`);
  process.exit(0);
}

const dataDir = process.argv[2] ?? '../shared/data/fsdd';
const out = process.argv[3] ?? 'runs/audio-generate';
const epochs = Number(process.argv[4] ?? 30);
const stft = { nFft: 256, hop: 128 };
const frames = 48;
const size = 128 * frames;
mkdirSync(out, { recursive: true });
const f = await loadAudioFolder(join(dataDir, 'recordings'), { pattern: FSDD_PATTERN });
const take = f.fields.take!.map(Number);
const train = take.flatMap((t, i) => (t >= 5 ? [i] : []));
const x = new Float32Array(train.length * size);
train.forEach((i, j) => x.set(logMagnitudeImage(f.clips[i]!, frames, stft), j * size));
const vae = new VariationalAutoencoder({ inputShape: [1, 128, frames], encoder: { type: 'dense', sizes: [512] }, latentDim: 16, loss: 'bce' });
vae.compile({ seed: 1, optimizer: new Adam({ learningRate: 1e-3 }) });
const t0 = performance.now();
const fit = await vae.fit({ x, shape: [train.length, 1, 128, frames] }, { epochs, batchSize: 64, seed: 1, schedule: { type: 'cosine', totalEpochs: epochs, minLr: 1e-5 } });
console.log(`VAE 6144-512-16 on ${train.length} spectrograms [1, 128, ${frames}], ${epochs} epochs in ${((performance.now() - t0) / 1000).toFixed(0)} s: last loss ${fit.history.at(-1)?.loss.toFixed(2)}`);
const toWav = (images: Float32Array, n: number, stem: string) => {
  const clips = Array.from({ length: n }, (_, i) => logMagnitudeImageToAudio(images.subarray(i * size, (i + 1) * size), frames, { ...stft, iterations: 60 }));
  clips.forEach((c, i) => writeWav(join(out, `${stem}-${i}.wav`), { samples: c, sampleRate: f.sampleRate }));
  drawRow(clips, stem, out);
};
const samples = await sample(vae, 6, { seed: 1 });
toWav(samples.images, 6, 'sample');
// Between a test "zero" and a test "seven" of the same speaker.
const a = f.files.indexOf('0_jackson_0.wav');
const b = f.files.indexOf('7_jackson_0.wav');
const between = await interpolate(vae, logMagnitudeImage(f.clips[a]!, frames, stft), logMagnitudeImage(f.clips[b]!, frames, stft), 6);
toWav(between.images, 6, 'interpolation');
console.log(`wrote ${out}/sample-*.wav, interpolation-*.wav (0_jackson_0 → 7_jackson_0) and their spectrograms`);
