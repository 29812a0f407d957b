/**
 * Audio figures: waveforms as stacked line plots and spectrograms as a row
 * of panels (dB magnitude, time in s, frequency in Hz, a colour bar), e.g.
 * clean / noisy / denoised versions of one clip.
 */
import { type StftOptions, magnitude, stft } from '../data/spectrogram.js';
import { PALETTE, type ChartSpec, niceStep } from './charts.js';
import { encodePng, escapeXml } from './images.js';
import { chartPng, svgToPng } from './render.js';
import { heatColor } from './heat.js';

export { heatColor } from './heat.js';

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
    xAxis: clips.map((c, i) => ({ type: 'value' as const, gridIndex: i, min: 0, max: Math.max(...clips.map((d) => d.samples.length)) / sampleRate, name: i === clips.length - 1 ? 'time (s)' : '', nameLocation: 'middle' as const, nameGap: 24, splitLine: { show: false }, axisLabel: { showMaxLabel: false } })),
    // Samples in [-1, 1]; one shared scale, so the panels' amplitudes compare directly.
    yAxis: clips.map((_, i) => ({ type: 'value' as const, gridIndex: i, min: -peak, max: peak, splitNumber: 2, splitLine: { show: false }, axisLabel: { fontSize: 10, formatter: (v: number) => Number(v.toPrecision(2)).toString() }, name: i === Math.floor(clips.length / 2) ? 'amplitude' : '', nameLocation: 'middle' as const, nameGap: 44 })),
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

/** Options of {@link spectrogramsPng}. */
export interface SpectrogramsOptions extends StftOptions {
  /** Colour range in dB below the loudest bin of all the clips (default 80). */
  rangeDb?: number;
  /** Title above the panels. */
  title?: string;
  /** Width of each panel's plot area in px (default 300). */
  panelWidth?: number;
  /** Height of the plot areas in px (default 220). */
  panelHeight?: number;
}

/** Tick values at a 1-2-5 step over [lo, hi], at most `most` intervals. */
const ticksOver = (lo: number, hi: number, most: number): number[] => {
  const step = niceStep((hi - lo) / most);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) out.push(Number(v.toPrecision(10)));
  return out;
};

/**
 * Spectrograms side by side as one PNG: 20 log10 |X| coloured over a
 * `rangeDb` (default 80) dB range below the loudest bin of all the clips,
 * with a time axis in seconds, a frequency axis in Hz (0 to the Nyquist
 * frequency, upwards), a colour bar in dB (0 = the loudest bin) and each
 * clip's name above its panel.
 */
export function spectrogramsPng(clips: readonly NamedClip[], sampleRate: number, options: SpectrogramsOptions = {}): Uint8Array {
  if (clips.length === 0) throw new Error('spectrogramsPng: no clips');
  if (!(Number.isFinite(sampleRate) && sampleRate > 0)) throw new RangeError(`spectrogramsPng: sampleRate must be a positive number of Hz, got ${String(sampleRate)}`);
  const specs = clips.map((c) => stft(c.samples, options));
  const { nFft, hop, bins } = specs[0]!;
  const frames = Math.max(...specs.map((s) => s.frames));
  const db = specs.map((s) => Float32Array.from(magnitude(s), (m) => 20 * Math.log10(m + 1e-10)));
  const top = Math.max(...db.map((d) => d.reduce((a, v) => Math.max(a, v), -Infinity)));
  const range = options.rangeDb ?? 80;
  if (!(range > 0)) throw new RangeError(`spectrogramsPng: rangeDb must be positive, got ${String(options.rangeDb)}`);
  const pw = options.panelWidth ?? 300;
  const ph = options.panelHeight ?? 220;
  // Frame t is centred on t·hop samples (centre padding); bin k on k·rate/nFft Hz.
  const t0 = (-0.5 * hop) / sampleRate;
  const t1 = ((frames - 0.5) * hop) / sampleRate;
  const f1 = ((bins - 0.5) * sampleRate) / nFft;
  const left = 70, gap = 24, titleH = options.title ? 30 : 8, nameH = 20, bottom = 46, barW = 14, barGap = 16, barLabels = 84;
  const width = left + clips.length * pw + (clips.length - 1) * gap + barGap + barW + barLabels;
  const height = titleH + nameH + ph + bottom;
  const plotTop = titleH + nameH;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans" font-size="12">`, `<rect width="${width}" height="${height}" fill="#ffffff"/>`];
  const text = (x: number, y: number, content: string, attrs = '') => parts.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`);
  if (options.title) text(width / 2, 20, options.title, 'text-anchor="middle" font-size="15" font-weight="bold"');
  const timeTicks = ticksOver(0, t1, Math.max(2, Math.floor(pw / 60)));
  const freqTicks = ticksOver(0, f1, 5);
  specs.forEach((s, i) => {
    const x0 = left + i * (pw + gap);
    const image = new Uint8Array(frames * bins * 4);
    for (let k = 0; k < bins; k++) {
      for (let t = 0; t < frames; t++) {
        const v = t < s.frames ? (db[i]![t * bins + k]! - (top - range)) / range : 0;
        const [r, g, b] = heatColor(v);
        const o = ((bins - 1 - k) * frames + t) * 4;
        image[o] = r; image[o + 1] = g; image[o + 2] = b; image[o + 3] = 255;
      }
    }
    const png = Buffer.from(encodePng({ width: frames, height: bins, data: image })).toString('base64');
    parts.push(`<image x="${x0}" y="${plotTop}" width="${pw}" height="${ph}" preserveAspectRatio="none" style="image-rendering:optimizeSpeed" href="data:image/png;base64,${png}"/>`);
    parts.push(`<rect x="${x0}" y="${plotTop}" width="${pw}" height="${ph}" fill="none" stroke="#333333"/>`);
    text(x0 + pw / 2, plotTop - 6, clips[i]!.name, 'text-anchor="middle"');
    for (const tt of timeTicks) {
      const x = x0 + ((tt - t0) / (t1 - t0)) * pw;
      parts.push(`<line x1="${x.toFixed(1)}" y1="${plotTop + ph}" x2="${x.toFixed(1)}" y2="${plotTop + ph + 4}" stroke="#333333"/>`);
      text(x, plotTop + ph + 17, String(tt), 'text-anchor="middle"');
    }
    text(x0 + pw / 2, plotTop + ph + 36, 'time (s)', 'text-anchor="middle"');
    for (const ft of freqTicks) {
      const y = plotTop + ph - ((ft + (0.5 * sampleRate) / nFft) / (f1 + (0.5 * sampleRate) / nFft)) * ph;
      parts.push(`<line x1="${x0 - 4}" y1="${y.toFixed(1)}" x2="${x0}" y2="${y.toFixed(1)}" stroke="#333333"/>`);
      if (i === 0) text(x0 - 6, y + 4, String(ft), 'text-anchor="end"');
    }
  });
  text(16, plotTop + ph / 2, 'frequency (Hz)', `text-anchor="middle" transform="rotate(-90 16 ${plotTop + ph / 2})"`);
  // Colour bar: 0 dB (the loudest bin) at the top, −range at the bottom.
  const bx = left + clips.length * pw + (clips.length - 1) * gap + barGap;
  const bar = new Uint8Array(64 * 4);
  for (let j = 0; j < 64; j++) {
    const [r, g, b] = heatColor(1 - j / 63);
    bar.set([r, g, b, 255], j * 4);
  }
  parts.push(`<image x="${bx}" y="${plotTop}" width="${barW}" height="${ph}" preserveAspectRatio="none" href="data:image/png;base64,${Buffer.from(encodePng({ width: 1, height: 64, data: bar })).toString('base64')}"/>`);
  parts.push(`<rect x="${bx}" y="${plotTop}" width="${barW}" height="${ph}" fill="none" stroke="#333333"/>`);
  for (const d of ticksOver(-range, 0, 4)) {
    const y = plotTop + (-d / range) * ph;
    parts.push(`<line x1="${bx + barW}" y1="${y.toFixed(1)}" x2="${bx + barW + 4}" y2="${y.toFixed(1)}" stroke="#333333"/>`);
    text(bx + barW + 7, y + 4, String(d));
  }
  const lx = bx + barW + 48;
  text(lx, plotTop + ph / 2, 'magnitude (dB)', `text-anchor="middle" transform="rotate(-90 ${lx} ${plotTop + ph / 2})"`);
  parts.push('</svg>');
  return svgToPng(parts.join(''));
}
