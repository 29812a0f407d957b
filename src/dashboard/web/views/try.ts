/**
 * Try it: draw a digit (or drop an image, or paste a CSV row) and the run's
 * exported ONNX models run in the browser: the reconstruction, the code and
 * the anomaly score, with no round trip to the server. The score is the run's
 * detector's (the one the Anomalies view and `aekit detect` use): its
 * detector.json and training codes are read from the run folder and the
 * score is computed here by src/anomaly/score-parts.ts, as the detector does.
 */
import { type DetectorScoreState, pointwiseError, scoreOneFromParts } from '../../../anomaly/score-parts.js';
import { api, runFile, type RunAnalysis } from '../api.js';
import { fill, fmt, h, onFileDrop } from '../dom.js';
import { sampleCanvas } from '../images.js';
import type { Ctx } from '../main.js';
import { run, session } from '../ort-web.js';
import { scoreName } from './anomalies.js';

/** What the last run in the browser computed (read by the end-to-end test). */
export interface TryResult {
  input: number[];
  reconstruction: number[];
  code: number[];
  /** The model's reconstruction error (its loss summed over the features). */
  reconstructionError: number;
  /** The run detector's score, once its detector is loaded (else undefined). */
  score?: number;
  /** The threshold the page compared the score with. */
  threshold?: number;
  /** An audio run: the rate (Hz) of `input` and `reconstruction`. */
  sampleRate?: number;
}

declare global {
  interface Window {
    __aekitTry?: TryResult;
  }
}

const PAD = 280;

/**
 * A drawing as the model's input, the way MNIST digits were made: the ink's
 * bounding box scaled to fit 20/28 of the image, then moved so its centre of
 * mass sits in the middle. Returns [C·H·W] values in [0, 1].
 */
export function drawingToInput(pad: HTMLCanvasElement, imageShape: readonly number[]): Float32Array {
  const [c, hgt, wid] = imageShape as [number, number, number];
  const src = pad.getContext('2d')!.getImageData(0, 0, pad.width, pad.height).data;
  let x0 = pad.width;
  let y0 = pad.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < pad.height; y++) for (let x = 0; x < pad.width; x++) {
    if (src[4 * (y * pad.width + x)]! > 20) {
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  const out = new Float32Array(c * hgt * wid);
  if (x1 < 0) return out;
  const box = Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const scale = (0.715 * Math.min(hgt, wid)) / box; // 20 of 28 pixels
  const small = document.createElement('canvas');
  small.width = wid;
  small.height = hgt;
  const ctx = small.getContext('2d', { willReadFrequently: true })!;
  const place = (dx: number, dy: number) => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, wid, hgt);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    const w = (x1 - x0 + 1) * scale;
    const hh = (y1 - y0 + 1) * scale;
    ctx.drawImage(pad, x0, y0, x1 - x0 + 1, y1 - y0 + 1, (wid - w) / 2 + dx, (hgt - hh) / 2 + dy, w, hh);
    return ctx.getImageData(0, 0, wid, hgt).data;
  };
  let px = place(0, 0);
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < wid * hgt; i++) {
    const v = px[4 * i]!;
    mass += v;
    mx += v * (i % wid);
    my += v * Math.floor(i / wid);
  }
  if (mass > 0) px = place(Math.round((wid - 1) / 2 - mx / mass), Math.round((hgt - 1) / 2 - my / mass));
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < wid * hgt; i++) out[ch * wid * hgt + i] = px[4 * i]! / 255;
  return out;
}

/** An image file as the model's input: fitted into H×W, gray or RGB, inverted when it is dark ink on a light ground (MNIST is light on dark). */
async function imageToInput(file: Blob, imageShape: readonly number[]): Promise<{ x: Float32Array; inverted: boolean }> {
  const [c, hgt, wid] = imageShape as [number, number, number];
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement('canvas');
  canvas.width = wid;
  canvas.height = hgt;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const s = Math.min(wid / bitmap.width, hgt / bitmap.height);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, wid, hgt);
  ctx.drawImage(bitmap, (wid - bitmap.width * s) / 2, (hgt - bitmap.height * s) / 2, bitmap.width * s, bitmap.height * s);
  const px = ctx.getImageData(0, 0, wid, hgt).data;
  const x = new Float32Array(c * hgt * wid);
  let mean = 0;
  for (let i = 0; i < wid * hgt; i++) {
    const gray = (0.299 * px[4 * i]! + 0.587 * px[4 * i + 1]! + 0.114 * px[4 * i + 2]!) / 255;
    mean += gray / (wid * hgt);
    if (c === 1) x[i] = gray;
    else for (let ch = 0; ch < 3; ch++) x[ch * wid * hgt + i] = px[4 * i + ch]! / 255;
  }
  const inverted = c === 1 && mean > 0.5;
  if (inverted) for (let i = 0; i < x.length; i++) x[i] = 1 - x[i]!;
  return { x, inverted };
}

interface ScalerJson { kind: 'minmax' | 'zscore'; axis: 'feature' | 'global'; min?: number[]; max?: number[]; mean?: number[]; std?: number[]; clip?: boolean }

/** Applies a run's saved scaler (scaler.json) to one raw sample, as `aekit train` scaled its data. */
function scale(x: Float32Array, s: ScalerJson): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const k = s.axis === 'global' ? 0 : i;
    if (s.kind === 'minmax') {
      const range = s.max![k]! - s.min![k]!;
      let v = (x[i]! - s.min![k]!) * (range > 0 ? 1 / range : 1);
      if (s.clip) v = Math.min(1, Math.max(0, v));
      out[i] = v;
    } else {
      const sd = s.std![k]!;
      out[i] = (x[i]! - s.mean![k]!) / (sd > 0 ? sd : 1);
    }
  }
  return out;
}

/** The per-sample reconstruction error with the model's loss, as `reconstructionError` sums it (squared error for other losses). */
export function reconstructionErrorOf(x: ArrayLike<number>, rec: ArrayLike<number>, loss: string): number {
  return pointwiseError(x, rec, x.length, loss === 'bce' || loss === 'mae' ? loss : 'mse')[0]!;
}

/** The run's detector as the page scores with it: detector.json's fields and its training codes. */
interface PageDetector {
  state: DetectorScoreState & { threshold: number };
  codes: Float32Array | null;
}

/** Reads the run's saved detector (detector/detector.json and its codes file) from the run folder. */
async function loadPageDetector(id: string, folder: string): Promise<PageDetector> {
  const get = async (file: string) => {
    const r = await fetch(runFile(id, `${folder}/${file}`), { cache: 'no-store' });
    if (!r.ok) throw new Error(`${folder}/${file}: HTTP ${r.status}`);
    return r;
  };
  const json = (await (await get('detector.json')).json()) as PageDetector['state'] & { codes: { file: string } | null; extra?: { timeSeries?: { threshold?: unknown } } };
  // A series run's detector flags steps at its step threshold, the one the Anomalies view draws (on the windows' scale).
  const stepThreshold = json.extra?.timeSeries?.threshold;
  if (typeof stepThreshold === 'number') json.threshold = stepThreshold;
  let codes: Float32Array | null = null;
  if (json.codes) {
    const view = new DataView(await (await get(json.codes.file)).arrayBuffer());
    codes = new Float32Array(view.byteLength / 4);
    for (let i = 0; i < codes.length; i++) codes[i] = view.getFloat32(4 * i, true);
  }
  return { state: json, codes };
}

export function tryView(root: HTMLElement, ctx: Ctx): () => void {
  const id = ctx.id!;
  const summary = ctx.run(id)!;
  const imageShape = summary.imageShape;
  const version = summary.updated ?? '';
  const status = h('p', { class: 'note', id: 'try-status' }, 'Loading the ONNX models into the browser…');
  const result = h('div', { id: 'try-result', dataset: { state: 'idle' } }, h('p', { class: 'note' }, imageShape ? 'Draw a digit on the black square.' : 'Paste a row of values and press Run.'));
  let analysis: RunAnalysis | undefined;
  let detector: PageDetector | undefined;
  let detectorProblem = '';
  let scaler: ScalerJson | undefined;
  let last: Float32Array | undefined;
  let busy = Promise.resolve();

  const compute = (x: Float32Array, note = '') => {
    last = x;
    busy = busy.then(async () => {
      result.dataset.state = 'running';
      try {
        const [model, encoder] = await Promise.all([session(id, 'model', version), session(id, 'encoder', version)]);
        const t0 = performance.now();
        const rec = (await run(model, x, 1))[model.outputNames[0]!]!;
        const enc = await run(encoder, x, 1);
        const code = enc[encoder.outputNames[0]!]!;
        const ms = performance.now() - t0;
        const loss = analysis?.loss ?? summary.loss ?? 'mse';
        const recError = reconstructionErrorOf(x, rec, loss);
        let s: number | undefined;
        if (detector) {
          try {
            s = scoreOneFromParts(detector.state, { x, reconstruction: rec, code, loss }, detector.codes);
          } catch (e) {
            detectorProblem = (e as Error).message;
          }
        }
        const threshold = s === undefined ? undefined : detector!.state.threshold;
        window.__aekitTry = { input: Array.from(x), reconstruction: Array.from(rec), code: Array.from(code), reconstructionError: recError, ...(s !== undefined ? { score: s, threshold } : {}) };
        const zoom = imageShape ? Math.max(2, Math.floor(168 / imageShape[2]!)) : 1;
        const range: [number, number] | undefined = imageShape && !scaler ? [0, 1] : undefined;
        const verdict = s === undefined ? '' : s > threshold! ? 'anomalous' : 'normal';
        const scoreLine = s !== undefined && analysis
          ? [h('span', { class: `score ${verdict}`, id: 'try-score' }, `score ${fmt(s)}`), ' ',
            h('span', { class: 'note', id: 'try-verdict' }, `${verdict}: the run's detector flags a ${scoreName(analysis.detector)} above `, h('b', { id: 'try-threshold' }, fmt(threshold!)),
              `, the threshold of the Anomalies view and aekit detect. Reconstruction error (${loss}): ${fmt(recError)}.`)]
          : [h('span', { class: 'score', id: 'try-score' }, `reconstruction error ${fmt(recError)}`), ' ',
            h('span', { class: 'note' }, detectorProblem ? `(${loss}; the run's detector cannot score here: ${detectorProblem})` : `(${loss}; the run's anomaly detector is loading…)`)];
        fill(result,
          h('div', { class: 'pair' },
            h('figure', {}, sampleCanvas(x, imageShape, zoom, range), h('figcaption', {}, 'model input')),
            h('figure', {}, sampleCanvas(rec, imageShape, zoom, range), h('figcaption', {}, 'reconstruction'))),
          h('p', {}, ...scoreLine),
          h('p', {}, `code (${code.length} values${encoder.outputNames[0] === 'mu' ? ', the mean μ of the VAE' : ''}):`),
          h('div', { class: 'code-values', id: 'try-code' }, Array.from(code, (v) => fmt(v, 3)).join('  ')),
          h('p', { class: 'note' }, `Computed in this browser by ONNX Runtime Web (WebAssembly) in ${ms.toFixed(1)} ms.${note ? ` ${note}` : ''}`));
        result.dataset.state = 'done';
      } catch (e) {
        result.dataset.state = 'error';
        fill(result, h('p', { class: 'error' }, `The model could not run in the browser: ${(e as Error).message}`));
      }
    });
  };

  let input: HTMLElement;
  if (imageShape) {
    const pad = h('canvas', { id: 'pad', width: PAD, height: PAD, 'aria-label': 'drawing pad' });
    const g = pad.getContext('2d', { willReadFrequently: true })!;
    const clear = () => {
      g.fillStyle = '#000';
      g.fillRect(0, 0, PAD, PAD);
    };
    clear();
    let drawing = false;
    let px = 0;
    let py = 0;
    const pos = (e: PointerEvent) => {
      const r = pad.getBoundingClientRect();
      return [((e.clientX - r.left) * PAD) / r.width, ((e.clientY - r.top) * PAD) / r.height] as const;
    };
    pad.addEventListener('pointerdown', (e) => {
      drawing = true;
      pad.setPointerCapture(e.pointerId);
      [px, py] = pos(e);
    });
    pad.addEventListener('pointermove', (e) => {
      if (!drawing) return;
      const [x, y] = pos(e);
      g.strokeStyle = '#fff';
      g.lineWidth = 22;
      g.lineCap = 'round';
      g.lineJoin = 'round';
      g.beginPath();
      g.moveTo(px, py);
      g.lineTo(x, y);
      g.stroke();
      [px, py] = [x, y];
    });
    const end = () => {
      if (!drawing) return;
      drawing = false;
      compute(drawingToInput(pad, imageShape));
    };
    pad.addEventListener('pointerup', end);
    pad.addEventListener('pointercancel', end);
    const file = h('input', { type: 'file', accept: 'image/*', id: 'try-file' });
    const drop = h('div', { class: 'drop' }, 'or drop an image here, or choose one: ', file);
    const useFile = async (f: File | undefined) => {
      if (!f) return;
      const { x, inverted } = await imageToInput(f, imageShape);
      compute(x, inverted ? 'The image was inverted (light ink on dark, like the training images).' : '');
    };
    onFileDrop(drop, file, (f) => void useFile(f));
    input = h('div', {}, pad, h('div', { class: 'row', style: { marginTop: '8px' } },
      h('button', { class: 'secondary', id: 'try-clear', onclick: () => { clear(); fill(result, h('p', { class: 'note' }, 'Draw a digit on the black square.')); result.dataset.state = 'idle'; } }, 'Clear'),
      h('button', { class: 'secondary', id: 'try-rerun', onclick: () => last && compute(last) }, 'Run again')), drop);
  } else {
    const features = (summary.inputShape ?? []).reduce((a, b) => a * b, 1);
    const area = h('textarea', { id: 'try-row', rows: 4, placeholder: `${features} numbers separated by commas, in the data file's units` });
    const error = h('p', { class: 'error' });
    const go = () => {
      const values = area.value.split(/[\s,;]+/).filter((v) => v !== '').map(Number);
      if (values.length !== features || values.some((v) => !Number.isFinite(v))) {
        error.textContent = `Expected ${features} numbers, got ${values.length}${values.some((v) => !Number.isFinite(v)) ? ' (some are not numbers)' : ''}.`;
        return;
      }
      error.textContent = '';
      const raw = Float32Array.from(values);
      compute(scaler ? scale(raw, scaler) : raw, scaler ? 'Scaled with the run\'s scaler.json first.' : '');
    };
    input = h('div', {}, area, h('button', { onclick: go }, 'Run'), error);
  }

  root.append(
    h('h1', {}, `Try ${id}`),
    h('p', { class: 'sub' }, 'The exported model runs in this browser with ONNX Runtime Web; nothing is sent to the server.'),
    status,
    h('div', { class: 'card draw' }, input, h('div', { style: { flex: '1', minWidth: '300px' } }, result)),
  );

  void Promise.all([session(id, 'model', version), session(id, 'encoder', version)]).then(([m]) => {
    status.textContent = `Models loaded (input ${m.inputNames[0]}: [${summary.inputShape?.join(', ') ?? '?'}] per sample).`;
  }, (e: Error) => {
    status.className = 'error';
    status.textContent = `Cannot load the models: ${e.message}`;
  });
  if (summary.files.scaler) {
    void fetch(runFile(id, 'scaler.json')).then((r) => r.json()).then((s: ScalerJson) => {
      scaler = s;
    }, () => undefined);
  }
  // The analysis makes sure the run has its detector (fitted and saved on first use); the page then reads it.
  if (summary.files.checkpoint) void api<RunAnalysis>(`/api/analysis?id=${encodeURIComponent(id)}`).then(async (a) => {
    analysis = a;
    try {
      detector = await loadPageDetector(id, a.detector.folder);
    } catch (e) {
      detectorProblem = (e as Error).message;
    }
    if (last && result.dataset.state === 'done') compute(last);
  }, (e: Error) => {
    detectorProblem = e.message;
  });
  return () => undefined;
}
