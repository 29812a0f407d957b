/**
 * Speech denoising: noisy mixtures at a chosen SNR (white noise, or babble
 * made from other speakers' recordings), the classical single-channel
 * enhancers a practitioner would reach for (power spectral subtraction and a
 * decision-directed Wiener filter), and a spectrogram-mask denoiser trained
 * with aekit: any image autoencoder over [1, bins, frames] log-magnitude
 * spectrograms whose sigmoid output is a time–frequency mask.
 *
 * The spectrograms are preprocessing (src/data/spectrogram.ts, in
 * JavaScript); the mask is applied to the noisy magnitudes and the
 * waveform comes back by overlap-add with the noisy phase.
 */
import { fitLength } from '../data/audio-core.js';
import { Rng } from '../data/random.js';
import { type Spectrogram, istft, magnitude, stft, withPhase } from '../data/spectrogram.js';
import { type Value } from '../graph/graph.js';
import { type GraphBuildContext } from '../layers/core.js';
import { type AutoencoderModel } from '../models/base.js';
import { Adam } from '../optim/optimizers.js';
import { type ModelPart, type TrainableModel } from '../train/model.js';
import { Trainer } from '../train/trainer.js';

const power = (x: Float32Array, n = x.length): number => {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]! * x[i]!;
  return s / Math.max(1, n);
};

/**
 * clean + g · noise with g chosen so that 10 log10(P_clean / P_(g·noise)) =
 * `snrDb`, powers averaged over the clip. `noise` must be at least as long as
 * `clean`; returns the mixture and the scaled noise.
 */
export function mixAtSnr(clean: Float32Array, noise: Float32Array, snrDb: number): { noisy: Float32Array; noise: Float32Array } {
  if (noise.length < clean.length) throw new Error(`mixAtSnr: ${noise.length} noise samples for a clip of ${clean.length}`);
  const ps = power(clean);
  const pn = power(noise, clean.length);
  const g = pn > 0 ? Math.sqrt(ps / (pn * 10 ** (snrDb / 10))) : 0;
  const scaled = new Float32Array(clean.length);
  const noisy = new Float32Array(clean.length);
  for (let i = 0; i < clean.length; i++) {
    scaled[i] = g * noise[i]!;
    noisy[i] = clean[i]! + scaled[i]!;
  }
  return { noisy, noise: scaled };
}

/** n samples of white Gaussian noise N(0, 1). */
export function whiteNoise(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/**
 * n samples of babble: the sum of `talkers` (default 6) voices, each a
 * chain of randomly drawn clips from `pool` (each scaled to unit RMS, joined
 * end to end from a random offset into the first). Pick the pool from
 * speakers other than the one being denoised.
 */
export function babbleNoise(n: number, pool: readonly Float32Array[], rng: Rng, talkers = 6): Float32Array {
  if (pool.length === 0) throw new Error('babbleNoise: the pool of recordings is empty');
  const out = new Float32Array(n);
  for (let v = 0; v < talkers; v++) {
    let pos = 0;
    let first = true;
    while (pos < n) {
      const clip = pool[rng.int(pool.length)]!;
      const g = 1 / Math.sqrt(power(clip) || 1);
      const from = first ? rng.int(clip.length) : 0;
      first = false;
      for (let i = from; i < clip.length && pos < n; i++) out[pos++] += g * clip[i]!;
    }
  }
  return out;
}

/** The kinds of noise the speech denoisers train on. */
export type SpeechNoiseKind = 'white' | 'babble';

/** Options of {@link noisySegments}. */
export interface NoisySegmentsOptions {
  /** Samples per segment; shorter clips are zero-padded. */
  segment: number;
  /** Input SNR drawn uniformly from [lo, hi] dB per segment. Default [−2.5, 12.5] (the FSDD benchmark's). */
  snrDb?: readonly [number, number];
  /** Noise kinds, drawn with equal chance. Default both. */
  kinds?: readonly SpeechNoiseKind[];
}

/**
 * One epoch of training pairs for a speech denoiser: a random segment of
 * every clip, mixed with fresh noise (white, or babble from
 * `babblePool(i)`, which should hold other speakers' clips) at a random
 * SNR. Calling it again draws new segments and noise, so no step sees a
 * mixture twice.
 */
export function noisySegments(clips: readonly Float32Array[], babblePool: (i: number) => readonly Float32Array[], rng: Rng, options: NoisySegmentsOptions): { noisy: Float32Array[]; clean: Float32Array[] } {
  const seg = options.segment;
  const [lo, hi] = options.snrDb ?? [-2.5, 12.5];
  const kinds = options.kinds ?? ['white', 'babble'];
  const noisy: Float32Array[] = [];
  const clean: Float32Array[] = [];
  clips.forEach((c, i) => {
    const from = c.length > seg ? rng.int(c.length - seg + 1) : 0;
    const piece = c.subarray(from, from + seg);
    // One draw per choice whatever the kinds, so the benchmark's sequence of draws does not depend on them.
    const kind = kinds[Math.min(kinds.length - 1, Math.floor(rng.float() * kinds.length))]!;
    const n = kind === 'white' ? whiteNoise(piece.length, rng) : babbleNoise(piece.length, babblePool(i), rng);
    const m = mixAtSnr(piece, n, lo + (hi - lo) * rng.float());
    noisy.push(fitLength(m.noisy, seg));
    clean.push(fitLength(piece, seg));
  });
  return { noisy, clean };
}

/** STFT settings of the classical enhancers and the mask denoiser. */
export interface SpectralSettings {
  /** Default 256. */
  nFft?: number;
  /** Default nFft / 2. */
  hop?: number;
}

const stftOf = (s: SpectralSettings) => ({ nFft: s.nFft ?? 256, hop: s.hop ?? (s.nFft ?? 256) / 2 });

/** The noise's mean power per bin, E_t |N(t, k)|² (nFft/2 + 1 values): the noise estimate the classical enhancers take. */
export function noisePowerSpectrum(noise: Float32Array, settings: SpectralSettings = {}): Float64Array {
  const s = stft(noise, stftOf(settings));
  const out = new Float64Array(s.bins);
  for (let t = 0; t < s.frames; t++) for (let k = 0; k < s.bins; k++) out[k] += (s.re[t * s.bins + k]! ** 2 + s.im[t * s.bins + k]! ** 2) / s.frames;
  return out;
}

/** Options of {@link minimumStatisticsNoise}. */
export interface MinimumStatisticsOptions extends SpectralSettings {
  /** Smoothing a of the periodogram, P_t = a P_{t−1} + (1 − a)|Y_t|². Default 0.85. */
  smoothing?: number;
  /** Frames the minimum is taken over (Martin uses about 1.5 s). Default 96 (1.5 s at hop 128 and 8 kHz). */
  window?: number;
  /** Bias compensation: the minimum of a smoothed periodogram underestimates the mean noise power. Default 1.5. */
  bias?: number;
}

/**
 * A practical noise estimate from the noisy signal alone, by minimum
 * statistics (Martin 2001, simplified: fixed smoothing and bias factor):
 * per bin, the minimum over the last `window` frames of the recursively
 * smoothed periodogram, times `bias`, averaged over the frames. It
 * returns the same per-bin mean power as {@link noisePowerSpectrum}, so the
 * classical enhancers can take it in place of the oracle. On clips shorter
 * than the window (most FSDD clips) it is the minimum over the whole clip.
 */
export function minimumStatisticsNoise(noisy: Float32Array, options: MinimumStatisticsOptions = {}): Float64Array {
  const a = options.smoothing ?? 0.85;
  const window = options.window ?? 96;
  const bias = options.bias ?? 1.5;
  if (!(a >= 0 && a < 1)) throw new RangeError(`minimumStatisticsNoise: smoothing must be in [0, 1), got ${a}`);
  if (!(Number.isInteger(window) && window >= 1)) throw new RangeError(`minimumStatisticsNoise: window must be a positive integer, got ${window}`);
  const settings = stftOf(options);
  const y = stft(noisy, settings);
  // Frames that reach into the centre padding have less power: they would pull the minimum down.
  const first = Math.ceil(settings.nFft / 2 / settings.hop);
  const last = Math.floor((noisy.length - settings.nFft / 2) / settings.hop);
  const [from, to] = last >= first ? [first, last] : [0, y.frames - 1];
  const frames = to - from + 1;
  // The recursion starts from the mean of its first 1/(1 − a) periodograms, not from one noisy draw.
  const start = Math.min(frames, Math.max(1, Math.round(1 / (1 - a))));
  const smoothed = new Float64Array(frames * y.bins);
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < y.bins; k++) {
      const i = (from + t) * y.bins + k;
      const p = y.re[i]! ** 2 + y.im[i]! ** 2;
      if (t === 0) {
        let m = 0;
        for (let u = 0; u < start; u++) m += (y.re[(from + u) * y.bins + k]! ** 2 + y.im[(from + u) * y.bins + k]! ** 2) / start;
        smoothed[k] = m;
      } else smoothed[t * y.bins + k] = a * smoothed[(t - 1) * y.bins + k]! + (1 - a) * p;
    }
  }
  const out = new Float64Array(y.bins);
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < y.bins; k++) {
      let m = Infinity;
      for (let u = Math.max(0, t - window + 1); u <= t; u++) m = Math.min(m, smoothed[u * y.bins + k]!);
      out[k] += (bias * m) / frames;
    }
  }
  return out;
}

/** Options of {@link spectralSubtraction}. */
export interface SpectralSubtractionOptions extends SpectralSettings {
  /** Over-subtraction factor α. Default 2. */
  alpha?: number;
  /** Spectral floor β (a fraction of the noisy power kept). Default 0.02. */
  floor?: number;
}

/**
 * Power spectral subtraction (Boll 1979; Berouti et al. 1979):
 * |Ŝ|² = max(|Y|² − α N², β |Y|²), N² the noise power per bin; the waveform
 * by overlap-add with the noisy phase.
 */
export function spectralSubtraction(noisy: Float32Array, noisePower: Float64Array, options: SpectralSubtractionOptions = {}): Float32Array {
  const alpha = options.alpha ?? 2;
  const floor = options.floor ?? 0.02;
  const y = stft(noisy, stftOf(options));
  const mag = magnitude(y);
  for (let t = 0; t < y.frames; t++) {
    for (let k = 0; k < y.bins; k++) {
      const i = t * y.bins + k;
      const p = mag[i]! ** 2;
      mag[i] = Math.sqrt(Math.max(p - alpha * noisePower[k]!, floor * p));
    }
  }
  return istft(withPhase(mag, y), noisy.length);
}

/** Options of {@link wienerFilter}. */
export interface WienerOptions extends SpectralSettings {
  /** Smoothing a of the decision-directed a-priori SNR. Default 0.98. */
  smoothing?: number;
  /** Lowest gain. Default 0.1. */
  minGain?: number;
}

/**
 * Wiener filter with the decision-directed a-priori SNR (Ephraim & Malah
 * 1984; Scalart & Filho 1996): γ = |Y|²/N² (a-posteriori SNR),
 * ξ_t = a |Ŝ_{t−1}|²/N² + (1 − a) max(γ_t − 1, 0), gain G = max(ξ/(1 + ξ), G_min),
 * Ŝ = G Y; the waveform by overlap-add.
 */
export function wienerFilter(noisy: Float32Array, noisePower: Float64Array, options: WienerOptions = {}): Float32Array {
  const a = options.smoothing ?? 0.98;
  const minGain = options.minGain ?? 0.1;
  const y = stft(noisy, stftOf(options));
  const mag = magnitude(y);
  const prev = new Float64Array(y.bins);
  for (let t = 0; t < y.frames; t++) {
    for (let k = 0; k < y.bins; k++) {
      const i = t * y.bins + k;
      const n2 = Math.max(noisePower[k]!, 1e-20);
      const gamma = mag[i]! ** 2 / n2;
      const xi = t === 0 ? Math.max(gamma - 1, 0) : a * (prev[k]! / n2) + (1 - a) * Math.max(gamma - 1, 0);
      const g = Math.max(xi / (1 + xi), minGain);
      mag[i] = g * mag[i]!;
      prev[k] = mag[i]! ** 2;
    }
  }
  return istft(withPhase(mag, y), noisy.length);
}

/** Settings of the spectrogram-mask denoiser; the defaults are the FSDD benchmark's. */
export interface MaskDenoiserSettings extends SpectralSettings {
  /** Frames per model input (the model's inputShape[2]). */
  frames: number;
  /** Power-law compression c of the magnitudes in the loss. Default 0.3. */
  compression?: number;
  /** ε of the log features ln(|Y| + ε) and of the compressed magnitudes. Default 1e-3. */
  epsilon?: number;
  /** RMS each noisy clip is scaled to before its features (the mask does not depend on the clip's level). Default 0.1. */
  rms?: number;
}

function resolved(s: MaskDenoiserSettings) {
  return { ...stftOf(s), frames: s.frames, compression: s.compression ?? 0.3, epsilon: s.epsilon ?? 1e-3, rms: s.rms ?? 0.1 };
}

/** Model bins: nFft/2 (the Nyquist bin is left out, and gets the mask of the bin below it). */
export const maskBins = (s: SpectralSettings): number => stftOf(s).nFft / 2;

/** Samples of a segment that gives exactly `frames` STFT frames. */
export const segmentLength = (s: MaskDenoiserSettings): number => (s.frames - 1) * stftOf(s).hop;

/**
 * Writes the model input of a spectrogram, frames [from, from + T) (zeros
 * beyond it give ln ε): ln(g|Y| + ε) per (bin, frame), bin-major [1, bins, T].
 */
function writeFeatures(out: Float32Array, offset: number, mag: Float32Array, spec: Spectrogram, from: number, gain: number, s: ReturnType<typeof resolved>): void {
  const bins = s.nFft / 2;
  const T = s.frames;
  for (let k = 0; k < bins; k++) {
    for (let j = 0; j < T; j++) {
      const t = from + j;
      const m = t >= 0 && t < spec.frames ? mag[t * spec.bins + k]! : 0;
      out[offset + k * T + j] = Math.log(gain * m + s.epsilon);
    }
  }
}

/**
 * Training pairs from noisy and clean segments of {@link segmentLength}
 * samples: x = ln(g|Y| + ε) and target = (g|S| + ε)^c, both [n, 1, bins, frames],
 * g scaling each noisy segment to the settings' RMS.
 */
export function maskTrainingPairs(noisy: readonly Float32Array[], clean: readonly Float32Array[], settings: MaskDenoiserSettings): { x: Float32Array; target: Float32Array; shape: number[] } {
  const s = resolved(settings);
  const bins = s.nFft / 2;
  const size = bins * s.frames;
  const x = new Float32Array(noisy.length * size);
  const target = new Float32Array(noisy.length * size);
  for (let i = 0; i < noisy.length; i++) {
    const ny = noisy[i]!;
    if (ny.length !== segmentLength(s) || clean[i]!.length !== ny.length) throw new Error(`maskTrainingPairs: segment ${i} has ${ny.length} samples, expected ${segmentLength(s)}`);
    const gain = s.rms / Math.sqrt(power(ny) || 1);
    const y = stft(ny, s);
    writeFeatures(x, i * size, magnitude(y), y, 0, gain, s);
    const c = stft(clean[i]!, s);
    const cm = magnitude(c);
    for (let k = 0; k < bins; k++) for (let t = 0; t < s.frames; t++) target[i * size + k * s.frames + t] = (gain * cm[t * c.bins + k]! + s.epsilon) ** s.compression;
  }
  return { x, target, shape: [noisy.length, 1, bins, s.frames] };
}

/**
 * The training view of a mask network: the network's output m (its
 * reconstruction, a sigmoid output in (0, 1)) masks the compressed noisy
 * magnitudes, and the loss is the mean squared error against the compressed
 * clean ones: mean((m ⊙ e^{c·x} − (|S| + ε)^c)²), x = ln(|Y| + ε).
 */
class MaskObjective implements TrainableModel {
  readonly inputShape: number[];
  readonly targetShape: number[];
  constructor(private readonly net: AutoencoderModel, private readonly compression: number) {
    this.inputShape = net.inputShape;
    this.targetShape = net.inputShape;
  }

  buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value> } {
    const g = ctx.g;
    const mask = this.net.parts().model!.build(ctx, x).reconstruction!;
    const estimate = g.mul(mask, g.exp(g.mul(x, this.compression)));
    const loss = g.reduceMean(g.square(g.sub(estimate, target)));
    return { loss, metrics: {} };
  }

  parts(): Record<string, ModelPart> {
    return this.net.parts();
  }

  getConfig(): Record<string, unknown> {
    return { className: 'MaskObjective', net: this.net.getConfig(), compression: this.compression };
  }
}

/** Options of {@link trainMaskDenoiser}. */
export interface TrainMaskDenoiserOptions {
  epochs: number;
  batchSize?: number;
  /** Adam's learning rate, with a cosine decay to 1 % of it over the epochs. Default 1e-3. */
  learningRate?: number;
  seed?: number;
  /** After each epoch, with its mean loss. */
  onEpoch?: (epoch: number, loss: number, seconds: number) => void;
}

/**
 * Trains `net` (input [1, nFft/2, frames], sigmoid output) as a mask
 * denoiser. `epochData(epoch)` gives each epoch's noisy and clean segments of
 * {@link segmentLength} samples: fresh noise every epoch means no step sees
 * a mixture twice. The trained weights end up in `net`.
 */
export async function trainMaskDenoiser(net: AutoencoderModel, settings: MaskDenoiserSettings, epochData: (epoch: number) => { noisy: Float32Array[]; clean: Float32Array[] }, options: TrainMaskDenoiserOptions): Promise<void> {
  const s = resolved(settings);
  const expected = [1, s.nFft / 2, s.frames];
  if (net.inputShape.join() !== expected.join()) throw new Error(`trainMaskDenoiser: the network's input is [${net.inputShape}], the settings make [${expected}]`);
  const seed = options.seed ?? 0;
  const lr = options.learningRate ?? 1e-3;
  const trainer = Trainer.create(new MaskObjective(net, s.compression), { optimizer: new Adam({ learningRate: lr }), seed });
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const t0 = performance.now();
    const { noisy, clean } = epochData(epoch);
    const pairs = maskTrainingPairs(noisy, clean, s);
    const fit = await trainer.fit({ x: pairs.x, shape: pairs.shape, target: pairs.target, targetShape: pairs.shape }, {
      epochs: epoch + 1, batchSize: options.batchSize ?? 32, seed: seed + epoch,
      schedule: { type: 'cosine', totalEpochs: options.epochs, minLr: lr / 100 },
    });
    options.onEpoch?.(epoch + 1, fit.history.at(-1)?.loss ?? NaN, (performance.now() - t0) / 1000);
  }
  net.setWeights(Object.fromEntries([...trainer.artifacts.params, ...trainer.artifacts.state].map((name) => [name, trainer.tensors[name]!])));
}

/**
 * Denoises whole clips of any length with a trained mask network: the clip's
 * spectrogram is cut into windows of `frames` frames that overlap by half,
 * the masks are blended with triangular weights, applied to the noisy
 * magnitudes, and the waveform comes back by overlap-add with the noisy phase.
 */
export async function maskDenoise(net: AutoencoderModel, clips: readonly Float32Array[], settings: MaskDenoiserSettings): Promise<Float32Array[]> {
  const s = resolved(settings);
  const bins = s.nFft / 2;
  const T = s.frames;
  const half = T / 2;
  if (!Number.isInteger(half)) throw new Error(`maskDenoise: frames must be even, got ${T}`);
  const size = bins * T;
  const specs = clips.map((c) => stft(c, s));
  const mags = specs.map(magnitude);
  // Windows start at −T/2, 0, T/2, … until the last frame is covered.
  const starts = specs.map((sp) => Array.from({ length: Math.ceil((sp.frames + half) / half) }, (_, j) => -half + j * half));
  const total = starts.reduce((a, l) => a + l.length, 0);
  const x = new Float32Array(total * size);
  let w = 0;
  clips.forEach((c, i) => {
    const gain = s.rms / Math.sqrt(power(c) || 1);
    for (const from of starts[i]!) writeFeatures(x, (w++) * size, mags[i]!, specs[i]!, from, gain, s);
  });
  const masks = await net.reconstruct(x, { batchSize: 64 });
  const weight = Float64Array.from({ length: T }, (_, j) => 1 - Math.abs(j + 0.5 - half) / half);
  w = 0;
  return clips.map((c, i) => {
    const sp = specs[i]!;
    const m = new Float64Array(sp.frames * sp.bins);
    const wsum = new Float64Array(sp.frames);
    for (const from of starts[i]!) {
      const off = (w++) * size;
      for (let j = 0; j < T; j++) {
        const t = from + j;
        if (t < 0 || t >= sp.frames) continue;
        wsum[t] += weight[j]!;
        for (let k = 0; k < bins; k++) m[t * sp.bins + k] += weight[j]! * masks[off + k * T + j]!;
      }
    }
    const mag = mags[i]!;
    const gain = s.rms / Math.sqrt(power(c) || 1);
    const out = new Float32Array(mag.length);
    for (let t = 0; t < sp.frames; t++) {
      for (let k = 0; k < sp.bins; k++) {
        const mk = m[t * sp.bins + Math.min(k, bins - 1)]! / wsum[t]!;
        // The network masks compressed magnitudes: m·(g|Y| + ε)^c = (g|Ŝ| + ε)^c.
        const v = (mk ** (1 / s.compression) * (gain * mag[t * sp.bins + k]! + s.epsilon) - s.epsilon) / gain;
        out[t * sp.bins + k] = Math.max(0, v);
      }
    }
    return istft(withPhase(out, sp), c.length);
  });
}
