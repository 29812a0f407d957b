/**
 * The GPU check of issue 16, for a machine with a GPU (run by
 * bench/gpu/run-webgpu-check.sh, bundled by bench/gpu/prepare-carry.sh;
 * docs/performance.md, "GPU (WebGPU)", says how). Writes webgpu-check.json and
 * webgpu-check.md to --out.
 *
 * 1. WebGPU probe, and the node placement ONNX Runtime logs (verbose) for each
 *    workload's training step: which nodes it left on the CPU.
 * 2. Loss curves: --steps training steps of each workload (dense, deep, conv)
 *    from the same initial weights and batches, on the CPU provider (CPU
 *    lowering) and on WebGPU (WebGPU lowering); the largest relative
 *    difference per workload, against a float32 tolerance.
 * 3. Throughput: samples/s of the second epoch of Trainer.fit (as
 *    bench/speed.ts times it), device 'cpu' (all cores) against 'webgpu',
 *    and 'webgpu' with stepsPerExecution 8 (the step as an ONNX Loop).
 * 4. Copy cost: the same training step with parameters and optimizer state
 *    returned to the host each step (what aekit does) and kept on the GPU
 *    between steps (onnxruntime-node's preferredOutputLocation 'gpu-buffer',
 *    the tensors fed back as inputs). This part calls onnxruntime-node
 *    directly: aekit's runtime module does not offer GPU-located tensors.
 *
 *   node bench/gpu/webgpu-check.mjs --out DIR [--steps 100] [--quick]
 *
 * `--provider cpu` runs every "WebGPU" session on the CPU provider instead
 * (still with the WebGPU lowering): a dry run of this script where there is
 * no GPU, e.g. `node --import tsx bench/gpu/webgpu-check.ts --provider cpu --quick --steps 5`.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { convBenchModel, denseBenchModel } from '../lib/workloads.js';
import { mnist } from '../../src/data/datasets.js';
import { type TensorData } from '../../src/graph/types.js';
import { initialValues } from '../../src/layers/core.js';
import { Autoencoder } from '../../src/models/dense.js';
import { type ResolvedDevice, RuntimeSession, probeWebGpu } from '../../src/onnx/runtime.js';
import { Adam } from '../../src/optim/optimizers.js';
import { packTensors } from '../../src/train/loop.js';
import { type TrainableModel } from '../../src/train/model.js';
import { type StepArtifacts, buildStep, nextName } from '../../src/train/step.js';
import { Trainer } from '../../src/train/trainer.js';

type Workload = 'dense' | 'deep' | 'conv';
const WORKLOADS: Workload[] = ['dense', 'deep', 'conv'];

const MODELS: Record<Workload, () => TrainableModel> = {
  dense: denseBenchModel,
  // The quality benchmark's deep model (bench/quality/protocol.ts): ELU, linear code, BCE.
  deep: () => new Autoencoder({ inputShape: [784], encoder: { sizes: [128, 64, 32], activation: 'elu', codeActivation: 'linear' }, loss: 'bce' }),
  conv: convBenchModel,
};

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: '.' },
    steps: { type: 'string', default: '100' },
    quick: { type: 'boolean', default: false },
    placement: { type: 'string' },
    provider: { type: 'string', default: 'webgpu' },
  },
});
/** The provider of the sessions the check calls "webgpu" ('cpu' for a dry run without a GPU). */
const GPU: ResolvedDevice = args.provider === 'cpu' ? 'cpu' : 'webgpu';
const STEPS = Number(args.steps);
/** Batch size and training samples per workload, as in bench/speed.ts (conv doubled: the GPU is the point). */
const SETTINGS: Record<Workload, { batch: number; samples: number; shape: 'flat' | 'image' }> = {
  dense: { batch: 256, samples: args.quick ? 8192 : 60000, shape: 'flat' },
  deep: { batch: 256, samples: args.quick ? 8192 : 60000, shape: 'flat' },
  conv: { batch: 128, samples: args.quick ? 2048 : 12000, shape: 'image' },
};
/**
 * Largest relative loss difference accepted over the curve. Both runs are
 * float32 with different summation orders (and the WebGPU lowering's
 * different but equal formulas), so curves drift apart slowly; a real bug
 * (a wrong kernel, a missed update) shows as percent-level differences at once.
 */
const CURVE_TOLERANCE = 1e-3;

const log = (s: string) => process.stderr.write(`${s}\n`);

/** Child mode: create one WebGPU session at verbose log level, so the parent can read ORT's node placement from stderr. */
async function placementChild(workload: Workload): Promise<void> {
  const art = buildStep(MODELS[workload](), { optimizer: new Adam(), seed: 1, device: 'webgpu' });
  const session = await RuntimeSession.create(art.train.bytes, { device: 'webgpu', logLevel: 'verbose' });
  await session.release();
  process.exit(0);
}

function placement(workload: Workload): { lines: string[]; cpuNodes: number | null } {
  const r = spawnSync(process.execPath, [process.argv[1]!, '--placement', workload], { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 28 });
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  // ORT logs which provider got which nodes, and the nodes the WebGPU provider has no kernel for.
  const lines = text.split('\n').filter((l) => /placed on|kernel not found|Force CPU|fall ?back|MemcpyToHost|MemcpyFromHost|Node\(s\)/i.test(l)).map((l) => l.replace(/^.*?\] /, '').trim());
  const cpu = /Node\(s\) placed on \[CPUExecutionProvider\]\. Number of nodes: (\d+)/.exec(text);
  return { lines: [...new Set(lines)].slice(0, 400), cpuNodes: cpu ? Number(cpu[1]) : /All nodes placed on \[WebGpuExecutionProvider\]/.test(text) ? 0 : null };
}

function batchesOf(workload: Workload, count: number) {
  const { batch, shape } = SETTINGS[workload];
  const data = mnist({ split: 'train', shape, limit: batch * count });
  return { x: data.x, sampleShape: data.shape.slice(1), batch };
}

function initial(art: StepArtifacts): Record<string, TensorData> {
  const named: Record<string, TensorData> = Object.fromEntries(initialValues(art.specs, 1));
  for (const [slot, param] of art.slots) named[slot] = { dtype: 'float32', shape: [...named[param]!.shape], data: new Float32Array(named[param]!.data.length) };
  return packTensors(named, art.packed);
}

/** `steps` Adam steps from seed-1 weights over the first batches, in order; the loss of each step and ms per step. */
async function curve(model: TrainableModel, workload: Workload, lowering: ResolvedDevice, device: ResolvedDevice, steps: number) {
  const art = buildStep(model, { optimizer: new Adam(), seed: 1, device: lowering });
  let tensors = initial(art);
  const { x, sampleShape, batch } = batchesOf(workload, steps);
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const session = await RuntimeSession.create(art.train.bytes, { device });
  const updated = art.packed.length ? art.packed.map((p) => p.name) : [...art.params, ...art.slots.map(([s]) => s)];
  const losses: number[] = [];
  const start = performance.now();
  let warm = start;
  try {
    for (let i = 0; i < steps; i++) {
      if (i === 3) warm = performance.now();
      const out = await session.run({
        ...tensors,
        x: { dtype: 'float32', shape: [batch, ...sampleShape], data: x.subarray(i * batch * size, (i + 1) * batch * size) },
        lr: { dtype: 'float32', shape: [], data: new Float32Array([1e-3]) },
        step: { dtype: 'float32', shape: [], data: new Float32Array([i + 1]) },
      });
      losses.push(Number(out.loss!.data[0]));
      tensors = { ...tensors };
      for (const name of updated) tensors[name] = out[nextName(name)]!;
    }
  } finally {
    await session.release();
  }
  return { losses, msPerStep: (performance.now() - warm) / Math.max(1, steps - 3) };
}

/** Samples/s of the second epoch of Trainer.fit on `device` (the first one plans memory and compiles shaders). */
async function throughput(workload: Workload, device: ResolvedDevice, stepsPerExecution?: number) {
  const { batch, samples, shape } = SETTINGS[workload];
  const data = mnist({ split: 'train', shape, limit: samples });
  const trainer = Trainer.create(MODELS[workload](), { seed: 1, session: { device }, stepsPerExecution });
  let seconds = NaN;
  const fit = await trainer.fit(data, { epochs: 2, batchSize: batch, worker: false, onProgress: (e) => { if (e.type === 'epoch') seconds = e.seconds; } });
  return { samplesPerSec: samples / seconds, secondsPerEpoch: seconds, samples, batch, finalLoss: fit.history.at(-1)?.loss };
}

/**
 * ms per step with the updated parameters and optimizer state copied to the
 * host after every step (as aekit's loop does) against kept on the GPU and fed
 * back (preferredOutputLocation 'gpu-buffer'); both losses are returned so the
 * two can be checked to agree.
 */
async function copyCost(workload: Workload, steps: number) {
  const model = MODELS[workload]();
  const art = buildStep(model, { optimizer: new Adam(), seed: 1, device: 'webgpu' });
  const { x, sampleShape, batch } = batchesOf(workload, steps);
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const state = art.packed.map((p) => p.name);
  const run = async (onGpu: boolean) => {
    const options: ort.InferenceSession.SessionOptions = { executionProviders: [GPU], logSeverityLevel: 3 };
    if (onGpu && GPU === 'webgpu') options.preferredOutputLocation = Object.fromEntries(state.map((n) => [nextName(n), 'gpu-buffer' as const]));
    const session = await ort.InferenceSession.create(art.train.bytes, options);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(initial(art))) feeds[name] = new ort.Tensor('float32', t.data as Float32Array, [...t.shape]);
    const losses: number[] = [];
    let warm = 0;
    for (let i = 0; i < steps; i++) {
      if (i === 3) warm = performance.now();
      feeds.x = new ort.Tensor('float32', x.subarray(i * batch * size, (i + 1) * batch * size), [batch, ...sampleShape]);
      feeds.lr = new ort.Tensor('float32', new Float32Array([1e-3]), []);
      feeds.step = new ort.Tensor('float32', new Float32Array([i + 1]), []);
      const out = await session.run(feeds);
      losses.push(Number(out.loss!.data[0]));
      for (const name of state) {
        if (onGpu && feeds[name]?.location === 'gpu-buffer') feeds[name].dispose();
        feeds[name] = out[nextName(name)]!;
      }
    }
    const ms = (performance.now() - warm) / Math.max(1, steps - 3);
    for (const name of state) if (onGpu) feeds[name]?.dispose();
    await session.release();
    return { msPerStep: ms, losses };
  };
  const host = await run(false);
  let device: { msPerStep: number; losses: number[] } | { error: string };
  try {
    device = await run(true);
  } catch (e) {
    device = { error: (e as Error).message };
  }
  const agree = 'losses' in device ? Math.max(...device.losses.map((l, i) => Math.abs(l - host.losses[i]!) / Math.abs(host.losses[i]!))) : null;
  return { hostMsPerStep: host.msPerStep, deviceMsPerStep: 'msPerStep' in device ? device.msPerStep : null, error: 'error' in device ? device.error : undefined, maxRelLossDifference: agree };
}

async function main(): Promise<void> {
  if (args.placement) return placementChild(args.placement as Workload);
  const result: Record<string, unknown> = { node: process.version, onnxruntime: ort.env.versions, cpus: cpus().length, cpuModel: cpus()[0]?.model, steps: STEPS, tolerance: CURVE_TOLERANCE };
  const probe = GPU === 'webgpu' ? probeWebGpu() : { available: true, reason: 'dry run: --provider cpu' };
  result.probe = probe;
  result.provider = GPU;
  log(`WebGPU probe: ${JSON.stringify(probe)}`);
  const save = () => writeFileSync(join(args.out!, 'webgpu-check.json'), JSON.stringify(result, null, 2));
  if (!probe.available) {
    save();
    log('no WebGPU adapter: nothing more to check');
    process.exit(2);
  }
  const placements: Record<string, unknown> = {};
  for (const w of GPU === 'webgpu' ? WORKLOADS : []) {
    placements[w] = placement(w);
    log(`placement ${w}: ${JSON.stringify((placements[w] as { cpuNodes: number | null }).cpuNodes)} nodes on the CPU`);
  }
  result.placement = placements;
  save();

  const curves: Record<string, unknown> = {};
  for (const w of WORKLOADS) {
    const model = MODELS[w]();
    const cpu = await curve(model, w, 'cpu', 'cpu', STEPS);
    const gpu = await curve(model, w, 'webgpu', GPU, STEPS);
    const rel = cpu.losses.map((l, i) => Math.abs(gpu.losses[i]! - l) / Math.abs(l));
    const worst = Math.max(...rel);
    curves[w] = { pass: worst <= CURVE_TOLERANCE, maxRelDifference: worst, atStep: rel.indexOf(worst) + 1, firstLoss: [cpu.losses[0], gpu.losses[0]], lastLoss: [cpu.losses.at(-1), gpu.losses.at(-1)], msPerStep: { cpu: cpu.msPerStep, webgpu: gpu.msPerStep }, cpuLosses: cpu.losses, webgpuLosses: gpu.losses };
    log(`curve ${w}: max relative difference ${worst.toExponential(2)} (step ${rel.indexOf(worst) + 1}); ms/step cpu ${cpu.msPerStep.toFixed(2)}, webgpu ${gpu.msPerStep.toFixed(2)}`);
    result.curves = curves;
    save();
  }

  const speed: Record<string, unknown> = {};
  for (const w of WORKLOADS) {
    const cpu = await throughput(w, 'cpu');
    const gpu = await throughput(w, GPU);
    // Eight steps per call as an ONNX Loop (the CPU default; on WebGPU only when asked for).
    const looped = await throughput(w, GPU, 8).catch((e: Error) => ({ error: e.message }));
    speed[w] = { cpu, webgpu: gpu, webgpuLoop8: looped, speedup: gpu.samplesPerSec / cpu.samplesPerSec };
    log(`fit ${w}: cpu ${cpu.samplesPerSec.toFixed(0)} samples/s, webgpu ${gpu.samplesPerSec.toFixed(0)} samples/s, webgpu with 8 steps per call ${'samplesPerSec' in looped ? looped.samplesPerSec.toFixed(0) : looped.error}`);
    result.throughput = speed;
    save();
  }

  const copies: Record<string, unknown> = {};
  for (const w of WORKLOADS) {
    copies[w] = await copyCost(w, Math.min(STEPS, 50)).catch((e: Error) => ({ error: e.message }));
    log(`copy cost ${w}: ${JSON.stringify(copies[w])}`);
    result.copyCost = copies;
    save();
  }

  const md: string[] = [
    `| workload | curve max rel. diff (${STEPS} steps) | pass (≤ ${CURVE_TOLERANCE}) | CPU samples/s | WebGPU samples/s | WebGPU/CPU | step ms, state on host | step ms, state on GPU | nodes on CPU |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const w of WORKLOADS) {
    const c = curves[w] as { maxRelDifference: number; pass: boolean };
    const s = speed[w] as { cpu: { samplesPerSec: number }; webgpu: { samplesPerSec: number }; speedup: number };
    const k = copies[w] as { hostMsPerStep?: number; deviceMsPerStep?: number | null };
    const p = (placements[w] ?? { cpuNodes: null }) as { cpuNodes: number | null };
    md.push(`| ${w} | ${c.maxRelDifference.toExponential(2)} | ${c.pass ? 'yes' : 'NO'} | ${s.cpu.samplesPerSec.toFixed(0)} | ${s.webgpu.samplesPerSec.toFixed(0)} | ${s.speedup.toFixed(2)} | ${k.hostMsPerStep?.toFixed(2) ?? '-'} | ${k.deviceMsPerStep?.toFixed(2) ?? '-'} | ${p.cpuNodes ?? '?'} |`);
  }
  writeFileSync(join(args.out!, 'webgpu-check.md'), `${md.join('\n')}\n`);
  log(md.join('\n'));
  // Dawn's threads keep Node alive after the sessions are released.
  process.exit(WORKLOADS.every((w) => (curves[w] as { pass: boolean }).pass) ? 0 : 1);
}

main().catch((e) => {
  log(`webgpu-check failed: ${(e as Error).stack ?? e}`);
  process.exit(3);
});
