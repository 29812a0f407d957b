/**
 * The study journal (src/tune/journal.ts) and the study loop (src/tune/study.ts)
 * with a cheap trial function instead of training: replay rules, a torn last
 * line, resuming after a simulated crash (only unfinished trials re-run),
 * concurrent claims, pruners and the importance of parameters.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileStorage, type JournalRecord, studyState } from '../../src/tune/journal.js';
import { pruneReason } from '../../src/tune/pruners.js';
import { paramImportance, studyPoints } from '../../src/tune/report.js';
import { parseSearchConfig } from '../../src/tune/space.js';
import { type TrialFunction, openStudy, runWorker } from '../../src/tune/study.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-tune-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const search = parseSearchConfig({
  model: 'dense', data: { source: 'mnist', validationSplit: 0.2 },
  training: { epochs: 3, batchSize: { choice: [16, 32] }, optimizer: { name: 'adam', learningRate: { logUniform: [1e-4, 1e-1] } } },
  tune: { trials: 6, sampler: 'random', seed: 5, pruner: 'none' },
}, 'search.yaml');

/** A trial "trains" 3 epochs of a loss that depends on the learning rate only. */
const calls: number[] = [];
const cheap: TrialFunction = async (ctx) => {
  calls.push(ctx.number);
  const lr = ctx.params['training.optimizer.learningRate'] as number;
  let v = 0;
  for (let e = 1; e <= 3; e++) {
    v = (Math.log10(lr) + 2) ** 2 + 1 / e;
    const stop = await ctx.report(e, { loss: v, valLoss: v });
    if (stop) return { pruned: stop, epochs: e };
  }
  return { value: v, epochs: 3 };
};

/** The pid of a process that has exited (a claim by it is a dead worker's). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('the study journal', () => {
  it('replays claims and results: only the latest attempt counts, once', () => {
    const w = { host: 'h', pid: 1, id: 'w' };
    const records: JournalRecord[] = [
      { type: 'claim', time: 0, trial: 1, attempt: 'a', params: { x: 1 }, worker: w },
      { type: 'epoch', time: 0, trial: 1, attempt: 'a', epoch: 1, value: 5 },
      { type: 'claim', time: 1, trial: 1, attempt: 'b', params: { x: 1 }, worker: w },
      { type: 'done', time: 2, trial: 1, attempt: 'a', state: 'complete', value: 9, epochs: 3, seconds: 1 },
      { type: 'epoch', time: 2, trial: 1, attempt: 'b', epoch: 1, value: 4 },
      { type: 'done', time: 3, trial: 1, attempt: 'b', state: 'complete', value: 3, epochs: 3, seconds: 1 },
      { type: 'done', time: 4, trial: 1, attempt: 'b', state: 'complete', value: 7, epochs: 3, seconds: 1 },
      { type: 'claim', time: 5, trial: 1, attempt: 'c', params: { x: 1 }, worker: w },
    ];
    const t = studyState(records).trials.get(1)!;
    assert.equal(t.done?.value, 3, "the late result of attempt a and the second result of b are ignored; a claim after the result changes nothing");
    assert.equal(t.claims, 2);
    assert.deepEqual([...t.epochs], [[1, 4]]);
  });

  it('skips a line torn by a crash and starts the next record on a line of its own', async () => {
    const s = new FileStorage(join(dir, 'torn'));
    await s.append({ type: 'epoch', time: 0, trial: 1, attempt: 'a', epoch: 1, value: 1 });
    appendFileSync(s.where, '{"type":"epoch","time":0,"tri');
    await s.append({ type: 'epoch', time: 0, trial: 1, attempt: 'a', epoch: 2, value: 2 });
    const records = await s.read();
    assert.deepEqual(records.map((r) => (r as { epoch: number }).epoch), [1, 2]);
    assert.equal(readFileSync(s.where, 'utf8').split('\n').length, 4);
    appendFileSync(s.where, 'garbage\n');
    await assert.rejects(s.read(), /journal\.jsonl:4: not a journal record/);
  });

  it('resumes after a crash: the dead worker\'s trial is re-run with its parameters, finished trials are not', async () => {
    const storage = new FileStorage(join(dir, 'resume'));
    const opened = await openStudy(storage, search);
    calls.length = 0;
    await runWorker({ storage, search: opened, trial: cheap, budget: { trials: 3 } });
    assert.deepEqual(calls, [1, 2, 3]);
    // A worker that died in trial 4: its claim is in the journal, its process is gone.
    const params = { 'training.batchSize': 16, 'training.optimizer.learningRate': 0.01 };
    await storage.append({ type: 'claim', time: Date.now(), trial: 4, attempt: 'dead', params, worker: { host: hostname(), pid: deadPid(), id: 'x' } });
    await storage.append({ type: 'epoch', time: Date.now(), trial: 4, attempt: 'dead', epoch: 1, value: 1 });
    calls.length = 0;
    const ran = await runWorker({ storage, search: opened, trial: cheap, budget: { trials: 6 } });
    assert.deepEqual(ran, [4, 5, 6]);
    const state = studyState(await storage.read());
    assert.equal(state.trials.size, 6);
    for (const t of state.trials.values()) assert.equal(t.done?.state, 'complete', `trial ${t.number}`);
    assert.deepEqual(state.trials.get(4)!.params, params);
    assert.equal(state.trials.get(4)!.claims, 2);
    assert.deepEqual([...state.trials.get(4)!.epochs.keys()], [1, 2, 3], 'the re-run attempt reports its own epochs');
    // The same seed and journal give the same parameters: a fresh study with the same settings samples trial 1..3 alike.
    const again = new FileStorage(join(dir, 'resume-again'));
    await runWorker({ storage: again, search: await openStudy(again, search), trial: cheap, budget: { trials: 3 } });
    const a = studyState(await again.read());
    for (const n of [1, 2, 3]) assert.deepEqual(a.trials.get(n)!.params, state.trials.get(n)!.params);
    await assert.rejects(openStudy(storage, parseSearchConfig({ ...search.base, tune: { seed: 6 } }, 'other.yaml')), /another search config/);
  });

  it('gives each of many concurrent workers its own trials', async () => {
    const storages = Array.from({ length: 4 }, () => new FileStorage(join(dir, 'many')));
    const opened = await openStudy(storages[0]!, search);
    const slow: TrialFunction = async (ctx) => {
      await new Promise((r) => setTimeout(r, 5));
      return cheap(ctx);
    };
    const ran = await Promise.all(storages.map((storage) => runWorker({ storage, search: opened, trial: slow, budget: { trials: 12 } })));
    assert.deepEqual(ran.flat().sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 1));
    const state = studyState(await storages[0]!.read());
    for (const t of state.trials.values()) assert.equal(t.claims, 1);
  });
});

describe('pruners and importance', () => {
  const peers = (values: number[], complete = true) => values.map((v) => ({ complete, values: new Map([[1, v], [3, v]]) }));
  it('median: stops a trial worse than the median of 5 complete trials at its epoch, not before', () => {
    assert.equal(pruneReason('median', 1, 10, peers([1, 2, 3, 4])), undefined, 'only 4 complete trials');
    assert.match(pruneReason('median', 1, 10, peers([1, 2, 3, 4, 5]))!, /median rule at epoch 1.*median 3/);
    assert.equal(pruneReason('median', 1, 2.5, peers([1, 2, 3, 4, 5])), undefined);
    assert.equal(pruneReason('median', 1, 10, peers([1, 2, 3, 4, 5], false)), undefined, 'running trials do not count');
    assert.equal(pruneReason('none', 1, 1e9, peers([1, 2, 3, 4, 5])), undefined);
  });
  it('halving: at rungs 1, 3, 9 a trial goes on only in the best third', () => {
    assert.equal(pruneReason('halving', 2, 10, peers([1, 2, 3, 4, 5])), undefined, 'epoch 2 is no rung');
    assert.match(pruneReason('halving', 3, 10, peers([1, 2, 3, 4, 5]))!, /successive halving at epoch 3.*best 2 of 6/);
    assert.equal(pruneReason('halving', 3, 1.5, peers([1, 2, 3, 4, 5])), undefined);
    assert.equal(pruneReason('halving', 1, 10, peers([1])), undefined, 'fewer than 3 values at the rung');
  });
  it('importance ranks the parameter that decides the objective first', () => {
    const trials = Array.from({ length: 30 }, (_, i) => ({ number: i + 1, state: 'complete' as const, params: { a: (i * 7) % 10, b: i % 2 ? 'x' : 'y' }, value: ((i * 7) % 10) ** 2 + (i % 2) * 0.1 }));
    const imp = paramImportance(trials, [{ name: 'a', path: ['a'], spec: { kind: 'uniform', low: 0, high: 10 } }, { name: 'b', path: ['b'], spec: { kind: 'choice', values: ['x', 'y'] } }]);
    assert.ok(imp[0]!.importance > 0.9 && imp[1]!.importance < 0.1, JSON.stringify(imp));
    assert.ok(Math.abs(imp[0]!.importance + imp[1]!.importance - 1) < 1e-9);
    assert.deepEqual(studyPoints(studyState([])), []);
  });
});
