/**
 * Seconds per epoch of the benchmark workloads through `Trainer.fit` (the
 * whole loop: shuffling, batching, the worker thread), for A/B checks of the
 * training loop itself; `npm run bench` compares with the peers.
 *
 *   node --import tsx scripts/bench/fit-epochs.ts dense --threads 1 --epochs 3 [--inline] [--no-shuffle]
 *
 * The first epoch includes ONNX Runtime's warm-up; compare the later ones.
 */
import { parseArgs } from 'node:util';
import { convBenchModel, denseBenchModel } from '../../src/bench/workloads.js';
import { mnist } from '../../src/data/datasets.js';
import { Trainer } from '../../src/train/trainer.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '1' },
    epochs: { type: 'string', default: '3' },
    samples: { type: 'string' },
    inline: { type: 'boolean', default: false },
    'no-shuffle': { type: 'boolean', default: false },
  },
});
const workload = positionals[0] ?? 'dense';
if (workload !== 'dense' && workload !== 'conv') throw new Error(`workload must be dense or conv, got ${workload}`);
const samples = Number(values.samples ?? (workload === 'dense' ? 60000 : 6000));
const data = mnist({ split: 'train', shape: workload === 'dense' ? 'flat' : 'image', limit: samples });
const trainer = Trainer.create(workload === 'dense' ? denseBenchModel() : convBenchModel(), { seed: 1, session: { threads: Number(values.threads) } });
const seconds: number[] = [];
await trainer.fit(data, {
  epochs: Number(values.epochs), batchSize: workload === 'dense' ? 256 : 128, worker: !values.inline, shuffle: !values['no-shuffle'],
  onProgress: (e) => { if (e.type === 'epoch') seconds.push(e.seconds); },
});
console.log(`${workload}, ${values.threads} thread(s), ${values.inline ? 'inline' : 'worker'}, ${values['no-shuffle'] ? 'in order' : 'shuffled'}: ${seconds.map((s) => `${s.toFixed(3)} s (${(samples / s).toFixed(0)}/s)`).join(', ')}`);
