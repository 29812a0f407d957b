/**
 * The serving benchmark behind `npm run bench:serve`: `aekit serve` in a
 * child process, loaded by autocannon from this one, against the function
 * the server calls (AnomalyDetector.score behind the server's input checks)
 * called here directly, in the same run, the phases interleaved round by
 * round (DESIGN.md: 2-thread rates swing between minutes).
 *
 * - single rows: POST /score with one row a request at 64 connections; each
 *   answer's latency (autocannon's per-response time, a float in ms; its own
 *   histogram keeps whole milliseconds) and the rows answered per second;
 * - batch 64: POST /score with 64 rows a request at 4 connections, as JSON
 *   and as NPY, the server started with --max-batch 64 so that every ONNX
 *   Runtime call holds 64 rows, as the direct calls do: rows per second;
 * - direct: the same function on 64 rows at a time, in a loop, rows per second.
 *
 * The served detector is fitted here on a synthetic table of 2,000 rows of 16
 * correlated columns: by default the kind a run has (one dense autoencoder,
 * the default combined score), with `ensemble` the table detector (six
 * autoencoders); or it is given with `detector` (a run folder or a saved detector).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import { fashionMnist, mnist } from '../../src/data/datasets.js';
import { encodeNpy } from '../../src/data/npy.js';
import { Rng } from '../../src/data/random.js';
import { defaultServeWorkers } from '../../src/cli/commands/serve.js';
import { Autoencoder } from '../../src/models/dense.js';
import { quantile } from '../../src/eval/stats.js';
import { openServable } from '../../src/serve/servable.js';
import { type BenchRunOptions, resolveRun } from '../lib/run-options.js';

const CLI_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.ts');
const FLOOR_SERVER = join(dirname(fileURLToPath(import.meta.url)), 'floor-server.ts');
const TSX = import.meta.resolve('tsx');

/** The issue's goals. */
export const GOALS = { p99Ms: 10, ratio: 0.7 } as const;

/** What a --quick run changes. */
export const QUICK = { trainRows: 400, epochs: 2, seconds: 2, rounds: 1 } as const;

/** Options of {@link runServeBenchmark}. */
export interface ServeBenchOptions extends BenchRunOptions {
  /** A run folder or saved detector to serve (default: a detector fitted here on a synthetic table). */
  detector?: string;
  /**
   * Fit the table detector (`new AnomalyDetector()`: six autoencoders) instead
   * of the default, a run's kind of detector: one dense autoencoder 16-32-4
   * with the default combined score (squared error + k-NN of the codes).
   */
  ensemble?: boolean;
  /** Connections of the single-row load (default 64). */
  connections?: number;
  /** Rows per call of the batch phases (default 64). */
  batch?: number;
  /** Seconds of each phase (default 10; quick 2). */
  seconds?: number;
  /** Rounds of the four phases (default 3; quick 1). */
  rounds?: number;
  /** The server's --batch-window-ms (default: the server's). */
  windowMs?: number;
  /** The server's --workers (default: aekit serve's, one per physical core). */
  workers?: number;
  /** Load generator of every HTTP phase: 'autocannon' (in this process, the default) or 'wrk' (Debian's wrk, in C). */
  loadGenerator?: 'autocannon' | 'wrk';
  /**
   * The rows sent: 'synthetic' (the correlated table the default detector is
   * fitted on), or the test images of 'mnist' or 'fashion' as flat rows of
   * 784 values in [0, 1] (the data an image run scores). Default 'auto': the
   * served run's own data set when its config.json names MNIST or
   * Fashion-MNIST, else synthetic.
   */
  rows?: 'auto' | RowSource;
}

/** Where the bench's request rows come from (see {@link ServeBenchOptions.rows}). */
export type RowSource = 'synthetic' | 'mnist' | 'fashion';

/**
 * The data set a served folder was trained on, when it is an image data set
 * whose test images can be sent: the run's config.json (`data.source`), or
 * that of the run around a detector folder. Synthetic otherwise.
 */
export function rowSourceOf(dir: string | undefined): RowSource {
  if (!dir) return 'synthetic';
  for (const config of [join(dir, 'config.json'), join(dir, '..', 'config.json')]) {
    if (!existsSync(config)) continue;
    try {
      const source = (JSON.parse(readFileSync(config, 'utf8')) as { data?: { source?: unknown } }).data?.source;
      if (source === 'mnist') return 'mnist';
      if (source === 'fashion' || source === 'fashion-mnist') return 'fashion';
    } catch {
      // Not a run's config: the synthetic rows.
    }
    return 'synthetic';
  }
  return 'synthetic';
}

/** `n` rows of `width` values to send: the synthetic table, or the first `n` test images of an image data set. */
function requestRows(source: RowSource, n: number, width: number, seed: number): Float32Array {
  if (source === 'synthetic') return table(n, width, seed);
  const images = source === 'mnist' ? mnist({ split: 'test', limit: n }) : fashionMnist({ split: 'test', limit: n });
  const got = images.x.length / n;
  if (got !== width) throw new Error(`bench:serve --rows ${source}: the served detector takes rows of ${width} values, and ${source}'s images have ${got}`);
  return images.x;
}

/** One load of the server. */
export interface LoadResult {
  /** Answers with status 200. */
  answered: number;
  rowsPerSec: number;
  /** Latency percentiles of the answers, ms. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Answers other than 200, and connection errors: both must be 0. */
  failed: number;
  /** Rows per ONNX Runtime call, by the server's own /metrics (the mean over the phase). */
  rowsPerCall: number;
  /** CPU time of the server process per 1,000 rows, ms (its /metrics: process CPU seconds). */
  cpuMsPer1000: number;
}

/** One round of the four phases. */
export interface ServeRound {
  /** Single-row bodies at the bench's `connections` (default 64). */
  singleRow: LoadResult;
  /** Single-row bodies at fewer connections: 1 and 8 (the issue's levels below 64). */
  fewer: Record<string, LoadResult>;
  /** Single-row bodies at `connections` against the floor: a bare node:http server with no model (floor-server.ts). */
  floor: LoadResult;
  /** 64-row JSON bodies. */
  batched: LoadResult;
  /** 64-row NPY bodies. */
  batchedNpy: LoadResult;
  direct: { rowsPerSec: number; calls: number; cpuMsPer1000: number };
  /** Server rows/s with 64-row JSON bodies ÷ direct rows/s at batch 64. */
  ratio: number;
  /** The same with 64-row NPY bodies. */
  npyRatio: number;
  /** Server rows/s with single-row bodies (micro-batched) ÷ direct rows/s at batch 64. */
  singleRowRatio: number;
}

export interface ServeBenchResult {
  served: string;
  width: number;
  rounds: ServeRound[];
  /** Medians over the rounds, and the lowest and highest ratio. */
  summary: {
    /** Single-row /score at 1, 8 and `connections` connections: requests (= rows) per second, p50 and p99 latency. */
    byConnections: Record<string, { rps: number; p50Ms: number; p99Ms: number }>;
    /** The bare node:http server under the single-row load at `connections`. */
    floor: { rps: number; p50Ms: number; p99Ms: number };
    p50Ms: number; p99Ms: number; singleRowRowsPerSec: number; rowsPerCall: number;
    batchedRowsPerSec: number; batchedNpyRowsPerSec: number; directRowsPerSec: number; ratio: number; ratioRange: [number, number]; npyRatio: number; singleRowRatio: number;
    /** CPU of the server per 1,000 rows (its /metrics), and of the direct calls, ms. */
    cpuMsPer1000: { singleRow: number; batched: number; batchedNpy: number; direct: number };
  };
  goals: Array<{ goal: string; value: number; target: number; met: boolean }>;
  /** The server stopped on SIGTERM with exit status 0 after the last round. */
  cleanShutdown: boolean;
  protocol: Record<string, unknown>;
}

const median = (v: number[]) => quantile(v, 0.5);

/** Connections of the single-row phases besides the main one (`connections`). */
const FEWER_CONNECTIONS = [1, 8] as const;

/** Rows of `width` correlated columns (3 factors plus noise), as a user's table might be. */
function table(rows: number, width: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const w = Array.from({ length: 3 * width }, () => rng.normal());
  const offset = Array.from({ length: width }, () => 3 * rng.normal());
  const x = new Float32Array(rows * width);
  for (let i = 0; i < rows; i++) {
    const z = [rng.normal(), rng.normal(), rng.normal()];
    for (let j = 0; j < width; j++) x[i * width + j] = offset[j]! + z[0]! * w[j]! + z[1]! * w[width + j]! + z[2]! * w[2 * width + j]! + 0.3 * rng.normal();
  }
  return x;
}

/** Starts `aekit serve` as a child process; resolves with its URL once it listens. */
function startChild(args: string[], log: (line: string) => void, floor = false): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, ...(floor ? [FLOOR_SERVER] : [CLI_MAIN, 'serve', ...args])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aekit serve did not start within 180 s: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    }, 180_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = floor ? /^listening (\d+)$/m.exec(out) : /aekit serve: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        for (const line of out.trim().split('\n')) log(`  server: ${line}`);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({ child, url: floor ? `http://127.0.0.1:${m[1]}/` : m[1]! });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`aekit serve exited (${code ?? signal}) before it listened: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** The server's sum and count of rows per call, and its CPU seconds, from /metrics. */
async function scrape(url: string): Promise<{ sum: number; count: number; cpu: number }> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { sum: read('aekit_serve_batch_rows_sum\\{endpoint="score"\\}'), count: read('aekit_serve_batch_rows_count\\{endpoint="score"\\}'), cpu: read('aekit_serve_process_cpu_seconds_total') };
}

/** A body as a Lua string literal: JSON in a long string as it is, NPY bytes as decimal escapes (Lua strings hold any byte). */
function luaString(body: string | Buffer): string {
  if (typeof body === 'string') return `[==[${body}]==]`;
  let out = '"';
  for (const byte of body) out += `\\${byte}`;
  return `${out}"`;
}

/**
 * Loads POST /score with `bodies` (cycled; JSON, or NPY when they are bytes)
 * through wrk, the C load generator (Debian's wrk), at `connections` for
 * `seconds`. wrk needs a small fraction of the CPU autocannon needs for the
 * same requests, so on a machine of two cores it leaves the server nearly a
 * core of its own.
 */
function loadWithWrk(url: string, bodies: string[] | Buffer[], rowsPerBody: number, connections: number, seconds: number, work: string): Omit<LoadResult, 'rowsPerCall' | 'cpuMsPer1000'> {
  const script = join(work, 'bodies.lua');
  const contentType = typeof bodies[0] === 'string' ? 'application/json' : 'application/x-npy';
  writeFileSync(script, [
    'local bodies = {', ...bodies.map((b) => `${luaString(b)},`), '}',
    'local k = 0',
    'wrk.method = "POST"',
    `wrk.headers["Content-Type"] = "${contentType}"`,
    'request = function() k = k % #bodies + 1; return wrk.format(nil, nil, nil, bodies[k]) end',
  ].join('\n'));
  const r = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, new URL('/score', url).href], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk exited with ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`);
  const out = r.stdout;
  const ms = (v: string, unit: string) => Number(v) * (unit === 'us' ? 1e-3 : unit === 's' ? 1e3 : 1);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)$`, 'm').exec(out);
    if (!m) throw new Error(`wrk printed no ${p}th percentile: ${out}`);
    return ms(m[1]!, m[2]!);
  };
  const maxM = /^\s*Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/m.exec(out);
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const failed = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
    + (/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)?.slice(1).reduce((a, v) => a + Number(v), 0) ?? 0);
  return { answered: total - failed, rowsPerSec: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0) * rowsPerBody, p50: pct('50'), p90: pct('90'), p99: pct('99'), max: maxM ? ms(maxM[1]!, maxM[2]!) : NaN, failed };
}

/** Loads POST /score with `bodies` through wrk ({@link loadWithWrk}) or autocannon ({@link load}), with the server's own metrics around it (rows per call, CPU per row). */
async function loadThrough(wrk: boolean, url: string, bodies: string[] | Buffer[], rowsPerBody: number, connections: number, seconds: number, work: string, metrics = true): Promise<LoadResult> {
  if (!wrk) return load(url, bodies, rowsPerBody, connections, seconds, metrics);
  const noMetrics = { sum: 0, count: 0, cpu: 0 };
  const before = metrics ? await scrape(url) : noMetrics;
  const got = loadWithWrk(url, bodies, rowsPerBody, connections, seconds, work);
  const after = metrics ? await scrape(url) : noMetrics;
  return { ...got, rowsPerCall: (after.sum - before.sum) / Math.max(1, after.count - before.count), cpuMsPer1000: ((after.cpu - before.cpu) * 1e6) / Math.max(1, got.answered * rowsPerBody) };
}

/** Loads POST /score with `bodies` (cycled; JSON, or NPY when they are bytes) at `connections` for `seconds`. */
async function load(url: string, bodies: string[] | Buffer[], rowsPerBody: number, connections: number, seconds: number, metrics = true): Promise<LoadResult> {
  const noMetrics = { sum: 0, count: 0, cpu: 0 };
  const before = metrics ? await scrape(url) : noMetrics;
  const times: number[] = [];
  let next = 0;
  const instance = autocannon({
    url: new URL('/score', url).href,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': typeof bodies[0] === 'string' ? 'application/json' : 'application/x-npy' },
    requests: [{ setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length]! }) }],
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status === 200) times.push(ms);
  });
  const result = await instance;
  const after = metrics ? await scrape(url) : noMetrics;
  const answered = times.length;
  return {
    answered,
    rowsPerSec: (answered * rowsPerBody) / result.duration,
    p50: quantile(times, 0.5),
    p90: quantile(times, 0.9),
    p99: quantile(times, 0.99),
    max: times.reduce((a, b) => (b > a ? b : a), -Infinity), // not Math.max(...times): a long phase has more answers than a call takes arguments
    failed: result.non2xx + result.errors,
    rowsPerCall: (after.sum - before.sum) / Math.max(1, after.count - before.count),
    cpuMsPer1000: ((after.cpu - before.cpu) * 1e6) / Math.max(1, answered * rowsPerBody),
  };
}

/**
 * Runs the benchmark (see the module comment).
 * @throws {Error} when the server does not start, or answers a request with anything but 200.
 */
export async function runServeBenchmark(options: ServeBenchOptions = {}): Promise<ServeBenchResult> {
  const run = resolveRun(options);
  const { quick, seed, log } = run;
  const connections = options.connections ?? 64;
  const batch = options.batch ?? 64;
  const workers = options.workers ?? defaultServeWorkers();
  const seconds = options.seconds ?? (quick ? QUICK.seconds : 10);
  const rounds = options.rounds ?? (quick ? QUICK.rounds : 3);
  const fewerConnections = FEWER_CONNECTIONS.filter((c) => c < connections);
  const useWrk = options.loadGenerator === 'wrk';
  if (useWrk && spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error) throw new Error('--load-generator wrk: wrk is not installed (apt-get install -y wrk)');
  const started = performance.now();
  // Other work on the machine shows in every rate here: the 1-minute load average is recorded at both ends.
  const loadAtStart = loadavg()[0]!;
  const work = mkdtempSync(join(tmpdir(), 'aekit-bench-serve-'));
  let child: ChildProcess | undefined;
  let floorChild: ChildProcess | undefined;
  try {
    let dir = options.detector;
    const width = 16;
    if (!dir) {
      const trainRows = quick ? QUICK.trainRows : 2000;
      log(`fitting ${options.ensemble ? 'the table detector' : 'a dense autoencoder detector'} on ${trainRows} synthetic rows of ${width} columns...`);
      const det = options.ensemble
        ? new AnomalyDetector()
        : new AnomalyDetector(new Autoencoder({ inputShape: [width], encoder: { sizes: [32, 4] } }).compile({ seed }), { scaler: 'zscore' });
      const epochs = quick ? QUICK.epochs : options.ensemble ? undefined : 20;
      await det.fit({ x: table(trainRows, width, seed), shape: [trainRows, width] }, { contamination: 0.05, ...(epochs ? { train: { epochs, ...(options.ensemble ? {} : { batchSize: 64 }) } } : {}) });
      dir = join(work, 'detector');
      det.save(dir);
    }
    const direct = await openServable(dir, { ...(options.threads ? { threads: options.threads } : {}), log });
    const w = direct.spec.width;
    // Rows the detector has not seen, from the same table; the 64-row bodies are 16 blocks of them.
    const nRows = 16 * Math.max(64, batch);
    const rowSource = !options.rows || options.rows === 'auto' ? rowSourceOf(options.detector) : options.rows;
    log(`request rows: ${rowSource === 'synthetic' ? 'the synthetic table' : `${rowSource}'s first ${nRows} test images`}`);
    const rows = requestRows(rowSource, nRows, w, seed + 1);
    const rowAt = (i: number) => Array.from(rows.subarray((i % nRows) * w, ((i % nRows) + 1) * w));
    const single = Array.from({ length: nRows }, (_, i) => JSON.stringify({ row: rowAt(i) }));
    const batched = Array.from({ length: 16 }, (_, b) => JSON.stringify({ rows: Array.from({ length: batch }, (_, i) => rowAt(b * batch + i)) }));
    const batchedNpy = Array.from({ length: 16 }, (_, b) => Buffer.from(encodeNpy({ shape: [batch, w], data: rows.subarray(b * batch * w, (b + 1) * batch * w) })));

    const args = [dir, '--port', '0', '--max-batch', String(batch), ...(options.windowMs !== undefined ? ['--batch-window-ms', String(options.windowMs)] : []), ...(options.threads ? ['--threads', String(options.threads)] : []), '--workers', String(workers)];
    log(`aekit serve ${args.join(' ')}`);
    const server = await startChild(args, log);
    child = server.child;
    const floorServer = await startChild([], log, true);
    floorChild = floorServer.child;
    const url = server.url;
    log('warm-up: 1 s of single-row requests');
    await load(url, single, 1, connections, 1);

    const directPhase = async () => {
      // The rows of the 64-row bodies, in the same order: the k-NN scan's cost depends on the rows.
      const x = (b: number) => rows.subarray((b % 16) * batch * w, ((b % 16) + 1) * batch * w);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      let calls = 0;
      while (performance.now() - t0 < seconds * 1000) {
        await direct.run.score!(x(calls), batch);
        calls++;
      }
      const cpu = process.cpuUsage(cpu0);
      return { rowsPerSec: (calls * batch) / ((performance.now() - t0) / 1000), calls, cpuMsPer1000: ((cpu.user + cpu.system) / 1000) * (1000 / (calls * batch)) };
    };
    const out: ServeRound[] = [];
    for (let r = 0; r < rounds; r++) {
      // The phases in another order each round, so that a slow minute does not always fall on the same one.
      const phases = ['direct', 'json', 'npy', 'single', 'floor', ...fewerConnections.map((c) => `c${c}`)];
      const order = [...phases.slice(r % 4), ...phases.slice(0, r % 4)];
      const got: Partial<Pick<ServeRound, 'singleRow' | 'batched' | 'batchedNpy' | 'direct' | 'floor'>> = {};
      const fewer: Record<string, LoadResult> = {};
      for (const phase of order) {
        if (phase === 'direct') got.direct = await directPhase();
        else if (phase === 'json') got.batched = await loadThrough(useWrk, url, batched, batch, 4, seconds, work);
        else if (phase === 'npy') got.batchedNpy = await loadThrough(useWrk, url, batchedNpy, batch, 4, seconds, work);
        else if (phase === 'single') got.singleRow = await loadThrough(useWrk, url, single, 1, connections, seconds, work);
        else if (phase === 'floor') got.floor = await loadThrough(useWrk, floorServer.url, single, 1, connections, seconds, work, false);
        else fewer[phase] = await loadThrough(useWrk, url, single, 1, Number(phase.slice(1)), seconds, work);
      }
      const { singleRow, batched: b, batchedNpy: n, direct: d, floor } = got as Pick<ServeRound, 'singleRow' | 'batched' | 'batchedNpy' | 'direct' | 'floor'>;
      for (const [name, l] of [['single-row', singleRow], ['JSON batch', b], ['NPY batch', n], ...Object.entries(fewer).map(([c, x]) => [`single-row at ${c.slice(1)} connections`, x] as const)] as const) {
        if (l.failed > 0) throw new Error(`round ${r + 1}, ${name} load: ${l.failed} requests failed (non-200 answers or connection errors)`);
      }
      const round = { singleRow, fewer, floor, batched: b, batchedNpy: n, direct: d, ratio: b.rowsPerSec / d.rowsPerSec, npyRatio: n.rowsPerSec / d.rowsPerSec, singleRowRatio: singleRow.rowsPerSec / d.rowsPerSec };
      out.push(round);
      log(`round ${r + 1}/${rounds}: single rows p50 ${singleRow.p50.toFixed(2)} ms, p99 ${singleRow.p99.toFixed(2)} ms, ${singleRow.rowsPerSec.toFixed(0)} rows/s (${singleRow.rowsPerCall.toFixed(1)} rows a call; floor p99 ${floor.p99.toFixed(2)} ms, ${floor.rowsPerSec.toFixed(0)} rows/s); ` +
        `batch ${batch}: server ${b.rowsPerSec.toFixed(0)} rows/s (JSON), ${n.rowsPerSec.toFixed(0)} (NPY), direct ${d.rowsPerSec.toFixed(0)}, ratios ${round.ratio.toFixed(3)}, ${round.npyRatio.toFixed(3)}; ` +
        `CPU ms per 1,000 rows: server ${singleRow.cpuMsPer1000.toFixed(0)} (single rows), ${b.cpuMsPer1000.toFixed(0)} (JSON), ${n.cpuMsPer1000.toFixed(0)} (NPY), direct ${d.cpuMsPer1000.toFixed(0)}`);
    }

    floorChild.kill('SIGTERM');
    floorChild = undefined;
    child.kill('SIGTERM');
    const exit = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => child!.kill('SIGKILL'), 20_000);
      child!.once('exit', (code) => {
        clearTimeout(t);
        resolve(code);
      });
    });
    child = undefined;
    await direct.close();

    const ratios = out.map((r) => r.ratio);
    const byConnections: ServeBenchResult['summary']['byConnections'] = {};
    for (const c of [...fewerConnections, connections]) {
      const at = out.map((r) => (c === connections ? r.singleRow : r.fewer[`c${c}`]!));
      byConnections[`c${c}`] = { rps: median(at.map((x) => x.rowsPerSec)), p50Ms: median(at.map((x) => x.p50)), p99Ms: median(at.map((x) => x.p99)) };
    }
    const summary = {
      byConnections,
      floor: { rps: median(out.map((r) => r.floor.rowsPerSec)), p50Ms: median(out.map((r) => r.floor.p50)), p99Ms: median(out.map((r) => r.floor.p99)) },
      p50Ms: median(out.map((r) => r.singleRow.p50)),
      p99Ms: median(out.map((r) => r.singleRow.p99)),
      singleRowRowsPerSec: median(out.map((r) => r.singleRow.rowsPerSec)),
      rowsPerCall: median(out.map((r) => r.singleRow.rowsPerCall)),
      batchedRowsPerSec: median(out.map((r) => r.batched.rowsPerSec)),
      batchedNpyRowsPerSec: median(out.map((r) => r.batchedNpy.rowsPerSec)),
      directRowsPerSec: median(out.map((r) => r.direct.rowsPerSec)),
      ratio: median(ratios),
      ratioRange: [Math.min(...ratios), Math.max(...ratios)] as [number, number],
      npyRatio: median(out.map((r) => r.npyRatio)),
      singleRowRatio: median(out.map((r) => r.singleRowRatio)),
      cpuMsPer1000: {
        singleRow: median(out.map((r) => r.singleRow.cpuMsPer1000)),
        batched: median(out.map((r) => r.batched.cpuMsPer1000)),
        batchedNpy: median(out.map((r) => r.batchedNpy.cpuMsPer1000)),
        direct: median(out.map((r) => r.direct.cpuMsPer1000)),
      },
    };
    return {
      served: direct.description,
      width: w,
      rounds: out,
      summary,
      goals: [
        { goal: `p99 latency < ${GOALS.p99Ms} ms, single-row /score at ${connections} connections`, value: summary.p99Ms, target: GOALS.p99Ms, met: summary.p99Ms < GOALS.p99Ms },
        { goal: `server rows/s >= ${GOALS.ratio * 100}% of direct at batch ${batch}, JSON bodies`, value: summary.ratio, target: GOALS.ratio, met: summary.ratio >= GOALS.ratio },
        { goal: `server rows/s >= ${GOALS.ratio * 100}% of direct at batch ${batch}, NPY bodies`, value: summary.npyRatio, target: GOALS.ratio, met: summary.npyRatio >= GOALS.ratio },
      ],
      cleanShutdown: exit === 0,
      protocol: {
        connections, batch, batchConnections: 4, seconds, rounds, quick, seed, workers, rows: rowSource, loadGenerator: useWrk ? 'wrk 4.1 (1 thread)' : 'autocannon', detector: options.detector ?? (options.ensemble ? 'the table detector on a synthetic table' : 'a dense autoencoder detector on a synthetic table'),
        cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, seconds_total: (performance.now() - started) / 1000,
        loadAverage: { start: loadAtStart, end: loadavg()[0]! },
        scheduling: schedulingPolicy(),
      },
    };
  } finally {
    child?.kill('SIGKILL');
    floorChild?.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

/** The result as a markdown table and the goals. */
export function formatServeTable(r: ServeBenchResult): string {
  const f = (v: number, d: number) => v.toFixed(d);
  const row = (name: string, values: number[], med: number, d: number) => `| ${name} | ${values.map((v) => f(v, d)).join(' | ')} | ${f(med, d)} |`;
  const s = r.summary;
  const b = r.protocol.batch as number;
  const lines = [
    `Served: ${r.served}`,
    '',
    `| measure | ${r.rounds.map((_, i) => `round ${i + 1}`).join(' | ')} | median |`,
    `| --- | ${r.rounds.map(() => '---').join(' | ')} | --- |`,
    row(`single-row /score, ${r.protocol.connections} connections: p50 ms`, r.rounds.map((x) => x.singleRow.p50), s.p50Ms, 2),
    row('  p99 ms', r.rounds.map((x) => x.singleRow.p99), s.p99Ms, 2),
    row('  rows/s', r.rounds.map((x) => x.singleRow.rowsPerSec), s.singleRowRowsPerSec, 0),
    row('  rows per ONNX Runtime call (mean)', r.rounds.map((x) => x.singleRow.rowsPerCall), s.rowsPerCall, 1),
    row('  server CPU ms per 1,000 rows', r.rounds.map((x) => x.singleRow.cpuMsPer1000), s.cpuMsPer1000.singleRow, 0),
    row(`floor (a bare node:http server, no model), single rows, ${r.protocol.connections} connections: p50 ms`, r.rounds.map((x) => x.floor.p50), s.floor.p50Ms, 2),
    row('  p99 ms', r.rounds.map((x) => x.floor.p99), s.floor.p99Ms, 2),
    row('  rows/s', r.rounds.map((x) => x.floor.rowsPerSec), s.floor.rps, 0),
    ...Object.keys(r.rounds[0]?.fewer ?? {}).flatMap((c) => [
      row(`single-row /score, ${c.slice(1)} connection${c === 'c1' ? '' : 's'}: p50 ms`, r.rounds.map((x) => x.fewer[c]!.p50), s.byConnections[c]!.p50Ms, 2),
      row('  p99 ms', r.rounds.map((x) => x.fewer[c]!.p99), s.byConnections[c]!.p99Ms, 2),
      row('  rows/s', r.rounds.map((x) => x.fewer[c]!.rowsPerSec), s.byConnections[c]!.rps, 0),
    ]),
    row(`/score, ${b}-row JSON bodies, 4 connections: rows/s`, r.rounds.map((x) => x.batched.rowsPerSec), s.batchedRowsPerSec, 0),
    row('  server CPU ms per 1,000 rows', r.rounds.map((x) => x.batched.cpuMsPer1000), s.cpuMsPer1000.batched, 0),
    row(`/score, ${b}-row NPY bodies, 4 connections: rows/s`, r.rounds.map((x) => x.batchedNpy.rowsPerSec), s.batchedNpyRowsPerSec, 0),
    row('  server CPU ms per 1,000 rows', r.rounds.map((x) => x.batchedNpy.cpuMsPer1000), s.cpuMsPer1000.batchedNpy, 0),
    row(`direct (in-process), batch ${b}: rows/s`, r.rounds.map((x) => x.direct.rowsPerSec), s.directRowsPerSec, 0),
    row('  CPU ms per 1,000 rows', r.rounds.map((x) => x.direct.cpuMsPer1000), s.cpuMsPer1000.direct, 0),
    row(`server ÷ direct, ${b}-row JSON bodies`, r.rounds.map((x) => x.ratio), s.ratio, 3),
    row(`server ÷ direct, ${b}-row NPY bodies`, r.rounds.map((x) => x.npyRatio), s.npyRatio, 3),
    row('server ÷ direct, single rows micro-batched', r.rounds.map((x) => x.singleRowRatio), s.singleRowRatio, 3),
    '',
    ...r.goals.map((g) => `goal: ${g.goal}: ${f(g.value, 3)} (${g.met ? 'met' : 'not met'})`),
    `shutdown on SIGTERM: ${r.cleanShutdown ? 'clean (exit 0)' : 'NOT clean'}`,
    `machine: ${r.protocol.cpus} cores (${r.protocol.cpu}), Node ${r.protocol.node}; scheduling ${String(r.protocol.scheduling)}; 1-minute load average ${(r.protocol.loadAverage as { start: number }).start.toFixed(1)} at the start, ${(r.protocol.loadAverage as { end: number }).end.toFixed(1)} at the end`,
  ];
  return lines.join('\n');
}

/**
 * This process's CPU scheduling policy, which the server and load generator
 * inherit: `chrt -f 10 npm run bench:serve` runs them all under SCHED_FIFO,
 * ahead of other jobs on a shared machine. Recorded so that a result says
 * which it was.
 */
function schedulingPolicy(): string {
  const r = spawnSync('chrt', ['-p', String(process.pid)], { encoding: 'utf8' });
  if (r.status !== 0) return 'unknown (chrt not available)';
  const policy = /policy: (\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
  const priority = /priority: (\d+)/.exec(r.stdout)?.[1];
  return priority && priority !== '0' ? `${policy} priority ${priority}` : policy;
}
