/**
 * The speech denoiser as a run folder: `aekit train --model speech-denoiser
 * --data <folder of .wav>` trains bench:audio's complex-mask denoiser
 * (`ComplexMaskDenoiser`, src/tasks/complex-mask-denoise.ts) on the folder's
 * clips with white or babble noise drawn fresh every epoch, scores it on
 * held-out validation clips with fixed noise (SI-SDR before and after), and
 * writes an ordinary run folder: checkpoint/, model.onnx (waveform segment
 * in, waveform segment out, the STFT inside), config.json, metrics,
 * results.json, figures/, audio/ (clean, noisy and denoised validation clips
 * for the dashboard) and report.html. `aekit denoise <run> --data <folder>
 * --wav <out>` then denoises whole clips of any length with it.
 *
 * Its loop is not `aekit train`'s: the training pairs are made anew every
 * epoch from whole clips (no fixed data set to fit), and the model is not an
 * AutoencoderModel (no code, no encoder to export).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConfigError } from '../config/validate.js';
import { type AudioFolder, isAudioFolder, loadAudioFolder, writeWav } from '../data/audio.js';
import { Rng } from '../data/random.js';
import { siSdr } from '../eval/audio-quality.js';
import { writeFileAtomic } from '../io/files.js';
import { UsageError } from '../runs/errors.js';
import { checkOutputFolder } from '../runs/output-folder.js';
import { SPEECH_DENOISER_CONFIG } from '../runs/presets.js';
import { writeRunAudio } from '../runs/run-audio.js';
import { type DataConfig, type RunConfig, isPreset, readRunConfig } from '../runs/run-config.js';
import { TEST_SPLIT_SEED } from '../runs/run-data.js';
import { RunFolder } from '../runs/run-folder.js';
import { ProgressFile } from '../runs/progress-file.js';
import { type SpeechNoiseKind, babbleNoise, mixAtSnr, noisySegments, whiteNoise } from '../tasks/audio-denoise.js';
import { ComplexMaskDenoiser, type ComplexMaskDenoiserConfig } from '../tasks/complex-mask-denoise.js';
import { lossCurvesPng } from '../viz/figures.js';
import { spectrogramsPng, waveformsPng } from '../viz/audio.js';
import { type Io } from './io.js';
import { formatDuration } from './progress.js';
import { type ReportSection, renderReport } from './report.js';

/** The default share of the clips held out as validation clips. */
export const SPEECH_VALIDATION_SPLIT = 0.2;
/** Seed of the validation clips' noise: fixed, so every run of a folder is scored on the same mixtures. */
export const VALIDATION_NOISE_SEED = 7;
/** Default input SNR range (dB) of the training mixtures: bench:audio's. */
const DEFAULT_SNR: [number, number] = [-2.5, 12.5];
/** Babble groups when the file names give no speaker: clips are split into this many groups by their index. */
const BABBLE_GROUPS = 4;

/** Whether a run config trains the speech denoiser (the preset, or a ComplexMaskDenoiser config). */
export function isSpeechDenoiserConfig(config: RunConfig): boolean {
  return config.model === 'speech-denoiser' || (!isPreset(config.model) && config.model.className === 'ComplexMaskDenoiser');
}

/** The config a speech run records: the preset resolved to its full model config. */
export function speechRunConfig(config: RunConfig): RunConfig & { model: Record<string, unknown> } {
  const model = isPreset(config.model) ? { ...SPEECH_DENOISER_CONFIG, filters: [...SPEECH_DENOISER_CONFIG.filters] } : config.model;
  return { ...config, model };
}

/**
 * Reads a folder of .wav clips for the speech denoiser, each at `sampleRate`
 * when given (resampled), else at the first file's rate.
 * @throws {ConfigError} naming `what` when the path is missing, a file, or a folder without .wav files.
 */
export async function loadSpeechFolder(source: string | undefined, audio: DataConfig['audio'], what: string): Promise<AudioFolder> {
  if (source === undefined || source === 'mnist' || source === 'fashion-mnist') throw new ConfigError(what, `the speech denoiser needs a folder of .wav files (--data <folder>), got ${source === undefined ? 'none' : `'${source}'`}`);
  if (!existsSync(source)) throw new ConfigError(what, `'${source}' does not exist; expected a folder of .wav files`);
  if (!statSync(source).isDirectory()) throw new ConfigError(what, `'${source}' is a file; expected a folder of .wav files`);
  if (!isAudioFolder(source)) throw new ConfigError(what, `'${source}' holds no .wav files`);
  const a = audio ?? {};
  return loadAudioFolder(source, { ...(a.sampleRate ? { sampleRate: a.sampleRate } : {}), ...(a.labelPattern ? { pattern: a.labelPattern } : {}), ...(a.labelGroup ? { labelGroup: a.labelGroup } : {}) });
}

/** Validation scores: mean SI-SDR (dB) of the noisy and the denoised validation clips, overall and per noise kind. */
export interface SpeechValidation {
  clips: number;
  snrDb: [number, number];
  noisySiSdr: number;
  denoisedSiSdr: number;
  improvement: number;
  byKind: Partial<Record<SpeechNoiseKind, { clips: number; noisySiSdr: number; denoisedSiSdr: number; improvement: number }>>;
}

/** What a speech-denoiser run produced. */
export interface SpeechTrainOutcome {
  run: RunFolder;
  model: ComplexMaskDenoiser;
  config: RunConfig;
  validation?: SpeechValidation;
  seconds: number;
}

const mean = (a: readonly number[]) => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);

/** Means of paired SI-SDR values, leaving out clips where either is not finite (silent clips have none). */
function siSdrMeans(pairs: readonly { noisy: number; denoised: number }[]): { clips: number; noisySiSdr: number; denoisedSiSdr: number; improvement: number } {
  const ok = pairs.filter((p) => Number.isFinite(p.noisy) && Number.isFinite(p.denoised));
  const noisySiSdr = mean(ok.map((p) => p.noisy));
  const denoisedSiSdr = mean(ok.map((p) => p.denoised));
  return { clips: ok.length, noisySiSdr, denoisedSiSdr, improvement: denoisedSiSdr - noisySiSdr };
}

/** Trains a speech-denoiser run (see the module comment). */
export async function trainSpeechDenoiserRun(base: RunConfig, flags: { runs: string; out?: string; figures?: boolean }, io: Io): Promise<SpeechTrainOutcome> {
  const started = performance.now();
  const { log } = io;
  const config = speechRunConfig(base);
  const modelConfig = config.model as unknown as ComplexMaskDenoiserConfig & { className: string };
  const folder = await loadSpeechFolder(config.data.source, config.data.audio, 'data.source (--data)');
  const n = folder.clips.length;
  if (n < 2) throw new ConfigError('data.source (--data)', `'${config.data.source}' holds ${n} .wav file; the speech denoiser needs at least 2 (training and validation clips)`);
  // Validation clips: a fixed, seeded share of the files (the same every run of the folder).
  const fraction = config.data.validationSplit ?? SPEECH_VALIDATION_SPLIT;
  const order = Array.from(new Rng(TEST_SPLIT_SEED).permutation(n));
  const nVal = fraction > 0 ? Math.min(n - 1, Math.max(1, Math.round(n * fraction))) : 0;
  const valIdx = order.slice(0, nVal).sort((a, b) => a - b);
  let trainIdx = order.slice(nVal).sort((a, b) => a - b);
  if (config.data.samples !== undefined) {
    if (config.data.samples > trainIdx.length) throw new ConfigError('data.samples (--samples)', `${config.data.samples} asked for, but ${config.data.source} has ${trainIdx.length} training clips (${nVal} more are validation clips)`);
    trainIdx = trainIdx.slice(0, config.data.samples);
  }
  // Babble comes from other speakers' clips (the `speaker` field of --label-pattern), else from clips of other index groups.
  const groupOf = (i: number) => folder.fields.speaker?.[i] ?? String(i % BABBLE_GROUPS);
  const groups = [...new Set(trainIdx.map(groupOf))];
  const pools = new Map(groups.map((g) => [g, trainIdx.filter((i) => groupOf(i) !== g).map((i) => folder.clips[i]!)]));
  const everyClip = trainIdx.map((i) => folder.clips[i]!);
  const poolOf = (i: number) => {
    const p = pools.get(groupOf(i));
    return p && p.length > 0 ? p : everyClip;
  };
  const snrDb = base.preset?.noiseSnr ?? DEFAULT_SNR;
  const kinds = base.preset?.noiseTypes ?? ['white', 'babble'];
  const t = config.training;
  const learningRate = typeof t.optimizer.learningRate === 'number' ? t.optimizer.learningRate : 2e-3;
  const model = new ComplexMaskDenoiser(modelConfig);
  const settings = model.settings;
  const recorded: RunConfig = { ...config, data: { ...config.data, audio: { ...config.data.audio, sampleRate: folder.sampleRate } }, model: { ...modelConfig, inputShape: [settings.segment] } };
  const runBase = `speech-denoiser-${basename(config.data.source).replace(/[^A-Za-z0-9._-]/g, '-') || 'data'}`;
  if (flags.out !== undefined) checkOutputFolder(flags.out, '--out');
  const run = flags.out !== undefined ? RunFolder.createAt(flags.out, t.epochs) : RunFolder.create(flags.runs, config.name, runBase, t.epochs);
  run.write('config.json', recorded);
  const rate = folder.sampleRate;
  log(`aekit train → ${run.dir}`);
  log(`  model ComplexMaskDenoiser · complex-mask U-Net [${settings.filters.join(', ')}] · segments of ${settings.segment} samples (${(settings.segment / rate).toFixed(3)} s at ${rate} Hz) · STFT ${settings.nFft}/${settings.hop} in the graph · loss −SI-SDR`);
  log(`  data ${basename(config.data.source)}: ${trainIdx.length} training clips, ${valIdx.length} validation clips (${Math.round(fraction * 100)}%, seeded) · noise ${kinds.join(' or ')} at ${snrDb[0]}…${snrDb[1]} dB SNR, drawn fresh every epoch`);
  log(`  ${t.epochs} epochs · batch ${t.batchSize} · Adam lr ${learningRate} with a cosine decay to 1 % · seed ${t.seed}`);

  const trng = new Rng(t.seed * 1000 + 17);
  const trainClips = trainIdx.map((i) => folder.clips[i]!);
  const losses: number[] = [];
  // Step-level progress for the dashboard's Live view (metrics.jsonl grows once per epoch).
  const live = new ProgressFile(run.path('progress.json'), t.epochs, { batchSize: t.batchSize });
  try {
    await model.train(() => noisySegments(trainClips, (j) => poolOf(trainIdx[j]!), trng, { segment: settings.segment, snrDb, kinds }), {
      epochs: t.epochs, batchSize: t.batchSize, learningRate, seed: t.seed,
      session: { ...(t.threads ? { threads: t.threads } : {}) },
      onProgress: (e) => {
        if (e.type === 'batch') live.onStep(e);
        else live.flush();
      },
      onEpoch: (epoch, loss, seconds) => {
        losses.push(loss);
        run.addEpoch({ epoch, loss, siSdr: -loss, seconds });
        model.save(run.path('checkpoint'));
        log(`  epoch ${epoch}/${t.epochs}: loss ${loss.toFixed(3)} (training SI-SDR ${(-loss).toFixed(2)} dB) · ${seconds.toFixed(1)} s`);
      },
    });
  } catch (e) {
    run.setStatus('failed', { message: (e as Error).message });
    throw e;
  } finally {
    live.flush();
  }
  live.setPhase('scoring the validation clips');
  model.exportOnnx(run.path('model.onnx'));

  // Validation: each clip mixed once with fixed noise (the kinds in turn, the SNR drawn from the range).
  let validation: SpeechValidation | undefined;
  let examples: { clean: Float32Array; noisy: Float32Array; denoised: Float32Array; kind: SpeechNoiseKind; snr: number; file: string }[] = [];
  if (valIdx.length > 0) {
    const vrng = new Rng(VALIDATION_NOISE_SEED);
    const mixtures = valIdx.map((i, j) => {
      const clean = folder.clips[i]!;
      const kind = kinds[j % kinds.length]!;
      const noise = kind === 'white' ? whiteNoise(clean.length, vrng) : babbleNoise(clean.length, poolOf(i), vrng);
      const snr = snrDb[0] + (snrDb[1] - snrDb[0]) * vrng.float();
      return { clean, noisy: mixAtSnr(clean, noise, snr).noisy, kind, snr, file: folder.files[i]! };
    });
    const denoised = await model.denoise(mixtures.map((m) => m.noisy));
    examples = mixtures.map((m, j) => ({ ...m, denoised: denoised[j]! }));
    const scored = examples.map((e) => ({ kind: e.kind, noisy: siSdr(e.noisy, e.clean), denoised: siSdr(e.denoised, e.clean) }));
    const byKind: SpeechValidation['byKind'] = {};
    for (const kind of kinds) byKind[kind] = siSdrMeans(scored.filter((s) => s.kind === kind));
    validation = { ...siSdrMeans(scored), snrDb: [snrDb[0], snrDb[1]], byKind };
  }
  const seconds = (performance.now() - started) / 1000;
  run.write('results.json', { epochs: model.epochsTrained, stopReason: null, trainSeconds: seconds, final: run.epochs.at(-1) ?? null, validation: validation ?? null, test: null });

  let figures: string[] = [];
  if (flags.figures !== false) {
    live.setPhase('drawing figures');
    figures = await writeSpeechFigures(run, losses, examples[0], rate);
    // The first validation clips as WAV, clean / noisy / denoised, for the dashboard to play.
    writeRunAudio(run, examples.slice(0, 3).map((e) => ({
      name: `${e.file}, ${e.kind} noise at ${e.snr.toFixed(1)} dB`,
      versions: [{ label: 'clean', samples: e.clean }, { label: 'noisy', samples: e.noisy }, { label: 'denoised', samples: e.denoised }],
    })), rate);
    run.write('report.html', speechReport(run, recorded, losses, validation, seconds));
  }
  live.setPhase(undefined);
  live.flush();
  run.setStatus('finished', { epochsDone: model.epochsTrained });
  if (validation) {
    log('');
    log(`Validation, ${validation.clips} clips with fixed noise at ${snrDb[0]}…${snrDb[1]} dB: SI-SDR ${validation.noisySiSdr.toFixed(2)} → ${validation.denoisedSiSdr.toFixed(2)} dB (${validation.improvement >= 0 ? '+' : ''}${validation.improvement.toFixed(2)} dB)`);
    for (const [kind, v] of Object.entries(validation.byKind)) log(`  ${kind.padEnd(7)} ${v.clips} clips: ${v.noisySiSdr.toFixed(2)} → ${v.denoisedSiSdr.toFixed(2)} dB (${v.improvement >= 0 ? '+' : ''}${v.improvement.toFixed(2)} dB)`);
  }
  log('');
  log(`Done in ${formatDuration(seconds)}. Run folder ${run.dir}: checkpoint/, model.onnx, metrics.csv, results.json${figures.length ? `, figures/ (${figures.join(', ')}), audio/, report.html` : ''}`);
  log(`Next: aekit denoise ${run.dir} --data <folder of noisy .wav> --wav denoised/`);
  return { run, model, config: recorded, ...(validation ? { validation } : {}), seconds };
}

/** figures/: the training curve, and the first validation clip's spectrograms and waveforms (clean / noisy / denoised). */
async function writeSpeechFigures(run: RunFolder, losses: readonly number[], example: { clean: Float32Array; noisy: Float32Array; denoised: Float32Array; kind: string; snr: number; file: string } | undefined, rate: number): Promise<string[]> {
  const written: string[] = [];
  if (losses.length > 0) {
    run.write('figures/loss.png', await lossCurvesPng({ train: losses.map((l) => -l) }, { title: 'Training SI-SDR per epoch (fresh noisy segments)', yName: 'SI-SDR (dB)', logScale: false }));
    written.push('loss.png');
  }
  if (example) {
    const clips = [{ name: 'clean', samples: example.clean }, { name: `noisy (${example.kind}, ${example.snr.toFixed(1)} dB)`, samples: example.noisy }, { name: 'denoised', samples: example.denoised }];
    const title = `Validation clip ${example.file}`;
    run.write('figures/spectrograms.png', spectrogramsPng(clips, rate, { title }));
    run.write('figures/waveforms.png', await waveformsPng(clips, rate, { title }));
    written.push('spectrograms.png', 'waveforms.png');
  }
  return written;
}

/** report.html of a speech-denoiser run: training, the validation scores, the figures. */
function speechReport(run: RunFolder, config: RunConfig, losses: readonly number[], validation: SpeechValidation | undefined, seconds: number): string {
  const fig = (file: string, caption: string) => (existsSync(run.path('figures', file)) ? [{ png: new Uint8Array(readFileSync(run.path('figures', file))), caption }] : []);
  const f2 = (v: number) => v.toFixed(2);
  const sections: ReportSection[] = [{
    title: 'Training',
    text: `Every epoch, each training clip gives a random segment mixed with fresh noise; the loss is the negative SI-SDR of the denoised segment against the clean one, so the curve shows the training SI-SDR (on segments never seen twice).`,
    table: [['epoch', 'training SI-SDR (dB)'], ...losses.map((l, i) => [i + 1, f2(-l)])],
    figures: fig('loss.png', 'Training SI-SDR per epoch'),
  }];
  if (validation) {
    sections.push({
      title: 'Validation clips: SI-SDR before and after',
      text: `Each held-out clip mixed once with noise fixed by seed ${VALIDATION_NOISE_SEED}, the noise kinds in turn, at an SNR drawn from ${validation.snrDb[0]}…${validation.snrDb[1]} dB, denoised whole (half-overlapping segments, cross-faded). SI-SDR against the clean clip; the improvement is the denoised clip's minus the noisy one's.`,
      table: [['noise', 'clips', 'noisy SI-SDR (dB)', 'denoised SI-SDR (dB)', 'improvement (dB)'],
        ...Object.entries(validation.byKind).map(([k, v]) => [k, v.clips, f2(v.noisySiSdr), f2(v.denoisedSiSdr), f2(v.improvement)]),
        ['all', validation.clips, f2(validation.noisySiSdr), f2(validation.denoisedSiSdr), f2(validation.improvement)]],
      figures: [...fig('spectrograms.png', 'Spectrograms of the first validation clip: clean, noisy, denoised'), ...fig('waveforms.png', 'The same clip as waveforms')],
    });
  }
  return renderReport(`${run.name}: speech denoiser on ${basename(config.data.source)}`, `Trained by aekit train --model speech-denoiser in ${formatDuration(seconds)} on this machine. The run folder holds the checkpoint, model.onnx (a waveform segment in, the denoised segment out, the STFT inside), the validation clips as WAV under audio/, and these figures. aekit denoise denoises new clips of any length with it.`, sections, config);
}

/** Whether a run folder holds a speech-denoiser run (its config names a ComplexMaskDenoiser). */
export function isSpeechRun(dir: string): boolean {
  try {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { model?: { className?: unknown } };
    return config.model?.className === 'ComplexMaskDenoiser';
  } catch {
    return false;
  }
}

/** Flags of `aekit denoise` on a speech-denoiser run. */
export interface SpeechDenoiseFlags {
  data?: string;
  wav?: string;
  png?: string;
  json?: boolean;
  threads?: number;
}

/**
 * Denoises every .wav clip of `--data` (default: the run's own folder) whole,
 * at the run's sample rate (other rates are resampled), writing each under
 * its own name to `--wav` and/or the first clip's spectrograms to `--png`.
 */
export async function denoiseWithSpeechRun(dir: string, flags: SpeechDenoiseFlags, io: Io): Promise<{ clips: number; sampleRate: number; files: string[] }> {
  if (!flags.wav && !flags.png) throw new UsageError('say what to do: --wav <folder> for the denoised clips, and/or --png <file> for the first clip\'s spectrograms');
  if (!existsSync(join(dir, 'checkpoint'))) throw new ConfigError(dir, 'run folder has no checkpoint/ yet (did its training finish an epoch?)');
  const config = readRunConfig(join(dir, 'config.json'));
  const source = flags.data ?? config.data.source;
  if (flags.wav && resolve(flags.wav) === resolve(source)) throw new UsageError(`--wav ${flags.wav} is the folder being denoised; write the denoised clips to another folder`);
  const model = ComplexMaskDenoiser.load(join(dir, 'checkpoint'), { session: { ...(flags.threads ? { threads: flags.threads } : {}), spinning: false } });
  const folder = await loadSpeechFolder(source, { ...(config.data.audio?.sampleRate ? { sampleRate: config.data.audio.sampleRate } : {}) }, '--data');
  const rate = folder.sampleRate;
  const denoised = await model.denoise(folder.clips);
  if (flags.wav) {
    mkdirSync(flags.wav, { recursive: true });
    folder.files.forEach((f, i) => writeWav(join(flags.wav!, f), { samples: denoised[i]!, sampleRate: rate }));
  }
  if (flags.png) {
    writeFileAtomic(flags.png, spectrogramsPng([{ name: `input (${folder.files[0]})`, samples: folder.clips[0]! }, { name: 'denoised', samples: denoised[0]! }], rate, { title: 'Speech denoiser: the first clip' }));
  }
  const seconds = folder.clips.reduce((s, c) => s + c.length, 0) / rate;
  const outcome = { clips: folder.clips.length, sampleRate: rate, files: flags.wav ? folder.files.map((f) => join(flags.wav!, f)) : [] };
  if (flags.json) io.out(JSON.stringify(outcome));
  else io.log(`Denoised ${outcome.clips} clip${outcome.clips === 1 ? '' : 's'} (${seconds.toFixed(1)} s of audio at ${rate} Hz)${flags.wav ? ` into ${flags.wav}/` : ''}${flags.png ? `${flags.wav ? ' and' : ''} drew ${flags.png}` : ''}`);
  return outcome;
}
