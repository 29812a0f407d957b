/**
 * A study in Redis (src/tune/redis-storage.ts) against a redis-server of its
 * own: two tuners share it with atomic claims; a worker whose lease lapses
 * (a dead machine) has its trial re-queued; a small real `aekit tune
 * --storage` run; one-line errors for bad URLs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Redis, type RedisServer, startRedis } from '../../bench/stream/protocol.js';
import { runTuneCommand } from '../../src/cli/commands/tune.js';
import { studyState } from '../../src/tune/journal.js';
import { RedisStorage } from '../../src/tune/redis-storage.js';
import { parseSearchConfig } from '../../src/tune/space.js';
import { type TrialFunction, openStudy, runWorker } from '../../src/tune/study.js';
import { sensorCsv } from '../runs/sensor-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-tune-redis-'));
let server: RedisServer;
let redis: Redis;
before(async () => {
  server = await startRedis();
  redis = await server.client();
});
after(async () => {
  redis?.destroy();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const search = parseSearchConfig({
  model: 'dense', data: { source: 'mnist', validationSplit: 0.2 },
  training: { optimizer: { name: 'adam', learningRate: { logUniform: [1e-4, 1e-1] } } },
  tune: { trials: 10, sampler: 'tpe', startupTrials: 3, pruner: 'median' },
}, 'search.yaml');
const cheap: TrialFunction = async (ctx) => {
  await new Promise((r) => setTimeout(r, 5));
  const v = (Math.log10(ctx.params['training.optimizer.learningRate'] as number) + 2) ** 2;
  await ctx.report(1, { valLoss: v + 1 });
  return { value: v, epochs: 1 };
};

describe('a study in Redis', () => {
  it('two tuners (two connections) share the study: each trial claimed once, all finished', async () => {
    const a = await RedisStorage.open(server.url('shared'));
    const b = await RedisStorage.open(server.url('shared'));
    try {
      const opened = await openStudy(a, search);
      await openStudy(b, search);
      const ran = await Promise.all([a, b].map((storage) => runWorker({ storage, search: opened, trial: cheap, budget: { trials: 10 } })));
      assert.deepEqual(ran.flat().sort((x, y) => x - y), Array.from({ length: 10 }, (_, i) => i + 1));
      assert.ok(ran[0]!.length > 0 && ran[1]!.length > 0, `both tuners ran trials: ${JSON.stringify(ran)}`);
      const state = studyState(await a.read());
      for (const t of state.trials.values()) {
        assert.equal(t.claims, 1);
        assert.equal(t.done?.state, 'complete');
      }
      assert.equal(await redis.sendCommand(['EXISTS', 'aekit:tune:shared:lock']), 0, 'the lock is released');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("re-queues a trial whose worker's lease lapsed, with its parameters", async () => {
    const storage = await RedisStorage.open(server.url('lapsed'), 300);
    try {
      const opened = await openStudy(storage, search);
      const params = { 'training.optimizer.learningRate': 0.01 };
      // A worker on another machine claimed trial 1, renewed its lease once, and died.
      await storage.append({ type: 'claim', time: Date.now(), trial: 1, attempt: 'gone', params, worker: { host: 'elsewhere', pid: 1, id: 'w' } });
      await storage.renewLease(1, 'gone');
      const early = await runWorker({ storage, search: opened, trial: cheap, budget: { trials: 1 } });
      assert.deepEqual(early, [], 'a live lease is respected');
      await new Promise((r) => setTimeout(r, 400));
      const ran = await runWorker({ storage, search: opened, trial: cheap, budget: { trials: 2 } });
      assert.deepEqual(ran, [1, 2]);
      const t = studyState(await storage.read()).trials.get(1)!;
      assert.deepEqual(t.params, params);
      assert.equal(t.claims, 2);
      assert.equal(t.done?.state, 'complete');
    } finally {
      await storage.close();
    }
  });

  it('aekit tune --storage redis://…/<study> trains real trials, the journal in Redis', async () => {
    const csv = sensorCsv(join(dir, 'sensors.csv'), 200);
    const config = join(dir, 'search.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(config, JSON.stringify({ model: 'dense', preset: { latent: { int: [1, 3] } }, data: { source: csv, labelColumn: 'fault', validationSplit: 0.25 }, training: { epochs: 2, batchSize: 32 }, tune: { trials: 2, sampler: 'random' } }));
    const io = { log: () => undefined, out: () => undefined, tty: false };
    const outcome = (await runTuneCommand({ config, study: join(dir, 'study'), storage: server.url('cli'), figures: false, threads: 1 }, io))!;
    assert.equal(outcome.state.trials.size, 2);
    assert.equal(await redis.sendCommand(['LLEN', 'aekit:tune:cli:journal']), 1 + 2 * 2 + 2 * 2, 'study, 2 claims, 2×2 epochs, 2 results');
    await assert.rejects(runTuneCommand({ study: join(dir, 'x'), storage: `redis://127.0.0.1:${server.port}/` }, io), /--storage redis:\/\/127\.0\.0\.1:\d+\/: name the study after the host/);
  });
});
