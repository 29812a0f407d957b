/**
 * Tuning studies in the dashboard's API (src/dashboard/studies.ts): a study
 * folder (journal.jsonl, trial run folders) is listed by /api/studies, its
 * page data by /api/study (trials with state, parameters, objective, pruned
 * at and run id; the study report's importance), its trials are runs of
 * /api/runs that name their study, and a changed journal is streamed as a
 * `studies` event; the study page in headless Chromium shows the trials
 * and follows the journal. The journal is written by the real study loop
 * with a cheap trial function (no training).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildWebAssets } from '../../src/dashboard/build-web.js';
import type { RunSummary } from '../../src/dashboard/runs.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/server.js';
import type { StudySummary, StudyView } from '../../src/dashboard/studies.js';
import { FileStorage, studyState } from '../../src/tune/journal.js';
import { paramImportance, studyPoints } from '../../src/tune/report.js';
import { parseSearchConfig } from '../../src/tune/space.js';
import { type TrialFunction, openStudy, runWorker } from '../../src/tune/study.js';
import { openWatchedPage } from './chromium-page.js';
import { openEventStream } from './event-stream.js';

const LR = 'training.optimizer.learningRate';
const search = parseSearchConfig({
  model: { choice: ['dense', 'deep'], default: 'dense' }, data: { source: 'mnist', validationSplit: 0.2 },
  training: { epochs: 3, optimizer: { name: 'adam', learningRate: { logUniform: [1e-4, 1e-1], default: 2e-3 } } },
  tune: { trials: 8, sampler: 'random', seed: 2, pruner: 'none', enqueueDefault: true },
}, 'search.yaml');

/** A trial "trains" 3 epochs; trial 5 is stopped after epoch 2 as a pruner would. */
const cheap: TrialFunction = async (ctx) => {
  const v = (Math.log10(ctx.params[LR] as number) + 2) ** 2 + (ctx.params.model === 'deep' ? 0.5 : 0);
  for (let e = 1; e <= 3; e++) {
    await ctx.report(e, { valLoss: v + 1 / e });
    if (ctx.number === 5 && e === 2) return { pruned: 'worse than the median', epochs: 2 };
  }
  return { value: v, epochs: 3 };
};

/** A finished run folder, as the dashboard reads one. */
function fakeRun(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ format: 'aekit-run', version: 1, name: 'trial', status: 'finished', created: '2026-01-01T00:00:00Z', updated: '2026-01-01T00:00:00Z', pid: 1, epochsDone: 3, epochsPlanned: 3 }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model: { className: 'Autoencoder', inputShape: [784] }, data: { source: 'mnist' }, training: { epochs: 3 } }));
  writeFileSync(join(dir, 'metrics.jsonl'), '{"epoch":1,"loss":0.5}\n');
}

async function get<T>(port: number, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.json() as T };
}

describe('dashboard: tuning studies', () => {
  let runs: string;
  let dash: Dashboard;
  let port: number;
  let storage: FileStorage;

  before(async () => {
    runs = mkdtempSync(join(tmpdir(), 'aekit-dash-study-'));
    const assets = mkdtempSync(join(tmpdir(), 'aekit-dash-study-web-'));
    writeFileSync(join(assets, 'index.html'), '<!doctype html><title>test page</title>');
    storage = new FileStorage(join(runs, 'tune-a'));
    await runWorker({ storage, search: await openStudy(storage, search), trial: cheap, budget: { trials: 6 } });
    for (const n of [1, 2, 3]) fakeRun(join(runs, 'tune-a', 'trials', `trial-000${n}`));
    fakeRun(join(runs, 'plain'));
    // A study one level down, whose journal is damaged.
    mkdirSync(join(runs, 'group', 'broken'), { recursive: true });
    writeFileSync(join(runs, 'group', 'broken', 'journal.jsonl'), 'garbage\n');
    dash = await startDashboard({ runsDir: runs, port: 0, assetsDir: assets, pollMs: 50 });
    port = Number(new URL(dash.url).port);
  });
  after(async () => {
    await dash.close();
    rmSync(runs, { recursive: true, force: true });
  });

  it('lists studies with their state, trial counts and best trial; a damaged journal is named, not fatal', async () => {
    const { status, body } = await get<{ studies: StudySummary[] }>(port, '/api/studies');
    assert.equal(status, 200);
    assert.deepEqual(body.studies.map((s) => s.id).sort(), ['group/broken', 'tune-a']);
    const a = body.studies.find((s) => s.id === 'tune-a')!;
    const state = studyState(await storage.read());
    const values = [...state.trials.values()].filter((t) => t.done?.state === 'complete').map((t) => t.done!.value!);
    assert.deepEqual([a.status, a.objective, a.direction, a.sampler, a.budget, a.trials], ['stopped', 'valLoss', 'minimize', 'random', 8, 6], 'budget 8, 6 trials run: resumable');
    assert.deepEqual(a.counts, { complete: 5, pruned: 1, failed: 0, running: 0, interrupted: 0 });
    assert.equal(a.best!.value, Math.min(...values));
    assert.deepEqual(a.params, ['model', LR]);
    assert.deepEqual(a.files, { report: false, bestConfig: false }, 'no tuner has finished: no report yet');
    const broken = body.studies.find((s) => s.id === 'group/broken')!;
    assert.equal(broken.status, 'corrupt');
    assert.match(broken.problems.join(), /journal\.jsonl:1: not a journal record/);
  });

  it("serves a study's page: trials with state, parameters, objective, pruned at and run; the report's importance", async () => {
    const { status, body: v } = await get<StudyView>(port, '/api/study?id=tune-a');
    assert.equal(status, 200);
    assert.deepEqual(v.rows.map((r) => r.number), [1, 2, 3, 4, 5, 6]);
    const state = studyState(await storage.read());
    for (const r of v.rows) {
      const t = state.trials.get(r.number)!;
      assert.deepEqual(r.params, t.params);
      assert.equal(r.value, t.done!.value);
    }
    assert.deepEqual(v.rows[0]!.params, { model: 'dense', [LR]: 2e-3 }, 'trial 1 is the enqueued default');
    assert.deepEqual(v.rows.map((r) => r.enqueued), [true, false, false, false, false, false]);
    const pruned = v.rows[4]!;
    assert.deepEqual([pruned.state, pruned.prunedAt, pruned.value, pruned.message], ['pruned', 2, undefined, 'worse than the median']);
    assert.deepEqual(v.rows.map((r) => r.run), ['tune-a/trials/trial-0001', 'tune-a/trials/trial-0002', 'tune-a/trials/trial-0003', undefined, undefined, undefined]);
    assert.equal(v.metric, 'valLoss');
    writeFileSync(join(runs, 'tune-a', 'best-config.json'), '{}');
    assert.deepEqual((await get<StudyView>(port, '/api/study?id=tune-a')).body.files, { report: false, bestConfig: true });
    // The importance and the charts' points are the study report's (src/tune/report.ts).
    assert.deepEqual(v.importance, paramImportance(studyPoints(state), search.params));
    assert.equal(v.importance.length, 2);
    assert.deepEqual(v.points.map((p) => p.state), ['complete', 'complete', 'complete', 'complete', 'pruned', 'complete']);
    assert.deepEqual(v.axes.map((a) => a.scale), ['category', 'log']);
    assert.equal((await get(port, '/api/study?id=plain')).status, 404);
    assert.match((await get<{ error: string }>(port, '/api/study?id=..%2Fx')).body.error, /expected a study id/);
    assert.equal((await get(port, '/api/study')).status, 400);
  });

  it("lists a study's trials among the runs, naming their study", async () => {
    const { body } = await get<{ runs: RunSummary[] }>(port, '/api/runs');
    const ids = body.runs.map((r) => r.id).sort();
    assert.deepEqual(ids, ['plain', 'tune-a/trials/trial-0001', 'tune-a/trials/trial-0002', 'tune-a/trials/trial-0003']);
    assert.deepEqual(body.runs.find((r) => r.id === 'tune-a/trials/trial-0002')!.study, { id: 'tune-a', trial: 2 });
    assert.equal(body.runs.find((r) => r.id === 'plain')!.study, undefined);
    assert.equal((await get(port, '/api/curves?id=tune-a/trials/trial-0001')).status, 200, "a trial's run page works like any run's");
  });

  it('marks a trial held by a live worker running and one whose worker died interrupted, and streams the change', async () => {
    const stream = openEventStream<{ studies?: StudySummary[] }>(port);
    const waitFor = async (pred: (s: StudySummary) => boolean) => {
      const e = await stream.waitFor((x) => x.event === 'studies' && Boolean(x.data.studies?.some((s) => s.id === 'tune-a' && pred(s))));
      return e.data.studies!.find((s) => s.id === 'tune-a')!;
    };
    try {
      await waitFor((s) => s.trials === 6);
      // This process claims trial 7 (alive); a process that has exited claimed trial 8.
      await storage.append({ type: 'claim', time: Date.now(), trial: 7, attempt: 'live', params: { model: 'deep', [LR]: 1e-3 }, worker: { host: hostname(), pid: process.pid, id: 'me' } });
      const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
      await storage.append({ type: 'claim', time: Date.now(), trial: 8, attempt: 'dead', params: { model: 'dense', [LR]: 1e-2 }, worker: { host: hostname(), pid: dead, id: 'gone' } });
      await storage.append({ type: 'epoch', time: Date.now(), trial: 7, attempt: 'live', epoch: 1, value: 0.9 });
      const s = await waitFor((x) => x.trials === 8 && x.counts.running === 1);
      assert.equal(s.status, 'running');
      assert.equal(s.counts.interrupted, 1);
      const v = (await get<StudyView>(port, '/api/study?id=tune-a')).body;
      assert.deepEqual(v.rows.slice(6).map((r) => [r.number, r.state, r.epochs]), [[7, 'running', 1], [8, 'interrupted', undefined]]);
    } finally {
      stream.close();
    }
  });

  it('the study page in headless Chromium: its trials, linked to their runs, and a result appended to the journal shows up', { timeout: 120_000 }, async () => {
    const assets = await buildWebAssets(mkdtempSync(join(tmpdir(), 'aekit-dash-study-assets-')));
    const live = await startDashboard({ runsDir: runs, port: 0, assetsDir: assets, pollMs: 100 });
    const problems: string[] = [];
    const { browser, page } = await openWatchedPage(problems);
    try {
      await page.goto(`${live.url}#runs`);
      await page.locator('#runs-studies a', { hasText: 'tune-a' }).click();
      await page.waitForFunction(() => document.querySelectorAll('#study-trials tbody tr').length === 8, undefined, { timeout: 20_000 });
      const cells = async (n: number) => page.locator(`#study-trials tbody tr[data-trial="${n}"] td`).allInnerTexts();
      assert.deepEqual((await cells(5)).slice(1, 5), ['pruned', '–', '2', 'epoch 2']);
      assert.match((await cells(1))[0]!, /⟲ 1/, 'the enqueued default is marked');
      assert.equal((await cells(7))[1], 'running');
      assert.equal(await page.locator('#study-trials a', { hasText: 'trial-0002' }).getAttribute('href'), '#live/tune-a%2Ftrials%2Ftrial-0002', 'a run without a checkpoint opens on Live');
      assert.equal(await page.locator('#study-objective canvas').count(), 1, 'the objective chart is drawn');
      // Trial 7 finishes: the page follows the journal.
      await storage.append({ type: 'done', time: Date.now(), trial: 7, attempt: 'live', state: 'complete', value: 0.25, epochs: 3, seconds: 1 });
      await page.waitForFunction(() => document.querySelector('#study-trials tbody tr[data-trial="7"] td:nth-child(2)')?.textContent === 'complete', undefined, { timeout: 20_000 });
      assert.equal((await cells(7))[2], '0.25');
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await live.close();
    }
  });
});
