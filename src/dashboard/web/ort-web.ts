/**
 * ONNX Runtime Web for the page: runs a run's exported model.onnx,
 * encoder.onnx and decoder.onnx in the browser (WebAssembly, one thread).
 *
 * src/onnx/runtime.ts is aekit's ONNX Runtime module for Node (it spawns
 * processes and reads files, which a browser bundle cannot hold); this is its
 * counterpart for the page, and the only front-end module that imports
 * onnxruntime-web. The wasm binary is served by the dashboard itself
 * (dist/web/ort/), never from a CDN.
 */
import * as ort from 'onnxruntime-web/wasm';
import { runFile } from './api.js';

ort.env.wasm.wasmPaths = { wasm: new URL('/assets/ort/ort-wasm-simd-threaded.wasm', location.href).href };
// Threads need a cross-origin-isolated page (SharedArrayBuffer); these models are small enough for one.
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.logLevel = 'error';

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/**
 * A session of a run's part ('model', 'encoder', 'decoder'); cached per run,
 * part and `version` (pass the run's update time so a new export reloads).
 */
export function session(id: string, part: 'model' | 'encoder' | 'decoder', version = ''): Promise<ort.InferenceSession> {
  const key = `${id}\n${part}\n${version}`;
  let s = sessions.get(key);
  if (!s) {
    s = (async () => {
      const res = await fetch(runFile(id, `${part}.onnx`));
      if (!res.ok) throw new Error(`${part}.onnx of ${id}: ${res.status} ${res.statusText}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      // ONNX Runtime's own words ("No graph was found in the protobuf") do not say which file: name it.
      // Errors only: aekit declares constant Conv kernels as graph inputs on purpose (src/onnx/serialize.ts),
      // which ONNX Runtime warns about on the console at every load (the STFT of a speech denoiser's model).
      return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], logSeverityLevel: 3 }).catch((e: unknown) => {
        throw new Error(`${part}.onnx of ${id} is damaged${bytes.length === 0 ? ' (0 bytes)' : ''}: ONNX Runtime cannot load it (${String((e as Error)?.message ?? e).split('\n')[0]})`);
      });
    })();
    s.catch(() => sessions.delete(key));
    sessions.set(key, s);
  }
  return s;
}

/** The static input shape of a session (the batch dimension as 1), e.g. [1, 1, 28, 28]. */
export function inputShape(s: ort.InferenceSession): number[] {
  const meta = s.inputMetadata[0];
  if (!meta || !meta.isTensor) throw new Error('the model has no tensor input');
  return meta.shape.map((d) => (typeof d === 'number' ? d : 1));
}

/** Runs a session on n samples (row-major, n × the input's size) and returns its outputs by name. */
export async function run(s: ort.InferenceSession, x: Float32Array, n: number): Promise<Record<string, Float32Array>> {
  const shape = inputShape(s);
  shape[0] = n;
  const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x, shape) });
  const result: Record<string, Float32Array> = {};
  for (const name of s.outputNames) result[name] = out[name]!.data as Float32Array;
  return result;
}
