/**
 * The Transformer workload of `npm run bench` (issue 27's speed goal:
 * training within 1.5× of PyTorch's time for the same model and batch).
 *
 * Model: aekit's TransformerAutoencoder with the `transformer` preset's sizes
 * (src/models/transformer.ts TRANSFORMER_PRESET) on MNIST images read as 28
 * row tokens: width 64, 4 heads, MLP 128, 2 encoder and 2 decoder blocks,
 * attention pooling to a code of 32, 4 memory tokens, sigmoid output, MSE,
 * Adam 1e-3, batch 128. Its PyTorch peer, bench/speed/transformer_bench.py,
 * writes out the same model and prints its parameter count, which must equal
 * aekit's (the report says so when it does not).
 *
 * Training samples/s of the median of the timed epochs after an untimed one,
 * aekit at 1 and 2 intra-op threads, PyTorch in every setting of
 * `peerSettings` (with the OpenBLAS fallback of peers.ts); the best of each,
 * and the one-thread samples per CPU-second (the steadier number on a shared
 * machine).
 */
import { mnist } from '../../src/data/datasets.js';
import { TRANSFORMER_PRESET, TransformerAutoencoder } from '../../src/models/transformer.js';
import { Adam } from '../../src/optim/optimizers.js';
import { type PeerRun, type PeerSetting, bestRun, describeRun, numberAt, peerEnv, peerSettings, runPeerProcess, runWithFallback, settingsOf } from './peers.js';

/** Batch of the workload (as the peer's BATCH). */
export const TRANSFORMER_BATCH = 128;

/** The workload's model (the peer writes out the same one). */
export function transformerBenchModel(): TransformerAutoencoder {
  return new TransformerAutoencoder({ inputShape: [1, 28, 28], ...TRANSFORMER_PRESET, latentDim: 32, memoryTokens: 4, pooling: 'attention', loss: 'mse', outputActivation: 'sigmoid' });
}

export interface TransformerWorkloadOptions {
  quick: boolean;
  peers: boolean;
  log: (line: string) => void;
  /** The Python interpreter with PyTorch. */
  python: string;
  /** OpenBLAS directory put first on the peer's LD_LIBRARY_PATH, when found. */
  openblasDir?: string;
  /** The environment's OpenBLAS guard variables (for the fallback). */
  guard: string[];
  threads?: readonly number[];
}

interface AekitRun { threads: number; samplesPerSec: number; samplesPerCpuSec: number; epochSeconds: number[]; finalLoss: number | null; parameters: number }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function aekitRun(threads: number, samples: number, timedEpochs: number): Promise<AekitRun> {
  const data = mnist({ split: 'train', shape: 'image', limit: samples });
  const model = transformerBenchModel();
  model.compile({ seed: 1, optimizer: new Adam({ learningRate: 1e-3 }), session: { threads } });
  const epochs: { seconds: number; cpu: number }[] = [];
  let cpuAt: NodeJS.CpuUsage | undefined;
  const fit = await model.fit(data, {
    epochs: 1 + timedEpochs, batchSize: TRANSFORMER_BATCH, worker: false,
    onProgress: (e) => {
      if (e.type !== 'epoch') return;
      if (cpuAt) {
        const c = process.cpuUsage(cpuAt);
        epochs.push({ seconds: e.seconds, cpu: (c.user + c.system) / 1e6 });
      }
      cpuAt = process.cpuUsage();
    },
  });
  return {
    threads, samplesPerSec: samples / median(epochs.map((e) => e.seconds)), samplesPerCpuSec: samples / median(epochs.map((e) => e.cpu)),
    epochSeconds: epochs.map((e) => e.seconds), finalLoss: fit.history.at(-1)?.loss ?? null, parameters: model.countParams(),
  };
}

/** Runs the workload; returns the report's `transformer` entry. */
export async function transformerWorkload(o: TransformerWorkloadOptions): Promise<Record<string, unknown>> {
  const samples = o.quick ? 512 : 6000;
  const timedEpochs = o.quick ? 1 : 3;
  const threads = o.threads ?? [1, 2];
  o.log('transformer: aekit training ...');
  const runs: AekitRun[] = [];
  for (const t of threads) {
    runs.push(await aekitRun(t, samples, timedEpochs));
    o.log(`  aekit ${t} thread(s): ${runs.at(-1)!.samplesPerSec.toFixed(0)} samples/s`);
  }
  const ours = runs.reduce((a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a));
  const errors: string[] = [];
  let torchRuns: PeerRun[] = [];
  if (o.peers) {
    o.log('transformer: PyTorch ...');
    const exec = (s: PeerSetting) => runPeerProcess(o.python, ['bench/speed/transformer_bench.py', '--samples', String(samples), '--epochs', String(timedEpochs), '--threads', String(s.threads)], peerEnv(process.env, s, o.openblasDir));
    torchRuns = peerSettings(threads).map((s) => runWithFallback(s, exec, o.guard));
    for (const r of torchRuns) o.log(`  PyTorch ${describeRun(r)}`);
    errors.push(...torchRuns.filter((r) => r.error).map((r) => `PyTorch (${r.setting.threads} thread(s), ${r.setting.capability}): ${r.error}`));
  } else {
    errors.push('peers skipped (--no-peers)');
  }
  const torch = bestRun(torchRuns, 'samplesPerSec');
  const torchCpu = bestRun(torchRuns.filter((r) => r.setting.threads === 1), 'samplesPerCpuSec');
  const torchParams = torch ? numberAt(torch, 'parameters') : undefined;
  if (torchParams !== undefined && torchParams !== ours.parameters) errors.push(`the peer's model has ${torchParams} parameters, aekit's ${ours.parameters}: not the same model`);
  const torchRate = torch ? numberAt(torch, 'samplesPerSec') ?? null : null;
  const ourCpu = runs.find((r) => r.threads === 1) ?? ours;
  const torchCpuRate = torchCpu ? numberAt(torchCpu, 'samplesPerCpuSec') ?? null : null;
  const vsPytorch = torchRate ? ours.samplesPerSec / torchRate : null;
  const entry = {
    aekitSamplesPerSec: ours.samplesPerSec,
    pytorchSamplesPerSec: torchRate,
    vsPytorch,
    /** The goal: PyTorch's rate at most 1.5 × aekit's (aekit's training time within 1.5× of PyTorch's). */
    goalMet: vsPytorch === null ? null : vsPytorch >= 1 / 1.5,
    aekitThreads: ours.threads,
    aekitRuns: runs,
    cpu1Thread: { aekitSamplesPerCpuSec: ourCpu.samplesPerCpuSec, pytorchSamplesPerCpuSec: torchCpuRate, vsPytorch: torchCpuRate ? ourCpu.samplesPerCpuSec / torchCpuRate : null },
    pytorchSettings: torch ? settingsOf(torch) : null,
    pytorchRuns: torchRuns.map((r) => ({ ...settingsOf(r), samplesPerSec: numberAt(r, 'samplesPerSec') ?? null, samplesPerCpuSec: numberAt(r, 'samplesPerCpuSec') ?? null, finalLoss: numberAt(r, 'finalLoss') ?? null, ...(r.error ? { error: r.error } : {}) })),
    parameters: { aekit: ours.parameters, pytorch: torchParams ?? null },
    samples, batchSize: TRANSFORMER_BATCH, timedEpochs,
    model: 'TransformerAutoencoder, MNIST as 28 row tokens: width 64, 4 heads, MLP 128, 2 + 2 blocks, attention pooling, code 32, 4 memory tokens; sigmoid, MSE, Adam 1e-3',
    errors,
  };
  const f = (v: number | null, d = 0) => (v === null ? '-' : v.toFixed(d));
  o.log(`transformer: aekit ${f(ours.samplesPerSec)} samples/s [${ours.threads} thread(s)], PyTorch ${f(torchRate)}; aekit × ${f(vsPytorch, 2)} PyTorch (goal ≥ 0.67); 1 thread per CPU-second × ${f(entry.cpu1Thread.vsPytorch, 2)}${errors.length ? `; notes: ${errors.join('; ')}` : ''}`);
  return entry;
}
