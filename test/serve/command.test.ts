/**
 * `aekit serve <run>`: a run folder's scores equal `aekit detect <run> --data`
 * on the same CSV (the run's scaler applied, its detector used), a bare
 * checkpoint serves its model without /score, and the command's lines: the
 * address, the --host warning, a port in use.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDetectCommand } from '../../src/cli/commands/detect.js';
import { defaultServeWorkers, runServeCommand, type ServeFlags } from '../../src/cli/commands/serve.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { type Io } from '../../src/cli/io.js';
import { physicalCores } from '../../src/io/cpu-cores.js';
import { UsageError } from '../../src/runs/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-serve-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function quietIo(): Io & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (l) => lines.push(l), out: (l) => lines.push(l), tty: false };
}
const flags = (more: Partial<ServeFlags> = {}): ServeFlags => ({ host: '127.0.0.1', port: 0, batchWindowMs: 2, maxBatch: 256, bodyLimit: 1 << 20, detach: true, ...more });

const csvRows = (n: number, from: number) => Array.from({ length: n }, (_, k) => {
  const i = from + k;
  return [i % 50, (i * 7) % 31, Math.sin(i) * 10, Math.cos(i) * 3].map((v) => Number(v.toFixed(4)));
});
let runDir: string;

before(async () => {
  writeFileSync(join(dir, 'train.csv'), ['a,b,c,d', ...csvRows(300, 0).map((r) => r.join(','))].join('\n'));
  const outcome = (await runTrainCommand({ runs: join(dir, 'runs'), model: 'dense', latent: 2, data: join(dir, 'train.csv'), epochs: 2, batchSize: 32, figures: false }, quietIo()))!;
  runDir = outcome.run.dir;
});

describe('aekit serve <run>', () => {
  it('--workers defaults to one per physical core, and at most 8', () => {
    assert.equal(defaultServeWorkers(1), 1);
    assert.equal(defaultServeWorkers(2), 2);
    assert.equal(defaultServeWorkers(), Math.min(physicalCores() ?? 1, 8), 'this machine');
    assert.equal(defaultServeWorkers(64), 8);
  });

  it("scores rows as aekit detect <run> --data does: the run's scaler, then the run's detector", async () => {
    const rows = csvRows(40, 1000);
    writeFileSync(join(dir, 'new.csv'), ['a,b,c,d', ...rows.map((r) => r.join(','))].join('\n'));
    const out = join(dir, 'scores.csv');
    await runDetectCommand(runDir, { data: join(dir, 'new.csv'), out }, quietIo());
    const expected = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    const io = quietIo();
    const server = await runServeCommand(runDir, flags(), io);
    try {
      assert.match(io.lines[0]!, /^aekit serve: http:\/\/127\.0\.0\.1:\d+\/ \(the run .* \(Autoencoder; its detector in .*detector: combined score, threshold [\d.]+; rows scaled with the run's zscore scaler\)\)$/);
      assert.match(io.lines[1]!, /^ {2}POST \/score, POST \/encode, POST \/reconstruct, GET \/healthz, GET \/metrics; rows of 4 values; micro-batches of up to 256 rows within 2 ms$/);
      const answers = await Promise.all(rows.map((row) => fetch(new URL('/score', server.url), { method: 'POST', body: JSON.stringify({ row }), headers: { 'content-type': 'application/json' } }).then((r) => r.json() as Promise<{ score: number }>)));
      assert.deepEqual(answers.map((a) => a.score), expected);
      const rec = await (await fetch(new URL('/reconstruct', server.url), { method: 'POST', body: JSON.stringify({ rows }), headers: { 'content-type': 'application/json' } })).json() as { reconstructions: number[][] };
      // Back in the rows' units: near the inputs (a 2-number code of 4 correlated-ish columns), not z-scores.
      const meanAbs = (m: number[][]) => m.flat().reduce((a, v) => a + Math.abs(v), 0) / m.flat().length;
      assert.ok(Math.abs(meanAbs(rec.reconstructions) - meanAbs(rows)) < 0.5 * meanAbs(rows), `${meanAbs(rec.reconstructions)} vs ${meanAbs(rows)}`);
    } finally {
      await server.close();
    }
  });

  it('serves a bare checkpoint without /score, saying why', async () => {
    const io = quietIo();
    const server = await runServeCommand(join(runDir, 'checkpoint'), flags(), io);
    try {
      assert.match(io.lines.join('\n'), /not served: \/score: .*checkpoint is a bare checkpoint: a detector is fitted on a run's training data/);
      const res = await fetch(new URL('/score', server.url), { method: 'POST', body: '{"row": [1, 2, 3, 4]}', headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 404);
      const enc = await fetch(new URL('/encode', server.url), { method: 'POST', body: '{"row": [1, 2, 3, 4]}', headers: { 'content-type': 'application/json' } });
      assert.equal((await enc.json() as { code: number[] }).code.length, 2);
    } finally {
      await server.close();
    }
  });

  it('names what it expected for a path that is not there or holds none of them', async () => {
    await assert.rejects(runServeCommand(join(dir, 'nowhere'), flags(), quietIo()), (e: unknown) => e instanceof UsageError && /nowhere: no such folder; expected a run folder, a detector saved with aekit detect --save, or a checkpoint$/.test((e as Error).message));
    await assert.rejects(runServeCommand(dir, flags(), quietIo()), (e: unknown) => e instanceof UsageError && /: no run\.json, detector\.json or checkpoint\.json here; expected a run folder/.test((e as Error).message));
  });

  it('warns when --host opens it to the network, and names --port when the port is taken', async () => {
    const io = quietIo();
    const first = await runServeCommand(runDir, flags({ host: '0.0.0.0' }), io);
    try {
      assert.match(io.lines[0]!, /^Warning: --host 0\.0\.0\.0 makes the server reachable from other machines on that network\. It has no login/);
      const port = Number(new URL(first.url).port);
      await assert.rejects(runServeCommand(runDir, flags({ port }), quietIo()), (e: unknown) => e instanceof UsageError && /^--port \d+: the port is in use \(another aekit serve\?\)/.test((e as Error).message));
    } finally {
      await first.close();
    }
    const local = quietIo();
    const second = await runServeCommand(runDir, flags(), local);
    await second.close();
    assert.ok(!local.lines.some((l) => l.startsWith('Warning')), 'no warning on 127.0.0.1');
  });

  it('--workers 2: two processes on one port, the same scores, metrics summed over both, a killed worker replaced', async () => {
    const rows = csvRows(60, 2000);
    writeFileSync(join(dir, 'workers.csv'), ['a,b,c,d', ...rows.map((r) => r.join(','))].join('\n'));
    const out = join(dir, 'workers-scores.csv');
    await runDetectCommand(runDir, { data: join(dir, 'workers.csv'), out }, quietIo());
    const expected = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    const io = quietIo();
    const server = await runServeCommand(runDir, flags({ workers: 2 }), io);
    const score = (row: number[]) => fetch(new URL('/score', server.url), { method: 'POST', body: JSON.stringify({ row }), headers: { 'content-type': 'application/json' } }).then((r) => r.json() as Promise<{ score: number }>);
    try {
      assert.match(io.lines[1]!, /; 2 worker processes$/);
      assert.equal(server.pids().length, 2);
      const answers = await Promise.all(rows.map(score));
      assert.deepEqual(answers.map((a) => a.score), expected);
      // Whichever worker answers the scrape, it counts the requests both served.
      const metrics = await (await fetch(new URL('/metrics', server.url))).text();
      assert.match(metrics, /^aekit_serve_requests_total\{endpoint="\/score",status="200"\} 60$/m);
      const [victim] = server.pids();
      process.kill(victim!, 'SIGKILL');
      // A replacement loads the model anew: allow for a busy machine.
      for (let t = 0; t < 1200 && !(server.pids().length === 2 && !server.pids().includes(victim!)); t++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(server.pids().length, 2, 'a replacement worker started');
      assert.ok(!server.pids().includes(victim!));
      const again = await Promise.all(rows.slice(0, 10).map(score));
      assert.deepEqual(again.map((a) => a.score), expected.slice(0, 10));
    } finally {
      await server.close();
    }
    assert.deepEqual(server.pids(), [], 'every worker exited on close');
  });
});
