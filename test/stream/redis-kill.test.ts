/**
 * Exactly one output per input id under a worker's death: three `aekit detect
 * --from redis://…` processes score 100,000 events while they are produced,
 * one is killed with SIGKILL mid-stream (while it holds entries), the other
 * two take its entries over. Every input id must then have exactly one output,
 * whose score equals the saved detector's score of the same row in one
 * offline call, as a double. `bench/stream-kill.ts --times 20` repeats this.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { type RedisServer, killRun, offlineScores, saveStreamDetector, startRedis, streamRows } from '../../bench/stream/protocol.js';

const EVENTS = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'aekit-redis-kill-'));
const detDir = join(dir, 'det');
let server: RedisServer;

before(async () => {
  server = await startRedis();
  await saveStreamDetector(detDir);
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it(`3 workers, ${EVENTS.toLocaleString('en-US')} events, one killed with SIGKILL mid-stream: each id written once, with the offline score`, async (t) => {
  const rows = streamRows(EVENTS, 2);
  const offline = await offlineScores(detDir, rows.x);
  const r = await killRun({ server, detDir, rows, offline, workers: 3, batchSize: 1024, claimIdleMs: 1000, killAt: 0.3, log: (l) => t.diagnostic(l) });
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.drained, 'the group was handed every entry and holds none pending');
  assert.equal(r.killedAfter < EVENTS, true, 'the kill came mid-stream');
  assert.deepEqual({ lost: r.lost, duplicated: r.duplicated, unknown: r.unknown, written: r.written }, { lost: 0, duplicated: 0, unknown: 0, written: EVENTS });
  assert.deepEqual({ wrongScores: r.wrongScores, wrongFlags: r.wrongFlags }, { wrongScores: 0, wrongFlags: 0 });
  assert.ok(r.victimPending > 0, 'the killed worker held entries (it was frozen with SIGSTOP until it did)');
  assert.ok(r.takenOver >= r.victimPending, `the survivors took over the ${r.victimPending} entries the killed worker held (took ${r.takenOver})`);
  assert.deepEqual(r.survivorExits, [0, 0], 'SIGTERM: the survivors finish their batch and exit 0');
});
