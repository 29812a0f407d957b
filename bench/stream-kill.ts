/**
 * Stress run of the Redis stream kill test (test/stream/redis-kill.test.ts),
 * outside CI: `npx tsx bench/stream-kill.ts --times 20 [--events 100000]`.
 * Each run starts workers (`aekit detect … --from redis://…`), produces the
 * events while they score, kills one worker with SIGKILL at a random point
 * (a random worker, once it holds entries), lets the others take over, stops
 * them with SIGTERM and counts, per run and in total, the input ids with no
 * output (lost), the outputs beyond one per id (duplicated) and the scores
 * that differ from the offline ones. Exit status 1 when any is not zero.
 * Needs `redis-server` (Debian: apt-get install redis-server); it starts its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Rng } from '../src/data/random.js';
import { integer } from './lib/cli.js';
import { type KillRunResult, killRun, offlineScores, saveStreamDetector, startRedis, streamRows } from './stream/protocol.js';

const opts = new Command('stream-kill')
  .description('Redis stream workers, one killed with SIGKILL mid-stream, N times: lost and duplicated events per run and in total')
  .option('--times <n>', 'runs (default 20)', integer('--times', 1), 20)
  .option('--events <n>', 'events per run (default 100,000)', integer('--events', 1), 100_000)
  .option('--workers <n>', 'worker processes per run, one of them killed (default 3)', integer('--workers', 2), 3)
  .option('--batch-size <n>', 'entries per read (default 1024)', integer('--batch-size', 1), 1024)
  .option('--claim-idle-ms <ms>', 'take-over after this idle time (default 1000)', integer('--claim-idle-ms', 1), 1000)
  .option('--seed <n>', 'seed of the kill points and victims (default 1)', integer('--seed', 0), 1)
  .option('--json', 'print one JSON object { runs, total } on the last line', false)
  .parse()
  .opts<{ times: number; events: number; workers: number; batchSize: number; claimIdleMs: number; seed: number; json: boolean }>();

const log = (line: string) => (opts.json ? console.error(line) : console.log(line));
const n = (v: number) => v.toLocaleString('en-US');
const dir = mkdtempSync(join(tmpdir(), 'aekit-stream-kill-'));
const server = await startRedis();
try {
  const detDir = join(dir, 'det');
  await saveStreamDetector(detDir);
  const rows = streamRows(opts.events, 2);
  const offline = await offlineScores(detDir, rows.x);
  const rng = new Rng(opts.seed);
  log(`${opts.times} runs of ${n(opts.events)} events, ${opts.workers} workers, batches of ${opts.batchSize}, take-over after ${opts.claimIdleMs} ms; load average ${loadavg()[0]!.toFixed(1)}`);
  const runs: Array<KillRunResult & { victim: number; killAt: number }> = [];
  for (let i = 1; i <= opts.times; i++) {
    const victim = rng.int(opts.workers);
    const killAt = 0.1 + 0.8 * rng.float();
    const r = await killRun({ server, detDir, rows, offline, workers: opts.workers, batchSize: opts.batchSize, claimIdleMs: opts.claimIdleMs, victim, killAt });
    runs.push({ ...r, victim, killAt });
    log(`run ${i}/${opts.times}: killed worker ${victim} after ${n(r.killedAfter)} of ${n(r.events)} outputs (it held ${n(r.victimPending)}${r.victimPending ? '' : ` after ${(r.killWaitMs / 1000).toFixed(1)} s of looks`}); ` +
      `lost ${r.lost}, duplicated ${r.duplicated}, wrong scores ${r.wrongScores + r.wrongFlags}${r.unknown ? `, unknown ids ${r.unknown}` : ''}; ` +
      `taken over ${n(r.takenOver)}, finished twice (written once) ${n(r.alreadyDone)}; survivors exited ${r.survivorExits.join(',')}; ${r.seconds.toFixed(1)} s`);
  }
  const sum = (k: 'lost' | 'duplicated' | 'wrongScores' | 'wrongFlags' | 'unknown' | 'events' | 'written' | 'takenOver' | 'alreadyDone') => runs.reduce((a, r) => a + r[k], 0);
  const total = {
    runs: runs.length, events: sum('events'), written: sum('written'), lost: sum('lost'), duplicated: sum('duplicated'), wrongScores: sum('wrongScores') + sum('wrongFlags'), unknown: sum('unknown'),
    takenOver: sum('takenOver'), alreadyDone: sum('alreadyDone'), undrained: runs.filter((r) => !r.drained).length, badExits: runs.filter((r) => r.survivorExits.some((c) => c !== 0)).length,
  };
  log(`total: ${total.runs} runs, ${n(total.events)} events, ${n(total.written)} outputs: lost ${total.lost}, duplicated ${total.duplicated}, wrong scores ${total.wrongScores}; ` +
    `taken over ${n(total.takenOver)}, finished twice (written once) ${n(total.alreadyDone)}; runs not drained ${total.undrained}, survivors not exiting 0 in ${total.badExits} runs; load average ${loadavg()[0]!.toFixed(1)}`);
  if (opts.json) console.log(JSON.stringify({ runs, total }));
  if (total.lost || total.duplicated || total.wrongScores || total.unknown || total.undrained || total.badExits) process.exitCode = 1;
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
