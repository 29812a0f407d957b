/**
 * Is ONNX Runtime's `Elu` kernel slower than ELU written with other ops?
 * (issue #29: in a profile of the conv preset's inference, `Elu` took about
 * as long as all its convolutions.)
 *
 *   node --import tsx bench/speed/elu-probe.ts [--repeats 15] [--threads 1]
 *
 * One graph per formulation over x of shape [256, 32, 28, 28] (the conv
 * preset's first activation on a batch of 256 MNIST images), values drawn
 * from N(0, 1):
 *
 * - `Elu`: the ONNX op;
 * - `Relu+Exp`: max(x, 0) + (exp(min(x, 0)) − 1)·α, elementwise ops that ONNX
 *   Runtime vectorizes;
 * - `Where`: where(x > 0, x, exp(x) − 1);
 *
 * runs interleaved, medians of process CPU and wall milliseconds per run, and
 * the largest difference between the two outputs. Then the conv preset's
 * `model` part (latent 32, random weights) on a batch of 256, built as
 * inference builds it (each ELU before a max pooling moved after it, see
 * MaxPool2D) and in training order, interleaved likewise; its outputs are
 * compared bit for bit.
 */
import { parseArgs } from 'node:util';
import { Graph, type Value } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/onnx/serialize.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { quantile } from '../../src/eval/stats.js';
import { Rng } from '../../src/data/random.js';
import { timeSessionsInterleaved } from '../lib/session-timing.js';
import { type TensorData } from '../../src/graph/types.js';
import { GraphBuildContext } from '../../src/layers/core.js';
import { type AutoencoderModel, modelFromConfig } from '../../src/models/index.js';
import { presetConfig } from '../../src/runs/presets.js';

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '15' }, threads: { type: 'string', default: '1' } } });
const repeats = Number(values.repeats);
const threads = Number(values.threads);
const shape = [256, 32, 28, 28];

const FORMS: Record<string, (g: Graph, x: Value) => Value> = {
  'Elu': (g, x) => g.elu(x, 1),
  'Relu+Exp': (g, x) => g.add(g.relu(x), g.sub(g.exp(g.clip(x, -3.4e38, 0)), 1)),
  'Where': (g, x) => g.where(g.greater(x, 0), x, g.sub(g.exp(x), 1)),
};

const rng = new Rng(1);
const n = shape.reduce((a, b) => a * b, 1);
const x = Float32Array.from({ length: n }, () => rng.normal());
const sessions: Record<string, RuntimeSession> = {};
for (const [name, form] of Object.entries(FORMS)) {
  const g = new Graph(0);
  const input = g.input('x', shape);
  sessions[name] = await RuntimeSession.create(toOnnx(g, { outputs: { y: form(g, input) }, name }).bytes, { threads, spinning: false, cache: false });
}
const feed = { x: { dtype: 'float32' as const, shape, data: x } };
const times = await timeSessionsInterleaved(sessions, () => feed, repeats);
const outputs = Object.fromEntries(Object.entries(times).map(([k, t]) => [k, t.last.y!.data as Float32Array]));
console.log(`x [${shape.join(', ')}], ${threads} thread(s), ${repeats} interleaved runs each; medians per run`);
for (const name of Object.keys(FORMS)) console.log(`${name.padEnd(10)} ${quantile(times[name]!.cpu, 0.5).toFixed(2).padStart(7)} CPU ms  ${quantile(times[name]!.wall, 0.5).toFixed(2).padStart(7)} wall ms`);
for (const other of Object.keys(FORMS).slice(1)) {
  let maxAbs = 0;
  let maxRel = 0;
  const a = outputs['Elu']!;
  const b = outputs[other]!;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    maxAbs = Math.max(maxAbs, d);
    if (a[i] !== 0) maxRel = Math.max(maxRel, d / Math.abs(a[i]!));
  }
  console.log(`largest difference Elu vs ${other}: ${maxAbs.toExponential(2)} absolute, ${maxRel.toExponential(2)} relative`);
}
for (const s of Object.values(sessions)) await s.release();

// The conv preset's inference part, ELU after the pools (as built for inference) and before (training order).
const model = modelFromConfig(presetConfig('conv', [1, 28, 28], { latent: 32 })) as AutoencoderModel;
const part = model.parts().model!;
const lowered: Record<string, Uint8Array> = {};
let params: Map<string, TensorData> | undefined;
for (const [name, training] of [['ELU after pool', false], ['ELU before pool', true]] as const) {
  const g = new Graph(0);
  const ctx = new GraphBuildContext(g, training);
  const out = part.build(ctx, g.input('x', ['N', 1, 28, 28]));
  params ??= ctx.initialValues(1);
  lowered[name] = toOnnx(g, { outputs: out, name: 'model' }).bytes;
}
const images = { dtype: 'float32' as const, shape: [256, 1, 28, 28], data: Float32Array.from(x.subarray(0, 256 * 784), (v) => Math.min(1, Math.max(0, v / 3 + 0.2))) };
const partFeeds = { ...Object.fromEntries(params!), x: images };
const partSessions = Object.fromEntries(await Promise.all(Object.entries(lowered).map(async ([k, b]) => [k, await RuntimeSession.create(b, { threads, spinning: false, cache: false })] as const)));
const partTimes = await timeSessionsInterleaved(partSessions, () => partFeeds, repeats);
const partOut = Object.fromEntries(Object.entries(partTimes).map(([k, t]) => [k, t.last.reconstruction!.data as Float32Array]));
console.log(`\nconv preset, model part, batch 256, ${threads} thread(s), ${repeats} interleaved runs each; medians per run`);
for (const name of Object.keys(partSessions)) console.log(`${name.padEnd(16)} ${quantile(partTimes[name]!.cpu, 0.5).toFixed(2).padStart(7)} CPU ms  ${quantile(partTimes[name]!.wall, 0.5).toFixed(2).padStart(7)} wall ms`);
const [p, q] = Object.values(partOut);
console.log(`outputs bit for bit equal: ${p!.every((v, i) => Object.is(v, q![i]))}`);
for (const s of Object.values(partSessions)) await s.release();
