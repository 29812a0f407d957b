/**
 * Audio on the page: a clip as an `<audio>` player with its waveform and
 * spectrogram drawn on canvases, WAV bytes made in the page (for Try it's
 * outputs, with the same encoder as `aekit`'s files), and a dropped file
 * decoded and resampled to a run's rate by the browser's Web Audio.
 */
import { decodeWav, encodeWav } from '../../data/audio-core.js';
import { magnitude, stft } from '../../data/spectrogram.js';
import { heatColor } from '../../viz/heat.js';
import { h } from './dom.js';

/** Drawn size of the waveform and spectrogram canvases (CSS pixels). */
const WIDTH = 360;
const WAVE_HEIGHT = 80;
const SPEC_HEIGHT = 120;
/** Colour range of the spectrograms, dB below the clip's loudest bin (the figures' default). */
const RANGE_DB = 80;

/**
 * The waveform as a filled envelope: each pixel column spans the minimum and
 * maximum of its stretch of samples, on a ±`peak` scale (default the clip's
 * own peak, so quiet clips stay visible).
 */
export function drawWaveform(canvas: HTMLCanvasElement, samples: Float32Array, peak?: number): void {
  const dpr = Math.min(2, window.devicePixelRatio || 1);
  canvas.width = WIDTH * dpr;
  canvas.height = WAVE_HEIGHT * dpr;
  canvas.style.width = `${WIDTH}px`;
  canvas.style.height = `${WAVE_HEIGHT}px`;
  const ctx = canvas.getContext('2d')!;
  const w = canvas.width;
  const ht = canvas.height;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, ht);
  ctx.strokeStyle = '#ddd';
  ctx.beginPath();
  ctx.moveTo(0, ht / 2);
  ctx.lineTo(w, ht / 2);
  ctx.stroke();
  let top = peak ?? 0;
  if (peak === undefined) for (const v of samples) top = Math.max(top, Math.abs(v));
  if (!(top > 0) || samples.length === 0) return;
  ctx.fillStyle = '#4e79a7';
  for (let x = 0; x < w; x++) {
    const a = Math.floor((x * samples.length) / w);
    const b = Math.max(a + 1, Math.floor(((x + 1) * samples.length) / w));
    let lo = Infinity;
    let hi = -Infinity;
    // Up to the next column's first sample, so that neighbouring columns join where samples are fewer than pixels.
    for (let i = a; i < Math.min(b + 1, samples.length); i++) {
      lo = Math.min(lo, samples[i]!);
      hi = Math.max(hi, samples[i]!);
    }
    if (lo === Infinity) continue;
    const y0 = ht / 2 - (hi / top) * (ht / 2 - 1);
    const y1 = ht / 2 - (lo / top) * (ht / 2 - 1);
    ctx.fillRect(x, y0, 1, Math.max(1, y1 - y0));
  }
}

/** 20 log10 |STFT| of a clip (Hann window of 256, hop 64), frame-major. */
function spectrogramDb(samples: Float32Array): { db: Float32Array; frames: number; bins: number } {
  const spec = stft(samples.length >= 2 ? samples : new Float32Array(2), { nFft: 256, hop: 64 });
  return { db: Float32Array.from(magnitude(spec), (m) => 20 * Math.log10(m + 1e-10)), frames: spec.frames, bins: spec.bins };
}

/** The loudest bin (dB) of several clips' spectrograms: one colour scale for them all. */
export function loudestDb(...clips: Float32Array[]): number {
  let top = -Infinity;
  for (const c of clips) for (const v of spectrogramDb(c).db) top = Math.max(top, v);
  return top;
}

/**
 * The spectrogram: 20 log10 |STFT| (Hann window of 256, hop 64) over
 * {@link RANGE_DB} dB below `topDb` (default the clip's loudest bin), low
 * frequencies at the bottom, coloured like the run's PNG figures.
 */
export function drawSpectrogram(canvas: HTMLCanvasElement, samples: Float32Array, topDb?: number): void {
  const { db, frames, bins } = spectrogramDb(samples);
  let top = topDb ?? -Infinity;
  if (topDb === undefined) for (const v of db) top = Math.max(top, v);
  canvas.width = frames;
  canvas.height = bins;
  canvas.style.width = `${WIDTH}px`;
  canvas.style.height = `${SPEC_HEIGHT}px`;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(frames, bins);
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < bins; k++) {
      const [r, g, b] = heatColor((db[t * bins + k]! - (top - RANGE_DB)) / RANGE_DB);
      const o = ((bins - 1 - k) * frames + t) * 4;
      img.data[o] = r;
      img.data[o + 1] = g;
      img.data[o + 2] = b;
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** An object URL of the clip as 16-bit WAV (revoke it with URL.revokeObjectURL when the clip goes). */
export function wavUrl(samples: Float32Array, sampleRate: number): string {
  return URL.createObjectURL(new Blob([new Uint8Array(encodeWav({ samples, sampleRate }))], { type: 'audio/wav' }));
}

/**
 * A clip on the page: its label, an `<audio>` player of `src`, and its
 * waveform and spectrogram. `peak` and `topDb` put several clips' waveforms
 * and spectrograms on one scale ({@link peakOf}, {@link loudestDb}).
 */
export function clipFigure(label: string, samples: Float32Array, sampleRate: number, src: string, options: { peak?: number; topDb?: number; id?: string } = {}): HTMLElement {
  const wave = h('canvas', { class: 'wave', 'aria-label': `waveform of ${label}` });
  const spectrogram = h('canvas', { class: 'spectrogram', 'aria-label': `spectrogram of ${label}` });
  drawWaveform(wave, samples, options.peak);
  drawSpectrogram(spectrogram, samples, options.topDb);
  return h('figure', { class: 'audio-clip', ...(options.id ? { id: options.id } : {}) },
    h('figcaption', {}, label),
    h('audio', { controls: true, preload: 'metadata', src }),
    wave,
    spectrogram,
    h('div', { class: 'note' }, `${(samples.length / sampleRate).toFixed(2)} s at ${sampleRate} Hz · spectrogram 0–${sampleRate / 2} Hz, ${RANGE_DB} dB below the loudest bin${options.topDb === undefined ? '' : ' of the row'}`));
}

/** The larger absolute sample value of several clips (a shared waveform scale). */
export function peakOf(...clips: Float32Array[]): number {
  let p = 0;
  for (const c of clips) for (const v of c) p = Math.max(p, Math.abs(v));
  return p;
}

/** A WAV file of a run folder (or any URL) as a mono clip, decoded by the same code as aekit's. */
export async function fetchWav(url: string): Promise<{ samples: Float32Array; sampleRate: number }> {
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return decodeWav(new Uint8Array(await res.arrayBuffer()), url.split('/').pop());
}

/** A dropped or chosen audio file, decoded and resampled by the browser. */
export interface DecodedAudio {
  /** Mono samples at the requested rate. */
  samples: Float32Array;
  /** The file's own rate, when its header says (WAV), else undefined. */
  fileRate?: number;
  channels: number;
}

/** The sample rate in a RIFF WAV header (bytes 24–27 of the fmt chunk), or undefined for anything else. */
function wavHeaderRate(bytes: ArrayBuffer): number | undefined {
  if (bytes.byteLength < 28) return undefined;
  const v = new DataView(bytes);
  const tag = (o: number) => String.fromCharCode(v.getUint8(o), v.getUint8(o + 1), v.getUint8(o + 2), v.getUint8(o + 3));
  return tag(0) === 'RIFF' && tag(8) === 'WAVE' && tag(12) === 'fmt ' ? v.getUint32(24, true) : undefined;
}

/**
 * Decodes an audio file with Web Audio's `decodeAudioData` and renders it
 * through an OfflineAudioContext at `sampleRate`: the browser resamples it and
 * mixes its channels down to one (their mean, as aekit does).
 * @throws {Error} naming the file when the browser cannot decode it.
 */
export async function decodeToRate(file: Blob & { name?: string }, sampleRate: number): Promise<DecodedAudio> {
  const bytes = await file.arrayBuffer();
  const fileRate = wavHeaderRate(bytes);
  let buffer: AudioBuffer;
  try {
    buffer = await new OfflineAudioContext(1, 1, sampleRate).decodeAudioData(bytes.slice(0));
  } catch (e) {
    throw new Error(`${file.name ?? 'the file'}: the browser cannot decode it as audio (${(e as Error).message || 'unknown format'}); drop a WAV file`);
  }
  const length = Math.max(1, Math.round(buffer.duration * sampleRate));
  const render = new OfflineAudioContext(1, length, sampleRate);
  const source = render.createBufferSource();
  source.buffer = buffer;
  // 'speakers' interpretation down-mixes stereo to (L + R) / 2; more channels are averaged by hand below.
  source.connect(render.destination);
  source.start();
  const rendered = buffer.numberOfChannels <= 2 ? (await render.startRendering()).getChannelData(0) : meanOfChannels(buffer);
  return { samples: Float32Array.from(rendered), ...(fileRate ? { fileRate } : {}), channels: buffer.numberOfChannels };
}

/** The mean of an AudioBuffer's channels (already at the context's rate). */
function meanOfChannels(buffer: AudioBuffer): Float32Array {
  const out = new Float32Array(buffer.length);
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const d = buffer.getChannelData(c);
    for (let i = 0; i < out.length; i++) out[i] += d[i]! / buffer.numberOfChannels;
  }
  return out;
}
