/**
 * Audio benchmark (issue 26, audio part) on the Free Spoken Digit Dataset
 * (../shared/data/fsdd, or --data-dir): 3,000 recordings at 8 kHz, takes 0–4
 * of every digit and speaker the test set (300), takes 5–49 the training set
 * (2,700), the data set's official split.
 *
 * Denoising. Test clips (full length) mixed with white Gaussian noise or
 * babble (6 voices chained from training recordings of the other five
 * speakers) at 0, 5 and 10 dB SNR; the test noise depends only on
 * `noiseSeed`. Scores: SI-SDR improvement (SI-SDR of the output minus that
 * of the noisy input, mean over clips, dB) and log-spectral distance. aekit:
 * one U-Net mask denoiser per training seed over [1, 128 bins, 32 frames]
 * log-magnitude spectrograms (nFft 256, hop 128, 0.5 s windows), trained on
 * random training segments with fresh noise every epoch (white or babble,
 * SNR uniform in [−2.5, 12.5] dB). Baselines in the same run: power spectral
 * subtraction and a decision-directed Wiener filter (src/tasks/audio-denoise.ts),
 * both given the true noise's mean power spectrum (an oracle noise estimate)
 * and the parameter of a small grid that scores best on the test clips of
 * each condition (an oracle favouring them).
 *
 * Codes. A dense autoencoder 416-256-64 (ELU, linear code) on each clip's
 * MFCC sequence (13 coefficients, 40 mels, nFft 256, hop 64) stretched to 32
 * frames by linear interpolation (time normalization), trained on the clean
 * training clips; the test codes' 5-NN accuracy for digit and speaker
 * against the training codes; the baseline: 5-NN on time-averaged MFCCs (13
 * coefficients, 40 mels, hop 128). Inputs, codes and MFCCs are z-scored with
 * the training set's mean and standard deviation per feature.
 */
import { join } from 'node:path';
import { FSDD_PATTERN, loadAudioFolder } from '../../src/data/audio.js';
import { Rng } from '../../src/data/random.js';
import { mfcc, resampleFrames } from '../../src/data/spectrogram.js';
import { logSpectralDistance, siSdr } from '../../src/eval/audio-quality.js';
import { knnAccuracy } from '../../src/eval/features.js';
import { Autoencoder } from '../../src/models/dense.js';
import { UNetAutoencoder } from '../../src/models/unet.js';
import { Adam } from '../../src/optim/optimizers.js';
import {
  type MaskDenoiserSettings, babbleNoise, maskDenoise, minimumStatisticsNoise, mixAtSnr, noisePowerSpectrum, noisySegments, segmentLength, spectralSubtraction, trainMaskDenoiser, whiteNoise, wienerFilter,
} from '../../src/tasks/audio-denoise.js';
import { ComplexMaskDenoiser } from '../../src/tasks/complex-mask-denoise.js';
import { type BenchRunOptions, resolveRun } from '../lib/run-options.js';

export const SNRS: readonly number[] = [0, 5, 10];
export const NOISES = ['white', 'babble'] as const;
export type NoiseKind = (typeof NOISES)[number];
/** Floors of the issue: aekit's SI-SDR improvement above both baselines by this many dB at every condition. */
export const GOAL_MARGIN_DB = 3;
export const MASK: MaskDenoiserSettings = { nFft: 256, hop: 128, frames: 32 };
/** Default epochs of the magnitude-mask U-Net (runs 1–2) and of the complex-mask denoiser (what two seeds fit in about 40 minutes on the shared 2-core machine). */
export const EPOCHS = { mask: 20, complex: 10 } as const;
export const BATCH_SIZE = 16;
export const LEARNING_RATE = 2e-3;
export const CODE_EPOCHS = 60;
export const CODE_SIZE = 64;
export const QUICK = { trainClips: 300, testTakes: 1, epochs: 1, codeEpochs: 1 } as const;
/** Grids the baselines' parameter is chosen from, per condition, on the test clips. */
export const SUBTRACTION_ALPHAS: readonly number[] = [1, 2, 3, 4, 6];
export const WIENER_MIN_GAINS: readonly number[] = [0.03, 0.1, 0.2, 0.3];

export interface AudioBenchOptions extends BenchRunOptions {
  dataDir: string;
  /** Training seeds of aekit's models (default [seed]). */
  seeds?: number[];
  /** Seed of the test noise. Default 7. */
  noiseSeed?: number;
  epochs?: number;
  codeEpochs?: number;
  /** U-Net filters per level (one convolution each). Default [8, 16, 32]. */
  filters?: number[];
  /** Skip the denoising part. */
  noDenoise?: boolean;
  /** The denoiser's batch size (default {@link BATCH_SIZE}). */
  batchSize?: number;
  /** The denoiser's Adam learning rate, decayed by a cosine to 1 % of it (default {@link LEARNING_RATE}). */
  learningRate?: number;
  /** Skip the codes part. */
  noCodes?: boolean;
  /** Skip the baselines (they do not depend on the training seed): aekit's scores only, no goal. */
  noBaselines?: boolean;
  /** Also run the baselines with a minimum-statistics noise estimate instead of the true noise spectrum. */
  practicalBaselines?: boolean;
  /**
   * aekit's denoiser: 'complex' (default), the complex-ratio-mask network with
   * the STFT in the graph and an SI-SDR loss (src/tasks/complex-mask-denoise.ts);
   * 'mask', the magnitude-mask U-Net of runs 1 and 2.
   */
  denoiser?: 'complex' | 'mask';
  /**
   * Development split: the test set is takes 5–9 (training takes) and the
   * training set takes 10–49, so settings can be tuned without the test clips.
   */
  validation?: boolean;
  /** Where to write the figures' raw material (clean/noisy/denoised of one clip). */
  examples?: (e: { clean: Float32Array; noisy: Float32Array; denoised: Float32Array; kind: NoiseKind; snr: number; file: string }) => void;
}

/** The baselines of the goal: the true noise spectrum of each clip (an oracle). */
export type OracleBaseline = 'spectralSubtraction' | 'wiener';
/** The same enhancers with a noise spectrum estimated from the noisy clip (minimum statistics): reported beside, not in the goal. */
export type PracticalBaseline = 'spectralSubtractionPractical' | 'wienerPractical';
export type BaselineName = OracleBaseline | PracticalBaseline;

export interface Scores {
  siSdri: number;
  lsd: number;
}
type ByCondition = Record<NoiseKind, Record<string, Scores>>;

export interface AudioBenchResult {
  /** aekit: mean over seeds, per noise and SNR. */
  denoise: ByCondition;
  perSeed: Record<string, ByCondition>;
  noisy: Record<NoiseKind, Record<string, { siSdr: number; lsd: number }>>;
  baselines: Record<OracleBaseline, ByCondition> & Partial<Record<PracticalBaseline, ByCondition>>;
  /** The grid value each baseline used per condition. */
  baselineParams: Partial<Record<BaselineName, Record<NoiseKind, Record<string, number>>>>;
  codes?: { knn5Digit: number; knn5Speaker: number; mfccKnn5Digit: number; mfccKnn5Speaker: number; perSeed: Record<string, { knn5Digit: number; knn5Speaker: number }> };
  goal: { denoise: { margin: number; met: boolean; worst: number } | null; codes: { met: boolean } | null };
  protocol: Record<string, unknown>;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function zscore(train: Float32Array, test: Float32Array, d: number): void {
  const n = train.length / d;
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += train[i * d + j]!;
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (train[i * d + j]! - m) ** 2;
    const sd = Math.sqrt(v / n) || 1;
    for (const a of [train, test]) for (let i = 0; i < a.length / d; i++) a[i * d + j] = (a[i * d + j]! - m) / sd;
  }
}

/** Runs the benchmark; see the module's TSDoc. */
export async function runAudioBenchmark(options: AudioBenchOptions): Promise<AudioBenchResult> {
  const { log, quick, seed, session } = resolveRun(options);
  const seeds = options.seeds ?? [seed];
  const noiseSeed = options.noiseSeed ?? 7;
  const denoiser = options.denoiser ?? 'complex';
  const epochs = options.epochs ?? (quick ? QUICK.epochs : EPOCHS[denoiser]);
  const codeEpochs = options.codeEpochs ?? (quick ? QUICK.codeEpochs : CODE_EPOCHS);
  const filters = options.filters ?? [8, 16, 32];
  const t0 = performance.now();
  const folder = await loadAudioFolder(join(options.dataDir, 'recordings'), { pattern: FSDD_PATTERN });
  const take = folder.fields.take!.map(Number);
  const speaker = folder.fields.speaker!;
  const digit = folder.fields.digit!.map(Number);
  const speakers = [...new Set(speaker)].sort();
  const firstTest = options.validation ? 5 : 0;
  let trainIdx = take.flatMap((t, i) => (t >= firstTest + 5 ? [i] : []));
  let testIdx = take.flatMap((t, i) => (t >= firstTest && t < firstTest + 5 ? [i] : []));
  if (quick) {
    trainIdx = trainIdx.filter((_, j) => j % Math.ceil(trainIdx.length / QUICK.trainClips) === 0);
    testIdx = testIdx.filter((i) => take[i]! < firstTest + QUICK.testTakes);
  }
  log(`FSDD: ${folder.files.length} clips at ${folder.sampleRate} Hz; ${trainIdx.length} training, ${testIdx.length} test (${options.validation ? 'validation split: takes 5–9 test, 10–49 training' : 'official split: takes 0–4 test'})`);
  const clip = (i: number) => folder.clips[i]!;
  const poolOf = (spk: string) => trainIdx.filter((i) => speaker[i] !== spk).map(clip);
  const pools = Object.fromEntries(speakers.map((s) => [s, poolOf(s)]));

  // The baselines run with the denoisers, or alone with --practical-baselines.
  const baselinesRun = !options.noDenoise || (options.practicalBaselines ?? false);
  const mixturesMade = baselinesRun;
  // Test mixtures: fixed by noiseSeed, one draw per clip and noise kind, scaled to each SNR.
  const rng = new Rng(noiseSeed);
  const testNoise: Record<NoiseKind, Float32Array[]> = { white: [], babble: [] };
  for (const i of !mixturesMade ? [] : testIdx) {
    testNoise.white.push(whiteNoise(clip(i).length, rng));
    testNoise.babble.push(babbleNoise(clip(i).length, pools[speaker[i]!]!, rng));
  }
  const mixtures: Record<NoiseKind, Record<string, { noisy: Float32Array[]; noisePower: Float64Array[]; estimated: Float64Array[] }>> = { white: {}, babble: {} };
  const noisyScores: AudioBenchResult['noisy'] = { white: {}, babble: {} };
  for (const kind of !mixturesMade ? [] : NOISES) {
    for (const snr of SNRS) {
      const noisy: Float32Array[] = [];
      const noisePower: Float64Array[] = [];
      testIdx.forEach((i, j) => {
        const m = mixAtSnr(clip(i), testNoise[kind][j]!, snr);
        noisy.push(m.noisy);
        noisePower.push(noisePowerSpectrum(m.noise, MASK));
      });
      mixtures[kind][String(snr)] = { noisy, noisePower, estimated: options.practicalBaselines ? noisy.map((y) => minimumStatisticsNoise(y, MASK)) : [] };
      noisyScores[kind][String(snr)] = { siSdr: mean(testIdx.map((i, j) => siSdr(noisy[j]!, clip(i)))), lsd: mean(testIdx.map((i, j) => logSpectralDistance(noisy[j]!, clip(i)))) };
    }
  }
  const score = (kind: NoiseKind, snr: number, out: readonly Float32Array[]): Scores => ({
    siSdri: mean(testIdx.map((i, j) => siSdr(out[j]!, clip(i)))) - noisyScores[kind][String(snr)]!.siSdr,
    lsd: mean(testIdx.map((i, j) => logSpectralDistance(out[j]!, clip(i)))),
  });

  // Baselines: the best grid value per condition.
  const tBase = performance.now();
  const baselines: AudioBenchResult['baselines'] = { spectralSubtraction: { white: {}, babble: {} }, wiener: { white: {}, babble: {} } };
  const baselineParams: AudioBenchResult['baselineParams'] = { spectralSubtraction: { white: {}, babble: {} }, wiener: { white: {}, babble: {} } };
  if (options.practicalBaselines) {
    for (const name of ['spectralSubtractionPractical', 'wienerPractical'] as const) {
      baselines[name] = { white: {}, babble: {} };
      baselineParams[name] = { white: {}, babble: {} };
    }
  }
  for (const kind of !baselinesRun || options.noBaselines ? [] : NOISES) {
    for (const snr of SNRS) {
      const { noisy, noisePower, estimated } = mixtures[kind][String(snr)]!;
      const pick = (name: BaselineName, grid: readonly number[], run: (y: Float32Array, p: Float64Array, v: number) => Float32Array) => {
        const power = name.endsWith('Practical') ? estimated : noisePower;
        let best: { v: number; s: Scores } | undefined;
        for (const v of grid) {
          const s = score(kind, snr, noisy.map((y, j) => run(y, power[j]!, v)));
          if (!best || s.siSdri > best.s.siSdri) best = { v, s };
        }
        baselines[name]![kind][String(snr)] = best!.s;
        baselineParams[name]![kind][String(snr)] = best!.v;
      };
      pick('spectralSubtraction', SUBTRACTION_ALPHAS, (y, p, alpha) => spectralSubtraction(y, p, { ...MASK, alpha }));
      pick('wiener', WIENER_MIN_GAINS, (y, p, minGain) => wienerFilter(y, p, { ...MASK, minGain }));
      if (options.practicalBaselines) {
        pick('spectralSubtractionPractical', SUBTRACTION_ALPHAS, (y, p, alpha) => spectralSubtraction(y, p, { ...MASK, alpha }));
        pick('wienerPractical', WIENER_MIN_GAINS, (y, p, minGain) => wienerFilter(y, p, { ...MASK, minGain }));
        log(`  ${kind} ${snr} dB, minimum-statistics noise estimate: spectral subtraction ${baselines.spectralSubtractionPractical![kind][String(snr)]!.siSdri.toFixed(2)} dB (α ${baselineParams.spectralSubtractionPractical![kind][String(snr)]}), Wiener ${baselines.wienerPractical![kind][String(snr)]!.siSdri.toFixed(2)} dB (G_min ${baselineParams.wienerPractical![kind][String(snr)]})`);
      }
      log(`  ${kind} ${snr} dB: noisy SI-SDR ${noisyScores[kind][String(snr)]!.siSdr.toFixed(2)} dB; improvement: spectral subtraction ${baselines.spectralSubtraction[kind][String(snr)]!.siSdri.toFixed(2)} dB (α ${baselineParams.spectralSubtraction![kind][String(snr)]}), Wiener ${baselines.wiener[kind][String(snr)]!.siSdri.toFixed(2)} dB (G_min ${baselineParams.wiener![kind][String(snr)]})`);
    }
  }
  const baselineSeconds = (performance.now() - tBase) / 1000;

  // aekit: one mask denoiser per seed.
  const seg = segmentLength(MASK);
  const perSeed: Record<string, ByCondition> = {};
  const trainSeconds: number[] = [];
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const learningRate = options.learningRate ?? LEARNING_RATE;
  for (const s of options.noDenoise ? [] : seeds) {
    const trng = new Rng(s * 1000 + 17);
    // Every epoch: a random segment of each training clip, with fresh noise (white or babble, SNR uniform in [−2.5, 12.5] dB).
    const trainClips = trainIdx.map(clip);
    const epochData = () => noisySegments(trainClips, (j) => pools[speaker[trainIdx[j]!]!]!, trng, { segment: seg });
    const onEpoch = (e: number, loss: number, sec: number) => log(`  epoch ${e}/${epochs}: loss ${denoiser === 'complex' ? `${loss.toFixed(3)} (−SI-SDR, dB)` : loss.toExponential(3)} (${sec.toFixed(0)} s)`);
    const tTrain = performance.now();
    let run: (clips: readonly Float32Array[]) => Promise<Float32Array[]>;
    if (denoiser === 'complex') {
      const model = new ComplexMaskDenoiser({ segment: seg, nFft: MASK.nFft, hop: MASK.hop, filters });
      log(`aekit seed ${s}: complex-mask U-Net [${filters}] over [3, 128, ${MASK.frames}], STFT and inverse in the graph, −SI-SDR loss, ${epochs} epochs, batch ${batchSize}, Adam ${learningRate} cosine, fresh noise each epoch`);
      await model.train(epochData, { epochs, seed: s, learningRate, batchSize, ...(session ? { session } : {}), onEpoch });
      run = (clips) => model.denoise(clips);
    } else {
      const net = new UNetAutoencoder({ inputShape: [1, 128, MASK.frames], encoder: { filters, activation: 'elu', convsPerLevel: 1 }, outputActivation: 'sigmoid', loss: 'mse' });
      net.compile({ seed: s, ...(session ? { session } : {}) });
      log(`aekit seed ${s}: U-Net [${filters}] mask over [1, 128, ${MASK.frames}], ${epochs} epochs, batch ${batchSize}, Adam ${learningRate} cosine, fresh noise each epoch`);
      await trainMaskDenoiser(net, MASK, epochData, { epochs, seed: s, learningRate, batchSize, onEpoch });
      run = (clips) => maskDenoise(net, clips, MASK);
    }
    trainSeconds.push((performance.now() - tTrain) / 1000);
    const byCond: ByCondition = { white: {}, babble: {} };
    for (const kind of options.noDenoise ? [] : NOISES) {
      for (const snr of SNRS) {
        const { noisy } = mixtures[kind][String(snr)]!;
        const out = await run(noisy);
        byCond[kind][String(snr)] = score(kind, snr, out);
        if (s === seeds[0] && options.examples) options.examples({ clean: clip(testIdx[0]!), noisy: noisy[0]!, denoised: out[0]!, kind, snr, file: folder.files[testIdx[0]!]! });
        log(`  ${kind} ${snr} dB: SI-SDR improvement ${byCond[kind][String(snr)]!.siSdri.toFixed(2)} dB, LSD ${byCond[kind][String(snr)]!.lsd.toFixed(2)} dB`);
      }
    }
    perSeed[String(s)] = byCond;
  }
  const denoise: ByCondition = { white: {}, babble: {} };
  let worst = Infinity;
  for (const kind of options.noDenoise ? [] : NOISES) {
    for (const snr of SNRS) {
      const k = String(snr);
      denoise[kind][k] = { siSdri: mean(seeds.map((s) => perSeed[String(s)]![kind][k]!.siSdri)), lsd: mean(seeds.map((s) => perSeed[String(s)]![kind][k]!.lsd)) };
      // The floor holds per seed: each seed's improvement above the better baseline.
      if (!options.noBaselines) for (const s of seeds) worst = Math.min(worst, perSeed[String(s)]![kind][k]!.siSdri - Math.max(baselines.spectralSubtraction[kind][k]!.siSdri, baselines.wiener[kind][k]!.siSdri));
    }
  }

  // Codes.
  let codes: AudioBenchResult['codes'];
  const tCodes = performance.now();
  if (!options.noCodes) {
    const nFft = 256, hop = 128;
    // The autoencoder's input: each clip's 13 MFCCs (hop 64) stretched to 32 frames, [13 · 32], z-scored per feature.
    const seqLen = 32, nc = 13, d = nc * seqLen;
    const feats = (idx: number[]) => {
      const x = new Float32Array(idx.length * d);
      idx.forEach((i, j) => {
        const m = mfcc(clip(i), folder.sampleRate, { nFft, hop: 64, mels: 40, coefficients: nc });
        x.set(resampleFrames(m.values, m.frames, nc, seqLen), j * d);
      });
      return x;
    };
    const xTrain = feats(trainIdx);
    const xTest = feats(testIdx);
    zscore(xTrain, xTest, d);
    const labelsOf = (idx: number[]) => ({ digit: Int32Array.from(idx, (i) => digit[i]!), speaker: Int32Array.from(idx, (i) => speakers.indexOf(speaker[i]!)) });
    const [ltr, lte] = [labelsOf(trainIdx), labelsOf(testIdx)];
    const codePerSeed: Record<string, { knn5Digit: number; knn5Speaker: number }> = {};
    for (const s of seeds) {
      const ae = new Autoencoder({ inputShape: [d], encoder: { sizes: [256, CODE_SIZE], activation: 'elu', codeActivation: 'linear' }, loss: 'mse' });
      ae.compile({ seed: s, optimizer: new Adam({ learningRate: 1e-3 }), ...(session ? { session } : {}) });
      const fit = await ae.fit({ x: xTrain, shape: [trainIdx.length, d] }, { epochs: codeEpochs, batchSize: 64, seed: s, schedule: { type: 'cosine', totalEpochs: codeEpochs, minLr: 1e-5 } });
      const cTrain = await ae.encode(xTrain);
      const cTest = await ae.encode(xTest);
      zscore(cTrain, cTest, CODE_SIZE);
      const set = (x: Float32Array, n: number, labels: Int32Array) => ({ x, shape: [n, CODE_SIZE], labels });
      codePerSeed[String(s)] = {
        knn5Digit: knnAccuracy(set(cTrain, trainIdx.length, ltr.digit), set(cTest, testIdx.length, lte.digit), { k: 5 }),
        knn5Speaker: knnAccuracy(set(cTrain, trainIdx.length, ltr.speaker), set(cTest, testIdx.length, lte.speaker), { k: 5 }),
      };
      log(`codes seed ${s}: dense autoencoder ${d}-256-${CODE_SIZE} on time-normalized MFCC sequences, ${codeEpochs} epochs (last loss ${fit.history.at(-1)?.loss.toExponential(3)}): 5-NN digit ${(100 * codePerSeed[String(s)]!.knn5Digit).toFixed(1)} %, speaker ${(100 * codePerSeed[String(s)]!.knn5Speaker).toFixed(1)} %`);
    }
    const avgMfcc = (idx: number[]) => {
      const x = new Float32Array(idx.length * 13);
      idx.forEach((i, j) => {
        const m = mfcc(clip(i), folder.sampleRate, { nFft, hop, mels: 40, coefficients: 13 });
        for (let t = 0; t < m.frames; t++) for (let c = 0; c < 13; c++) x[j * 13 + c] += m.values[t * 13 + c]! / m.frames;
      });
      return x;
    };
    const mTrain = avgMfcc(trainIdx);
    const mTest = avgMfcc(testIdx);
    zscore(mTrain, mTest, 13);
    const mset = (x: Float32Array, n: number, labels: Int32Array) => ({ x, shape: [n, 13], labels });
    const mfccKnn5Digit = knnAccuracy(mset(mTrain, trainIdx.length, ltr.digit), mset(mTest, testIdx.length, lte.digit), { k: 5 });
    const mfccKnn5Speaker = knnAccuracy(mset(mTrain, trainIdx.length, ltr.speaker), mset(mTest, testIdx.length, lte.speaker), { k: 5 });
    log(`MFCC (13, time-averaged): 5-NN digit ${(100 * mfccKnn5Digit).toFixed(1)} %, speaker ${(100 * mfccKnn5Speaker).toFixed(1)} %`);
    codes = {
      knn5Digit: mean(seeds.map((s) => codePerSeed[String(s)]!.knn5Digit)),
      knn5Speaker: mean(seeds.map((s) => codePerSeed[String(s)]!.knn5Speaker)),
      mfccKnn5Digit, mfccKnn5Speaker, perSeed: codePerSeed,
    };
  }
  return {
    denoise, perSeed, noisy: noisyScores, baselines, baselineParams, codes,
    goal: {
      denoise: options.noDenoise || options.noBaselines ? null : { margin: GOAL_MARGIN_DB, worst, met: worst >= GOAL_MARGIN_DB },
      codes: codes ? { met: seeds.every((s) => codes!.perSeed[String(s)]!.knn5Digit > codes!.mfccKnn5Digit) } : null,
    },
    protocol: {
      denoiser, batchSize, learningRate, validation: options.validation ?? false, practicalBaselines: options.practicalBaselines ?? false, minimumStatistics: { smoothing: 0.85, window: 96, bias: 1.5 },
      dataDir: options.dataDir, trainClips: trainIdx.length, testClips: testIdx.length, seeds, noiseSeed, epochs, codeEpochs, quick, filters, mask: MASK,
      seconds: { total: (performance.now() - t0) / 1000, baselines: baselineSeconds, train: trainSeconds, codes: (performance.now() - tCodes) / 1000 },
    },
  };
}

/** The markdown tables printed after a run. */
export function formatAudioTables(r: AudioBenchResult): string {
  const practical = r.baselines.spectralSubtractionPractical !== undefined;
  const hasBaselines = Object.keys(r.baselines.spectralSubtraction.white).length > 0;
  const aekit = (kind: NoiseKind, k: string, f: (s: Scores) => number) => (r.goal.denoise ? f(r.denoise[kind][k]!).toFixed(2) : '—');
  const lines = hasBaselines ? [`| noise | SNR dB | noisy SI-SDR | aekit SI-SDRi | spectral subtraction | Wiener |${practical ? ' subtraction (MS) | Wiener (MS) |' : ''} aekit LSD | noisy LSD | subtraction LSD | Wiener LSD |`, `| --- | --- | --- | --- | --- | --- |${practical ? ' --- | --- |' : ''} --- | --- | --- | --- |`] : [];
  for (const kind of hasBaselines ? NOISES : []) {
    for (const snr of SNRS) {
      const k = String(snr);
      const ms = practical ? ` ${r.baselines.spectralSubtractionPractical![kind][k]!.siSdri.toFixed(2)} | ${r.baselines.wienerPractical![kind][k]!.siSdri.toFixed(2)} |` : '';
      lines.push(`| ${kind} | ${snr} | ${r.noisy[kind][k]!.siSdr.toFixed(2)} | ${aekit(kind, k, (s) => s.siSdri)} | ${r.baselines.spectralSubtraction[kind][k]!.siSdri.toFixed(2)} | ${r.baselines.wiener[kind][k]!.siSdri.toFixed(2)} |${ms} ${aekit(kind, k, (s) => s.lsd)} | ${r.noisy[kind][k]!.lsd.toFixed(2)} | ${r.baselines.spectralSubtraction[kind][k]!.lsd.toFixed(2)} | ${r.baselines.wiener[kind][k]!.lsd.toFixed(2)} |`);
    }
  }
  if (!hasBaselines && Object.keys(r.perSeed).length > 0) {
    lines.push('| noise | SNR dB | noisy SI-SDR | aekit SI-SDRi, per seed | aekit LSD (mean) |', '| --- | --- | --- | --- | --- |');
    for (const kind of NOISES) for (const snr of SNRS) lines.push(`| ${kind} | ${snr} | ${r.noisy[kind][String(snr)]!.siSdr.toFixed(2)} | ${Object.entries(r.perSeed).map(([seed, by]) => `${by[kind][String(snr)]!.siSdri.toFixed(2)} (seed ${seed})`).join(', ')} | ${r.denoise[kind][String(snr)]!.lsd.toFixed(2)} |`);
  }
  if (practical) lines.push('', '(MS): the same enhancers with a minimum-statistics noise estimate from the noisy clip instead of the true noise spectrum; not part of the goal.');
  if (r.goal.denoise) {
    lines.push('', '| noise | SNR dB | margin over the better oracle baseline, per seed |', '| --- | --- | --- |');
    for (const kind of NOISES) {
      for (const snr of SNRS) {
        const k = String(snr);
        const best = Math.max(r.baselines.spectralSubtraction[kind][k]!.siSdri, r.baselines.wiener[kind][k]!.siSdri);
        lines.push(`| ${kind} | ${snr} | ${Object.entries(r.perSeed).map(([seed, by]) => `${(by[kind][k]!.siSdri - best) >= 0 ? '+' : ''}${(by[kind][k]!.siSdri - best).toFixed(2)} (seed ${seed})`).join(', ')} |`);
      }
    }
  }
  if (r.goal.denoise) lines.push('', `goal (aekit ≥ best baseline + ${r.goal.denoise.margin} dB at every condition and seed): ${r.goal.denoise.met ? 'met' : 'not met'}, worst margin ${r.goal.denoise.worst.toFixed(2)} dB`);
  if (r.codes) {
    lines.push('', '| features | 5-NN digit | 5-NN speaker |', '| --- | --- | --- |');
    lines.push(`| aekit codes (mean of seeds) | ${(100 * r.codes.knn5Digit).toFixed(1)} % | ${(100 * r.codes.knn5Speaker).toFixed(1)} % |`);
    lines.push(`| time-averaged MFCC | ${(100 * r.codes.mfccKnn5Digit).toFixed(1)} % | ${(100 * r.codes.mfccKnn5Speaker).toFixed(1)} % |`);
    lines.push('', `goal (codes' 5-NN digit accuracy above MFCC's, every seed): ${r.goal.codes?.met ? 'met' : 'not met'}`);
  }
  return lines.join('\n');
}
