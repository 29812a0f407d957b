/**
 * Speed benchmark (issue #3): aekit against PyTorch (CPU), TensorFlow.js and
 * the machine's float32 matmul peak, on the same MNIST data and batch sizes,
 * in one run. `npm run bench -- [--json] [--quick] [--no-peers]`
 *
 * PyTorch comes from Debian (`apt-get install python3-torch`, run through
 * /usr/bin/python3); each peer and aekit get their best of 1 and 2 threads,
 * and the thread counts are reported. Every engine's timed epoch follows an
 * untimed warm-up (PyTorch and TF.js: a pass over 2,048 samples; aekit: a
 * first epoch in the same session).
 *
 * BLAS: Debian's torch calls whatever libblas.so.3 the dynamic loader finds.
 * Netlib's reference BLAS (package libblas3) is several times slower than a
 * tuned one and would make PyTorch look slow, so when OpenBLAS is installed
 * (`apt-get install libopenblas0-pthread`) the PyTorch runs get
 * LD_LIBRARY_PATH=<its openblas-pthread dir>, which makes libblas.so.3 resolve
 * to OpenBLAS whatever the system's alternatives say. The table names the
 * library PyTorch actually mapped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { convBenchModel, denseBenchModel, TRAIN_FLOPS_PER_SAMPLE } from '../src/bench/workloads.js';
import { mnist } from '../src/data/datasets.js';
import { Trainer } from '../src/train/trainer.js';

type Workload = 'dense' | 'conv';
interface Measured { samplesPerSec: number; threads: number; samples: number; secondsPerEpoch: number; finalLoss?: number; blas?: string }

const args = new Set(process.argv.slice(2));
const json = args.has('--json');
const quick = args.has('--quick');
const peers = !args.has('--no-peers');
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const log = (s: string) => { if (!json) console.log(s); else console.error(s); };

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
const PEER_ENV: NodeJS.ProcessEnv = OPENBLAS_DIR
  ? { ...process.env, LD_LIBRARY_PATH: [OPENBLAS_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') }
  : process.env;
const OPENBLAS_HINT = 'OpenBLAS not found: PyTorch uses the system libblas.so.3 (Netlib reference BLAS makes it several times slower); install it with `apt-get install libopenblas0-pthread` for a fair anchor';

const SETTINGS: Record<Workload, { batch: number; samples: number; tfjsSamples: number }> = {
  dense: { batch: 256, samples: quick ? 8192 : 60000, tfjsSamples: quick ? 2048 : 6000 },
  conv: { batch: 128, samples: quick ? 1024 : 6000, tfjsSamples: quick ? 16 : 32 }, // TF.js cpu backend: under 1 sample/s
};

async function aekit(workload: Workload, threads: number, samples: number): Promise<Measured> {
  const data = mnist({ split: 'train', shape: workload === 'dense' ? 'flat' : 'image', limit: samples });
  const model = workload === 'dense' ? denseBenchModel() : convBenchModel();
  const trainer = Trainer.create(model, { seed: 1, session: { threads } });
  // Like the peers' untimed warm-up pass, the first epoch (ONNX Runtime's first
  // runs plan memory and pick kernels) is not timed: the second one is.
  let seconds = NaN;
  const result = await trainer.fit(data, { epochs: 2, batchSize: SETTINGS[workload].batch, onProgress: (e) => { if (e.type === 'epoch') seconds = e.seconds; } });
  return { samplesPerSec: samples / seconds, threads, samples, secondsPerEpoch: seconds, finalLoss: result.history.at(-1)?.loss };
}

function runPeer(cmd: string, argv: string[]): Measured | { error: string } {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 10 * 60_000, env: PEER_ENV });
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (r.status !== 0 || !line) return { error: (r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-3).join(' ') };
  const j = JSON.parse(line) as Measured;
  return j;
}

function best(results: (Measured | { error: string })[]): Measured | { error: string } {
  const ok = results.filter((r): r is Measured => 'samplesPerSec' in r);
  return ok.length ? ok.reduce((a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a)) : results[0]!;
}

if (peers) log(OPENBLAS_DIR ? `PyTorch runs with LD_LIBRARY_PATH=${OPENBLAS_DIR} (OpenBLAS)` : OPENBLAS_HINT);
const peak = peers ? runPeer(PYTHON, ['scripts/bench/peak_flops.py']) as unknown as { peakGflops1Thread?: number; peakGflops2Threads?: number; error?: string } : {};
const report: Record<string, Record<string, unknown>> = {};
for (const workload of ['dense', 'conv'] as Workload[]) {
  const { samples, tfjsSamples } = SETTINGS[workload];
  log(`${workload}: aekit ...`);
  const ours = best([await aekit(workload, 1, samples), await aekit(workload, 2, samples)]) as Measured;
  let torch: Measured | { error: string } = { error: 'skipped (--no-peers)' };
  let tfjs: Measured | { error: string } = { error: 'skipped (--no-peers)' };
  if (peers) {
    log(`${workload}: PyTorch ...`);
    const torchRuns = [1, 2].map((t) => runPeer(PYTHON, ['scripts/bench/pytorch_bench.py', '--workload', workload, '--threads', String(t), '--samples', String(samples)]));
    for (const r of torchRuns) log(`  PyTorch ${'threads' in r ? `${r.threads} thread(s): ${r.samplesPerSec.toFixed(0)} samples/s` : r.error}`);
    torch = best(torchRuns);
    log(`${workload}: TensorFlow.js ...`);
    tfjs = runPeer(process.execPath, ['--import', 'tsx', 'scripts/bench/tfjs-bench.ts', '--workload', workload, '--samples', String(tfjsSamples)]);
  }
  const gflops = (ours.samplesPerSec * TRAIN_FLOPS_PER_SAMPLE[workload]) / 1e9;
  const peakGflops = ours.threads === 1 ? peak.peakGflops1Thread : peak.peakGflops2Threads;
  const rate = (r: Measured | { error: string }) => ('samplesPerSec' in r ? r.samplesPerSec : null);
  report[workload] = {
    aekitSamplesPerSec: ours.samplesPerSec,
    pytorchSamplesPerSec: rate(torch),
    tfjsSamplesPerSec: rate(tfjs),
    vsPytorch: rate(torch) ? ours.samplesPerSec / rate(torch)! : null,
    vsTfjs: rate(tfjs) ? ours.samplesPerSec / rate(tfjs)! : null,
    gflops,
    peakGflops: peakGflops ?? null,
    aekitThreads: ours.threads,
    pytorchThreads: 'threads' in torch ? torch.threads : null,
    pytorchBlas: 'blas' in torch ? torch.blas ?? null : null,
    samples: { aekit: ours.samples, pytorch: 'samples' in torch ? torch.samples : null, tfjs: 'samples' in tfjs ? tfjs.samples : null },
    batchSize: SETTINGS[workload].batch,
    errors: [torch, tfjs].filter((r): r is { error: string } => 'error' in r).map((r) => r.error),
  };
}

if (!json) {
  console.log('\nworkload  engine         threads  samples  s/epoch(60k)  samples/s   aekit ×');
  for (const [w, r] of Object.entries(report)) {
    const row = (name: string, rate: number | null, threads: unknown, samples: unknown) =>
      console.log(`${w.padEnd(9)} ${name.padEnd(14)} ${String(threads ?? '-').padEnd(8)} ${String(samples ?? '-').padEnd(8)} ${rate ? (60000 / rate).toFixed(2).padStart(12) : '           -'}  ${rate ? rate.toFixed(0).padStart(9) : '        -'}   ${rate ? ((r.aekitSamplesPerSec as number) / rate).toFixed(2) : '-'}`);
    const s = r.samples as Record<string, number | null>;
    row('aekit', r.aekitSamplesPerSec as number, r.aekitThreads, s.aekit);
    row('PyTorch', r.pytorchSamplesPerSec as number | null, r.pytorchThreads, s.pytorch);
    row('TensorFlow.js', r.tfjsSamplesPerSec as number | null, 1, s.tfjs);
    const peakG = r.peakGflops as number | null;
    console.log(`${''.padEnd(9)} aekit achieves ${(r.gflops as number).toFixed(1)} GFLOP/s${peakG ? ` = ${((100 * (r.gflops as number)) / peakG).toFixed(0)}% of the measured ${peakG.toFixed(0)} GFLOP/s matmul peak` : ''}`);
    if (r.pytorchBlas) console.log(`${''.padEnd(9)} PyTorch BLAS: ${String(r.pytorchBlas)}${/openblas/i.test(String(r.pytorchBlas)) ? ' (OpenBLAS)' : ''}`);
    for (const e of r.errors as string[]) console.log(`          note: ${e}`);
  }
  if (peers && !OPENBLAS_DIR) console.log(`note: ${OPENBLAS_HINT}`);
  console.log('Targets: dense ≥ 1.5× PyTorch, conv ≥ 1.0× PyTorch, both ≥ 20× TensorFlow.js.');
}
if (json) console.log(JSON.stringify(report));
