/**
 * Fault injection: processes that save checkpoints are killed (SIGKILL) at
 * random instants, and a loadable checkpoint must always be there: the last
 * completed save or the one in flight, never a mix, never nothing; training
 * resumed from it must match uninterrupted training bit for bit.
 *
 * `npm test` runs a few kills; `npm run test:faults` runs AEKIT_FAULT_KILLS
 * (60) of them. AEKIT_FAULT_SEED replays a sequence of kill delays.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/data/random.js';
import { Autoencoder } from '../../src/models/index.js';
import { Trainer } from '../../src/train/trainer.js';
import { TinyAutoencoder, curveData } from '../train/tiny-model.js';

const kills = Number(process.env.AEKIT_FAULT_KILLS ?? 10);
const seed = Number(process.env.AEKIT_FAULT_SEED ?? Date.now() % 1e9);
const rng = new Rng(seed);
const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Starts a child script under tsx, collecting its stdout lines. */
function start(script: string, args: string[]): { child: ChildProcess; lines: string[]; ready: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, script), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let buffered = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      if (line === 'ready') onReady();
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => child.on('exit', (code, signal) => {
    if (signal === 'SIGKILL' || code === 0) resolve(code);
    else reject(new Error(`${script} exited with ${code ?? signal}: ${stderr}`));
  }));
  exited.catch(() => onReady()); // a crash before 'ready' must not leave the test waiting
  return { child, lines, ready, exited };
}

/** Samples per epoch of the fit child (test/faults/fit-child.ts). */
const FIT_SAMPLES = 4096;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const savedGenerations = (lines: string[]) => lines.filter((l) => l.startsWith('saved ')).map((l) => Number(l.slice(6)));

describe(`kills during save (seed ${seed})`, () => {
  const saveKills = Math.max(2, Math.round(kills * 0.7));
  it(`${saveKills} kills at random instants always leave the last or the in-flight checkpoint, and never touch other files`, async () => {
    for (let k = 0; k < saveKills; k++) {
      const mode = k % 2 === 0 ? 'model' : 'trainer';
      const dir = join(mkdtempSync(join(tmpdir(), 'aekit-kill-save-')), 'ckpt');
      const run = start('save-child.ts', [dir, mode]);
      await run.ready;
      await sleep(5 + rng.float() * 120);
      run.child.kill('SIGKILL');
      await run.exited;
      const done = savedGenerations(run.lines);
      const last = done.at(-1) ?? 0;
      const what = `kill ${k + 1} (${mode}, after ${done.length} saves)`;
      if (last === 0 && !existsSync(join(dir, 'checkpoint.json')) && !existsSync(join(dir, '.aekit-commit'))) continue; // killed before the first commit
      const trainer = Autoencoder.load(dir).trainer;
      const first = Object.values(trainer.tensors).map((t) => (t.data as Float32Array)[0]!);
      const g = first[0]!;
      assert.ok(g === last || g === last + 1, `${what}: loaded generation ${g}, last completed save ${last}`);
      assert.ok(first.every((v) => v === g), `${what}: tensors from different saves: ${first}`);
      // The next save finishes or discards whatever the kill left, and leaves only checkpoint files.
      writeFileSync(join(dir, 'notes.txt'), 'mine');
      Autoencoder.load(dir).save(dir);
      assert.deepEqual(readdirSync(dir).filter((f) => !f.endsWith('.safetensors') && !f.endsWith('.json')), ['notes.txt'], what);
      assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine');
    }
  });
});

describe(`kills during fit with checkpoints (seed ${seed})`, () => {
  const fitKills = Math.max(1, kills - Math.max(2, Math.round(kills * 0.7)));
  const epochs = 6;
  it(`${fitKills} kills mid-training; resuming from the checkpoint ends bit-identical to an uninterrupted run`, async () => {
    const straight = Trainer.create(new TinyAutoencoder(), { seed: 7 });
    await straight.fit(curveData(FIT_SAMPLES), { epochs, batchSize: 8, worker: false });
    const expected = Object.fromEntries(Object.entries(straight.tensors).map(([k, t]) => [k, Array.from(t.data as Float32Array)]));
    // How long a whole run takes here, so kills spread over all of it.
    const timing = start('fit-child.ts', [join(mkdtempSync(join(tmpdir(), 'aekit-kill-fit-')), 'ckpt'), String(epochs), 'worker']);
    await timing.ready;
    const t0 = performance.now();
    await timing.exited;
    const duration = performance.now() - t0;
    for (let k = 0; k < fitKills; k++) {
      const dir = join(mkdtempSync(join(tmpdir(), 'aekit-kill-fit-')), 'ckpt');
      const worker = k % 2 === 0 ? 'worker' : 'inline';
      const run = start('fit-child.ts', [dir, String(epochs), worker]);
      await run.ready;
      await sleep(rng.float() * duration);
      run.child.kill('SIGKILL');
      await run.exited;
      // Resume (or start, if killed before the first checkpoint) and finish in a fresh process.
      const rest = start('fit-child.ts', [dir, String(epochs), worker]);
      assert.equal(await rest.exited, 0);
      assert.ok(rest.lines.includes('finished'), `kill ${k + 1}: ${rest.lines.join(' | ')}`);
      const resumed = Trainer.resume(dir, new TinyAutoencoder());
      const got = Object.fromEntries(Object.entries(resumed.tensors).map(([key, t]) => [key, Array.from(t.data as Float32Array)]));
      assert.deepEqual(got, expected, `kill ${k + 1} (${worker}) after: ${run.lines.filter((l) => l.startsWith('epoch')).join(', ') || 'no epoch'}`);
      assert.equal(resumed.history.length, epochs);
    }
  });
});
