/**
 * Redis Streams scoring (`aekit detect … --from redis://…`), driven from
 * outside as a user runs it: a redis-server of its own, a small saved dense
 * detector, a producer, and workers that are real CLI processes. Used by the
 * kill test (test/stream/redis-kill.test.ts), its stress run
 * (bench/stream-kill.ts) and the throughput bench (bench/stream.ts).
 *
 * Times come from Redis's clock: an entry id's first part is the
 * millisecond the server added it, so an output entry's id minus its input's
 * id is the end-to-end lag, and no two clocks are compared.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RedisClientType, createClient } from '@redis/client';
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import { Autoencoder } from '../../src/models/dense.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI_MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const TSX = import.meta.resolve('tsx');

/** A RESP2 client, as the worker uses. */
export type Redis = RedisClientType<{}, {}, {}, 2, {}>;

/** Values per row of the test detector. */
export const WIDTH = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** A redis-server started for one test or bench, without persistence. */
export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:<port>/<stream>`. */
  url(stream: string): string;
  /** A connected client (RESP2); the caller destroys it. */
  client(): Promise<Redis>;
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` (or `$REDIS_SERVER`) on `port` (default: a free one)
 * with no snapshots and no append-only file, and waits until it answers.
 * @throws when it is not installed or does not start, with its output.
 */
export async function startRedis(port?: number): Promise<RedisServer> {
  const bin = process.env.REDIS_SERVER ?? 'redis-server';
  port ??= await freePort();
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // A test or bench that dies (an uncaught error) must not leave its server behind.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  child.once('exit', () => process.off('exit', orphan));
  let output = '';
  child.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
  const exited = new Promise<string>((resolve) => {
    child.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ENOENT' ? `${bin} not found: install it (Debian: apt-get install redis-server) or set REDIS_SERVER` : e.message));
    child.once('exit', (code, signal) => resolve(`${bin} exited (${signal ?? code}): ${output.trim().split('\n').slice(-3).join(' | ')}`));
  });
  const connect = async (): Promise<Redis> => {
    const c: Redis = createClient({ url: `redis://127.0.0.1:${port}`, RESP: 2, socket: { reconnectStrategy: false } });
    c.on('error', () => {});
    await c.connect();
    return c;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await Promise.race([connect().then((c) => { c.destroy(); return true; }, () => false), exited]);
    if (up === true) break;
    if (typeof up === 'string') throw new Error(up);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${bin} on port ${port} did not answer within 10 s: ${output.trim()}`);
    }
    await sleep(50);
  }
  return {
    port,
    url: (stream) => `redis://127.0.0.1:${port}/${encodeURIComponent(stream)}`,
    client: connect,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Rows near a line in 5 dimensions, every 40th off it; as text (4 decimals, the `row` field) and as the float32 values a reader makes of that text. */
export function streamRows(n: number, seed: number): { x: Float32Array; texts: string[] } {
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const x = new Float32Array(n * WIDTH);
  const texts: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = r();
    const odd = i % 40 === 7;
    const cells: string[] = [];
    for (let j = 0; j < WIDTH; j++) {
      const text = (t * (j + 1) + 0.05 * r() + (odd ? 3 * r() : 0)).toFixed(4);
      cells.push(text);
      x[i * WIDTH + j] = Number(text);
    }
    texts[i] = cells.join(',');
  }
  return { x, texts };
}

/** Fits and saves the small dense detector the stream tests score with (a few seconds); `columns` names its features. */
export async function saveStreamDetector(dir: string, columns?: string[]): Promise<AnomalyDetector> {
  const train = streamRows(600, 1);
  const det = new AnomalyDetector(new Autoencoder({ inputShape: [WIDTH], encoder: { sizes: [4, 2] } }), { scaler: 'zscore' });
  await det.fit({ x: train.x, shape: [600, WIDTH] }, { train: { epochs: 2, batchSize: 64, worker: false } });
  det.save(dir, columns ? { columns } : undefined);
  return det;
}

/** The scores and flags the saved detector gives the rows, in one call: what every worker's output must equal. */
export async function offlineScores(detDir: string, x: Float32Array): Promise<{ scores: Float64Array; flags: Uint8Array }> {
  const det = AnomalyDetector.load(detDir);
  const scores = await det.score({ x, shape: [x.length / WIDTH, WIDTH] });
  return { scores, flags: Uint8Array.from(scores, (s) => (s > det.threshold ? 1 : 0)) };
}

/**
 * Adds one entry `{row}` per text to `stream`, in order, `chunk` per round
 * trip; with `perSecond`, paced in 10 ms ticks. Returns the ids.
 */
export async function produce(redis: Redis, stream: string, texts: readonly string[], opts: { chunk?: number; perSecond?: number } = {}): Promise<string[]> {
  const ids: string[] = [];
  const chunk = opts.perSecond ? Math.max(1, Math.round(opts.perSecond / 100)) : (opts.chunk ?? 1000);
  const start = Date.now();
  for (let i = 0; i < texts.length; i += chunk) {
    const part = texts.slice(i, i + chunk);
    ids.push(...await Promise.all(part.map((t) => redis.sendCommand<string>(['XADD', stream, '*', 'row', t]))));
    if (opts.perSecond) {
      const due = start + ((i + part.length) / opts.perSecond) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  }
  return ids;
}

/** A worker: `aekit detect <det> --from … --json` in a child process. */
export interface WorkerProcess {
  consumer: string;
  child: ChildProcess;
  /** stdout and stderr lines so far. */
  lines: string[];
  /** Resolves once the worker has joined the group and reads. */
  ready: Promise<void>;
  /** Exit code and signal. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Options of a worker process: the CLI flags after --from. */
export interface WorkerFlags {
  group: string;
  to: string;
  consumer: string;
  batchSize?: number;
  claimIdleMs?: number;
  blockMs?: number;
  waitMs?: number;
}

/** Starts a worker through the CLI (tsx on src/, as a user's `aekit` runs dist/). */
export function startWorker(detDir: string, from: string, f: WorkerFlags): WorkerProcess {
  const args = ['--import', TSX, CLI_MAIN, 'detect', detDir, '--from', from, '--group', f.group, '--to', f.to, '--consumer', f.consumer, '--json'];
  if (f.batchSize !== undefined) args.push('--batch-size', String(f.batchSize));
  if (f.claimIdleMs !== undefined) args.push('--claim-idle-ms', String(f.claimIdleMs));
  if (f.blockMs !== undefined) args.push('--block-ms', String(f.blockMs));
  if (f.waitMs !== undefined) args.push('--wait-ms', String(f.waitMs));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let onReady!: () => void;
  let onFail!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => { onReady = resolve; onFail = reject; });
  const collect = (stream: NodeJS.ReadableStream) => {
    let rest = '';
    stream.on('data', (c: Buffer) => {
      const parts = (rest + c.toString()).split('\n');
      rest = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line.startsWith(`worker ${f.consumer} of group`)) onReady();
      }
    });
  };
  collect(child.stdout!);
  collect(child.stderr!);
  // 'close', not 'exit': its output has been read to the end by then.
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => {
    onFail(new Error(`worker ${f.consumer} exited (${signal ?? code}) before reading: ${lines.slice(-5).join(' | ')}`));
    resolve({ code, signal });
  }));
  return { consumer: f.consumer, child, lines, ready, exit };
}

/** The worker's closing JSON line (`--json`): its stream statistics. */
export function workerStats(w: WorkerProcess): { written: number; deadLettered: number; alreadyDone: number; claimed: number } | undefined {
  const line = [...w.lines].reverse().find((l) => l.startsWith('{'));
  return line ? (JSON.parse(line) as { stream: { written: number; deadLettered: number; alreadyDone: number; claimed: number } }).stream : undefined;
}

/** Stops workers with SIGTERM (they finish the batch in flight) and returns their exit codes. */
export async function stopWorkers(workers: readonly WorkerProcess[], timeoutMs = 30_000): Promise<Array<number | null>> {
  const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
  for (const w of live) w.child.kill('SIGTERM');
  const t = setTimeout(() => { for (const w of live) w.child.kill('SIGKILL'); }, timeoutMs);
  const codes = await Promise.all(workers.map(async (w) => (await w.exit).code));
  clearTimeout(t);
  return codes;
}

/** Pending entries of a group and of each of its consumers. */
async function pendingOf(redis: Redis, stream: string, group: string): Promise<{ total: number; byConsumer: Map<string, number> }> {
  const rows = await redis.sendCommand<unknown[][]>(['XINFO', 'CONSUMERS', stream, group]);
  const byConsumer = new Map<string, number>();
  let total = 0;
  for (const row of rows) {
    const o = pairs(row);
    byConsumer.set(String(o.name), Number(o.pending));
    total += Number(o.pending);
  }
  return { total, byConsumer };
}

const pairs = (flat: unknown[]): Record<string, unknown> => {
  const o: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[String(flat[i])] = flat[i + 1];
  return o;
};

/**
 * Waits until the group has been handed every entry of the stream and holds
 * none pending: then nothing more will be written, whether or not some was lost.
 * @returns false on timeout.
 */
export async function waitDrained(redis: Redis, stream: string, group: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const last = await redis.sendCommand<Array<[string, unknown]>>(['XREVRANGE', stream, '+', '-', 'COUNT', '1']);
    const groups = (await redis.sendCommand<unknown[][]>(['XINFO', 'GROUPS', stream])).map(pairs);
    const g = groups.find((x) => x.name === group);
    if (g && last.length && g['last-delivered-id'] === last[0]![0] && Number(g.pending) === 0) return true;
    await sleep(100);
  }
  return false;
}

/** An output entry: the input id it answers, its score as written, its flag, and the ms Redis wrote it. */
export interface OutputEntry {
  id: string;
  score: string;
  flag: string;
  writtenMs: number;
}

/** Every entry of an output stream, in order (paged, 10,000 a read). */
export async function readOutput(redis: Redis, to: string): Promise<OutputEntry[]> {
  const out: OutputEntry[] = [];
  let from = '-';
  for (;;) {
    const page = await redis.sendCommand<Array<[string, string[]]>>(['XRANGE', to, from, '+', 'COUNT', '10000']);
    for (const [outId, fields] of page) {
      const o = pairs(fields) as Record<string, string>;
      out.push({ id: o.id!, score: o.score!, flag: o.flag!, writtenMs: idMs(outId) });
    }
    if (page.length < 10000) return out;
    from = `(${page.at(-1)![0]}`;
  }
}

/** The millisecond part of an entry id. */
export const idMs = (id: string): number => Number(id.slice(0, id.indexOf('-')));

/** How an output stream compares with its input: each id once, each score the offline one. */
export interface OutputCheck {
  events: number;
  written: number;
  /** Input ids with no output. */
  lost: number;
  /** Output entries beyond the first for an id. */
  duplicated: number;
  /** Output for ids that were never input. */
  unknown: number;
  /** Scores that differ from the offline score (as doubles), and flags. */
  wrongScores: number;
  wrongFlags: number;
}

/** Checks output entries against the input ids (row i has ids[i]) and the offline scores. */
export function checkOutput(ids: readonly string[], out: readonly OutputEntry[], offline: { scores: Float64Array; flags: Uint8Array }): OutputCheck {
  const row = new Map(ids.map((id, i) => [id, i]));
  const seen = new Uint8Array(ids.length);
  let duplicated = 0;
  let unknown = 0;
  let wrongScores = 0;
  let wrongFlags = 0;
  for (const e of out) {
    const i = row.get(e.id);
    if (i === undefined) { unknown++; continue; }
    if (seen[i]++) duplicated++;
    if (Number(e.score) !== offline.scores[i]) wrongScores++;
    if (Number(e.flag) !== offline.flags[i]) wrongFlags++;
  }
  const lost = seen.reduce((a, s) => a + (s === 0 ? 1 : 0), 0);
  return { events: ids.length, written: out.length, lost, duplicated, unknown, wrongScores, wrongFlags };
}

/** Options of {@link killRun}. */
export interface KillRunOptions {
  server: RedisServer;
  detDir: string;
  rows: { x: Float32Array; texts: string[] };
  offline: { scores: Float64Array; flags: Uint8Array };
  workers?: number;
  batchSize?: number;
  claimIdleMs?: number;
  /** Kill once this share of the events has output (and the victim holds entries); default 0.3. */
  killAt?: number;
  /** Which worker is killed; default the first. */
  victim?: number;
  /** How long the whole run may take; default 300 s. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** What a kill run found. */
export interface KillRunResult extends OutputCheck {
  /** Output entries when the victim was killed, and how many entries it held when dead (all taken over later, so at most `takenOver`). */
  killedAfter: number;
  victimPending: number;
  /** How long the victim was watched (frozen and let go) before the kill, ms. */
  killWaitMs: number;
  /** Entries the survivors took over, and finished after another had written them. */
  takenOver: number;
  alreadyDone: number;
  /** The survivors' exit codes after SIGTERM. */
  survivorExits: Array<number | null>;
  drained: boolean;
  seconds: number;
}

/**
 * Workers score a stream while it is produced; one is killed with SIGKILL
 * mid-stream; the others take over its entries. Then every input id must
 * have exactly one output, with the offline score.
 */
export async function killRun(o: KillRunOptions): Promise<KillRunResult> {
  const log = o.log ?? (() => {});
  const n = o.workers ?? 3;
  const tag = randomBytes(3).toString('hex');
  const stream = `events-${tag}`;
  const to = `scores-${tag}`;
  const group = 'scorers';
  const started = Date.now();
  const redis = await o.server.client();
  const workers: WorkerProcess[] = [];
  try {
    for (let w = 0; w < n; w++) {
      workers.push(startWorker(o.detDir, o.server.url(stream), { group, to, consumer: `w${w}-${tag}`, batchSize: o.batchSize ?? 1024, claimIdleMs: o.claimIdleMs ?? 1000, blockMs: 200 }));
    }
    await Promise.all(workers.map((w) => w.ready));
    log(`${n} workers ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const events = o.rows.texts.length;
    const producing = produce(redis, stream, o.rows.texts);
    const victim = workers[o.victim ?? 0]!;
    const threshold = Math.floor((o.killAt ?? 0.3) * events);
    let killedAfter = 0;
    let killWaitMs = 0;
    let victimPending = 0;
    let waitedFrom = 0;
    for (;;) {
      const written = await redis.sendCommand<number>(['XLEN', to]);
      if (written >= threshold) {
        waitedFrom ||= Date.now();
        // Killing a worker that holds entries is the case that matters. Frozen (SIGSTOP), it cannot finish
        // its batch between the look and the kill; holding none, it goes on (SIGCONT). After 5 s, killed anyway.
        victim.child.kill('SIGSTOP');
        // A script it sent just before may still be on its way to Redis, or running: let it land first.
        await sleep(50);
        const holds = (await pendingOf(redis, stream, group)).byConsumer.get(victim.consumer) ?? 0;
        if (holds > 0 || Date.now() - waitedFrom > 5000 || written >= events) {
          victim.child.kill('SIGKILL');
          killedAfter = written;
          killWaitMs = Date.now() - waitedFrom;
          break;
        }
        victim.child.kill('SIGCONT');
        // Long enough to be scheduled on a loaded machine and take a batch before the next look.
        await sleep(50);
        continue;
      }
      await sleep(5);
    }
    await victim.exit;
    // Read once it is dead, so the count is final: what survivors took from it before this is in their count too.
    victimPending = (await pendingOf(redis, stream, group)).byConsumer.get(victim.consumer) ?? 0;
    log(`killed ${victim.consumer} (SIGKILL) after ${killedAfter} outputs; it held ${victimPending} entries`);
    const ids = await producing;
    const drained = await waitDrained(redis, stream, group, o.timeoutMs ?? 300_000);
    const survivors = workers.filter((w) => w !== victim);
    const survivorExits = await stopWorkers(survivors);
    const out = await readOutput(redis, to);
    const check = checkOutput(ids, out, o.offline);
    const stats = survivors.map(workerStats);
    return {
      ...check, killedAfter, victimPending, killWaitMs, drained, survivorExits,
      takenOver: stats.reduce((a, s) => a + (s?.claimed ?? 0), 0),
      alreadyDone: stats.reduce((a, s) => a + (s?.alreadyDone ?? 0), 0),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await redis.sendCommand(['DEL', stream, to, `${to}:errors`]).catch(() => undefined);
    redis.destroy();
  }
}

/** Options of the throughput and lag runs. */
export interface RateRunOptions {
  server: RedisServer;
  detDir: string;
  rows: { x: Float32Array; texts: string[] };
  workers: number;
  batchSize?: number;
  log?: (line: string) => void;
}

/**
 * Throughput: the rows wait in the stream, the group is set to deliver none;
 * once the workers read, the group is moved back to the start and one more
 * entry wakes them. Events per second from that moment to the last output
 * (both on Redis's clock), so start-up is not counted.
 */
export async function throughputRun(o: RateRunOptions): Promise<{ events: number; seconds: number; eventsPerSec: number; redisCpuSec: number; workersCpuSec: number | undefined }> {
  const tag = randomBytes(3).toString('hex');
  const stream = `tp-${tag}`;
  const to = `tp-scores-${tag}`;
  const group = 'scorers';
  const redis = await o.server.client();
  const workers: WorkerProcess[] = [];
  try {
    await produce(redis, stream, o.rows.texts);
    await redis.sendCommand(['XGROUP', 'CREATE', stream, group, '$']);
    for (let w = 0; w < o.workers; w++) workers.push(startWorker(o.detDir, o.server.url(stream), { group, to, consumer: `w${w}-${tag}`, batchSize: o.batchSize ?? 1024, blockMs: 100 }));
    await Promise.all(workers.map((w) => w.ready));
    await sleep(300); // every worker blocked in its read
    const redisCpu0 = await redisCpu(redis);
    const workersCpu0 = workers.map((w) => processCpu(w.child.pid));
    const [secs, micros] = await redis.sendCommand<[string, string]>(['TIME']);
    const t0 = Number(secs) * 1000 + Number(micros) / 1000;
    await redis.sendCommand(['XGROUP', 'SETID', stream, group, '0']);
    await redis.sendCommand(['XADD', stream, '*', 'row', o.rows.texts[0]!]);
    const events = o.rows.texts.length + 1;
    if (!(await waitDrained(redis, stream, group, 600_000))) throw new Error('throughput run: the workers did not finish within 10 minutes');
    // Includes up to 100 ms of polling and idle reads after the last output: small next to a run's seconds.
    const redisCpuSec = (await redisCpu(redis)) - redisCpu0;
    const workersCpu1 = workers.map((w) => processCpu(w.child.pid));
    const workersCpuSec = workersCpu1.every((c) => c !== undefined) && workersCpu0.every((c) => c !== undefined)
      ? workersCpu1.reduce((a, c, i) => a + c! - workersCpu0[i]!, 0) : undefined;
    const last = await redis.sendCommand<Array<[string, unknown]>>(['XREVRANGE', to, '+', '-', 'COUNT', '1']);
    const written = await redis.sendCommand<number>(['XLEN', to]);
    if (written !== events) throw new Error(`throughput run: ${written} outputs for ${events} events`);
    const seconds = (idMs(last[0]![0]) + 1 - t0) / 1000;
    return { events, seconds, eventsPerSec: events / seconds, redisCpuSec, workersCpuSec };
  } finally {
    await stopWorkers(workers);
    await redis.sendCommand(['DEL', stream, to, `${to}:errors`]).catch(() => undefined);
    redis.destroy();
  }
}

/** CPU seconds the Redis server has used (its INFO). */
async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.sendCommand<string>(['INFO', 'CPU']);
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** CPU seconds a process has used, from /proc (Linux); undefined elsewhere. */
function processCpu(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return undefined;
  }
}

/** Percentiles of a lag run, in ms. */
export interface LagSummary {
  perSecond: number;
  events: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/**
 * End-to-end lag: ready workers, a producer paced at `perSecond`; each
 * event's lag is its output entry's millisecond minus its input's (Redis's clock).
 */
export async function lagRun(o: RateRunOptions & { perSecond: number; seconds: number }): Promise<LagSummary> {
  const tag = randomBytes(3).toString('hex');
  const stream = `lag-${tag}`;
  const to = `lag-scores-${tag}`;
  const group = 'scorers';
  const redis = await o.server.client();
  const workers: WorkerProcess[] = [];
  try {
    await redis.sendCommand(['XGROUP', 'CREATE', stream, group, '$', 'MKSTREAM']);
    for (let w = 0; w < o.workers; w++) workers.push(startWorker(o.detDir, o.server.url(stream), { group, to, consumer: `w${w}-${tag}`, batchSize: o.batchSize ?? 1024, blockMs: 1000 }));
    await Promise.all(workers.map((w) => w.ready));
    const count = Math.round(o.perSecond * o.seconds);
    const texts = Array.from({ length: count }, (_, i) => o.rows.texts[i % o.rows.texts.length]!);
    const ids = await produce(redis, stream, texts, { perSecond: o.perSecond });
    if (!(await waitDrained(redis, stream, group, 120_000))) throw new Error('lag run: the workers did not finish within 2 minutes');
    const out = await readOutput(redis, to);
    const sent = new Map(ids.map((id) => [id, idMs(id)]));
    const lags = Float64Array.from(out, (e) => e.writtenMs - sent.get(e.id)!).sort();
    const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]!;
    return { perSecond: o.perSecond, events: lags.length, p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99), maxMs: lags.at(-1)!, meanMs: lags.reduce((a, b) => a + b, 0) / lags.length };
  } finally {
    await stopWorkers(workers);
    await redis.sendCommand(['DEL', stream, to, `${to}:errors`]).catch(() => undefined);
    redis.destroy();
  }
}
