/**
 * Audio figures: waveforms as stacked line plots and spectrograms as an
 * image row (dB magnitude, low frequencies at the bottom), e.g. clean /
 * noisy / denoised versions of one clip.
 */
import { type StftOptions, magnitude, stft } from '../data/spectrogram.js';
import { PALETTE, type ChartSpec } from './charts.js';
import { imageGridPng } from './images.js';
import { chartPng } from './render.js';

/** A named signal. */
export interface NamedClip {
  name: string;
  samples: Float32Array;
}

/**
 * Waveforms one above the other (shared time axis in seconds), at most
 * `points` (default 2,000) per line: each drawn point is the sample of
 * largest magnitude in its stretch, so peaks survive the thinning.
 */
export function waveformsSpec(clips: readonly NamedClip[], sampleRate: number, options: { title?: string; points?: number } = {}): ChartSpec {
  if (clips.length === 0) throw new Error('waveformsSpec: no clips');
  const points = options.points ?? 2000;
  const top = 8;
  const h = (100 - top - 6) / clips.length;
  const peak = Math.max(1e-9, ...clips.map((c) => c.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
  return {
    backgroundColor: '#ffffff',
    title: [{ text: options.title ?? 'Waveforms', left: 'center', top: 6, textStyle: { fontSize: 16 } }, ...clips.map((c, i) => ({ text: c.name, left: '8%', top: `${top + i * h}%`, textStyle: { fontSize: 12, fontWeight: 'normal' as const } }))],
    grid: clips.map((_, i) => ({ left: '8%', right: '3%', top: `${top + i * h + 3}%`, height: `${h - 7}%` })),
    xAxis: clips.map((c, i) => ({ type: 'value' as const, gridIndex: i, min: 0, max: Math.max(...clips.map((d) => d.samples.length)) / sampleRate, name: i === clips.length - 1 ? 'time (s)' : '', nameLocation: 'middle' as const, nameGap: 24, splitLine: { show: false } })),
    yAxis: clips.map((_, i) => ({ type: 'value' as const, gridIndex: i, min: -peak, max: peak, splitLine: { show: false }, axisLabel: { show: false } })),
    series: clips.map((c, i) => {
      const step = Math.max(1, Math.ceil(c.samples.length / points));
      const data: [number, number][] = [];
      for (let s = 0; s < c.samples.length; s += step) {
        let best = s;
        for (let j = s; j < Math.min(c.samples.length, s + step); j++) if (Math.abs(c.samples[j]!) > Math.abs(c.samples[best]!)) best = j;
        data.push([Number((best / sampleRate).toPrecision(6)), Number(c.samples[best]!.toPrecision(4))]);
      }
      return { type: 'line' as const, xAxisIndex: i, yAxisIndex: i, data, showSymbol: false, color: PALETTE[i % PALETTE.length], lineStyle: { width: 1 } };
    }),
  };
}

/** {@link waveformsSpec} as a PNG (default 900 wide, 150 px per clip). */
export function waveformsPng(clips: readonly NamedClip[], sampleRate: number, options: { title?: string; width?: number } = {}): Promise<Uint8Array> {
  return chartPng(waveformsSpec(clips, sampleRate, options), { width: options.width ?? 900, height: 60 + 150 * clips.length });
}

/**
 * Spectrograms side by side as one PNG: 20 log10 |X| over a `rangeDb`
 * (default 80) dB range below the loudest value of all the clips, frequency
 * upwards, time to the right, each titled with its clip's name.
 */
export function spectrogramsPng(clips: readonly NamedClip[], options: StftOptions & { rangeDb?: number; title?: string; scale?: number } = {}): Uint8Array {
  if (clips.length === 0) throw new Error('spectrogramsPng: no clips');
  const specs = clips.map((c) => stft(c.samples, options));
  const frames = Math.max(...specs.map((s) => s.frames));
  const bins = specs[0]!.bins;
  const db = specs.map((s) => Float32Array.from(magnitude(s), (m) => 20 * Math.log10(m + 1e-10)));
  const top = Math.max(...db.map((d) => d.reduce((a, v) => Math.max(a, v), -Infinity)));
  const range = options.rangeDb ?? 80;
  const data = new Float32Array(clips.length * bins * frames);
  specs.forEach((s, i) => {
    for (let k = 0; k < bins; k++) {
      for (let t = 0; t < s.frames; t++) data[i * bins * frames + (bins - 1 - k) * frames + t] = (db[i]![t * bins + k]! - (top - range)) / range;
    }
  });
  return imageGridPng({ data, shape: [clips.length, bins, frames] }, { imageShape: [bins, frames], columns: clips.length, scale: options.scale ?? 2, columnTitles: clips.map((c) => c.name), ...(options.title ? { title: options.title } : {}) });
}
