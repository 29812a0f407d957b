/** Worker-thread entry: runs the training loop off the main thread so progress output and dashboards stay live. */
import { parentPort } from 'node:worker_threads';
import { DataFormatError } from '../data/errors.js';
import { type LoopInput, runLoop } from './loop.js';
import type { WorkerError } from './trainer.js';

let stopRequested = false;
parentPort!.on('message', (message: { type: 'start'; input: LoopInput } | { type: 'stop' }) => {
  if (message.type === 'stop') {
    stopRequested = true;
    return;
  }
  runLoop(message.input, (event) => parentPort!.postMessage(event), () => stopRequested).catch((e: unknown) => {
    const err = e as Error;
    const report: WorkerError = { type: 'error', message: err?.message ?? String(e) };
    // A file error crosses the thread boundary with its fields, to be rebuilt as a DataFormatError.
    if (err instanceof DataFormatError) Object.assign(report, { name: err.name, file: err.file, reason: err.reason, line: err.line, offset: err.offset, field: err.field });
    parentPort!.postMessage(report);
  });
});
