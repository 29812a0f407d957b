/** `aekit denoise <run>`: cleans noisy images with a (denoising) autoencoder; with --noise, measures it against the clean images. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { writeWav } from '../../data/audio.js';
import { siSdr } from '../../eval/audio-quality.js';
import { spectrogramsPng } from '../../viz/audio.js';
import { encodeNpy } from '../../data/npy.js';
import { writeFileAtomic } from '../../io/files.js';
import { type DenoisingReport, addGaussianNoise, denoise, denoisingReport, worseningWarning } from '../../tasks/denoise.js';
import { imageGridPng } from '../../viz/index.js';
import { UsageError } from '../../runs/errors.js';
import { floatIn } from '../args.js';
import { imageShapeOf } from '../../viz/image-shape.js';
import { type Io, defaultIo } from '../io.js';
import { type RunDataFlags, openRunWithData, withRunData } from '../run-data-flags.js';
import { examplesHelp } from '../examples.js';
import { denoiseWithSpeechRun, isSpeechRun } from '../speech-denoiser.js';

export interface DenoiseFlags extends RunDataFlags {
  /** Add Gaussian noise of this factor to the data first (x + f·N(0, 1), clipped to [0, 1]) and report against the clean data. */
  noise?: number;
  seed?: number;
  out?: string;
  png?: string;
  /** Audio runs: a folder to write the denoised clips to as WAV (and the noisy ones, with --noise). */
  wav?: string;
  json?: boolean;
}

/** What `aekit denoise` reports on an audio run with --noise: mean SI-SDR (dB) of the noisy and the denoised clips. */
export interface AudioDenoiseReport {
  clips: number;
  noisySiSdr: number;
  denoisedSiSdr: number;
  improvement: number;
}

/** Denoises the clips of an audio run (waveforms [samples, 1]); see {@link DenoiseFlags}. */
async function denoiseAudio(run: Awaited<ReturnType<typeof openRunWithData>>, flags: DenoiseFlags, io: Io): Promise<AudioDenoiseReport | undefined> {
  const set = run.data.train;
  const n = set.shape[0]!;
  const len = set.shape[1]!;
  const rate = run.data.sampleRate!;
  // Waveforms are not clipped to [0, 1]: the noise is x + f·N(0, 1) as drawn.
  const noisy = flags.noise === undefined ? set.x : addGaussianNoise(set.x, flags.noise, { seed: flags.seed ?? 0, clip: false });
  const clean = await denoise(run.model, noisy);
  const clip = (a: Float32Array, i: number) => a.subarray(i * len, (i + 1) * len);
  let report: AudioDenoiseReport | undefined;
  if (flags.noise !== undefined) {
    let a = 0, b = 0, k = 0;
    for (let i = 0; i < n; i++) {
      const s0 = siSdr(clip(noisy, i), clip(set.x, i));
      const s1 = siSdr(clip(clean, i), clip(set.x, i));
      if (!Number.isFinite(s0) || !Number.isFinite(s1)) continue; // silent clips have no SI-SDR
      a += s0; b += s1; k++;
    }
    report = { clips: k, noisySiSdr: a / k, denoisedSiSdr: b / k, improvement: (b - a) / k };
  }
  if (flags.out) writeFileAtomic(flags.out, encodeNpy({ shape: set.shape, data: clean }));
  if (flags.wav) {
    mkdirSync(flags.wav, { recursive: true });
    const digits = String(n - 1).length;
    for (let i = 0; i < n; i++) {
      const id = String(i).padStart(digits, '0');
      writeWav(join(flags.wav, `${id}-denoised.wav`), { samples: clip(clean, i), sampleRate: rate });
      if (flags.noise !== undefined) writeWav(join(flags.wav, `${id}-noisy.wav`), { samples: clip(noisy, i), sampleRate: rate });
    }
  }
  if (flags.png) {
    const rows = [...(flags.noise === undefined ? [] : [{ name: 'clean', samples: clip(set.x, 0) }]), { name: flags.noise === undefined ? 'input' : `noisy (Gaussian ${flags.noise})`, samples: clip(noisy, 0) }, { name: 'denoised', samples: clip(clean, 0) }];
    writeFileAtomic(flags.png, spectrogramsPng(rows, rate, { title: 'Denoising: the first clip' }));
  }
  if (flags.json) io.out(JSON.stringify(report ?? { clips: n }));
  else if (report) io.log(`${report.clips} clips, Gaussian noise ${flags.noise}: SI-SDR ${report.noisySiSdr.toFixed(2)} → ${report.denoisedSiSdr.toFixed(2)} dB (${report.improvement >= 0 ? '+' : ''}${report.improvement.toFixed(2)} dB)`);
  const written = [flags.out, flags.png, flags.wav && `${flags.wav}/`].filter(Boolean);
  if (written.length && !flags.json) io.log(`Wrote ${written.join(' and ')}`);
  return report;
}

/** Denoises; returns the report when the clean images are known (--noise). */
export async function runDenoiseCommand(path: string, flags: DenoiseFlags, io: Io = defaultIo()): Promise<DenoisingReport | undefined> {
  if (isSpeechRun(path)) {
    if (flags.noise !== undefined || flags.out) throw new UsageError('a speech-denoiser run denoises .wav clips: --data <folder> with --wav <folder> and/or --png <file> (--noise and --out are for other runs)');
    await denoiseWithSpeechRun(path, flags, io);
    return undefined;
  }
  if (!flags.out && !flags.png && !flags.wav && flags.noise === undefined) throw new UsageError('say what to do: --out denoised.npy, --png grid.png, --wav folder/ (audio), and/or --noise f to measure on noised copies of clean data');
  const run = await openRunWithData(path, flags);
  if (run.data.kind === 'audio') {
    await denoiseAudio(run, flags, io);
    return undefined;
  }
  if (flags.wav) throw new UsageError('--wav: this run was not trained on audio (a folder of .wav files)');
  const set = run.data.train;
  const imageShape = imageShapeOf(run.data.sampleShape);
  const noisy = flags.noise === undefined ? set.x : addGaussianNoise(set.x, flags.noise, { seed: flags.seed ?? 0 });
  const clean = await denoise(run.model, noisy);
  let report: DenoisingReport | undefined;
  if (flags.noise !== undefined) {
    if (!imageShape || imageShape[0] !== 1) throw new UsageError(`--noise: the report's SSIM needs grayscale images; samples have shape [${run.data.sampleShape.join(', ')}]`);
    report = denoisingReport({ x: set.x, shape: [set.shape[0]!, ...imageShape] }, noisy, clean);
  }
  if (flags.out) writeFileAtomic(flags.out, encodeNpy({ shape: set.shape, data: clean }));
  if (flags.png) {
    if (!imageShape) throw new UsageError(`--png: samples of shape [${run.data.sampleShape.join(', ')}] are not images`);
    const k = Math.min(10, set.shape[0]!);
    const size = noisy.length / set.shape[0]!;
    const rows = flags.noise === undefined ? [noisy, clean] : [set.x, noisy, clean];
    const grid = new Float32Array(rows.length * k * size);
    rows.forEach((r, i) => grid.set(r.subarray(0, k * size), i * k * size));
    const titles = flags.noise === undefined ? ['input', 'denoised'] : ['clean', `noise ${flags.noise}`, 'denoised'];
    writeFileAtomic(flags.png, imageGridPng(grid, { imageShape, columns: k, rowTitles: titles, title: 'Denoising' }));
  }
  const warning = report ? worseningWarning(report) : undefined;
  if (flags.json) io.out(JSON.stringify(report ? { ...report, ...(warning ? { warning } : {}) } : { images: set.shape[0] }));
  else if (report) {
    io.log(`${report.images} images, noise factor ${flags.noise}: PSNR ${report.noisy.psnr.toFixed(2)} → ${report.denoised.psnr.toFixed(2)} dB, SSIM ${report.noisy.ssim.toFixed(3)} → ${report.denoised.ssim.toFixed(3)}`);
    if (warning) io.log(`Warning: ${warning}`);
  }
  const written = [flags.out, flags.png].filter(Boolean);
  if (written.length && !flags.json) io.log(`Wrote ${written.join(' and ')}`);
  return report;
}

export function denoiseCommand(io?: Io): Command {
  return withRunData(new Command('denoise'), 'denoise')
    .description('denoise images with a trained (denoising) autoencoder; --noise f measures PSNR/SSIM on noised copies of clean data')
    .option('--noise <f>', 'add Gaussian noise x + f·N(0,1), clipped to [0, 1], and report PSNR and SSIM against the clean images', floatIn('--noise', 0, 10))
    .option('--seed <n>', 'seed of that noise', (v: string) => Number.parseInt(v, 10), 0)
    .option('--out <file>', 'the denoised images as NPY')
    .option('--png <file>', 'a picture: clean, noisy and denoised rows')
    .option('--wav <folder>', 'audio runs: write the denoised clips (and, with --noise, the noisy ones) as WAV files; a speech-denoiser run writes each clip of --data whole, under its own name')
    .option('--json', 'print the report as one JSON object')
    .addHelpText('after', examplesHelp('aekit denoise runs/unet-denoising-mnist-1 --noise 0.5 --png denoised.png', '(after aekit train --model unet-denoising --noise 0.5 --epochs 10)'))
    .action(async (path: string, flags: DenoiseFlags) => {
      await runDenoiseCommand(path, flags, io);
    });
}
