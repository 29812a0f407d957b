/**
 * The kill test of `aekit tune`: a study with 2 worker processes; the tuner
 * and one worker are killed with SIGKILL mid-study; the surviving worker
 * finishes its trial and stops; resuming the study finishes it with every
 * trial recorded exactly once, the killed worker's trial re-run and no
 * finished trial run again.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, it } from 'node:test';
import { processAlive } from '../../src/io/files.js';
import { type JournalRecord, parseJournal, studyState } from '../../src/tune/journal.js';
import { readRunInfo } from '../../src/runs/run-folder.js';
import { sensorCsv } from '../runs/sensor-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-tune-kill-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TRIALS = 5;

function tune(args: string[]) {
  const child = spawn(process.execPath, ['--import', tsx, main, 'tune', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

const journal = (study: string): JournalRecord[] => (existsSync(join(study, 'journal.jsonl')) ? parseJournal(readFileSync(join(study, 'journal.jsonl'), 'utf8'), 'journal') : []);

it('SIGKILL of the tuner and a worker mid-study: the resumed study runs every trial to its end exactly once', async () => {
  const csv = sensorCsv(join(dir, 'sensors.csv'), 240);
  const config = join(dir, 'search.yaml');
  writeFileSync(config, [
    'model: dense',
    'preset: { latent: { int: [1, 4] } }',
    `data: { source: ${csv}, validationSplit: 0.25 }`,
    'training: { epochs: 4, batchSize: 16, optimizer: { name: adam, learningRate: { logUniform: [1.0e-3, 3.0e-2] } } }',
    `tune: { trials: ${TRIALS}, sampler: tpe, startupTrials: 2, pruner: none }`,
  ].join('\n'));
  const study = join(dir, 'study');
  const first = tune(['--config', config, '--study', study, '--workers', '2', '--threads', '1', '--no-figures']);
  // Wait for a finished trial and a trial in progress, then kill the tuner and that trial's worker.
  let victim: number | undefined;
  let survivor: number | undefined;
  const deadline = Date.now() + 120_000;
  while (victim === undefined) {
    assert.ok(Date.now() < deadline, `no trial finished in time: ${first.output()}`);
    await sleep(100);
    const state = studyState(journal(study));
    const done = [...state.trials.values()].filter((t) => t.done);
    const open = [...state.trials.values()].filter((t) => !t.done && t.epochs.size > 0);
    if (done.length >= 1 && open.length >= 1) {
      victim = open[0]!.claim.worker.pid;
      survivor = [...state.trials.values()].map((t) => t.claim.worker.pid).find((p) => p !== victim);
    }
  }
  process.kill(first.child.pid!, 'SIGKILL');
  process.kill(victim, 'SIGKILL');
  await first.exited;
  // The surviving worker sees its tuner gone: it finishes its trial and claims no more.
  while (survivor !== undefined && processAlive(survivor)) {
    assert.ok(Date.now() < deadline + 60_000, 'the surviving worker did not stop');
    await sleep(100);
  }
  const before = studyState(journal(study));
  const doneBefore = [...before.trials.values()].filter((t) => t.done).map((t) => t.number);
  const killed = [...before.trials.values()].filter((t) => !t.done).map((t) => t.number);
  assert.ok(killed.length >= 1, 'the killed worker left its trial unfinished');
  assert.ok(doneBefore.length < TRIALS);

  const resumed = tune(['--study', study, '--workers', '2', '--threads', '1', '--no-figures']);
  assert.equal(await resumed.exited, 0, resumed.output());
  const records = journal(study);
  const state = studyState(records);
  assert.deepEqual([...state.trials.keys()].sort((a, b) => a - b), Array.from({ length: TRIALS }, (_, i) => i + 1));
  for (const t of state.trials.values()) {
    assert.equal(t.done?.state, 'complete', `trial ${t.number}: ${JSON.stringify(t.done)}`);
    assert.equal(records.filter((r) => r.type === 'done' && r.trial === t.number).length, 1, `trial ${t.number} has one result`);
    assert.equal(t.claims, killed.includes(t.number) ? 2 : 1, `trial ${t.number} claims`);
    assert.equal(readRunInfo(join(study, 'trials', `trial-${String(t.number).padStart(4, '0')}`)).status, 'finished');
  }
  assert.match(resumed.output(), /again: its worker died/);
  assert.ok(existsSync(join(study, 'best-config.json')));
});
