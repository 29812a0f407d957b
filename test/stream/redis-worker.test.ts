/**
 * The Redis stream worker (src/stream/redis-worker.ts) against a redis-server
 * of its own: the entry formats, bad entries to the dead-letter stream, one
 * output when two workers finish the same entry, a prompt stop on SIGTERM,
 * a run's own detector, and the one-line errors (Redis unreachable, flags). The kill test is
 * redis-kill.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import { type DetectFlags, runDetectCommand } from '../../src/cli/commands/detect.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { type RowScorer, detectorScorer, runRedisDetectWorker } from '../../src/stream/redis-worker.js';
import {
  type Redis, type RedisServer, WIDTH, offlineScores, readOutput, saveStreamDetector, startRedis, startWorker, stopWorkers, streamRows,
} from '../../bench/stream/protocol.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-redis-worker-'));
const detDir = join(dir, 'det');
const namedDir = join(dir, 'det-named');
const NAMES = ['a', 'b', 'c', 'd', 'e'];
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
let server: RedisServer;
let redis: Redis;

before(async () => {
  server = await startRedis();
  redis = await server.client();
  const det = await saveStreamDetector(detDir);
  det.save(namedDir, { columns: NAMES });
});
after(async () => {
  redis?.destroy();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const xadd = (stream: string, fields: string[]) => redis.sendCommand<string>(['XADD', stream, '*', ...fields]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, test: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
const xlen = (key: string) => redis.sendCommand<number>(['XLEN', key]);
const fieldsOf = (flat: string[]) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]));

describe('aekit detect --from redis://… (the worker)', () => {
  it('reads a row as CSV numbers, a JSON array or one field per feature name; bad entries go to <to>:errors with the reason, acknowledged', async () => {
    const rows = streamRows(4, 5);
    const r = (i: number) => rows.texts[i]!;
    const good: Array<[string[], number]> = [
      [['row', r(0)], 0],
      [['row', `[${r(1)}]`, 'ts', '1700000000'], 1],
      [NAMES.flatMap((n, j) => [n, r(2).split(',')[j]!]).concat('key', 'k-7'), 2],
      [['row', r(3).split(',').map((c) => ` ${c} `).join(',')], 3],
    ];
    const bad: Array<[string[], RegExp]> = [
      [['row', '1,2,3'], /^row: 3 values but the detector takes 5$/],
      [['row', '1,2,abc,4,5'], /^row: value 3: non-numeric value "abc"$/],
      [['row', '1,2,1e39,4,5'], /^row: value 3: 1e39 is outside the float32 range$/],
      [['row', '[1,2,"3",4,5]'], /^row: value 3: non-numeric value "3"$/],
      [['row', '[1,2,3'], /^row: invalid JSON/],
      [['row', '{"a":1}'], /^row: expected a JSON array of numbers/],
      [['row', '1,2,,4,5'], /^row: value 3: missing value$/],
      [['a', '1', 'b', '2', 'c', '3'], /^no field "row" and no fields d, e \(a row is one "row" field or one field per feature: a, b, c, d, e\)$/],
      [['a', '1', 'b', '2', 'c', 'x', 'd', '4', 'e', '5'], /^field "c": non-numeric value "x"$/],
    ];
    const goodIds: string[] = [];
    const badIds: string[] = [];
    for (const [i, [f]] of good.entries()) { goodIds.push(await xadd('formats', f)); if (i === 1) for (const [b] of bad) badIds.push(await xadd('formats', b)); }
    const det = AnomalyDetector.load(namedDir);
    const stop = new AbortController();
    const lines: string[] = [];
    const worker = runRedisDetectWorker(detectorScorer(det), { from: server.url('formats'), group: 'g', to: 'formats-out', consumer: 'c1', blockMs: 100, signal: stop.signal, log: (l) => lines.push(l) });
    await until('every entry handled', async () => (await xlen('formats-out')) + (await xlen('formats-out:errors')) === good.length + bad.length);
    stop.abort();
    const stats = await worker;
    assert.deepEqual({ written: stats.written, deadLettered: stats.deadLettered, alreadyDone: stats.alreadyDone }, { written: good.length, deadLettered: bad.length, alreadyDone: 0 });

    const offline = await offlineScores(detDir, rows.x);
    const out = await readOutput(redis, 'formats-out');
    assert.deepEqual(out.map((e) => e.id), goodIds);
    for (const [k, e] of out.entries()) {
      const i = good[k]![1];
      assert.equal(Number(e.score), offline.scores[i], `entry ${k}: the offline score, as a double`);
      assert.equal(e.flag, String(offline.flags[i]));
    }
    const errors = await redis.sendCommand<Array<[string, string[]]>>(['XRANGE', 'formats-out:errors', '-', '+']);
    assert.deepEqual(errors.map(([, f]) => fieldsOf(f).id), badIds);
    for (const [k, [, f]] of errors.entries()) {
      const o = fieldsOf(f);
      assert.match(o.reason!, bad[k]![1]);
      assert.deepEqual(JSON.parse(o.fields!), fieldsOf(bad[k]![0]), 'the entry\'s fields, for whoever mends it');
    }
    const pending = await redis.sendCommand<[number]>(['XPENDING', 'formats', 'g']);
    assert.equal(pending[0], 0, 'bad entries are acknowledged too');
    assert.ok(lines.some((l) => /^bad entry \S+: row: 3 values but the detector takes 5$/.test(l)), lines.join('\n'));
  });

  it('a detector without feature names asks for the row field', async () => {
    const id = await xadd('nonames', ['a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5']);
    const stop = new AbortController();
    const worker = runRedisDetectWorker(detectorScorer(AnomalyDetector.load(detDir)), { from: server.url('nonames'), group: 'g', to: 'nonames-out', blockMs: 100, signal: stop.signal });
    await until('the dead letter', async () => (await xlen('nonames-out:errors')) === 1);
    stop.abort();
    await worker;
    const [[, f]] = await redis.sendCommand<Array<[string, string[]]>>(['XRANGE', 'nonames-out:errors', '-', '+']);
    assert.deepEqual([fieldsOf(f!).id, fieldsOf(f!).reason], [id, 'no field "row" (the detector records no feature names, so the values must come as one "row" field: comma-separated numbers or a JSON array)']);
  });

  it('two workers finishing the same entries (a slow one, and the one that took them over) write each id once', async () => {
    const rows = streamRows(10, 6);
    const ids: string[] = [];
    for (const t of rows.texts) ids.push(await xadd('race', ['row', t]));
    const det = AnomalyDetector.load(detDir);
    // The slow worker reads all ten, then stalls in scoring until the other has written them.
    let stalled!: () => void;
    const reading = new Promise<void>((r) => (stalled = r));
    const slowScorer: RowScorer = { ...detectorScorer(det), score: async (x, n) => { stalled(); await until('the take-over', async () => (await xlen('race-out')) === 10); return det.score({ x, shape: [n, WIDTH] }); } };
    const stopSlow = new AbortController();
    const slow = runRedisDetectWorker(slowScorer, { from: server.url('race'), group: 'g', to: 'race-out', consumer: 'slow', claimIdleMs: 3_600_000, blockMs: 100, signal: stopSlow.signal });
    await reading;
    const stopFast = new AbortController();
    const fast = runRedisDetectWorker(detectorScorer(det), { from: server.url('race'), group: 'g', to: 'race-out', consumer: 'fast', claimIdleMs: 50, blockMs: 100, signal: stopFast.signal });
    await until('the slow worker to finish', async () => (await redis.sendCommand<[number]>(['XPENDING', 'race', 'g']))[0] === 0 && (await xlen('race-out')) === 10);
    await sleep(300);
    stopSlow.abort();
    stopFast.abort();
    const [s, f] = await Promise.all([slow, fast]);
    assert.equal(f.claimed, 10, 'the fast worker took the ten over');
    assert.equal(f.written, 10);
    assert.deepEqual([s.written, s.alreadyDone], [0, 10], 'the slow one found them written: its XACK took nothing off the pending list');
    const out = await readOutput(redis, 'race-out');
    assert.deepEqual(out.map((e) => e.id), ids);
  });

  it('a write that Redis refuses (the output key is not a stream) ends the worker with one line, and the entry stays pending: nothing is lost', async () => {
    await redis.sendCommand(['SET', 'taken-out', 'a string']);
    const id = await xadd('taken', ['row', streamRows(1, 11).texts[0]!]);
    await assert.rejects(runRedisDetectWorker(detectorScorer(AnomalyDetector.load(detDir)), { from: server.url('taken'), group: 'g', to: 'taken-out', consumer: 'c', blockMs: 100 }),
      (e: Error) => e.name === 'StreamError' && e.message.startsWith(`Redis at ${server.url('taken')}: WRONGTYPE`) && e.message.endsWith('(are taken, taken-out and taken-out:errors streams, or new keys?)'));
    const pending = await redis.sendCommand<Array<[string, string]>>(['XPENDING', 'taken', 'g', '-', '+', '10']);
    assert.deepEqual(pending.map((p) => [p[0], p[1]]), [[id, 'c']]);
  });

  it('SIGTERM while blocked in a long read: exits 0 at once (the read is unblocked), and the outcome with --json', async () => {
    const w = startWorker(detDir, server.url('quiet'), { group: 'g', to: 'quiet-out', consumer: 'q', blockMs: 600_000 });
    await w.ready;
    await sleep(200);
    const t0 = Date.now();
    const [code] = await stopWorkers([w]);
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms`);
    assert.ok(w.lines.includes('SIGTERM: stopping after the batch in flight (again to stop at once)'), w.lines.join('\n'));
    assert.deepEqual(JSON.parse(w.lines.at(-1)!).stream, { consumer: 'q', written: 0, deadLettered: 0, alreadyDone: 0, claimed: 0, flagged: 0 });
  });
});

describe('aekit detect <run> --from redis://…', () => {
  it("scores with the run's own detector, rows in the run's units (its scaler applied), as aekit detect <run> --data does; SIGTERM ends it", async () => {
    const train = streamRows(400, 8);
    const csv = (texts: readonly string[]) => `f1,f2,f3,f4,f5\n${texts.map((t) => `${t}\n`).join('')}`;
    const trainCsv = join(dir, 'train.csv');
    writeFileSync(trainCsv, csv(train.texts.map((t) => t.split(',').map((v) => String(100 * Number(v) + 7)).join(','))));
    const quiet = { log: () => {}, out: () => {}, tty: false };
    const outcome = (await runTrainCommand({ runs: join(dir, 'runs'), model: 'dense', data: trainCsv, scale: 'zscore', latent: 2, epochs: 2, batchSize: 64, figures: false }, quiet))!;
    const runDir = outcome.run.dir;
    const rows = streamRows(300, 9);
    const texts = rows.texts.map((t) => t.split(',').map((v) => String(100 * Number(v) + 7)).join(','));
    const rowsCsv = join(dir, 'rows.csv');
    writeFileSync(rowsCsv, csv(texts));
    const offlineCsv = join(dir, 'run-scores.csv');
    await runDetectCommand(runDir, { data: rowsCsv, out: offlineCsv }, quiet);
    const offline = readFileSync(offlineCsv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));

    const ids: string[] = [];
    for (const t of texts) ids.push(await xadd('run-in', ['row', t]));
    const lines: string[] = [];
    const running = runDetectCommand(runDir, { from: server.url('run-in'), group: 'g', to: 'run-out', blockMs: 100 }, { log: (l) => lines.push(l), out: () => {}, tty: false });
    await until('the run detector\'s scores', async () => (await xlen('run-out')) === texts.length, 60_000);
    process.kill(process.pid, 'SIGTERM'); // the worker's handler takes it: it stops after the batch in flight
    const r = await running;
    assert.equal(r.samples, texts.length);
    const out = await readOutput(redis, 'run-out');
    assert.deepEqual(out.map((e) => e.id), ids);
    assert.deepEqual(out.map((e) => [e.score, e.flag]), offline.map(([, score, flag]) => [score, flag]), 'the scores and flags aekit detect <run> --data writes');
    assert.match(lines[0]!, /^detector: the run's detector \(.*detector\)$/);
    assert.ok(lines.includes('SIGTERM: stopping after the batch in flight (again to stop at once)'), lines.join('\n'));
  });
});

describe('aekit detect --from: Redis going away', () => {
  it('restarted without its data within --wait-ms: the worker reconnects, makes the group again and goes on', async () => {
    const own = await startRedis();
    const mine = await own.client();
    const stop = new AbortController();
    const lines: string[] = [];
    const worker = runRedisDetectWorker(detectorScorer(AnomalyDetector.load(detDir)), { from: own.url('back'), group: 'g', to: 'back-out', consumer: 'c', blockMs: 200, waitMs: 20_000, signal: stop.signal, log: (l) => lines.push(l) });
    const rows = streamRows(2, 10);
    await mine.sendCommand(['XADD', 'back', '*', 'row', rows.texts[0]!]);
    await until('the first output', async () => (await mine.sendCommand<number>(['XLEN', 'back-out'])) === 1);
    mine.destroy();
    await own.stop();
    const again = await startRedis(own.port);
    const other = await again.client();
    try {
      await until('the group made again', async () => lines.some((l) => l.startsWith('group g of back was gone')));
      const id = await other.sendCommand<string>(['XADD', 'back', '*', 'row', rows.texts[1]!]);
      await until('the output after the restart', async () => (await other.sendCommand<number>(['XLEN', 'back-out'])) === 1);
      stop.abort();
      const stats = await worker;
      assert.equal(stats.written, 2);
      const out = await readOutput(other, 'back-out');
      assert.equal(out[0]!.id, id);
      assert.equal(Number(out[0]!.score), (await offlineScores(detDir, rows.x)).scores[1]);
    } finally {
      stop.abort();
      other.destroy();
      await again.stop();
    }
  });

  it('gone for longer than --wait-ms: the worker ends with one line naming the URL', async () => {
    const own = await startRedis();
    const lines: string[] = [];
    const worker = runRedisDetectWorker(detectorScorer(AnomalyDetector.load(detDir)), { from: own.url('gone'), group: 'g', to: 'gone-out', blockMs: 200, waitMs: 1000, log: (l) => lines.push(l) });
    await until('the worker to read', async () => lines.some((l) => l.startsWith('worker ')));
    await own.stop();
    await assert.rejects(worker, (e: Error) => e.name === 'StreamError' && new RegExp(`^lost Redis at redis://127\\.0\\.0\\.1:${own.port}/gone \\(ECONNREFUSED\\) and could not reconnect within 1\\.0 s$`).test(e.message), );
  });
});

/** Runs the CLI to the end; exit code, stdout, stderr. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', tsx, main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 })));
}

describe('aekit detect --from: one-line errors', () => {
  it('Redis unreachable: waits --wait-ms, then one line naming the URL (password hidden), exit code 1', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const r = await cli(['detect', detDir, '--from', `redis://app:s3cret@127.0.0.1:${port}/events`, '--group', 'g', '--to', 'out', '--wait-ms', '800']);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`^aekit: cannot reach Redis at redis://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}/events \\(ECONNREFUSED; gave up after \\d+ tries in \\d+\\.\\d s\\)$`));
    assert.ok(!r.stderr.includes('s3cret'));
  });

  it('flags: --group and --to are needed, file flags do not apply, the URL names a stream, --start-id is an id', async () => {
    const url = server.url('x');
    const io = { log: () => {}, out: () => {}, tty: false };
    const cases: Array<[DetectFlags, string]> = [
      [{ from: url, to: 'out' }, '--from: name the consumer group with --group'],
      [{ from: url, group: 'g' }, '--from: name the output stream with --to'],
      [{ from: url, group: 'g', to: 'o', data: 'x.csv', out: '-' }, '--from reads its rows from the stream and writes scores to --to: drop --data, --out'],
      [{ from: `redis://127.0.0.1:${server.port}`, group: 'g', to: 'o' }, `--from redis://127.0.0.1:${server.port}: name the stream after the host, like redis://host:6379/<stream>`],
      [{ from: 'http://h/s', group: 'g', to: 'o' }, '--from http://h/s: expected a redis:// or rediss:// URL, like redis://host:6379/<stream>'],
    ];
    for (const [flags, message] of cases) {
      await assert.rejects(runDetectCommand(detDir, flags, io), (e: Error) => e.name === 'UsageError' && e.message === message, JSON.stringify(flags));
    }
    await assert.rejects(runDetectCommand(undefined, { from: url, group: 'g', to: 'o' }, io), /--from: give the detector that scores the stream: a run folder or a saved detector/);
    const r = await cli(['detect', detDir, '--from', url, '--group', 'g', '--to', 'o', '--start-id', 'last']);
    assert.deepEqual([r.code, r.stderr.trim()], [1, "aekit: --start-id must be 0, $ or an entry id like 1700000000000-0, got 'last'; see aekit detect --help"]);
  });
});
