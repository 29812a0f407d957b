/**
 * Speed benchmark (issues #3 and #15): aekit against PyTorch (CPU) and
 * TensorFlow.js, and against the machine's float32 matmul peak, on the same
 * MNIST data and batch sizes, in one run.
 *
 *   npm run bench -- [--json] [--quick] [--no-peers] [--only training|transformer|cli] [--cli-rounds N] [--cli-entry main.js]
 *
 * Workloads (bench/lib/workloads.ts): dense 784-128-64-32-…-784 (batch 256),
 * conv 3×3×32 (batch 128), and Hinton & Salakhutdinov's 784-1000-500-250-30
 * deep autoencoder (batch 256), all Adam and MSE. For each:
 * - training: samples/s of one epoch after a warm-up (PyTorch and TF.js: an
 *   untimed pass over 2,048 samples; aekit: a first epoch in the same session);
 * - inference: codes and per-sample reconstruction errors of the 10,000 MNIST
 *   test images with the trained model (aekit: `trainer.predict` of a scoring
 *   part, session creation included; PyTorch: `eval()` under `no_grad`; TF.js:
 *   wasm backend, untrained weights), batches of 1,000;
 * - start-up: model construction to the end of the first training step
 *   (aekit: `Trainer.create` + `fit` on one batch, in-process, and with the
 *   default worker thread; PyTorch: construction, Adam, first step).
 *
 * - interleaved (issue #29): after the grid below has found PyTorch's best
 *   setting, aekit (at its best thread count) and that PyTorch setting train
 *   epochs alternately, A, B, A, B … (PAIRS timed pairs after an untimed aekit
 *   epoch; PyTorch waits, idle, in a process of its own while aekit's epoch
 *   runs). `vsPytorch` is the median of the per-pair ratios, `vsPytorchSpread`
 *   their [min, max]; the grid's best-against-best ratio is `vsPytorchGrid`.
 * - cli (issue #29, bench/speed/cli-latency.ts): wall clock of `aekit encode`,
 *   `detect` and `eval` on a saved run, from process start, as `cli.*Ms`.
 *
 * Every engine gets its best setting on this machine. aekit: 1 or 2 intra-op
 * threads. PyTorch (Debian's python3-torch through /usr/bin/python3): 1 or 2
 * threads × ATen CPU capability default or avx512, with OpenBLAS choosing its
 * kernels for this CPU: the OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE guard some
 * environments set (which keeps OpenBLAS on AVX2 kernels) is removed for the
 * peer processes only. Each peer process first checks a float32 matmul
 * against float64; if it disagrees, that setting is rerun with the guard and
 * the report says so. The report names the setting each best result used
 * (threads, capability, OpenBLAS core name). The peak probe times 2048²
 * matmuls through OpenBLAS (as detected), oneDNN, numpy and ONNX Runtime's
 * MLAS at 1 and 2 threads and reports the best; aekit's training FLOP/s are
 * given as a fraction of it.
 *
 * Next to wall-clock samples/s every engine reports samples per second of its
 * process's CPU time. With one thread that is the same number on a quiet
 * machine and much the steadier one on a shared machine (other processes take
 * wall time, not this process's CPU time), so the report also gives the
 * one-thread CPU-time ratios. A PyTorch setting whose warm-up projects a timed
 * epoch over PEER_MAX_SECONDS is timed on fewer samples (reported): OpenMP
 * threads fighting for busy cores made some settings hundreds of times slower.
 *
 * BLAS: Debian's torch calls whatever libblas.so.3 the dynamic loader finds.
 * Netlib's reference BLAS (package libblas3) is several times slower than a
 * tuned one and would make PyTorch look slow, so when OpenBLAS is installed
 * (`apt-get install libopenblas0-pthread`) the peer processes get
 * LD_LIBRARY_PATH=<its openblas-pthread dir>.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_BATCH, BENCH_WORKLOADS, type BenchWorkload, FORWARD_FLOPS_PER_SAMPLE, SCORING_PART, TRAIN_FLOPS_PER_SAMPLE, benchModel, withScoring } from './lib/workloads.js';
import { mnist } from '../src/data/datasets.js';
import { Trainer } from '../src/train/trainer.js';
import { ceilingsOf } from './speed/ceilings.js';
import { transformerWorkload } from './speed/transformer.js';
import { type CliReport, CLI_COMMANDS, cliLatency, compiledCli } from './speed/cli-latency.js';
import { PeerEpochs, pairedRatios } from './speed/interleave.js';
import { mlasPeakGflops } from './speed/peak-mlas.js';
import {
  type PeerRun, type PeerSetting, bestRun, describeRun, guardOf, numberAt, parsePeerOutput, peerEnv, peerSettings, runPeerProcess, runWithFallback, settingsOf,
} from './speed/peers.js';

const SECTIONS = ['training', 'transformer', 'cli'] as const;
const { values: flags } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    'no-peers': { type: 'boolean', default: false },
    only: { type: 'string' },
    'cli-entry': { type: 'string' },
    'cli-rounds': { type: 'string' },
  },
});
if (flags.only !== undefined && !(SECTIONS as readonly string[]).includes(flags.only)) throw new Error(`bench: --only ${flags.only}: expected one of ${SECTIONS.join(', ')}`);
const cliRounds = flags['cli-rounds'] === undefined ? undefined : Number(flags['cli-rounds']);
if (cliRounds !== undefined && !(Number.isInteger(cliRounds) && cliRounds >= 1)) throw new Error(`bench: --cli-rounds ${flags['cli-rounds']}: expected a whole number ≥ 1`);
const json = flags.json;
const quick = flags.quick;
const peers = !flags['no-peers'];
const runs = (section: (typeof SECTIONS)[number]) => flags.only === undefined || flags.only === section;
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const log = (s: string) => { if (!json) console.log(s); else console.error(s); };
const THREADS = [1, 2];

/** Debian's OpenBLAS directories (pthread build first), whose libblas.so.3 is OpenBLAS. */
function findOpenBlas(): string | undefined {
  const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[process.arch as string];
  if (!multiarch) return undefined;
  for (const flavour of ['openblas-pthread', 'openblas-openmp', 'openblas-serial']) {
    const dir = join('/usr/lib', multiarch, flavour);
    if (existsSync(join(dir, 'libblas.so.3'))) return dir;
  }
  return undefined;
}
const OPENBLAS_DIR = findOpenBlas();
const GUARD = guardOf(process.env);
const OPENBLAS_HINT = 'OpenBLAS not found: PyTorch uses the system libblas.so.3 (Netlib reference BLAS makes it several times slower); install it with `apt-get install libopenblas0-pthread` for a fair anchor';

interface Sizes { samples: number; tfjsSamples: number; inference: number; tfjsInference: number }
const SIZES: Record<BenchWorkload, Sizes> = quick
  ? {
    dense: { samples: 4096, tfjsSamples: 1024, inference: 2000, tfjsInference: 1000 },
    conv: { samples: 512, tfjsSamples: 8, inference: 1000, tfjsInference: 200 },
    hinton: { samples: 2048, tfjsSamples: 256, inference: 2000, tfjsInference: 500 },
  }
  : {
    dense: { samples: 60000, tfjsSamples: 6000, inference: 10000, tfjsInference: 10000 },
    // TF.js trains the conv model on its cpu backend at under one sample per second.
    conv: { samples: 6000, tfjsSamples: 32, inference: 10000, tfjsInference: 2000 },
    hinton: { samples: 60000, tfjsSamples: 1024, inference: 10000, tfjsInference: 10000 },
  };
const INFERENCE_BATCH = 1000;
/** Timed inference passes per engine and setting; the median pass is reported. */
const INFERENCE_REPEATS = 5;
/** Timed training epochs (after an untimed one) for aekit and PyTorch; the median epoch is reported. */
const TIMED_EPOCHS = quick ? 1 : 3;
const PEER_MAX_SECONDS = quick ? 15 : 60;
/** Interleaved pairs of timed epochs (aekit, then PyTorch at its best setting), after one untimed aekit epoch. */
const PAIRS = quick ? 2 : 5;

const imageShape = (w: BenchWorkload) => (w === 'conv' ? 'image' : 'flat');

interface AekitRun { threads: number; samplesPerSec: number; samplesPerCpuSec: number; secondsPerEpoch: number; epochSeconds: number[]; samples: number; finalLoss?: number; trainer: Trainer }

async function aekitTrain(workload: BenchWorkload, threads: number, samples: number): Promise<AekitRun> {
  const data = mnist({ split: 'train', shape: imageShape(workload), limit: samples });
  const trainer = Trainer.create(withScoring(benchModel(workload)), { seed: 1, session: { threads } });
  // Like the peers' untimed warm-up pass, the first epoch (ONNX Runtime's first
  // runs plan memory and pick kernels) is not timed; of the TIMED_EPOCHS after
  // it, the median epoch is reported, as for PyTorch.
  // CPU time of the whole process (the training thread and ONNX Runtime's pool)
  // from one epoch's end to the next; the main thread only waits meanwhile.
  const epochs: { seconds: number; cpu: number }[] = [];
  let cpuAt: NodeJS.CpuUsage | undefined;
  const result = await trainer.fit(data, {
    epochs: 1 + TIMED_EPOCHS, batchSize: BENCH_BATCH[workload],
    onProgress: (e) => {
      if (e.type !== 'epoch') return;
      if (cpuAt) epochs.push({ seconds: e.seconds, cpu: cpuSeconds(cpuAt) });
      cpuAt = process.cpuUsage();
    },
  });
  const seconds = median(epochs.map((e) => e.seconds));
  const cpu = median(epochs.map((e) => e.cpu));
  return { threads, samples, secondsPerEpoch: seconds, epochSeconds: epochs.map((e) => e.seconds), samplesPerSec: samples / seconds, samplesPerCpuSec: samples / cpu, finalLoss: result.history.at(-1)?.loss, trainer };
}

interface Interleaved { aekitSamplesPerSec: number[]; pytorchSamplesPerSec: number[]; ratios: number[]; median: number; spread: [number, number]; cpuRatios: number[]; threads: number; pytorchSettings: Record<string, unknown> }

/**
 * aekit and PyTorch epochs alternately (bench/speed/interleave.ts): aekit's
 * `fit` runs 1 + PAIRS epochs and, at the end of each timed one, waits for
 * one epoch of the running PyTorch peer before going on.
 */
async function interleavedTraining(workload: BenchWorkload, threads: number, samples: number, peer: PeerEpochs): Promise<Interleaved> {
  const data = mnist({ split: 'train', shape: imageShape(workload), limit: samples });
  const trainer = Trainer.create(withScoring(benchModel(workload)), { seed: 1, session: { threads } });
  const ours: { rate: number; cpuRate: number }[] = [];
  const theirs: { rate: number; cpuRate: number }[] = [];
  let t0 = 0;
  let c0 = process.cpuUsage();
  await trainer.fit(data, {
    epochs: 1 + PAIRS, batchSize: BENCH_BATCH[workload],
    callbacks: [{
      onEpochBegin: () => {
        t0 = performance.now();
        c0 = process.cpuUsage();
      },
      onEpochEnd: async (epoch) => {
        const seconds = (performance.now() - t0) / 1000;
        const cpu = cpuSeconds(c0);
        if (epoch === 1) return;
        ours.push({ rate: samples / seconds, cpuRate: samples / cpu });
        const e = await peer.epoch();
        theirs.push({ rate: e.samplesPerSec, cpuRate: e.samplesPerCpuSec });
      },
    }],
  });
  const paired = pairedRatios(ours.map((o) => o.rate), theirs.map((t) => t.rate));
  const cpuRatios = pairedRatios(ours.map((o) => o.cpuRate), theirs.map((t) => t.cpuRate)).ratios;
  return { aekitSamplesPerSec: ours.map((o) => o.rate), pytorchSamplesPerSec: theirs.map((t) => t.rate), ...paired, cpuRatios, threads, pytorchSettings: peer.ready };
}

/**
 * Codes and errors of the test images through the public API: an untimed
 * `predict` call (session creation), then INFERENCE_REPEATS timed ones over all
 * the images, the median reported (as for the peers).
 */
async function aekitInference(trainer: Trainer, workload: BenchWorkload, count: number): Promise<{ samplesPerSec: number; samplesPerCpuSec: number; seconds: number; meanError: number }> {
  const test = mnist({ split: 'test', shape: imageShape(workload), limit: count });
  const size = test.x.length / count;
  await trainer.predict(test.x.subarray(0, INFERENCE_BATCH * size), { part: SCORING_PART, batchSize: INFERENCE_BATCH });
  const passes: { seconds: number; cpu: number }[] = [];
  let out: Awaited<ReturnType<Trainer['predict']>> = {};
  for (let r = 0; r < INFERENCE_REPEATS; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    out = await trainer.predict(test.x, { part: SCORING_PART, batchSize: INFERENCE_BATCH });
    passes.push({ seconds: (performance.now() - t0) / 1000, cpu: cpuSeconds(c0) });
  }
  const seconds = median(passes.map((p) => p.seconds));
  const cpu = median(passes.map((p) => p.cpu));
  const errors = out.errors!.data as Float32Array;
  return { samplesPerSec: count / seconds, samplesPerCpuSec: count / cpu, seconds, meanError: errors.reduce((a, b) => a + b, 0) / count };
}

/** Milliseconds from model construction to the end of `fit` on one batch (one step). */
async function aekitStartup(workload: BenchWorkload, worker: boolean): Promise<number> {
  const batch = BENCH_BATCH[workload];
  const data = mnist({ split: 'train', shape: imageShape(workload), limit: batch });
  const t0 = performance.now();
  const trainer = Trainer.create(benchModel(workload), { seed: 1, session: { threads: 1 } });
  await trainer.fit(data, { epochs: 1, batchSize: batch, worker });
  return performance.now() - t0;
}

const cpuSeconds = (start: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(start);
  return (c.user + c.system) / 1e6;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

function pythonPeer(script: string, argv: string[]): (s: PeerSetting) => ReturnType<typeof runPeerProcess> {
  return (s) => runPeerProcess(PYTHON, [script, ...argv, ...(script.endsWith('pytorch_bench.py') ? ['--threads', String(s.threads)] : [])], peerEnv(process.env, s, OPENBLAS_DIR));
}

function tfjs(workload: BenchWorkload, argv: string[]): PeerRun {
  const setting: PeerSetting = { threads: 1, capability: 'default', openblas: 'guarded' };
  return parsePeerOutput(setting, runPeerProcess(process.execPath, ['--import', 'tsx', 'bench/speed/tfjs-bench.ts', '--workload', workload, ...argv], process.env));
}

const loadStart = loadavg()[0]!;
log(`load average (1 min) at start: ${loadStart.toFixed(2)}${loadStart > 0.5 ? ' — the machine is busy; timings will be noisy' : ''}`);
const report: Record<string, unknown> = {};
/** Prints the training section's tables (set when it ran). */
let printTraining: (() => void) | undefined;

if (runs('training')) {
// ----- peak -----
  if (peers) log(OPENBLAS_DIR ? `PyTorch runs with LD_LIBRARY_PATH=${OPENBLAS_DIR} (OpenBLAS)` : OPENBLAS_HINT);
  if (peers && GUARD.length) log(`environment sets ${GUARD.join(' ')}: removed for the peer processes (OpenBLAS picks this CPU's kernels), kept for aekit`);

  const peakN = quick ? 1024 : 2048;
  const peakReps = quick ? 3 : 10;
  const peak: Record<string, unknown> = {};
  const mlas = [await mlasPeakGflops(1, peakN, peakReps), await mlasPeakGflops(2, peakN, peakReps)];
  peak.mlasGflops1Thread = mlas[0];
  peak.mlasGflops2Threads = mlas[1];
  let peakRun: PeerRun | undefined;
  if (peers) {
    log('peak: float32 matmul ...');
    peakRun = runWithFallback({ threads: 1, capability: 'avx512', openblas: 'detected' }, pythonPeer('bench/speed/peak_flops.py', ['--n', String(peakN), '--reps', String(peakReps)]), GUARD);
    if (peakRun.result) for (const [k, v] of Object.entries(peakRun.result)) if (/Gflops/.test(k) && !/^peak/.test(k)) peak[k] = v;
    peak.openblasCore = peakRun.result?.openblasCore ?? null;
    if (peakRun.error) peak.error = peakRun.error;
    if (peakRun.note) peak.note = peakRun.note;
  }
  const kernelRates = (threads: number) => Object.entries(peak).filter(([k, v]) => typeof v === 'number' && k.endsWith(threads === 1 ? 'Gflops1Thread' : 'Gflops2Threads')) as [string, number][];
  const peakOf = (threads: number) => Math.max(...kernelRates(threads).map(([, v]) => v));
  const peakKernel = (threads: number) => kernelRates(threads).reduce((a, b) => (b[1] > a[1] ? b : a))[0].replace(/Gflops.*/, '');
  const peakGflops = { 1: peakOf(1), 2: peakOf(2) } as Record<number, number>;
  log(`peak float32 matmul (${peakN}², best of ${peakReps}): ${peakGflops[1]!.toFixed(0)} GFLOP/s on 1 thread (${peakKernel(1)}), ${peakGflops[2]!.toFixed(0)} on 2 (${peakKernel(2)})${peak.openblasCore ? `; OpenBLAS core ${String(peak.openblasCore)}` : ''}${peak.note ? ` [${String(peak.note)}]` : ''}`);

  // ----- workloads -----
  const rate = (r: PeerRun | undefined, path = 'samplesPerSec') => (r ? numberAt(r, path) ?? null : null);
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? a / b : null);
  /** One-thread samples per CPU-second of aekit and each peer (`path` in the peer's JSON), and aekit's ratios to them. */
  const perCpuSecond = (ours: number, torch: PeerRun | undefined, tfjs: PeerRun | undefined, path: string) => ({
    aekitSamplesPerCpuSec: ours,
    pytorchSamplesPerCpuSec: rate(torch, path),
    tfjsSamplesPerCpuSec: rate(tfjs, path),
    vsPytorch: ratio(ours, rate(torch, path)),
    vsTfjs: ratio(ours, rate(tfjs, path)),
  });
  const inference: Record<string, Record<string, unknown>> = {};
  const startup: Record<string, Record<string, unknown>> = {};

  for (const workload of BENCH_WORKLOADS) {
    const sizes = SIZES[workload];
    log(`${workload}: aekit start-up ...`);
    const inline = [await aekitStartup(workload, false), await aekitStartup(workload, false), await aekitStartup(workload, false)];
    const worker = await aekitStartup(workload, true);
    log(`${workload}: aekit training ...`);
    const runs: AekitRun[] = [];
    for (const t of THREADS) runs.push(await aekitTrain(workload, t, sizes.samples));
    for (const r of runs) log(`  aekit ${r.threads} thread(s): ${r.samplesPerSec.toFixed(0)} samples/s`);
    const ours = runs.reduce((a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a));
    log(`${workload}: aekit inference ...`);
    const inferRuns = [];
    for (const r of runs) {
      inferRuns.push({ threads: r.threads, ...(await aekitInference(r.trainer, workload, sizes.inference)) });
      log(`  aekit ${r.threads} thread(s): inference ${inferRuns.at(-1)!.samplesPerSec.toFixed(0)}/s`);
    }
    const ourInference = inferRuns.reduce((a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a));

    let torchRuns: PeerRun[] = [];
    let tfjsTrain: PeerRun | undefined;
    let tfjsInfer: PeerRun | undefined;
    if (peers) {
      log(`${workload}: PyTorch ...`);
      const exec = pythonPeer('bench/speed/pytorch_bench.py', ['--workload', workload, '--samples', String(sizes.samples), '--inference-samples', String(sizes.inference), '--inference-batch', String(INFERENCE_BATCH), '--inference-repeats', String(INFERENCE_REPEATS), '--epochs', String(TIMED_EPOCHS), '--max-seconds', String(PEER_MAX_SECONDS)]);
      torchRuns = peerSettings(THREADS).map((s) => runWithFallback(s, exec, GUARD));
      for (const r of torchRuns) log(`  PyTorch ${describeRun(r)}; inference ${rate(r, 'inference.samplesPerSec')?.toFixed(0) ?? '-'}/s; start-up ${rate(r, 'startupMs')?.toFixed(0) ?? '-'} ms`);
      log(`${workload}: TensorFlow.js ...`);
      tfjsTrain = tfjs(workload, ['--samples', String(sizes.tfjsSamples), ...(quick ? ['--warmup', String(Math.min(sizes.tfjsSamples, 256))] : [])]);
      tfjsInfer = tfjs(workload, ['--inference', String(sizes.tfjsInference), '--inference-batch', String(INFERENCE_BATCH), '--inference-repeats', String(INFERENCE_REPEATS)]);
    }
    const torch = bestRun(torchRuns, 'samplesPerSec');
    // The headline ratio: aekit's best thread count against PyTorch's best setting, epochs interleaved.
    let interleaved: Interleaved | undefined;
    let interleaveError: string | undefined;
    if (torch?.result) {
      log(`${workload}: aekit and PyTorch interleaved, ${PAIRS} pairs of epochs ...`);
      let peer: PeerEpochs | undefined;
      try {
        const argv = ['bench/speed/pytorch_bench.py', '--workload', workload, '--samples', String(sizes.samples), '--max-seconds', String(PEER_MAX_SECONDS), '--threads', String(torch.setting.threads)];
        peer = await PeerEpochs.start(PYTHON, argv, peerEnv(process.env, torch.setting, OPENBLAS_DIR));
        interleaved = await interleavedTraining(workload, ours.threads, sizes.samples, peer);
        log(`  pair ratios ${interleaved.ratios.map((r) => r.toFixed(2)).join(', ')}: median ${interleaved.median.toFixed(2)}`);
      } catch (e) {
        interleaveError = (e as Error).message;
        log(`  interleaved measurement failed: ${interleaveError}`);
      } finally {
        await peer?.close();
      }
    }

    // One-thread CPU-time rates: the comparison a busy machine disturbs least.
    const ourCpu = runs.find((r) => r.threads === 1)!;
    const torchCpu = bestRun(torchRuns.filter((r) => r.setting.threads === 1), 'samplesPerCpuSec');
    const torchInferCpu = bestRun(torchRuns.filter((r) => r.setting.threads === 1), 'inference.samplesPerCpuSec');
    const ourInferCpu = inferRuns.find((r) => r.threads === 1)!;
    const torchInfer = bestRun(torchRuns, 'inference.samplesPerSec');
    const torchStartup = bestRun(torchRuns, 'startupMs', true);
    const gflops = (ours.samplesPerSec * TRAIN_FLOPS_PER_SAMPLE[workload]) / 1e9;
    const errors = [...torchRuns, tfjsTrain, tfjsInfer].filter((r): r is PeerRun => Boolean(r?.error)).map((r) => `${r === tfjsTrain || r === tfjsInfer ? 'TF.js' : `PyTorch (${r.setting.threads} thread(s), ${r.setting.capability})`}: ${r.error}`);
    if (!peers) errors.push('peers skipped (--no-peers)');
    report[workload] = {
      aekitSamplesPerSec: ours.samplesPerSec,
      pytorchSamplesPerSec: rate(torch),
      tfjsSamplesPerSec: rate(tfjsTrain),
      vsPytorch: interleaved?.median ?? ratio(ours.samplesPerSec, rate(torch)),
      vsPytorchSpread: interleaved?.spread ?? null,
      vsPytorchGrid: ratio(ours.samplesPerSec, rate(torch)),
      interleaved: interleaved ?? (interleaveError ? { error: interleaveError } : null),
      vsTfjs: ratio(ours.samplesPerSec, rate(tfjsTrain)),
      gflops,
      peakGflops: peakGflops[ours.threads] ?? null,
      peakFraction: ratio(gflops, peakGflops[ours.threads]),
      aekitThreads: ours.threads,
      aekitRuns: runs.map((r) => ({ threads: r.threads, samplesPerSec: r.samplesPerSec, samplesPerCpuSec: r.samplesPerCpuSec, epochSeconds: r.epochSeconds, finalLoss: r.finalLoss ?? null })),
      cpu1Thread: { ...perCpuSecond(ourCpu.samplesPerCpuSec, torchCpu, tfjsTrain, 'samplesPerCpuSec'), pytorchSettings: torchCpu ? settingsOf(torchCpu) : null },
      pytorchThreads: torch?.setting.threads ?? null,
      pytorchBlas: (torch?.result?.blas as string | undefined) ?? null,
      pytorchSettings: torch ? settingsOf(torch) : null,
      pytorchRuns: torchRuns.map((r) => ({
        ...settingsOf(r), samplesPerSec: rate(r), samplesPerCpuSec: rate(r, 'samplesPerCpuSec'), samples: rate(r, 'samples'), epochSeconds: (r.result?.epochSeconds as number[] | undefined) ?? null,
        inferenceSamplesPerSec: rate(r, 'inference.samplesPerSec'), startupMs: rate(r, 'startupMs'), ...(r.error ? { error: r.error } : {}),
      })),
      tfjsSettings: tfjsTrain?.result ? { engine: tfjsTrain.result.engine ?? null, threads: 1 } : null,
      samples: { aekit: ours.samples, pytorch: (torch?.result?.samples as number | undefined) ?? null, tfjs: (tfjsTrain?.result?.samples as number | undefined) ?? null },
      batchSize: BENCH_BATCH[workload],
      errors,
    };
    inference[workload] = {
      samplesPerSec: ourInference.samplesPerSec,
      aekitThreads: ourInference.threads,
      pytorchSamplesPerSec: rate(torchInfer, 'inference.samplesPerSec'),
      tfjsSamplesPerSec: rate(tfjsInfer, 'inference.samplesPerSec'),
      vsPytorch: ratio(ourInference.samplesPerSec, rate(torchInfer, 'inference.samplesPerSec')),
      vsTfjs: ratio(ourInference.samplesPerSec, rate(tfjsInfer, 'inference.samplesPerSec')),
      gflops: (ourInference.samplesPerSec * FORWARD_FLOPS_PER_SAMPLE[workload]) / 1e9,
      samples: { aekit: sizes.inference, pytorch: rate(torchInfer, 'inference.samples'), tfjs: rate(tfjsInfer, 'inference.samples') },
      batchSize: INFERENCE_BATCH,
      meanError: { aekit: ourInference.meanError, pytorch: rate(torchInfer, 'inference.meanError') },
      pytorchSettings: torchInfer ? settingsOf(torchInfer) : null,
      tfjsSettings: tfjsInfer?.result ? { engine: tfjsInfer.result.engine ?? null, threads: 1 } : null,
      cpu1Thread: perCpuSecond(ourInferCpu.samplesPerCpuSec, torchInferCpu, tfjsInfer, 'inference.samplesPerCpuSec'),
    };
    startup[workload] = {
      aekitMs: median(inline),
      aekitRunsMs: inline,
      aekitWorkerMs: worker,
      pytorchMs: rate(torchStartup, 'startupMs'),
      pytorchSettings: torchStartup ? settingsOf(torchStartup) : null,
    };
  }
  const loadEnd = loadavg()[0]!;
  report.peakGflops = peakGflops[1];
  report.peakGflops2Threads = peakGflops[2];
  report.peak = { ...peak, kernel1Thread: peakKernel(1), kernel2Threads: peakKernel(2), n: peakN, reps: peakReps, settings: peakRun ? settingsOf(peakRun) : null };
  report.inference = inference;
  report.startup = startup;
  report.machine = { loadAverageStart: loadStart, loadAverageEnd: loadEnd, openblasGuard: GUARD, openblasDir: OPENBLAS_DIR ?? null, quick };
  report.ceilings = ceilingsOf(report);
  printTraining = () => {
    const fmt = (v: number | null | undefined, digits = 0) => (v === null || v === undefined ? '-' : v.toFixed(digits));
    console.log('\nTraining (one epoch after warm-up)');
    console.log('workload  engine         threads  samples  s/epoch(60k)  samples/s   aekit ×');
    for (const w of BENCH_WORKLOADS) {
      const r = report[w] as Record<string, unknown>;
      const s = r.samples as Record<string, number | null>;
      const ourRate = r.aekitSamplesPerSec as number;
      const row = (name: string, v: number | null, threads: unknown, samples: unknown) =>
        console.log(`${w.padEnd(9)} ${name.padEnd(14)} ${String(threads ?? '-').padEnd(8)} ${String(samples ?? '-').padEnd(8)} ${v ? (60000 / v).toFixed(2).padStart(12) : '           -'}  ${v ? v.toFixed(0).padStart(9) : '        -'}   ${v ? (ourRate / v).toFixed(2) : '-'}`);
      row('aekit', ourRate, r.aekitThreads, s.aekit);
      row('PyTorch', r.pytorchSamplesPerSec as number | null, r.pytorchThreads, s.pytorch);
      row('TensorFlow.js', r.tfjsSamplesPerSec as number | null, 1, s.tfjs);
      console.log(`${''.padEnd(9)} aekit: ${(r.gflops as number).toFixed(1)} GFLOP/s = ${fmt(100 * ((r.peakFraction as number | null) ?? NaN))}% of the ${fmt(r.peakGflops as number)} GFLOP/s peak at ${String(r.aekitThreads)} thread(s)`);
      const il = r.interleaved as (Interleaved & { error?: string }) | null;
      if (il?.ratios) console.log(`${''.padEnd(9)} interleaved (aekit ${il.threads} thread(s), PyTorch's best setting; ${il.ratios.length} pairs): aekit × ${fmt(il.median, 2)} PyTorch, pairs ${il.ratios.map((v) => v.toFixed(2)).join(', ')}; per CPU-second ${il.cpuRatios.map((v) => v.toFixed(2)).join(', ')}`);
      else if (il?.error) console.log(`${''.padEnd(9)} interleaved measurement failed: ${il.error}`);
      const c = r.cpu1Thread as Record<string, number | null>;
      console.log(`${''.padEnd(9)} per CPU-second, 1 thread: aekit ${fmt(c.aekitSamplesPerCpuSec)}, PyTorch ${fmt(c.pytorchSamplesPerCpuSec)}, TF.js ${fmt(c.tfjsSamplesPerCpuSec, 1)} samples: aekit × ${fmt(c.vsPytorch, 2)} PyTorch, × ${fmt(c.vsTfjs, 1)} TF.js`);
      const ps = r.pytorchSettings as Record<string, unknown> | null;
      if (ps) console.log(`${''.padEnd(9)} PyTorch best: ${String(ps.threads)} thread(s), capability ${String(ps.capabilityUsed)}, OpenBLAS ${String(ps.openblasCore ?? '-')} (${String(ps.openblas)})${ps.note ? `; ${String(ps.note)}` : ''}`);
      for (const e of r.errors as string[]) console.log(`          note: ${e}`);
    }
    console.log('\nInference: codes + per-sample errors of MNIST test images, batch 1000 (samples/s)');
    console.log('workload  aekit [thr]         PyTorch [thr, capability]   TF.js       aekit/PyTorch  aekit/TF.js');
    for (const w of BENCH_WORKLOADS) {
      const r = inference[w]!;
      const ps = r.pytorchSettings as Record<string, unknown> | null;
      console.log(`${w.padEnd(9)} ${`${fmt(r.samplesPerSec as number)} [${String(r.aekitThreads)}]`.padEnd(19)} ${`${fmt(r.pytorchSamplesPerSec as number | null)}${ps ? ` [${String(ps.threads)}, ${String(ps.capabilityUsed)}]` : ''}`.padEnd(27)} ${fmt(r.tfjsSamplesPerSec as number | null).padEnd(11)} ${fmt(r.vsPytorch as number | null, 2).padEnd(14)} ${fmt(r.vsTfjs as number | null, 1)}`);
      const c = r.cpu1Thread as Record<string, number | null>;
      console.log(`${''.padEnd(9)} per CPU-second, 1 thread: aekit ${fmt(c.aekitSamplesPerCpuSec)}, PyTorch ${fmt(c.pytorchSamplesPerCpuSec)}, TF.js ${fmt(c.tfjsSamplesPerCpuSec)}: aekit × ${fmt(c.vsPytorch, 2)} PyTorch, × ${fmt(c.vsTfjs, 1)} TF.js`);
    }
    console.log('\nStart-up: model construction to the end of the first training step (ms)');
    console.log('workload  aekit (in-process, median of 3)  aekit (worker thread)  PyTorch (best setting)');
    for (const w of BENCH_WORKLOADS) {
      const r = startup[w]!;
      console.log(`${w.padEnd(9)} ${fmt(r.aekitMs as number).padEnd(32)} ${fmt(r.aekitWorkerMs as number).padEnd(22)} ${fmt(r.pytorchMs as number | null)}`);
    }
    console.log(`\npeak float32 matmul: ${fmt(peakGflops[1])} GFLOP/s (1 thread, ${peakKernel(1)}), ${fmt(peakGflops[2])} (2 threads, ${peakKernel(2)}); OpenBLAS core ${String(peak.openblasCore ?? '-')}`);
    if (peers && !OPENBLAS_DIR) console.log(`note: ${OPENBLAS_HINT}`);
    console.log(`load average (1 min): ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at end`);
    console.log('\nCeilings: the highest ratio any engine could show here (unavoidable products at the peak ÷ the peer\'s rate); measured / ceiling');
    const ceil = (a: number | null | undefined, b: number | null | undefined) => `${fmt(a, 2)} / ${fmt(b, 2)}`;
    for (const [w, c] of Object.entries(report.ceilings as Record<string, Record<string, number | null>>)) {
      console.log(`${w.padEnd(9)} training ×PyTorch ${ceil(c.trainingVsPytorch, c.trainingCeilingVsPytorch)}, ×TF.js ${ceil(c.trainingVsTfjs, c.trainingCeilingVsTfjs)}; inference ×PyTorch ${ceil(c.inferenceVsPytorch, c.inferenceCeilingVsPytorch)}, ×TF.js ${ceil(c.inferenceVsTfjs, c.inferenceCeilingVsTfjs)}`);
    }
    console.log('Goals: training ≥ 1.5× PyTorch (dense, conv, hinton), inference ≥ 2× PyTorch, ≥ 20× TF.js throughout; dense and hinton ≥ 50% of the peak.');
  };
}

// ----- cli -----
// The Transformer workload (issue 27): its own section, so that it can be measured alone.
if (runs('transformer')) report.transformer = await transformerWorkload({ quick, peers, log, python: PYTHON, openblasDir: OPENBLAS_DIR, guard: GUARD });

if (runs('cli')) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const entry = flags['cli-entry'] ?? (await compiledCli(root, log));
  report.cli = cliLatency(entry, cliRounds ?? (quick ? 1 : 3), log);
}
report.machine = { ...(report.machine as object | undefined), loadAverageStart: loadStart, loadAverageEnd: loadavg()[0]!, quick };

if (json) {
  console.log(JSON.stringify(report));
} else {
  printTraining?.();
  const cli = report.cli as CliReport | undefined;
  if (cli) {
    console.log(`\nCommand latency: wall clock from process start to exit, median of ${cli.rounds} round(s) (ms); the saved run: ${cli.run}`);
    for (const c of CLI_COMMANDS) console.log(`${c.padEnd(10)} ${cli[`${c}Ms`].toFixed(0).padStart(7)}   [${cli.runsMs[c].map((v) => v.toFixed(0)).join(', ')}]`);
    console.log('Goals: encode1 and detect1 under 500 ms, eval10k under 3,000 ms.');
  }
}
