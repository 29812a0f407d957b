/**
 * The bench's start-up measure (model construction to the end of `fit` on one
 * batch, 1 thread, in-process), repeated in one new process: the first
 * repeat pays for JavaScript that runs for the first time, later ones run
 * warmed-up code. Prints wall and process-CPU milliseconds per repeat.
 *
 *   node --import tsx bench/speed/startup-repeats.ts [dense,conv,hinton] [repeats]
 */
import { BENCH_BATCH, BENCH_WORKLOADS, type BenchWorkload, benchModel } from '../lib/workloads.js';
import { mnist } from '../../src/data/datasets.js';
import { Trainer } from '../../src/train/trainer.js';

const workloads = (process.argv[2]?.split(',') ?? BENCH_WORKLOADS) as BenchWorkload[];
const repeats = Number(process.argv[3] ?? 3);
for (const workload of workloads) {
  const times: string[] = [];
  for (let i = 0; i < repeats; i++) {
    const batch = BENCH_BATCH[workload];
    const data = mnist({ split: 'train', shape: workload === 'conv' ? 'image' : 'flat', limit: batch });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const trainer = Trainer.create(benchModel(workload), { seed: 1, session: { threads: 1 } });
    await trainer.fit(data, { epochs: 1, batchSize: batch, worker: false });
    const c = process.cpuUsage(c0);
    times.push(`${(performance.now() - t0).toFixed(0)} ms wall (${((c.user + c.system) / 1000).toFixed(0)} CPU)`);
  }
  console.log(`${workload.padEnd(7)} ${times.join(', ')}`);
}
