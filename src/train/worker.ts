/** Worker-thread entry: runs the training loop off the main thread so progress output and dashboards stay live. */
import { parentPort } from 'node:worker_threads';
import { type LoopInput, runLoop } from './loop.js';
import { workerErrorOf } from './worker-client.js';

let stopRequested = false;
parentPort!.on('message', (message: { type: 'start'; input: LoopInput } | { type: 'stop' }) => {
  if (message.type === 'stop') {
    stopRequested = true;
    return;
  }
  // A file error crosses the thread boundary with its fields, to be rebuilt as a DataFormatError.
  runLoop(message.input, (event) => parentPort!.postMessage(event), () => stopRequested).catch((e: unknown) => parentPort!.postMessage(workerErrorOf(e)));
});
