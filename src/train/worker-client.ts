/**
 * The calling side of the training thread: starts src/train/worker.ts, relays
 * its events, forwards stop requests, and rebuilds its errors. Also runs the
 * same loop inline, so `fit` reads the same either way.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DataFormatError } from '../data/errors.js';
import type { TrainingCallback } from './callbacks.js';
import { type LoopEvent, type LoopInput, runLoop } from './loop.js';

/** The loop's last event: the trained tensors and where the run ended. */
export type DoneEvent = Extract<LoopEvent, { type: 'done' }>;

/** How the worker reports a failure; a {@link DataFormatError} keeps its fields so it can be rebuilt here. */
export interface WorkerError {
  type: 'error';
  message: string;
  name?: string;
  file?: string;
  reason?: string;
  line?: number;
  offset?: number;
  field?: string | number;
}

/** The worker's side of {@link errorFromWorker}: an error as a message that can cross threads. */
export function workerErrorOf(e: unknown): WorkerError {
  const err = e as Error;
  const report: WorkerError = { type: 'error', message: err?.message ?? String(e) };
  if (err instanceof DataFormatError) Object.assign(report, { name: err.name, file: err.file, reason: err.reason, line: err.line, offset: err.offset, field: err.field });
  return report;
}

function errorFromWorker(e: WorkerError): Error {
  // Rebuilt as the same class, so callers catch the same error with or without a worker.
  if (e.name === 'DataFormatError' && e.file !== undefined && e.reason !== undefined) {
    return new DataFormatError(e.file, { line: e.line, offset: e.offset, field: e.field }, e.reason);
  }
  return new Error(`training failed: ${e.message}`);
}

/** Runs the loop in this thread; `callbacks` are live objects. */
export async function runInline(input: LoopInput, onEvent: (e: LoopEvent) => void, signal?: AbortSignal, callbacks: readonly TrainingCallback[] = []): Promise<DoneEvent> {
  let done: DoneEvent | undefined;
  await runLoop(input, (e) => {
    if (e.type === 'done') done = e;
    onEvent(e);
  }, () => signal?.aborted ?? false, callbacks);
  return done!;
}

/**
 * Runs the loop in a worker thread. When the caller's event handler throws (a
 * user callback, a checkpoint that cannot be written), the worker is asked to
 * stop after its current step and the promise rejects with that error once it
 * has: ending the thread while ONNX Runtime runs would abort the process.
 */
export function runInWorker(input: LoopInput, onEvent: (e: LoopEvent) => void, signal?: AbortSignal): Promise<DoneEvent> {
  const here = import.meta.url;
  const worker = here.endsWith('.ts')
    ? new Worker(new URL('./worker-boot.mjs', here), { workerData: { entry: new URL('./worker.ts', here).href } })
    : new Worker(fileURLToPath(new URL('./worker.js', here)));
  return new Promise((resolve, reject) => {
    let settled = false;
    let failure: { error: unknown } | undefined;
    const finish = (outcome: { error: unknown } | { done: DoneEvent }): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if ('done' in outcome) resolve(outcome.done);
      else reject(outcome.error);
    };
    worker.on('message', (e: LoopEvent | WorkerError) => {
      if (failure) {
        if (e.type === 'done' || e.type === 'error') finish(failure);
        return;
      }
      if (e.type === 'error') {
        finish({ error: errorFromWorker(e) });
        return;
      }
      try {
        onEvent(e);
      } catch (error) {
        failure = { error };
        if (e.type === 'done') finish(failure);
        else worker.postMessage({ type: 'stop' });
        return;
      }
      if (e.type === 'done') finish({ done: e });
    });
    worker.on('error', (error) => finish(failure ?? { error }));
    worker.on('exit', (code) => finish(failure ?? { error: new Error(`training failed: the worker thread exited (code ${code}) before finishing`) }));
    const requestStop = () => worker.postMessage({ type: 'stop' });
    signal?.addEventListener('abort', requestStop, { once: true });
    worker.once('exit', () => signal?.removeEventListener('abort', requestStop));
    worker.postMessage({ type: 'start', input });
    if (signal?.aborted) requestStop();
  });
}
