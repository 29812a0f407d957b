/** Drawing samples (images or feature vectors) on canvases. */
import type { RunAnalysis } from './api.js';

/** Decodes a quantized array (analysis.ts) back to numbers. */
export function dequantize(q: RunAnalysis['inputs']): Float32Array {
  const bin = atob(q.bytes);
  const out = new Float32Array(bin.length);
  const step = (q.hi - q.lo) / 255;
  for (let i = 0; i < bin.length; i++) out[i] = q.lo + bin.charCodeAt(i) * step;
  return out;
}

/**
 * Draws one sample of shape [C, H, W] (C 1 or 3) on a canvas of H×W pixels;
 * values are clamped to [lo, hi] (default [0, 1]) for gray levels.
 */
export function drawImage(canvas: HTMLCanvasElement, values: ArrayLike<number>, imageShape: readonly number[], range: [number, number] = [0, 1]): void {
  const [c, h, w] = imageShape as [number, number, number];
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  const [lo, hi] = range;
  const scale = 255 / (hi - lo || 1);
  const level = (v: number) => Math.max(0, Math.min(255, Math.round((v - lo) * scale)));
  for (let p = 0; p < h * w; p++) {
    const r = level(values[p]!);
    img.data[4 * p] = r;
    img.data[4 * p + 1] = c === 3 ? level(values[h * w + p]!) : r;
    img.data[4 * p + 2] = c === 3 ? level(values[2 * h * w + p]!) : r;
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Draws a feature vector (a table row, a window of a series) and its reconstruction as two lines. */
export function drawVector(canvas: HTMLCanvasElement, input: ArrayLike<number>, reconstruction?: ArrayLike<number>): void {
  const w = (canvas.width = 240);
  const h = (canvas.height = 120);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  let lo = Infinity;
  let hi = -Infinity;
  for (const arr of [input, reconstruction ?? []]) for (let i = 0; i < arr.length; i++) {
    lo = Math.min(lo, arr[i]!);
    hi = Math.max(hi, arr[i]!);
  }
  if (!(hi > lo)) hi = lo + 1;
  const line = (arr: ArrayLike<number>, color: string) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let i = 0; i < arr.length; i++) {
      const x = 4 + ((w - 8) * i) / Math.max(1, arr.length - 1);
      const y = h - 4 - ((h - 8) * (arr[i]! - lo)) / (hi - lo);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
  };
  line(input, '#4e79a7');
  if (reconstruction) line(reconstruction, '#f28e2b');
}

/** Draws a sample as an image when it is one, else as a line chart. */
export function drawSample(canvas: HTMLCanvasElement, values: ArrayLike<number>, imageShape: readonly number[] | undefined, range?: [number, number]): void {
  if (imageShape) drawImage(canvas, values, imageShape, range);
  else drawVector(canvas, values);
}

/** A canvas showing a sample, enlarged `zoom` times with square pixels. */
export function sampleCanvas(values: ArrayLike<number>, imageShape: readonly number[] | undefined, zoom = 4, range?: [number, number]): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  drawSample(canvas, values, imageShape, range);
  if (imageShape) {
    canvas.classList.add('pixelated');
    canvas.style.width = `${imageShape[2]! * zoom}px`;
    canvas.style.height = `${imageShape[1]! * zoom}px`;
  }
  return canvas;
}
