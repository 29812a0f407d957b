/**
 * Redis stream scoring throughput and lag: `npm run bench:stream -- [--quick] [--json]`.
 * Worker processes (`aekit detect <det> --from redis://…`, a small saved
 * dense detector of 5 features) against a redis-server this bench starts.
 *
 * - Throughput, 1 and 2 workers, interleaved and repeated: the events wait in
 *   the stream, the workers are started and idle, then the group is moved to
 *   the stream's start; events per second from then to the last output
 *   (Redis's clock), so process start-up is not counted.
 * - Lag, 1 and 2 workers: a producer paced at --lag-rate events per second;
 *   per event, the millisecond of its output entry minus that of its input
 *   entry (both ids are Redis's clock): p50, p95, p99, max.
 *
 * With --json the last stdout line is `{ stream: { w1: { eventsPerSec,
 * runs, lag: { p50Ms, … } }, w2: { … } }, protocol }`.
 * Producer, Redis and workers share the machine: on 2 cores they compete.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { integer, runBench } from './lib/cli.js';
import { type LagSummary, lagRun, saveStreamDetector, startRedis, streamRows, throughputRun } from './stream/protocol.js';

const opts = new Command('bench:stream')
  .description('Redis stream scoring: events per second with 1 and 2 workers, and end-to-end lag')
  .option('--quick', '10,000 events, one repeat, 3 s of lag (smoke test)', false)
  .option('--json', 'print one JSON object { stream: { w1, w2 }, protocol } on the last line', false)
  .option('--events <n>', 'events per throughput run (default 100,000)', integer('--events', 1))
  .option('--repeats <n>', 'throughput runs per worker count, interleaved (default 3)', integer('--repeats', 1))
  .option('--batch-size <n>', 'entries per read (default 1024)', integer('--batch-size', 1), 1024)
  .option('--lag-rate <n>', 'events per second of the paced producer (default 2,000)', integer('--lag-rate', 1), 2000)
  .option('--lag-seconds <n>', 'seconds of paced production (default 10)', integer('--lag-seconds', 1))
  .parse()
  .opts<{ quick: boolean; json: boolean; events?: number; repeats?: number; batchSize: number; lagRate: number; lagSeconds?: number }>();

const events = opts.events ?? (opts.quick ? 10_000 : 100_000);
const repeats = opts.repeats ?? (opts.quick ? 1 : 3);
const lagSeconds = opts.lagSeconds ?? (opts.quick ? 3 : 10);

interface WorkersResult {
  eventsPerSec: number;
  runs: number[];
  /** CPU seconds per 100,000 events (medians): Redis's, and the workers' together. */
  cpuPer100k: { redis: number; workers: number | null };
  lag: LagSummary;
}
interface StreamBench { w1: WorkersResult; w2: WorkersResult; protocol: Record<string, unknown> }

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)]!;

async function run(log: (line: string) => void): Promise<StreamBench> {
  const started = Date.now();
  const load0 = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'aekit-bench-stream-'));
  const server = await startRedis();
  try {
    const detDir = join(dir, 'det');
    await saveStreamDetector(detDir);
    const rows = streamRows(events, 3);
    const rates: Record<1 | 2, number[]> = { 1: [], 2: [] };
    const cpu: Record<1 | 2, { redis: number[]; workers: number[] }> = { 1: { redis: [], workers: [] }, 2: { redis: [], workers: [] } };
    for (let r = 0; r < repeats; r++) {
      for (const workers of [1, 2] as const) {
        const t = await throughputRun({ server, detDir, rows, workers, batchSize: opts.batchSize });
        rates[workers].push(t.eventsPerSec);
        cpu[workers].redis.push((t.redisCpuSec * 1e5) / t.events);
        if (t.workersCpuSec !== undefined) cpu[workers].workers.push((t.workersCpuSec * 1e5) / t.events);
        log(`throughput, ${workers} worker${workers > 1 ? 's' : ''}, run ${r + 1}/${repeats}: ${t.events.toLocaleString('en-US')} events in ${t.seconds.toFixed(2)} s, ${Math.round(t.eventsPerSec).toLocaleString('en-US')} events/s; ` +
          `CPU: Redis ${t.redisCpuSec.toFixed(2)} s, workers ${t.workersCpuSec?.toFixed(2) ?? '?'} s`);
      }
    }
    const lag: Partial<Record<1 | 2, LagSummary>> = {};
    for (const workers of [1, 2] as const) {
      lag[workers] = await lagRun({ server, detDir, rows, workers, batchSize: opts.batchSize, perSecond: opts.lagRate, seconds: lagSeconds });
      const l = lag[workers]!;
      log(`lag, ${workers} worker${workers > 1 ? 's' : ''}, ${opts.lagRate.toLocaleString('en-US')} events/s for ${lagSeconds} s: p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms`);
    }
    const round2 = (v: number) => Math.round(v * 100) / 100;
    const result = (w: 1 | 2): WorkersResult => ({
      eventsPerSec: Math.round(median(rates[w])), runs: rates[w].map(Math.round),
      cpuPer100k: { redis: round2(median(cpu[w].redis)), workers: cpu[w].workers.length ? round2(median(cpu[w].workers)) : null }, lag: lag[w]!,
    });
    return {
      w1: result(1), w2: result(2),
      protocol: { events, repeats, batchSize: opts.batchSize, lagRate: opts.lagRate, lagSeconds, features: 5, detector: 'dense 5-4-2-4-5, combined score', cpus: cpus().length, loadAverage: [load0, loadavg()[0]!], seconds: (Date.now() - started) / 1000 },
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(r: StreamBench): string {
  const row = (name: string, w: WorkersResult) => {
    const spread = `${Math.min(...w.runs).toLocaleString('en-US')}–${Math.max(...w.runs).toLocaleString('en-US')}`;
    return `| ${name} | ${w.eventsPerSec.toLocaleString('en-US')} | ${spread} | ${w.cpuPer100k.redis} | ${w.cpuPer100k.workers ?? '?'} | ${w.lag.p50Ms} | ${w.lag.p95Ms} | ${w.lag.p99Ms} | ${w.lag.maxMs} |`;
  };
  const p = r.protocol as { loadAverage: number[]; cpus: number };
  return [
    '| workers | events/s (median) | runs | CPU s per 100k: Redis | workers | lag p50 ms | p95 | p99 | max |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    row('1', r.w1),
    row('2', r.w2),
    '',
    `${events.toLocaleString('en-US')} events a throughput run, ${repeats} runs each, batches of ${opts.batchSize}; lag at ${opts.lagRate.toLocaleString('en-US')} events/s for ${lagSeconds} s. ` +
      `${p.cpus} cores, load average ${p.loadAverage.map((v) => v.toFixed(1)).join(' → ')}.`,
  ].join('\n');
}

await runBench('bench:stream', opts.json, run, {
  table,
  seconds: (r) => (r.protocol as { seconds: number }).seconds,
  json: (r) => ({ stream: { w1: r.w1, w2: r.w2 }, protocol: r.protocol }),
});
