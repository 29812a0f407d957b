import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { RunFolder } from '../../src/runs/run-folder.js';
import { onnxFileProblem, runCondition, trainerState } from '../../src/runs/run-health.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-run-folder-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const runFolderModule = fileURLToPath(new URL('../../src/runs/run-folder.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

/**
 * Starts `count` processes that each, at the same moment (when the file `go`
 * appears), run `claim` with RunFolder in scope, and returns what each printed:
 * the claimed folder, or the error's message.
 */
async function claimAtOnce(count: number, claim: string): Promise<string[]> {
  const go = join(dir, `go-${Math.random().toString(36).slice(2)}`);
  const script = `
    import { existsSync } from 'node:fs';
    const { RunFolder } = await import(${JSON.stringify(runFolderModule)});
    process.stdout.write('ready\\n');
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (!existsSync(${JSON.stringify(go)})) Atomics.wait(pause, 0, 0, 1);
    try {
      process.stdout.write('won ' + (${claim}).dir + '\\n');
    } catch (e) {
      process.stdout.write('lost ' + e.message + '\\n');
    }`;
  const children = Array.from({ length: count }, () => spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const outputs = children.map((child) => {
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => (text += s));
    return { ready: () => text.includes('ready'), done: new Promise<string>((resolve) => child.on('close', () => resolve(text.replace('ready\n', '').trim()))) };
  });
  const deadline = Date.now() + 120_000;
  while (!outputs.every((o) => o.ready())) {
    assert.ok(Date.now() < deadline, 'the claiming processes did not start within 2 minutes');
    await new Promise((r) => setTimeout(r, 20));
  }
  writeFileSync(go, '');
  return Promise.all(outputs.map((o) => o.done));
}

describe('claiming a run folder', () => {
  it('of many processes starting into the same --out folder at once, exactly one wins; the others name the clash', async () => {
    const out = join(dir, 'same-out');
    const results = await claimAtOnce(10, `RunFolder.createAt(${JSON.stringify(out)}, 3)`);
    const won = results.filter((r) => r.startsWith('won '));
    assert.equal(won.length, 1, results.join('\n'));
    for (const r of results.filter((x) => !x.startsWith('won '))) {
      assert.match(r, /^lost --out .*same-out: (another aekit process started a run in .* at the same time|the folder is not empty \(run\.json\))/, r);
    }
    assert.deepEqual(readdirSync(out), ['run.json'], 'no claim leftovers');
    const info = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    assert.equal(info.status, 'running');
    assert.equal(info.hostname, hostname());
  });

  it('processes taking automatic names under --runs at once each get their own folder', async () => {
    const runs = join(dir, 'runs-auto');
    const results = await claimAtOnce(6, `RunFolder.create(${JSON.stringify(runs)}, undefined, 'dense-mnist', 3)`);
    assert.ok(results.every((r) => r.startsWith('won ')), results.join('\n'));
    assert.equal(new Set(results).size, 6, results.join('\n'));
    assert.deepEqual(readdirSync(runs).sort(), ['dense-mnist-1', 'dense-mnist-2', 'dense-mnist-3', 'dense-mnist-4', 'dense-mnist-5', 'dense-mnist-6']);
  });
});

/** A run folder whose run.json says `status`, trained by `pid` on `host`. */
function runWith(name: string, fields: Record<string, unknown>): string {
  const run = join(dir, name);
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'run.json'), JSON.stringify({ format: 'aekit-run', version: 1, name, status: 'running', created: '2026-01-01T00:00:00Z', updated: '2026-01-01T00:00:00Z', pid: 1, epochsDone: 2, epochsPlanned: 5, ...fields }));
  return run;
}

describe('resuming a run', () => {
  it('is refused, naming the pid, while a live process on this machine trains it', async () => {
    const trainer = spawn('sleep', ['60']);
    try {
      const run = runWith('live', { pid: trainer.pid, hostname: hostname() });
      const before = readFileSync(join(run, 'run.json'), 'utf8');
      assert.throws(() => RunFolder.open(run), (e: Error) => e.name === 'UsageError' && new RegExp(`process ${trainer.pid} is still training this run`).test(e.message) && !e.message.includes('\n'));
      assert.equal(readFileSync(join(run, 'run.json'), 'utf8'), before, 'run.json untouched');
      // Written before hostnames were recorded: taken as this machine's.
      assert.throws(() => RunFolder.open(runWith('live-old', { pid: trainer.pid })), /still training/);
      // Another machine's process cannot be checked from here, and a dead one does not block.
      assert.doesNotThrow(() => RunFolder.open(runWith('elsewhere', { pid: trainer.pid, hostname: `${hostname()}-other` })));
    } finally {
      trainer.kill();
    }
    await new Promise((r) => trainer.once('close', r));
    assert.doesNotThrow(() => RunFolder.open(runWith('dead', { pid: trainer.pid, hostname: hostname() })));
  });

  it('writes nothing on opening: run.json changes only when the resumed training starts', () => {
    const run = runWith('finished', { status: 'finished' });
    const before = readFileSync(join(run, 'run.json'), 'utf8');
    const folder = RunFolder.open(run);
    assert.equal(readFileSync(join(run, 'run.json'), 'utf8'), before);
    folder.setStatus('running', { epochsPlanned: 8 });
    const info = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    assert.deepEqual([info.status, info.pid, info.hostname, info.epochsPlanned], ['running', process.pid, hostname(), 8]);
  });
});

describe('run health', () => {
  it('trainerState: alive, gone, or on another machine', () => {
    assert.equal(trainerState({ pid: process.pid, hostname: hostname() }), 'alive');
    assert.equal(trainerState({ pid: process.pid }), 'alive');
    assert.equal(trainerState({ pid: process.pid, hostname: 'elsewhere.example' }), 'elsewhere');
    assert.equal(trainerState({ pid: 'x' }), 'gone');
  });

  it('an empty or non-ONNX model.onnx makes a finished run damaged, naming the file', () => {
    const run = runWith('damaged', { status: 'finished' });
    // A real (tiny) ModelProto: ir_version 8 (field 1) and a graph (field 7) holding a name.
    writeFileSync(join(run, 'model.onnx'), Uint8Array.from([0x08, 0x08, 0x3a, 0x03, 0x0a, 0x01, 0x67]));
    assert.equal(onnxFileProblem(join(run, 'model.onnx')), undefined);
    assert.deepEqual(runCondition(run, { status: 'finished' }), { condition: 'finished', problems: [] });
    writeFileSync(join(run, 'model.onnx'), '');
    assert.deepEqual(runCondition(run, { status: 'finished' }), { condition: 'damaged', problems: ['model.onnx is empty (0 bytes)'] });
    writeFileSync(join(run, 'model.onnx'), Uint8Array.from([0x08, 0x08]));
    assert.deepEqual(runCondition(run, { status: 'finished' }).problems, ['model.onnx is not an ONNX model (it holds no graph)']);
    writeFileSync(join(run, 'encoder.onnx'), 'not really onnx');
    assert.deepEqual(runCondition(run, { status: 'finished' }).problems, ['model.onnx is not an ONNX model (it holds no graph)', 'encoder.onnx is not an ONNX model (damaged or cut short)']);
    assert.ok(existsSync(join(run, 'model.onnx')));
  });

  it('a running run whose process is gone has crashed', () => {
    const run = runWith('crashed', { pid: 2 ** 22 + 7 });
    assert.deepEqual(runCondition(run, { status: 'running', pid: 2 ** 22 + 7 }), { condition: 'crashed', problems: [`run.json says running, but its process ${2 ** 22 + 7} is gone`] });
  });
});
