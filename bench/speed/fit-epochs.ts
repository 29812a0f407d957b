/**
 * Seconds per epoch of the benchmark workloads through `Trainer.fit` (the
 * whole loop: shuffling, batching, the worker thread), for A/B checks of the
 * training loop itself; `npm run bench` compares with the peers.
 *
 *   node --import tsx bench/speed/fit-epochs.ts dense --threads 1 --epochs 3 [--inline] [--no-shuffle] [--steps-per-execution 1|N|auto] [--optimization extended|all] [--no-nchwc]
 *
 * The first epoch includes ONNX Runtime's warm-up; compare the later ones.
 */
import { parseArgs } from 'node:util';
import { BENCH_BATCH, BENCH_WORKLOADS, type BenchWorkload, benchModel } from '../lib/workloads.js';
import { mnist } from '../../src/data/datasets.js';
import { DEFAULT_OPTIMIZATION, type SessionOptions } from '../../src/onnx/runtime.js';
import { Trainer } from '../../src/train/trainer.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '1' },
    epochs: { type: 'string', default: '3' },
    samples: { type: 'string' },
    inline: { type: 'boolean', default: false },
    'no-shuffle': { type: 'boolean', default: false },
    'steps-per-execution': { type: 'string', default: 'auto' },
    optimization: { type: 'string', default: DEFAULT_OPTIMIZATION },
    'no-nchwc': { type: 'boolean', default: false },
  },
});
const workload = (positionals[0] ?? 'dense') as BenchWorkload;
if (!BENCH_WORKLOADS.includes(workload)) throw new Error(`workload must be one of ${BENCH_WORKLOADS.join(', ')}, got ${workload}`);
const samples = Number(values.samples ?? (workload === 'conv' ? 6000 : 60000));
const data = mnist({ split: 'train', shape: workload === 'conv' ? 'image' : 'flat', limit: samples });
const perCall = values['steps-per-execution'] === 'auto' ? 'auto' : Number(values['steps-per-execution']);
const trainer = Trainer.create(benchModel(workload), { seed: 1, session: { threads: Number(values.threads), optimization: values.optimization as SessionOptions['optimization'], nchwc: !values['no-nchwc'] }, stepsPerExecution: perCall });
const seconds: number[] = [];
await trainer.fit(data, {
  epochs: Number(values.epochs), batchSize: BENCH_BATCH[workload], worker: !values.inline, shuffle: !values['no-shuffle'],
  onProgress: (e) => { if (e.type === 'epoch') seconds.push(e.seconds); },
});
console.log(`${workload}, ${values.threads} thread(s), optimization ${values.optimization}, ${values.inline ? 'inline' : 'worker'}, ${values['no-shuffle'] ? 'in order' : 'shuffled'}${values['no-nchwc'] ? ', plain convolutions' : ''}: ${seconds.map((s) => `${s.toFixed(3)} s (${(samples / s).toFixed(0)}/s)`).join(', ')}`);
