/**
 * Where aekit's start-up goes (issue #29): the bench's start-up (model
 * construction to the end of `fit` on one batch, in-process, 1 thread) split
 * into `Trainer.create`, ONNX Runtime session creation (with what the
 * optimized-model cache did), the first training step's run, and the rest
 * (lowering the step graph, feeding, copying the weights back), in process
 * CPU milliseconds (the steadier figure on a shared machine).
 *
 *   node --import tsx bench/speed/startup-parts.ts [--repeats 5]
 *
 * Within one process every new model gets new layer names, so its step
 * graph's bytes differ from the last model's; a new process builds the same
 * sequence of names, so from the second invocation on the cache hits (as it
 * does for CLI commands). `--cache-hit` rebuilds the first model's step in
 * every repeat (the same bytes) to hit on the first invocation too;
 * `AEKIT_CACHE_DIR=off` measures without the cache. `--faults` counts the
 * memory each part touched for the first time (minor page faults × 4 KiB)
 * instead of CPU time: on this project's VMs a first touch costs about
 * 2.7 ms per MB, and the first step's run is mostly that.
 */
import { parseArgs } from 'node:util';
import { BENCH_BATCH, BENCH_WORKLOADS, benchModel } from '../lib/workloads.js';
import { mnist } from '../../src/data/datasets.js';
import { quantile } from '../../src/eval/stats.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { Trainer } from '../../src/train/trainer.js';

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '5' }, 'cache-hit': { type: 'boolean', default: false }, faults: { type: 'boolean', default: false } } });
// A part's cost: CPU ms, or with --faults the MB it faulted in (4 KiB pages).
const usage: () => number = values.faults ? () => process.resourceUsage().minorPageFault : () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const cpuSince = (c0: number) => (values.faults ? ((usage() - c0) * 4) / 1024 : usage() - c0);
// Session creation and runs, timed by wrapping RuntimeSession (a probe, not a pattern for library code).
const parts = { create: 0, firstRun: 0, cache: '' };
const create = RuntimeSession.create.bind(RuntimeSession);
RuntimeSession.create = async (...args: Parameters<typeof RuntimeSession.create>) => {
  const c0 = usage();
  const session = await create(...args);
  parts.create += cpuSince(c0);
  parts.cache = session.cache;
  const run = session.run.bind(session);
  let first = true;
  session.run = async (...a: Parameters<typeof run>) => {
    const c1 = usage();
    const out = await run(...a);
    if (first) parts.firstRun += cpuSince(c1);
    first = false;
    return out;
  };
  return session;
};
for (const w of BENCH_WORKLOADS) {
  const batch = BENCH_BATCH[w];
  const data = mnist({ split: 'train', shape: w === 'conv' ? 'image' : 'flat', limit: batch });
  const fixed = benchModel(w);
  const rows: Record<string, number>[] = [];
  const uses: string[] = [];
  for (let r = 0; r < 1 + Number(values.repeats); r++) {
    Object.assign(parts, { create: 0, firstRun: 0, cache: '' });
    const c0 = usage();
    const trainer = Trainer.create(values['cache-hit'] ? fixed : benchModel(w), { seed: 1, session: { threads: 1 } });
    const made = cpuSince(c0);
    await trainer.fit(data, { epochs: 1, batchSize: batch, worker: false });
    const total = cpuSince(c0);
    if (r === 0) continue;
    uses.push(parts.cache);
    rows.push({ total, create: made, session: parts.create, firstRun: parts.firstRun, rest: total - made - parts.create - parts.firstRun });
  }
  const m = (k: string) => quantile(rows.map((row) => row[k]!), 0.5).toFixed(1);
  console.log(`${w.padEnd(7)} ${values.faults ? 'MB faulted in' : 'CPU ms'}, median of ${rows.length}: total ${m('total')} = Trainer.create ${m('create')} + session ${m('session')} (cache: ${[...new Set(uses)].join('/')}) + first step's run ${m('firstRun')} + rest ${m('rest')}`);
}
