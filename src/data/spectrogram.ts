/**
 * Spectrograms as preprocessing (computed in JavaScript, float64, before
 * the model graph): the short-time Fourier transform and its inverse,
 * Griffin–Lim phase recovery, mel filter banks and MFCCs.
 *
 * STFT conventions (librosa's with `center=True`, zero padding): a periodic
 * Hann window w of `nFft` samples; the signal is padded with nFft/2 zeros on
 * both sides; frame t covers padded samples [t·hop, t·hop + nFft), so frame t
 * is centred on sample t·hop of the signal; 1 + ⌊L / hop⌋ frames;
 * X[t, k] = Σ_n w[n] x_pad[t·hop + n] e^{−2πikn/nFft}, k = 0 … nFft/2.
 * Layout: frame-major, `re[t · bins + k]`.
 *
 * The inverse is the least-squares overlap-add (Griffin & Lim 1984):
 * x[n] = Σ_t w[n − t·hop] y_t[n − t·hop] / Σ_t w²[n − t·hop], y_t the inverse
 * FFT of frame t, which gives back the signal exactly when the frames are an
 * STFT (hop ≤ nFft/2 keeps the denominator away from zero).
 */

/** In-place iterative radix-2 complex FFT of length n = re.length (a power of two); `inverse` uses e^{+2πikn/N} and divides by N. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n !== im.length || n < 1 || (n & (n - 1)) !== 0) throw new Error(`fft: length must be a power of two with re and im equal, got ${re.length} and ${im.length}`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i]!; re[i] = re[j]!; re[j] = t;
      t = im[i]!; im[i] = im[j]!; im[j] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len;
    const half = len >> 1;
    for (let k = 0; k < half; k++) {
      const wr = Math.cos(ang * k);
      const wi = Math.sin(ang * k);
      for (let s = 0; s < n; s += len) {
        const a = s + k;
        const b = a + half;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr; im[b] = im[a]! - xi;
        re[a] = re[a]! + xr; im[a] = im[a]! + xi;
      }
    }
  }
  if (inverse) for (let i = 0; i < n; i++) { re[i] = re[i]! / n; im[i] = im[i]! / n; }
}

/** STFT settings. */
export interface StftOptions {
  /** FFT size and window length (a power of two). Default 256. */
  nFft?: number;
  /** Hop between frames in samples, ≤ nFft/2. Default nFft/4. */
  hop?: number;
}

/** A complex spectrogram, frame-major: value (t, k) at index t · bins + k. */
export interface Spectrogram {
  re: Float32Array;
  im: Float32Array;
  frames: number;
  /** nFft/2 + 1. */
  bins: number;
  nFft: number;
  hop: number;
}

function settings(options: StftOptions): { nFft: number; hop: number } {
  const nFft = options.nFft ?? 256;
  const hop = options.hop ?? nFft / 4;
  if (!(Number.isInteger(nFft) && nFft >= 2 && (nFft & (nFft - 1)) === 0)) throw new Error(`stft: nFft must be a power of two >= 2, got ${nFft}`);
  if (!(Number.isInteger(hop) && hop >= 1 && hop <= nFft / 2)) throw new Error(`stft: hop must be an integer in [1, nFft/2 = ${nFft / 2}], got ${hop}`);
  return { nFft, hop };
}

/** Periodic Hann window of length n: w[i] = 0.5 − 0.5 cos(2πi/n). */
export function hannWindow(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
}

/** Number of STFT frames of a signal of `length` samples. */
export function stftFrames(length: number, hop: number): number {
  return 1 + Math.floor(length / hop);
}

/** The STFT of `x` (see the module's TSDoc for the conventions). */
export function stft(x: Float32Array, options: StftOptions = {}): Spectrogram {
  const { nFft, hop } = settings(options);
  const w = hannWindow(nFft);
  const pad = nFft / 2;
  const frames = stftFrames(x.length, hop);
  const bins = nFft / 2 + 1;
  const re = new Float32Array(frames * bins);
  const im = new Float32Array(frames * bins);
  const fr = new Float64Array(nFft);
  const fi = new Float64Array(nFft);
  for (let t = 0; t < frames; t++) {
    const start = t * hop - pad;
    for (let n = 0; n < nFft; n++) {
      const j = start + n;
      fr[n] = j >= 0 && j < x.length ? w[n]! * x[j]! : 0;
      fi[n] = 0;
    }
    fft(fr, fi);
    for (let k = 0; k < bins; k++) {
      re[t * bins + k] = fr[k]!;
      im[t * bins + k] = fi[k]!;
    }
  }
  return { re, im, frames, bins, nFft, hop };
}

/**
 * The signal of `length` samples whose STFT is closest (least squares) to
 * `spec`: the weighted overlap-add inverse of the module's TSDoc.
 */
export function istft(spec: Spectrogram, length: number): Float32Array {
  const { nFft, hop, frames, bins } = spec;
  const w = hannWindow(nFft);
  const pad = nFft / 2;
  const total = (frames - 1) * hop + nFft;
  const acc = new Float64Array(total);
  const norm = new Float64Array(total);
  const fr = new Float64Array(nFft);
  const fi = new Float64Array(nFft);
  for (let t = 0; t < frames; t++) {
    // The full spectrum from the half: X[N − k] = conj(X[k]).
    for (let k = 0; k < bins; k++) {
      fr[k] = spec.re[t * bins + k]!;
      fi[k] = spec.im[t * bins + k]!;
    }
    for (let k = bins; k < nFft; k++) {
      fr[k] = spec.re[t * bins + nFft - k]!;
      fi[k] = -spec.im[t * bins + nFft - k]!;
    }
    fft(fr, fi, true);
    for (let n = 0; n < nFft; n++) {
      acc[t * hop + n] += w[n]! * fr[n]!;
      norm[t * hop + n] += w[n]! * w[n]!;
    }
  }
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const j = i + pad;
    if (j < total && norm[j]! > 1e-10) out[i] = acc[j]! / norm[j]!;
  }
  return out;
}

/** |X| of every value, frame-major like the spectrogram. */
export function magnitude(spec: Spectrogram): Float32Array {
  const out = new Float32Array(spec.re.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.hypot(spec.re[i]!, spec.im[i]!);
  return out;
}

/** A spectrogram with magnitudes `mag` and the phases of `phaseOf` (where |phaseOf| = 0, phase 0). */
export function withPhase(mag: Float32Array, phaseOf: Spectrogram): Spectrogram {
  if (mag.length !== phaseOf.re.length) throw new Error(`withPhase: ${mag.length} magnitudes for a spectrogram of ${phaseOf.re.length} values`);
  const re = new Float32Array(mag.length);
  const im = new Float32Array(mag.length);
  for (let i = 0; i < mag.length; i++) {
    const a = Math.hypot(phaseOf.re[i]!, phaseOf.im[i]!);
    if (a > 0) {
      re[i] = (mag[i]! * phaseOf.re[i]!) / a;
      im[i] = (mag[i]! * phaseOf.im[i]!) / a;
    } else {
      re[i] = mag[i]!;
    }
  }
  return { ...phaseOf, re, im };
}

/** Options of {@link griffinLim}. */
export interface GriffinLimOptions extends StftOptions {
  /** Iterations. Default 60. */
  iterations?: number;
  /** Momentum of the fast Griffin–Lim update (Perraudin et al. 2013). Default 0.99; 0 is the original algorithm. */
  momentum?: number;
}

/**
 * A signal of `length` samples whose STFT magnitude approaches `mag`
 * ([frames, nFft/2 + 1], frame-major): Griffin–Lim, starting from zero
 * phase, alternating the inverse STFT with the magnitude constraint, with
 * fast Griffin–Lim's momentum.
 */
export function griffinLim(mag: Float32Array, length: number, options: GriffinLimOptions = {}): Float32Array {
  const { nFft, hop } = settings(options);
  const bins = nFft / 2 + 1;
  const frames = stftFrames(length, hop);
  if (mag.length !== frames * bins) throw new Error(`griffinLim: ${mag.length} magnitudes, expected ${frames} frames × ${bins} bins for ${length} samples`);
  const iterations = options.iterations ?? 60;
  const momentum = options.momentum ?? 0.99;
  let spec: Spectrogram = { re: Float32Array.from(mag), im: new Float32Array(mag.length), frames, bins, nFft, hop };
  let prev = spec;
  let x = istft(spec, length);
  for (let it = 0; it < iterations; it++) {
    const rebuilt = stft(x, { nFft, hop });
    const accel: Spectrogram = { ...rebuilt, re: new Float32Array(mag.length), im: new Float32Array(mag.length) };
    for (let i = 0; i < mag.length; i++) {
      accel.re[i] = rebuilt.re[i]! + momentum * (rebuilt.re[i]! - prev.re[i]!);
      accel.im[i] = rebuilt.im[i]! + momentum * (rebuilt.im[i]! - prev.im[i]!);
    }
    prev = rebuilt;
    spec = withPhase(mag, accel);
    x = istft(spec, length);
  }
  return x;
}

/** Hz to mel (HTK): 2595 log10(1 + f/700). */
export const hzToMel = (f: number): number => 2595 * Math.log10(1 + f / 700);
/** Mel to Hz (HTK). */
export const melToHz = (m: number): number => 700 * (10 ** (m / 2595) - 1);

/**
 * Triangular mel filters [mels, nFft/2 + 1], row-major: `mels` triangles with
 * centres equally spaced on the HTK mel scale between `fMin` (default 0) and
 * `fMax` (default sampleRate/2), each peaking at 1.
 */
export function melFilterBank(sampleRate: number, nFft: number, mels: number, fMin = 0, fMax = sampleRate / 2): Float32Array {
  const bins = nFft / 2 + 1;
  const lo = hzToMel(fMin);
  const hi = hzToMel(fMax);
  const edges = Array.from({ length: mels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (mels + 1)));
  const out = new Float32Array(mels * bins);
  for (let m = 0; m < mels; m++) {
    const [a, b, c] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nFft;
      const v = f <= a || f >= c ? 0 : f <= b ? (f - a) / (b - a) : (c - f) / (c - b);
      out[m * bins + k] = v;
    }
  }
  return out;
}

/** Options of {@link mfcc}. */
export interface MfccOptions extends StftOptions {
  /** Mel bands. Default 40. */
  mels?: number;
  /** Coefficients kept (the first, c0, included). Default 13. */
  coefficients?: number;
}

/**
 * MFCCs [frames, coefficients], frame-major: the power spectrogram |X|²
 * through {@link melFilterBank}, log(· + 1e-10), then the orthonormal DCT-II
 * over the mel bands, first `coefficients` kept.
 */
export function mfcc(x: Float32Array, sampleRate: number, options: MfccOptions = {}): { values: Float32Array; frames: number; coefficients: number } {
  const spec = stft(x, options);
  const mels = options.mels ?? 40;
  const nc = options.coefficients ?? 13;
  const bank = melFilterBank(sampleRate, spec.nFft, mels);
  const logMel = new Float64Array(mels);
  const values = new Float32Array(spec.frames * nc);
  for (let t = 0; t < spec.frames; t++) {
    for (let m = 0; m < mels; m++) {
      let e = 0;
      for (let k = 0; k < spec.bins; k++) {
        const i = t * spec.bins + k;
        e += bank[m * spec.bins + k]! * (spec.re[i]! ** 2 + spec.im[i]! ** 2);
      }
      logMel[m] = Math.log(e + 1e-10);
    }
    for (let c = 0; c < nc; c++) {
      let s = 0;
      for (let m = 0; m < mels; m++) s += logMel[m]! * Math.cos((Math.PI * c * (m + 0.5)) / mels);
      values[t * nc + c] = s * Math.sqrt((c === 0 ? 1 : 2) / mels);
    }
  }
  return { values, frames: spec.frames, coefficients: nc };
}

/**
 * A sequence of `frames` feature vectors (frame-major, `channels` values
 * each) stretched or squeezed to `length` frames by linear interpolation, the
 * output frame j sampling the input at (j + ½)·frames/length − ½; returned
 * channel-major [channels, length] (an image-like layout). Makes clips of
 * any duration comparable frame by frame (time normalization).
 */
export function resampleFrames(values: Float32Array, frames: number, channels: number, length: number): Float32Array {
  if (values.length !== frames * channels || frames < 1) throw new Error(`resampleFrames: ${values.length} values are not ${frames} frames × ${channels} channels`);
  const out = new Float32Array(channels * length);
  for (let j = 0; j < length; j++) {
    const p = ((j + 0.5) * frames) / length - 0.5;
    const a = Math.min(frames - 1, Math.max(0, Math.floor(p)));
    const b = Math.min(frames - 1, a + 1);
    const w = Math.min(1, Math.max(0, p - a));
    for (let c = 0; c < channels; c++) out[c * length + j] = (1 - w) * values[a * channels + c]! + w * values[b * channels + c]!;
  }
  return out;
}

/** How {@link logMagnitudeImage} maps magnitudes to [0, 1]: ln(g|X| + ε) from [ln ε, ln top] onto [0, 1]. */
export interface LogMagnitudeScale {
  /** Default 1e-3. */
  epsilon?: number;
  /** The magnitude mapped to 1 (after the gain). Default 30. */
  top?: number;
}

/**
 * A clip's STFT magnitude as a [bins, frames] image in [0, 1] (bin-major,
 * low frequencies first, the Nyquist bin dropped: bins = nFft/2), for image
 * autoencoders and VAEs: (ln(g|X| + ε) − ln ε) / (ln top − ln ε), clipped,
 * with g scaling the clip to RMS 0.1. `frames` frames from the clip's start,
 * zero-padded.
 */
export function logMagnitudeImage(x: Float32Array, frames: number, options: StftOptions & LogMagnitudeScale = {}): Float32Array {
  const { nFft, hop } = settings(options);
  const eps = options.epsilon ?? 1e-3;
  const top = options.top ?? 30;
  let p = 0;
  for (let i = 0; i < x.length; i++) p += x[i]! * x[i]!;
  const g = 0.1 / Math.sqrt(p / Math.max(1, x.length) || 1);
  const s = stft(x.length >= (frames - 1) * hop ? x.subarray(0, (frames - 1) * hop) : Float32Array.from({ length: (frames - 1) * hop }, (_, i) => x[i] ?? 0), { nFft, hop });
  const bins = nFft / 2;
  const out = new Float32Array(bins * frames);
  const lo = Math.log(eps);
  const span = Math.log(top) - lo;
  for (let k = 0; k < bins; k++) {
    for (let t = 0; t < frames; t++) {
      const m = Math.hypot(s.re[t * s.bins + k]!, s.im[t * s.bins + k]!);
      out[k * frames + t] = Math.min(1, Math.max(0, (Math.log(g * m + eps) - lo) / span));
    }
  }
  return out;
}

/**
 * The inverse path of {@link logMagnitudeImage} for generated images:
 * magnitudes from the image (level of RMS 0.1; the Nyquist bin 0), then
 * {@link griffinLim} to a waveform of (frames − 1)·hop samples.
 */
export function logMagnitudeImageToAudio(image: Float32Array, frames: number, options: GriffinLimOptions & LogMagnitudeScale = {}): Float32Array {
  const { nFft, hop } = settings(options);
  const eps = options.epsilon ?? 1e-3;
  const top = options.top ?? 30;
  const bins = nFft / 2;
  if (image.length !== bins * frames) throw new Error(`logMagnitudeImageToAudio: ${image.length} values, expected ${bins} bins × ${frames} frames`);
  const lo = Math.log(eps);
  const span = Math.log(top) - lo;
  const mag = new Float32Array(frames * (bins + 1));
  for (let k = 0; k < bins; k++) for (let t = 0; t < frames; t++) mag[t * (bins + 1) + k] = Math.max(0, Math.exp(lo + span * image[k * frames + t]!) - eps);
  return griffinLim(mag, (frames - 1) * hop, options);
}
