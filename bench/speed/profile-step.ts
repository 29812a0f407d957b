/**
 * Where a training step's time goes, per ONNX Runtime op (issue #3).
 *
 *   node --import tsx bench/speed/profile-step.ts conv --threads 1 --steps 10 [--nodes 30]
 *   node --import tsx bench/speed/profile-step.ts dense --threads 1 --steps 60
 *   node --import tsx bench/speed/profile-step.ts hinton --threads 1 --steps 20 --nodes 20
 *   node --import tsx bench/speed/profile-step.ts conv --threads 1 --time 5x6
 *   node --import tsx bench/speed/profile-step.ts conv --threads 2 --time 9x8 --ab-nchwc   (blocked vs plain convolutions, alternated)
 *   node --import tsx bench/speed/profile-step.ts dense --time 5x100 --unfused   (per-parameter updates)
 *   node --import tsx bench/speed/profile-step.ts hinton --threads 2 --steps 32 --per-call 8   (8 steps per run, as fit's stepsPerExecution)
 *
 * Builds the benchmark workload's step (bench/lib/workloads.ts, Adam, batch 256
 * dense and hinton / 128 conv), runs it on MNIST batches the way src/train/loop.ts does
 * (outputs written into alternating buffers), and with ONNX Runtime's profiler on
 * sums the `*_kernel_time` events per op over the steps after 3 warm-up steps
 * (--nodes N also lists the N slowest nodes with their shapes). `--time RxS`
 * instead times R rounds of S steps without the profiler and prints wall and
 * process CPU milliseconds per step: on a shared machine the CPU time of a
 * 1-thread run is the steadier figure.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BENCH_BATCH, BENCH_WORKLOADS, type BenchWorkload, benchModel } from '../lib/workloads.js';
import { mnist } from '../../src/data/datasets.js';
import { type TensorData } from '../../src/graph/types.js';
import { initialValues } from '../../src/layers/core.js';
import { DEFAULT_OPTIMIZATION, RuntimeSession, type SessionOptions } from '../../src/onnx/runtime.js';
import { Adam } from '../../src/optim/optimizers.js';
import { packTensors } from '../../src/train/loop.js';
import { CHUNK_FIRST_STEP, CHUNK_STEPS, chunkInputName, chunkedStep } from '../../src/train/chunk.js';
import { NON_FINITE_CHECK, buildStep, nextName } from '../../src/train/step.js';

type Workload = BenchWorkload;

async function makeRunner(workload: Workload, session: SessionOptions, fuseUpdate: boolean, perCall: number) {
  const art = buildStep(benchModel(workload), { optimizer: new Adam(), seed: 1, fuseUpdate });
  const named: Record<string, TensorData> = Object.fromEntries(initialValues(art.specs, 1));
  for (const [slot, param] of art.slots) named[slot] = { dtype: 'float32', shape: [...named[param]!.shape], data: new Float32Array(named[param]!.data.length) };
  let tensors = packTensors(named, art.packed);
  const members = new Set(art.packed.flatMap((g) => g.members));
  const updated = [...art.packed.map((g) => g.name), ...art.params, ...art.slots.map(([s]) => s), ...art.state].filter((n) => !members.has(n));
  const perStepOutputs = [...art.metrics, NON_FINITE_CHECK];
  const model = perCall > 1 ? chunkedStep(art.train.bytes, { carried: updated, next: nextName, perStep: ['x'], counter: 'step', perStepOutputs, stopUnlessFinite: ['loss', NON_FINITE_CHECK] }) : art.train.bytes;
  const sess = await RuntimeSession.create(model, session);
  const batch = BENCH_BATCH[workload];
  const data = mnist({ split: 'train', shape: workload === 'conv' ? 'image' : 'flat', limit: batch * Math.max(16, perCall) });
  const sampleShape = data.shape.slice(1);
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const fetch = [...perStepOutputs, ...updated.map(nextName)];
  let spare: Record<string, TensorData> = {};
  for (const name of updated) spare[nextName(name)] = { ...tensors[name]!, data: (tensors[name]!.data as Float32Array).slice() };
  let step = 0;
  let loss = NaN;
  /** Runs `steps` steps (whole calls of `perCall` steps). */
  const run = async (steps: number) => {
    for (let i = 0; i < steps; i += perCall) {
      const b = perCall > 1 ? 0 : step % 16;
      const x = data.x.subarray(b * batch * size, (b + perCall) * batch * size);
      const feeds: Record<string, TensorData> = { ...tensors, lr: { dtype: 'float32', shape: [], data: new Float32Array([1e-3]) } };
      if (perCall > 1) {
        feeds[chunkInputName('x')] = { dtype: 'float32', shape: [perCall, batch, ...sampleShape], data: x };
        feeds[CHUNK_FIRST_STEP] = { dtype: 'float32', shape: [], data: new Float32Array([step + 1]) };
        feeds[CHUNK_STEPS] = { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(perCall)) };
      } else {
        feeds.x = { dtype: 'float32', shape: [batch, ...sampleShape], data: x };
        feeds.step = { dtype: 'float32', shape: [], data: new Float32Array([step + 1]) };
      }
      const out = await sess.run(feeds, fetch, spare);
      loss = Number(out.loss!.data.at(-1));
      const next = { ...tensors };
      const freed: Record<string, TensorData> = {};
      for (const name of updated) { next[name] = out[nextName(name)]!; freed[nextName(name)] = tensors[name]!; }
      tensors = next;
      spare = freed;
      step += perCall;
    }
  };
  return { run, sess, loss: () => loss, inputs: art.train.inputs.length };
}

interface TraceEvent { name: string; cat: string; ts: number; dur: number; args?: Record<string, unknown> }

function summarize(path: string, skip: number, nodes: number, perCall: number): void {
  const events = (JSON.parse(readFileSync(path, 'utf8')) as TraceEvent[]).sort((a, b) => a.ts - b.ts);
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const after = runs[skip - 1] ? runs[skip - 1]!.ts + runs[skip - 1]!.dur : 0;
  const measured = runs.slice(skip);
  const steps = measured.length * perCall;
  const byOp = new Map<string, number>();
  const byNode = new Map<string, { ms: number; op: string; shapes: string }>();
  for (const e of events) {
    if (e.ts < after || e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = String(e.args?.op_name ?? '?');
    // A Loop's time is its body's nodes, listed themselves.
    if (op === 'Loop') continue;
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur / steps / 1000);
    const node = byNode.get(e.name) ?? { ms: 0, op, shapes: `${JSON.stringify(e.args?.input_type_shape)} -> ${JSON.stringify(e.args?.output_type_shape)}`.replace(/"float"|\{|\}|"/g, '') };
    node.ms += e.dur / steps / 1000;
    byNode.set(e.name, node);
  }
  const rows = [...byOp.entries()].sort((a, b) => b[1] - a[1]);
  const kernel = rows.reduce((s, r) => s + r[1], 0);
  const runMs = measured.reduce((s, e) => s + e.dur, 0) / steps / 1000;
  console.log(`model_run ${runMs.toFixed(2)} ms/step over ${steps} steps (${perCall} per run); kernels ${kernel.toFixed(2)} ms/step`);
  for (const [op, ms] of rows) if (ms >= 0.01) console.log(`  ${op.padEnd(22)} ${ms.toFixed(2).padStart(7)} ms`);
  if (nodes > 0) {
    console.log(`slowest ${nodes} nodes:`);
    for (const [name, r] of [...byNode.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, nodes)) {
      console.log(`  ${r.ms.toFixed(2).padStart(7)} ms  ${r.op.padEnd(16)} ${name.replace('_kernel_time', '').slice(0, 32).padEnd(32)} ${r.shapes.slice(0, 140)}`);
    }
  }
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '1' },
    steps: { type: 'string', default: '10' },
    nodes: { type: 'string', default: '0' },
    time: { type: 'string' },
    optimization: { type: 'string', default: DEFAULT_OPTIMIZATION },
    unfused: { type: 'boolean', default: false },
    'no-spin': { type: 'boolean', default: false },
    'per-call': { type: 'string', default: '1' },
    'no-nchwc': { type: 'boolean', default: false },
    'ab-nchwc': { type: 'boolean', default: false },
  },
});
const workload = (positionals[0] ?? 'conv') as Workload;
if (!BENCH_WORKLOADS.includes(workload)) throw new Error(`workload must be one of ${BENCH_WORKLOADS.join(', ')}, got ${workload}`);
const perCall = Number(values['per-call']);
const session: SessionOptions = { threads: Number(values.threads), optimization: values.optimization as SessionOptions['optimization'], ...(values['no-spin'] ? { spinning: false } : {}), ...(values['no-nchwc'] ? { nchwc: false } : {}) };

if (values.time) {
  const [rounds, steps] = values.time.split('x').map(Number) as [number, number];
  // --ab-nchwc: the step with and without the blocked convolutions, rounds alternated, so a slow minute hits both.
  const variants: [string, SessionOptions][] = values['ab-nchwc'] ? [['nchwc', { ...session, nchwc: true }], ['plain', { ...session, nchwc: false }]] : [['', session]];
  const runners = [];
  for (const [name, options] of variants) {
    const r = await makeRunner(workload, options, !values.unfused, perCall);
    await r.run(3 * perCall);
    runners.push({ name, r, wall: [] as number[], cpu: [] as number[] });
  }
  for (let k = 0; k < rounds; k++) {
    for (const v of runners) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await v.r.run(steps);
      v.wall.push((performance.now() - t0) / steps);
      const c = process.cpuUsage(c0);
      v.cpu.push((c.user + c.system) / 1000 / steps);
    }
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  for (const { name, r, wall, cpu } of runners) {
    console.log(`${workload}${name ? ` (${name})` : ''}, ${values.threads} thread(s): wall ${med(wall).toFixed(2)} ms/step (min ${Math.min(...wall).toFixed(2)}), process CPU ${med(cpu).toFixed(2)} ms/step (min ${Math.min(...cpu).toFixed(2)}), loss ${r.loss().toFixed(5)}`);
    await r.sess.release();
  }
} else {
  const steps = Number(values.steps);
  const r = await makeRunner(workload, { ...session, profilePrefix: `/tmp/aekit-profile-${workload}-${process.pid}` }, !values.unfused, perCall);
  await r.run(3 * perCall);
  const t0 = performance.now();
  await r.run(steps);
  const wallMs = (performance.now() - t0) / steps;
  const path = r.sess.endProfiling();
  console.log(`${workload}, ${values.threads} thread(s), ${steps} steps after 3 warm-up, ${r.inputs} graph inputs, loss ${r.loss().toFixed(5)}`);
  console.log(`wall ${wallMs.toFixed(2)} ms/step (the loop around the runs, profiler on)`);
  summarize(path, 3, Number(values.nodes), perCall);
  unlinkSync(path);
  await r.sess.release();
}
