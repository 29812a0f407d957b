/**
 * Serving benchmark (issue 28): `npm run bench:serve -- [--quick] [--json] [--detector <dir>]`
 * `aekit serve` in a child process under autocannon's load: p50/p99 latency of
 * single-row POST /score at 1, 8 and 64 connections, and rows/s through the server
 * with 64-row JSON and NPY bodies against the same scoring called in-process
 * at batch 64, interleaved over rounds (bench/serve/protocol.ts). With --json
 * the last stdout line is `{ serve: { c1, c8, c64: { rps, p50Ms, p99Ms }, p50Ms, p99Ms, singleRowRowsPerSec,
 * floor: { rps, p50Ms, p99Ms }, rowsPerCall, batchedRowsPerSec, batchedNpyRowsPerSec, directRowsPerSec,
 * ratio, ratioRange, npyRatio, singleRowRatio, cpuMsPer1000 }, rounds, goals,
 * cleanShutdown, served, protocol }`.
 */
import { Option } from 'commander';
import { benchCommand, type CommonBenchOptions, integer, positive, runBench } from './lib/cli.js';
import { formatServeTable, type RowSource, runServeBenchmark } from './serve/protocol.js';

const program = benchCommand('bench:serve', 'aekit serve under load: single-row latency at 64 connections, rows/s against in-process scoring at batch 64', {
  quick: 'a small detector and one round of 2-second phases (smoke test)',
  json: 'print one JSON object on the last line',
  seed: 'seed of the synthetic table and of the detector',
})
  .option('--detector <dir>', 'serve this run folder or saved detector instead of one fitted on a synthetic table')
  .option('--ensemble', 'fit the table detector (six autoencoders) instead of one dense autoencoder detector', false)
  .option('--connections <n>', 'connections of the single-row load', integer('--connections', 1), 64)
  .option('--batch <n>', 'rows per call of the batch phases (the server runs with --max-batch of this)', integer('--batch', 1), 64)
  .option('--seconds <s>', 'seconds of each phase (default 10; --quick 2)', positive('--seconds'))
  .option('--rounds <n>', 'rounds of the four phases, interleaved (default 3; --quick 1)', integer('--rounds', 1))
  .option('--batch-window-ms <ms>', "the server's micro-batching window (default: the server's, 2 ms)", positive('--batch-window-ms'))
  .option('--workers <n>', "the server's worker processes (aekit serve --workers; default: one per physical core, as aekit serve)", integer('--workers', 1))
  .addOption(new Option('--rows <source>', "rows sent: synthetic (the correlated table), mnist or fashion (test images, 784 values in [0, 1]); auto: the served run's own data set when it is one of those").choices(['auto', 'synthetic', 'mnist', 'fashion']).default('auto'))
  .addOption(new Option('--load-generator <name>', 'load generator of every HTTP phase: autocannon (in the bench\'s process) or wrk (Debian\'s wrk, in C, far lighter on the CPU)').choices(['autocannon', 'wrk']).default('autocannon'))
  .parse();
const opts = program.opts<CommonBenchOptions & { detector?: string; ensemble: boolean; connections: number; batch: number; seconds?: number; rounds?: number; batchWindowMs?: number; workers?: number; loadGenerator: 'autocannon' | 'wrk'; rows: 'auto' | RowSource }>();

await runBench('bench:serve', opts.json, (log) => runServeBenchmark({
  quick: opts.quick, seed: opts.seed, threads: opts.threads, log, connections: opts.connections, batch: opts.batch, ensemble: opts.ensemble,
  ...(opts.detector ? { detector: opts.detector } : {}), ...(opts.seconds ? { seconds: opts.seconds } : {}),
  ...(opts.rounds ? { rounds: opts.rounds } : {}), ...(opts.batchWindowMs ? { windowMs: opts.batchWindowMs } : {}), ...(opts.workers ? { workers: opts.workers } : {}), loadGenerator: opts.loadGenerator, rows: opts.rows,
}), {
  table: formatServeTable,
  seconds: (r) => r.protocol.seconds_total as number,
  json: (r) => ({ serve: { ...r.summary.byConnections, ...r.summary }, rounds: r.rounds, goals: r.goals, cleanShutdown: r.cleanShutdown, served: r.served, protocol: r.protocol }),
});
