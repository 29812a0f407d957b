/**
 * Enqueued trials (Optuna's `enqueue_trial`): `default:` values of spaces,
 * `tune.enqueueDefault` and `tune.enqueue` are checked against the space
 * with errors naming the field; enqueued configurations are trials 1, 2, ...
 * of the journal, run once each (resumed after a crash, with concurrent
 * workers, in Redis, and with `aekit tune --workers 2`), and the sampler
 * sees their results like any other trial's.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RedisServer, startRedis } from '../../bench/stream/protocol.js';
import { runTuneCommand } from '../../src/cli/commands/tune.js';
import { ConfigError } from '../../src/config/validate.js';
import { parseRunConfig } from '../../src/runs/run-config.js';
import { FileStorage, studyState } from '../../src/tune/journal.js';
import { RedisStorage } from '../../src/tune/redis-storage.js';
import { parseSearchConfig, trialConfig, valueInSpace } from '../../src/tune/space.js';
import { type TrialFunction, newTrialParams, openStudy, runWorker } from '../../src/tune/study.js';
import { sensorCsv } from '../runs/sensor-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-tune-enqueue-'));
let server: RedisServer | undefined;
before(async () => {
  server = await startRedis();
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const LR = 'training.optimizer.learningRate';
const raw = (tune: Record<string, unknown> = {}) => ({
  model: { choice: ['dense', 'deep'], default: 'dense' },
  data: { source: 'mnist', samples: 100, validationSplit: 0.2 },
  preset: { latent: { int: [2, 16], log: true, default: 8 } },
  training: { epochs: 2, batchSize: { choice: [32, 64, 128], default: 128 }, optimizer: { name: 'adam', learningRate: { logUniform: [1e-4, 1e-2], default: 2e-3 } } },
  tune: { trials: 8, sampler: 'tpe', startupTrials: 3, seed: 3, pruner: 'none', ...tune },
});

function throwsAt(config: unknown, path: string, detail: RegExp): void {
  assert.throws(() => parseSearchConfig(config, 'search.yaml'), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.path, path);
    assert.match(e.detail, detail);
    return true;
  });
}

/** A trial "trains" instantly: the objective depends on the learning rate and the model. */
const calls: number[] = [];
const cheap: TrialFunction = async (ctx) => {
  calls.push(ctx.number);
  await new Promise((r) => setTimeout(r, 2));
  const v = (Math.log10(ctx.params[LR] as number) + 2.5) ** 2 + (ctx.params.model === 'deep' ? 0.1 : 0);
  await ctx.report(1, { valLoss: v });
  return { value: v, epochs: 1 };
};

describe('enqueued trials: the config', () => {
  it('enqueueDefault makes trial 1 the plain config: each space at its default', () => {
    const s = parseSearchConfig(raw({ enqueueDefault: true, enqueue: [{ [LR]: 1e-3 }, { model: 'deep', 'training.batchSize': 32 }] }), 'search.yaml');
    assert.deepEqual(s.params.find((p) => p.name === 'preset.latent')!.default, 8);
    assert.deepEqual(s.tune.enqueue, [
      { model: 'dense', 'preset.latent': 8, 'training.batchSize': 128, [LR]: 2e-3 },
      { [LR]: 1e-3 },
      { model: 'deep', 'training.batchSize': 32 },
    ]);
    // The default trial's run config is the config written without spaces.
    const plain = parseRunConfig({ model: 'dense', data: { source: 'mnist', samples: 100, validationSplit: 0.2 }, preset: { latent: 8 }, training: { epochs: 2, batchSize: 128, optimizer: { name: 'adam', learningRate: 2e-3 } } }, 'search.yaml');
    assert.deepEqual(trialConfig(s, s.tune.enqueue![0]!), plain);
    assert.equal(parseSearchConfig(raw(), 'search.yaml').tune.enqueue, undefined, 'nothing enqueued unless asked');
    assert.equal(parseSearchConfig(raw({ enqueueDefault: false }), 'search.yaml').tune.enqueue, undefined);
  });

  it('refuses values outside their space and names that are not searched parameters, naming the field', () => {
    throwsAt(raw({ enqueue: [{ [LR]: 0.5 }] }), `search.yaml.tune.enqueue[0].${LR}`, /a number in the space's range \[0\.0001, 0\.01\], got 0\.5/);
    throwsAt(raw({ enqueue: [{ model: 'conv' }] }), 'search.yaml.tune.enqueue[0].model', /one of the space's choices "dense", "deep", got "conv"/);
    throwsAt(raw({ enqueue: [{ model: 'dense' }, { 'preset.latent': 4.5 }] }), 'search.yaml.tune.enqueue[1].preset.latent', /an integer in the space's range \[2, 16\], got 4\.5/);
    throwsAt(raw({ enqueue: [{ 'training.epochs': 3 }] }), 'search.yaml.tune.enqueue[0].training.epochs', /unknown search parameter; allowed search parameters: model, preset\.latent, training\.batchSize/);
    throwsAt(raw({ enqueue: [{}] }), 'search.yaml.tune.enqueue[0]', /at least one search parameter/);
    throwsAt(raw({ enqueue: { model: 'dense' } }), 'search.yaml.tune.enqueue', /expected a list of trials/);
    throwsAt(raw({ enqueueDefault: 'yes' }), 'search.yaml.tune.enqueueDefault', /expected true or false/);
    const noDefault = raw({ enqueueDefault: true });
    noDefault.training.optimizer.learningRate = { logUniform: [1e-4, 1e-2] } as typeof noDefault.training.optimizer.learningRate;
    throwsAt(noDefault, 'search.yaml.tune.enqueueDefault', /training\.optimizer\.learningRate has none/);
    const badDefault = raw();
    badDefault.training.batchSize = { choice: [32, 64], default: 128 };
    throwsAt(badDefault, 'search.yaml.training.batchSize.default', /one of the space's choices 32, 64, got 128/);
    // A choice of lists (depth and widths) is matched by value.
    const sizes = { kind: 'choice', values: [[64, 32], [128, 64, 32]] } as const;
    assert.deepEqual(valueInSpace({ ...sizes, values: [...sizes.values] }, [128, 64, 32], 'x'), [128, 64, 32]);
    assert.throws(() => valueInSpace({ ...sizes, values: [...sizes.values] }, [128, 64], 'x.sizes'), /x\.sizes: expected one of the space's choices \[64,32\], \[128,64,32\], got \[128,64\]/);
  });
});

describe('enqueued trials in a study', () => {
  const search = parseSearchConfig(raw({ enqueueDefault: true, enqueue: [{ [LR]: 1e-3 }] }), 'search.yaml');

  it('are trials 1, 2, ... before the sampler draws; left-out parameters are drawn; the sampler sees their results', async () => {
    const storage = new FileStorage(join(dir, 'one'));
    calls.length = 0;
    await runWorker({ storage, search: await openStudy(storage, search), trial: cheap, budget: { trials: 8 } });
    assert.deepEqual(calls, [1, 2, 3, 4, 5, 6, 7, 8]);
    const state = studyState(await storage.read());
    assert.deepEqual(state.trials.get(1)!.params, search.tune.enqueue![0]);
    const second = state.trials.get(2)!.params;
    assert.equal(second[LR], 1e-3);
    assert.deepEqual(Object.keys(second).sort(), search.params.map((p) => p.name).sort(), 'the sampler filled in the others');
    // A sampler's draw for trial 4 is computed from trials 1-3, enqueued ones among them: with 3 complete trials TPE's model is on.
    const upTo3 = studyState((await storage.read()).filter((r) => r.type === 'study' || r.trial <= 3));
    assert.deepEqual(newTrialParams(search, upTo3, 4), state.trials.get(4)!.params);
    const withoutEnqueued = { ...search, tune: { ...search.tune, enqueue: [] } };
    const fresh = studyState([]);
    assert.notDeepEqual(newTrialParams(withoutEnqueued, fresh, 1), state.trials.get(1)!.params);
    for (const t of state.trials.values()) assert.equal(t.claims, 1);
    // A study is resumed only with the same queue.
    await assert.rejects(openStudy(storage, parseSearchConfig(raw({ enqueueDefault: true }), 'search.yaml')), /another search config/);
  });

  it('a crash in the enqueued trial re-runs it with its parameters; concurrent workers each claim it once', async () => {
    const storage = new FileStorage(join(dir, 'crash'));
    const opened = await openStudy(storage, search);
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await storage.append({ type: 'claim', time: Date.now(), trial: 1, attempt: 'dead', params: search.tune.enqueue![0]!, worker: { host: hostname(), pid: Number(r.stdout), id: 'x' } });
    const workers = Array.from({ length: 3 }, () => new FileStorage(join(dir, 'crash')));
    calls.length = 0;
    const ran = await Promise.all(workers.map((s) => runWorker({ storage: s, search: opened, trial: cheap, budget: { trials: 6 } })));
    assert.deepEqual(ran.flat().sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
    const state = studyState(await storage.read());
    assert.deepEqual(state.trials.get(1)!.params, search.tune.enqueue![0]);
    assert.equal(state.trials.get(1)!.claims, 2);
    assert.equal(state.trials.get(2)!.params[LR], 1e-3);
    for (const n of [2, 3, 4, 5, 6]) assert.equal(state.trials.get(n)!.claims, 1);
    for (const t of state.trials.values()) assert.equal(t.done?.state, 'complete');
  });

  it('two tuners sharing a study in Redis run each enqueued trial once', async () => {
    const a = await RedisStorage.open(server!.url('enqueue'));
    const b = await RedisStorage.open(server!.url('enqueue'));
    try {
      const opened = await openStudy(a, search);
      await openStudy(b, search);
      const ran = await Promise.all([a, b].map((storage) => runWorker({ storage, search: opened, trial: cheap, budget: { trials: 6 } })));
      assert.deepEqual(ran.flat().sort((x, y) => x - y), [1, 2, 3, 4, 5, 6]);
      const state = studyState(await a.read());
      assert.deepEqual(state.trials.get(1)!.params, search.tune.enqueue![0]);
      assert.equal(state.trials.get(2)!.params[LR], 1e-3);
      for (const t of state.trials.values()) assert.equal(t.claims, 1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('aekit tune --workers 2 trains the default config as trial 1', async () => {
    const csv = sensorCsv(join(dir, 'sensors.csv'), 160);
    const config = join(dir, 'search.json');
    writeFileSync(config, JSON.stringify({
      model: 'dense', preset: { latent: { int: [1, 3], default: 2 } }, data: { source: csv, labelColumn: 'fault', validationSplit: 0.25 },
      training: { epochs: 1, batchSize: 32, optimizer: { name: 'adam', learningRate: { logUniform: [1e-3, 1e-2], default: 2e-3 } } },
      tune: { objective: 'rocAuc', trials: 3, sampler: 'random', enqueueDefault: true, enqueue: [{ 'preset.latent': 3 }] },
    }));
    const study = join(dir, 'cli');
    const io = { log: () => undefined, out: () => undefined, tty: false };
    const outcome = (await runTuneCommand({ config, study, workers: 2, threads: 1, figures: false }, io))!;
    assert.equal(outcome.state.trials.size, 3);
    for (const t of outcome.state.trials.values()) {
      assert.equal(t.claims, 1);
      assert.equal(t.done?.state, 'complete');
    }
    const first = JSON.parse(readFileSync(join(study, 'configs', 'trial-0001.json'), 'utf8')) as { preset: { latent: number }; training: { optimizer: { learningRate: number } } };
    assert.equal(first.preset.latent, 2);
    assert.equal(first.training.optimizer.learningRate, 2e-3);
    assert.equal(outcome.state.trials.get(2)!.params['preset.latent'], 3);
  });
});
