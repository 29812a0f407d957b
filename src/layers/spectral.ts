/**
 * The short-time Fourier transform and its inverse inside the graph, as fixed
 * (non-trainable) linear maps: the framing and the windowed DFT are one
 * strided convolution with constant cosine and sine kernels, and the inverse
 * is one strided transposed convolution (overlap-add) followed by the
 * least-squares window normalization. Both are built from Conv and
 * ConvTranspose, whose gradients the autodiff table already has, so a loss on
 * the waveform can be differentiated through a spectral-domain model, and an
 * exported model takes and returns raw audio.
 *
 * The conventions are those of src/data/spectrogram.ts (periodic Hann window
 * of nFft samples, centre padding by nFft/2, 1 + ⌊L/hop⌋ frames, the
 * weighted overlap-add inverse x[n] = Σ_t w·y_t / Σ_t w²), except that only
 * `bins` bins are kept (default nFft/2: the Nyquist bin is left out, so the
 * spectrum's frequency axis halves evenly in a U-Net).
 */
import { type Graph, type Value } from '../graph/graph.js';
import { GraphBuildError } from '../graph/ops.js';
import { tensor } from '../graph/types.js';
import { hannWindow, stftFrames } from '../data/spectrogram.js';

/** Settings of {@link graphStft} and {@link graphIstft}. */
export interface GraphStftOptions {
  /** Window and DFT length (even). */
  nFft: number;
  /** Hop between frames, at most nFft/2. */
  hop: number;
  /** Bins kept, from bin 0: default nFft/2 (no Nyquist bin); at most nFft/2 + 1. */
  bins?: number;
}

function resolve(o: GraphStftOptions): { nFft: number; hop: number; bins: number } {
  const { nFft, hop } = o;
  const bins = o.bins ?? nFft / 2;
  if (!Number.isInteger(nFft) || nFft < 2 || nFft % 2 !== 0) throw new GraphBuildError(`graph STFT: nFft must be an even integer ≥ 2, got ${nFft}`);
  if (!Number.isInteger(hop) || hop < 1 || hop > nFft / 2) throw new GraphBuildError(`graph STFT: hop must be an integer in [1, nFft/2 = ${nFft / 2}], got ${hop}`);
  if (!Number.isInteger(bins) || bins < 1 || bins > nFft / 2 + 1) throw new GraphBuildError(`graph STFT: bins must be an integer in [1, ${nFft / 2 + 1}], got ${bins}`);
  return { nFft, hop, bins };
}

/**
 * The analysis kernels, [2·bins, 1, 1, nFft]: rows 0…bins−1 give Re Y_k =
 * Σ_n w[n] x[n] cos(2πkn/N), rows bins…2·bins−1 give Im Y_k = −Σ_n w[n] x[n] sin(2πkn/N).
 */
export function stftKernels(options: GraphStftOptions): Float32Array {
  const { nFft, bins } = resolve(options);
  const w = hannWindow(nFft);
  const out = new Float32Array(2 * bins * nFft);
  for (let k = 0; k < bins; k++) {
    for (let n = 0; n < nFft; n++) {
      const a = (2 * Math.PI * ((k * n) % nFft)) / nFft;
      out[k * nFft + n] = w[n]! * Math.cos(a);
      out[(bins + k) * nFft + n] = -w[n]! * Math.sin(a);
    }
  }
  return out;
}

/**
 * The synthesis kernels, [2·bins, 1, 1, nFft]: each frame's inverse real DFT
 * (bins 1…N/2−1 counted twice for their conjugates) times the window, so that
 * a transposed convolution with stride hop overlap-adds w·y_t.
 */
export function istftKernels(options: GraphStftOptions): Float32Array {
  const { nFft, bins } = resolve(options);
  const w = hannWindow(nFft);
  const out = new Float32Array(2 * bins * nFft);
  for (let k = 0; k < bins; k++) {
    const c = (k === 0 || k === nFft / 2 ? 1 : 2) / nFft;
    for (let n = 0; n < nFft; n++) {
      const a = (2 * Math.PI * ((k * n) % nFft)) / nFft;
      out[k * nFft + n] = c * w[n]! * Math.cos(a);
      out[(bins + k) * nFft + n] = -c * w[n]! * Math.sin(a);
    }
  }
  return out;
}

/**
 * STFT of waveforms x [N, L] as [N, 2, bins, frames]: channel 0 the real
 * parts, channel 1 the imaginary parts, frames = 1 + ⌊L/hop⌋.
 */
export function graphStft(g: Graph, x: Value, options: GraphStftOptions): Value {
  const { nFft, hop, bins } = resolve(options);
  if (x.rank !== 2 || typeof x.shape[1] !== 'number') throw new GraphBuildError(`graph STFT: the waveforms must be [N, L] with a fixed L, got [${x.shape}]`);
  const L = x.shape[1];
  const frames = stftFrames(L, hop);
  const n = x.shape[0]!;
  const padded = g.reshape(g.pad(x, [0, nFft / 2, 0, nFft / 2]), [n, 1, 1, L + nFft]);
  const kernel = g.constant(tensor(x.dtype, [2 * bins, 1, 1, nFft], stftKernels(options)), 'stft_kernel');
  const y = g.conv2d(padded, kernel, { strides: [1, hop] });
  return g.reshape(y, [n, 2, bins, frames]);
}

/**
 * The inverse of {@link graphStft}: spectra [N, 2, bins, frames] back to
 * waveforms [N, length] by weighted overlap-add. With all nFft/2 + 1 bins it
 * returns graphStft's input exactly; without the Nyquist bin, that bin's part
 * of the signal is lost.
 */
export function graphIstft(g: Graph, y: Value, length: number, options: GraphStftOptions): Value {
  const { nFft, hop, bins } = resolve(options);
  const frames = stftFrames(length, hop);
  if (y.rank !== 4 || y.shape[1] !== 2 || y.shape[2] !== bins || y.shape[3] !== frames) {
    throw new GraphBuildError(`graph inverse STFT: expected spectra [N, 2, ${bins}, ${frames}] for ${length} samples, got [${y.shape}]`);
  }
  const kernel = g.constant(tensor(y.dtype, [2 * bins, 1, 1, nFft], istftKernels(options)), 'istft_kernel');
  const total = (frames - 1) * hop + nFft;
  const n = y.shape[0]!;
  const frames4 = g.reshape(y, [n, 2 * bins, 1, frames]);
  const summed = g.convTranspose2d(frames4, kernel, { strides: [1, hop], outputSize: [1, total] });
  // Σ_t w²[n − t·hop] over the kept samples; positive there because hop ≤ nFft/2.
  const w = hannWindow(nFft);
  const norm = new Float64Array(total);
  for (let t = 0; t < frames; t++) for (let n = 0; n < nFft; n++) norm[t * hop + n] += w[n]! ** 2;
  const inv = Float32Array.from({ length }, (_, i) => 1 / norm[i + nFft / 2]!);
  const cropped = g.slice(g.reshape(summed, [n, total]), [nFft / 2], [nFft / 2 + length], [1]);
  return g.mul(cropped, g.constant(tensor(y.dtype, [length], inv), 'istft_norm'));
}
