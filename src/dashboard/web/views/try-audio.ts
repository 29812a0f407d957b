/**
 * Try it for an audio run: a dropped or chosen audio file is decoded and
 * resampled to the run's rate by the browser (Web Audio), fitted to the
 * model as the run fits its clips, and the exported model runs here with
 * ONNX Runtime Web; input and output are played and drawn.
 *
 * - A waveform autoencoder (input [L, 1]) sees the clip cropped to its first
 *   L samples or zero-padded to L, as `aekit train` made its clips
 *   (fitLength, 'start').
 * - A speech-denoiser run's model takes segments: the whole clip goes through
 *   it in half-overlapping, cross-faded segments (src/tasks/segments.ts), as
 *   `aekit denoise` does.
 */
import { fitLength } from '../../../data/audio-core.js';
import { cutSegments, joinSegments } from '../../../tasks/segments.js';
import { clipFigure, decodeToRate, loudestDb, peakOf, wavUrl } from '../audio.js';
import { fill, fmt, h, onFileDrop } from '../dom.js';
import type { Ctx } from '../main.js';
import { run, session } from '../ort-web.js';
import { reconstructionErrorOf } from './try.js';

/** Longest clip the denoiser takes in the page (seconds): longer files are cut, to keep the tab responsive. */
const MAX_SECONDS = 30;

export function tryAudioView(root: HTMLElement, ctx: Ctx): () => void {
  const id = ctx.id!;
  const summary = ctx.run(id)!;
  const rate = summary.sampleRate!;
  const version = summary.updated ?? '';
  const segments = summary.segments;
  const length = segments ? undefined : summary.inputShape?.[0];
  const status = h('p', { class: 'note', id: 'try-status' }, 'Loading the ONNX model into the browser…');
  const result = h('div', { id: 'try-result', dataset: { state: 'idle' } }, h('p', { class: 'note' }, 'Drop a WAV file on the box, or choose one.'));
  let urls: string[] = [];
  let busy = Promise.resolve();

  const compute = (file: File) => {
    busy = busy.then(async () => {
      result.dataset.state = 'running';
      fill(result, h('p', { class: 'note' }, `Decoding ${file.name}…`));
      try {
        const decoded = await decodeToRate(file, rate);
        const model = await session(id, 'model', version);
        const t0 = performance.now();
        let input: Float32Array;
        let output: Float32Array;
        let code: Float32Array = new Float32Array(0);
        let fitted: string;
        if (segments) {
          const cutAt = MAX_SECONDS * rate;
          input = decoded.samples.length > cutAt ? decoded.samples.slice(0, cutAt) : decoded.samples;
          const cut = cutSegments([input], segments.segment, segments.rms);
          const y = (await run(model, cut.x, cut.counts[0]!))[model.outputNames[0]!]!;
          output = joinSegments(y, cut)[0]!;
          fitted = `whole${decoded.samples.length > cutAt ? ` (cut to its first ${MAX_SECONDS} s)` : ''}, in ${cut.counts[0]} half-overlapping segments of ${segments.segment} samples, as aekit denoise does`;
        } else {
          if (!length) throw new Error('the run\'s config gives no input length');
          input = fitLength(decoded.samples, length);
          output = (await run(model, input, 1))[model.outputNames[0]!]!;
          if (summary.files.encoder) {
            const encoder = await session(id, 'encoder', version);
            code = (await run(encoder, input, 1))[encoder.outputNames[0]!]!;
          }
          fitted = decoded.samples.length > length ? `cropped to its first ${length} samples, as training cropped its clips` : decoded.samples.length < length ? `zero-padded to ${length} samples, as training padded its clips` : `${length} samples, the model's length`;
        }
        const ms = performance.now() - t0;
        const recError = reconstructionErrorOf(input, output, summary.loss ?? 'mse');
        window.__aekitTry = { input: Array.from(input), reconstruction: Array.from(output), code: Array.from(code), reconstructionError: recError, sampleRate: rate };
        for (const u of urls) URL.revokeObjectURL(u);
        urls = [wavUrl(input, rate), wavUrl(output, rate)];
        const peak = peakOf(input, output);
        const topDb = loudestDb(input, output);
        const rms = (a: Float32Array) => Math.sqrt(a.reduce((acc, v) => acc + v * v, 0) / Math.max(1, a.length));
        const resampled = decoded.fileRate && decoded.fileRate !== rate ? `resampled from ${decoded.fileRate} Hz to ${rate} Hz` : `at ${rate} Hz`;
        fill(result,
          h('div', { class: 'audio-row' },
            clipFigure('model input', input, rate, urls[0]!, { peak, topDb, id: 'try-input' }),
            clipFigure(segments ? 'denoised' : 'reconstruction', output, rate, urls[1]!, { peak, topDb, id: 'try-output' })),
          h('p', {}, segments
            ? h('span', { class: 'score', id: 'try-score' }, `RMS ${fmt(rms(input), 3)} in, ${fmt(rms(output), 3)} out`)
            : h('span', { class: 'score', id: 'try-score' }, `reconstruction error ${fmt(recError)}`),
          ' ', h('span', { class: 'note' }, segments ? '(the level of the clip before and after the denoiser)' : `(${summary.loss ?? 'mse'} summed over the ${input.length} samples, as the Anomalies view scores)`)),
          code.length ? h('p', {}, `code (${code.length} values):`) : null,
          code.length ? h('div', { class: 'code-values', id: 'try-code' }, Array.from(code, (v) => fmt(v, 3)).join('  ')) : null,
          h('p', { class: 'note' }, `${file.name}: ${decoded.channels} channel${decoded.channels === 1 ? '' : 's'} mixed to one by the browser, ${resampled}, ${fitted}. Computed in this browser by ONNX Runtime Web (WebAssembly) in ${ms.toFixed(1)} ms.`));
        result.dataset.state = 'done';
      } catch (e) {
        result.dataset.state = 'error';
        fill(result, h('p', { class: 'error' }, `The model could not run on ${file.name}: ${(e as Error).message}`));
      }
    });
  };

  const file = h('input', { type: 'file', accept: 'audio/*,.wav', id: 'try-file' });
  const drop = h('div', { class: 'drop audio-drop', id: 'try-drop' }, 'Drop a WAV file here, or choose one: ', file);
  onFileDrop(drop, file, (f) => {
    if (f) compute(f);
  });
  const what = segments
    ? `The speech denoiser takes a clip of any length (up to ${MAX_SECONDS} s here) at ${rate} Hz.`
    : `The model takes ${length ?? '?'} samples at ${rate} Hz (${((length ?? 0) / rate).toFixed(2)} s): longer clips are cropped, shorter ones zero-padded, as in training.`;
  root.append(
    h('h1', {}, `Try ${id}`),
    h('p', { class: 'sub' }, 'The exported model runs in this browser with ONNX Runtime Web; the file is decoded here and nothing is sent to the server.'),
    status,
    h('div', { class: 'card' }, h('p', {}, what), drop, result),
  );
  void session(id, 'model', version).then(() => {
    status.textContent = `Model loaded (input: ${segments ? `segments of ${segments.segment} samples` : `[${summary.inputShape?.join(', ') ?? '?'}] per clip`}).`;
  }, (e: Error) => {
    status.className = 'error';
    status.textContent = `Cannot load the model: ${e.message}`;
  });
  return () => {
    for (const u of urls) URL.revokeObjectURL(u);
  };
}
