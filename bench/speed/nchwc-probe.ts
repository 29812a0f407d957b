/**
 * What asking ONNX Runtime for its NCHWc block costs a process
 * (src/onnx/nchwc.ts): a first session (ONNX Runtime loaded and warmed),
 * then `nchwcBlockSize()` timed once, as a conv model's first session pays it.
 *
 *   node --import tsx bench/speed/nchwc-probe.ts
 */
import { Graph } from '../../src/index.js';
import { RuntimeSession, nchwcBlockSize } from '../../src/onnx/runtime.js';
import { toOnnx } from '../../src/onnx/serialize.js';

const g = new Graph();
const x = g.input('x', ['N', 4]);
await RuntimeSession.create(toOnnx(g, { outputs: { y: g.relu(x) } }).bytes, { cache: false });
const t0 = performance.now();
const block = await nchwcBlockSize();
console.log(`block ${block}: ${(performance.now() - t0).toFixed(1)} ms`);
