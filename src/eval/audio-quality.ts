/**
 * How close an estimated signal is to a reference one: scale-invariant SDR
 * and the log-spectral distance, the two numbers speech-enhancement papers
 * report.
 */
import { type StftOptions, stft } from '../data/spectrogram.js';

function checkPair(estimate: Float32Array, reference: Float32Array, what: string): void {
  if (estimate.length !== reference.length || estimate.length === 0) throw new Error(`${what}: the estimate has ${estimate.length} samples and the reference ${reference.length}; they must be equal and non-zero`);
}

/**
 * Scale-invariant signal-to-distortion ratio in dB (Le Roux et al., "SDR —
 * half-baked or well done?", ICASSP 2019), without mean removal:
 * α = ⟨ŝ, s⟩ / ‖s‖², SI-SDR = 10 log10(‖α s‖² / ‖ŝ − α s‖²).
 * Rescaling the estimate does not change it. +Infinity for an exact
 * (rescaled) copy; NaN when the reference is silent.
 */
export function siSdr(estimate: Float32Array, reference: Float32Array): number {
  checkPair(estimate, reference, 'siSdr');
  let dot = 0;
  let ss = 0;
  for (let i = 0; i < reference.length; i++) {
    dot += estimate[i]! * reference[i]!;
    ss += reference[i]! * reference[i]!;
  }
  if (ss === 0) return NaN;
  const alpha = dot / ss;
  let target = 0;
  let err = 0;
  for (let i = 0; i < reference.length; i++) {
    const t = alpha * reference[i]!;
    target += t * t;
    err += (estimate[i]! - t) ** 2;
  }
  return 10 * Math.log10(target / err);
}

/**
 * Log-spectral distance in dB: the mean over STFT frames of
 * sqrt( mean over bins of (10 log10(|S|² + ε) − 10 log10(|Ŝ|² + ε))² ),
 * ε = 1e-10, S and Ŝ the STFTs (default 256-point, hop 64) of the reference
 * and the estimate. 0 for identical signals.
 */
export function logSpectralDistance(estimate: Float32Array, reference: Float32Array, options: StftOptions = {}): number {
  checkPair(estimate, reference, 'logSpectralDistance');
  const a = stft(estimate, options);
  const b = stft(reference, options);
  let total = 0;
  for (let t = 0; t < a.frames; t++) {
    let s = 0;
    for (let k = 0; k < a.bins; k++) {
      const i = t * a.bins + k;
      const pa = 10 * Math.log10(a.re[i]! ** 2 + a.im[i]! ** 2 + 1e-10);
      const pb = 10 * Math.log10(b.re[i]! ** 2 + b.im[i]! ** 2 + 1e-10);
      s += (pa - pb) ** 2;
    }
    total += Math.sqrt(s / a.bins);
  }
  return total / a.frames;
}
