import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lttb, lttbIndices } from '../../src/dashboard/downsample.js';
import { RequestError, parseTrainRequest } from '../../src/dashboard/jobs.js';
import { ProgressFile, readProgress } from '../../src/runs/progress-file.js';
import { findRuns, runCurves, summarizeRun } from '../../src/dashboard/runs.js';
import { isCleanRunId, isRefusal, resolveUnder, urlPathSegments } from '../../src/dashboard/safe-path.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-dash-'));

/** The smallest well-formed ONNX model file: ir_version 8 and a graph named "g" (its bytes are all ASCII). */
const TINY_ONNX = '\x08\x08\x3a\x03\x0a\x01g';

/** A run folder as aekit train leaves it, with `over` replacing files. */
function fakeRun(root: string, id: string, over: Record<string, string | undefined> = {}): string {
  const dir = join(root, ...id.split('/'));
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string | undefined> = {
    'run.json': JSON.stringify({ format: 'aekit-run', version: 1, name: id, status: 'finished', created: '2026-01-01T00:00:00Z', updated: '2026-01-01T00:01:00Z', pid: 1, epochsDone: 2, epochsPlanned: 2 }),
    'config.json': JSON.stringify({ model: { className: 'Autoencoder', inputShape: [784], loss: 'bce' }, data: { source: 'mnist', samples: 256 }, training: { epochs: 2, batchSize: 64, optimizer: { name: 'adam', learningRate: 0.001 } } }),
    'metrics.jsonl': '{"epoch":1,"loss":0.5}\n{"epoch":2,"loss":0.25}\n',
    'model.onnx': TINY_ONNX,
    ...over,
  };
  for (const [name, content] of Object.entries(files)) if (content !== undefined) writeFileSync(join(dir, name), content);
  return dir;
}

describe('safe paths', () => {
  it('refuses .. in every spelling, separators and control characters inside a segment', () => {
    for (const raw of ['../etc/passwd', 'a/../../b', '%2e%2e/x', '%2E%2E/x', '.%2e/x', 'a/%2e%2e%2f%2e%2e/x', '..%2fetc', '..%5cwindows', '%252e%252e/x', 'a/./b', 'x%00y', '%zz']) {
      const r = urlPathSegments(raw);
      assert.ok(isRefusal(r), raw);
      assert.equal((r as { status: number }).status, 403, raw);
    }
    assert.deepEqual(urlPathSegments('/demo/vae/model.onnx'), ['demo', 'vae', 'model.onnx']);
    assert.deepEqual(urlPathSegments('a%20b/c.png'), ['a b', 'c.png']);
  });

  it('serves files under the root only: a symlink out is 403, a directory or missing file 404', () => {
    const root = tmp();
    const outside = tmp();
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    mkdirSync(join(root, 'run'));
    writeFileSync(join(root, 'run', 'model.onnx'), 'onnx');
    symlinkSync(join(outside, 'secret.txt'), join(root, 'run', 'link.txt'));
    symlinkSync(outside, join(root, 'outdir'));
    symlinkSync(join(root, 'run', 'model.onnx'), join(root, 'run', 'inner-link.onnx'));
    const ok = resolveUnder(root, ['run', 'model.onnx']);
    assert.ok(!isRefusal(ok));
    assert.equal(ok.size, 4);
    assert.deepEqual(resolveUnder(root, ['run', 'link.txt']), { status: 403, reason: 'a symbolic link points out of the folder' });
    assert.equal((resolveUnder(root, ['outdir', 'secret.txt']) as { status: number }).status, 403);
    assert.ok(!isRefusal(resolveUnder(root, ['run', 'inner-link.onnx'])), 'a link that stays inside is fine');
    assert.equal((resolveUnder(root, ['run']) as { status: number }).status, 404, 'no directory listings');
    assert.equal((resolveUnder(root, ['nope']) as { status: number }).status, 404);
  });

  it('run ids are clean relative paths', () => {
    for (const good of ['conv-mnist-1', 'demo/vae']) assert.ok(isCleanRunId(good), good);
    for (const bad of ['', '../x', 'a/../b', '/abs', 'a//b', 'a\\b', 'a/.']) assert.ok(!isCleanRunId(bad), bad);
  });
});

describe('run folders', () => {
  it('finds runs at the top and one level down, not through symlinks', () => {
    const root = tmp();
    fakeRun(root, 'a');
    fakeRun(root, 'demo');
    fakeRun(root, 'demo/vae');
    mkdirSync(join(root, 'not-a-run'));
    const elsewhere = tmp();
    fakeRun(elsewhere, 'hidden');
    symlinkSync(join(elsewhere, 'hidden'), join(root, 'linked'));
    assert.deepEqual(findRuns(root), ['a', 'demo', 'demo/vae']);
    assert.deepEqual(findRuns(join(root, 'missing')), []);
  });

  it('summarizes a finished run: model, data, final metrics, test metrics', () => {
    const root = tmp();
    fakeRun(root, 'r', { 'results.json': JSON.stringify({ test: { samples: 10, model: { mse: 0.01, bce: 0.1, psnr: 20 }, pca: { k: 8, mse: 0.02 } } }), 'encoder.onnx': TINY_ONNX });
    const s = summarizeRun(root, 'r');
    assert.equal(s.status, 'finished');
    assert.deepEqual(s.problems, []);
    assert.equal(s.model, 'Autoencoder');
    assert.deepEqual(s.imageShape, [1, 28, 28]);
    assert.equal(s.loss, 'bce');
    assert.deepEqual(s.final, { epoch: 2, loss: 0.25 });
    assert.deepEqual(s.test, { samples: 10, mse: 0.01, bce: 0.1, psnr: 20, pcaMse: 0.02, pcaK: 8 });
    assert.equal(s.files.model, true);
    assert.equal(s.files.decoder, false);
  });

  it('shows half-written and damaged folders as such instead of failing', () => {
    const root = tmp();
    fakeRun(root, 'truncated', { 'run.json': '{"format":"aekit-run","sta' });
    fakeRun(root, 'foreign', { 'run.json': '{"hello":1}' });
    fakeRun(root, 'bad-metrics', { 'metrics.jsonl': '{"epoch":1,"loss":0.5}\n{"epoch":2,"lo\n' });
    fakeRun(root, 'bad-status', { 'run.json': JSON.stringify({ format: 'aekit-run', status: 'exploded' }) });
    fakeRun(root, 'no-config', { 'config.json': undefined });
    fakeRun(root, 'no-export', { 'model.onnx': undefined });
    // A process id no process has: the trainer died without writing its final status.
    fakeRun(root, 'dead', { 'run.json': JSON.stringify({ format: 'aekit-run', name: 'dead', status: 'running', pid: 2 ** 22 + 12345, created: '', updated: '' }) });
    const by = Object.fromEntries(findRuns(root).map((id) => [id, summarizeRun(root, id)]));
    assert.equal(by.truncated!.status, 'corrupt');
    assert.match(by.truncated!.problems[0]!, /run\.json is not valid JSON/);
    assert.equal(by.foreign!.status, 'corrupt');
    assert.match(by.foreign!.problems.join(), /not an aekit run status/);
    assert.equal(by['bad-metrics']!.status, 'finished');
    assert.deepEqual(by['bad-metrics']!.problems, ['metrics.jsonl line 2 is not a JSON object']);
    assert.deepEqual(by['bad-metrics']!.final, { epoch: 1, loss: 0.5 });
    assert.equal(by['bad-status']!.status, 'corrupt');
    assert.match(by['bad-status']!.problems.join(), /unknown status "exploded"/);
    assert.deepEqual(by['no-config']!.problems, ['config.json is missing']);
    assert.deepEqual(by['no-export']!.problems, ['finished, but model.onnx is missing']);
    assert.equal(by.dead!.status, 'crashed');
    assert.match(by.dead!.problems.join(), /process \d+ is gone/);
    assert.equal(runCurves(root, 'bad-metrics').loss.length, 1);
  });

  it('thins long histories to the requested number of epochs, train and validation alike', () => {
    const root = tmp();
    const rows = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ epoch: i + 1, loss: 1 / (i + 1) + (i === 500 ? 5 : 0), valLoss: 2 / (i + 1) }));
    fakeRun(root, 'long', { 'metrics.jsonl': `${rows.join('\n')}\n` });
    const c = runCurves(root, 'long', 200);
    assert.equal(c.total, 1000);
    assert.equal(c.epochs.length, 200);
    assert.equal(c.valLoss!.length, 200);
    assert.equal(c.epochs[0], 1);
    assert.equal(c.epochs.at(-1), 1000);
    assert.ok(c.epochs.includes(501), 'the spike survives thinning');
    c.epochs.forEach((e, i) => assert.equal(c.valLoss![i], 2 / e));
  });
});

describe('LTTB', () => {
  it('keeps first, last and extremes, returns ascending indices, passes short series through', () => {
    const pts = Array.from({ length: 101 }, (_, i): [number, number] => [i, i === 37 ? 100 : i === 70 ? -100 : Math.sin(i / 5)]);
    const idx = lttbIndices(pts, 10);
    assert.equal(idx.length, 10);
    assert.deepEqual([...idx].sort((a, b) => a - b), idx);
    assert.equal(idx[0], 0);
    assert.equal(idx.at(-1), 100);
    assert.ok(idx.includes(37) && idx.includes(70));
    assert.deepEqual(lttb([[0, 1], [1, null], [2, 3]], 5), [[0, 1], [1, null], [2, 3]]);
    assert.throws(() => lttb(pts, 2), /threshold must be an integer >= 3/);
  });
});

describe('progress.json', () => {
  const step = (s: number, loss = 1 / s) => ({ epoch: 1, batch: s, batches: 5000, step: s, loss, samplesPerSec: 1000, etaSeconds: 3 });

  it('is written at most every interval, and holds a bounded history whose points average the steps', () => {
    const dir = tmp();
    let now = 0;
    const p = new ProgressFile(join(dir, 'progress.json'), 3, { intervalMs: 500, maxPoints: 8, now: () => now });
    p.onStep(step(1));
    const first = readFileSync(join(dir, 'progress.json'), 'utf8');
    now = 100;
    p.onStep(step(2));
    assert.equal(readFileSync(join(dir, 'progress.json'), 'utf8'), first, 'not rewritten within the interval');
    for (let s = 3; s <= 100; s++) p.onStep(step(s, s));
    p.flush();
    const snap = readProgress(join(dir, 'progress.json'))!;
    assert.equal(snap.step, 100);
    assert.equal(snap.epochs, 3);
    assert.ok(snap.steps.length <= 9, `${snap.steps.length} points`);
    assert.ok(snap.stride >= 8);
    // Every point's loss is the mean of the reports it covers (losses = step numbers here, after step 2).
    const last = snap.steps.at(-2)!;
    const covered = Array.from({ length: snap.stride }, (_, i) => last[0] - i);
    assert.equal(last[1], covered.reduce((a, b) => a + b, 0) / covered.length);
    assert.deepEqual(snap.steps.map((x) => x[0]), [...snap.steps.map((x) => x[0])].sort((a, b) => a - b));
  });

  it('continues the history of a resumed run, dropping steps that are redone', () => {
    const dir = tmp();
    const file = join(dir, 'progress.json');
    const a = new ProgressFile(file, 2, { intervalMs: 0 });
    for (let s = 1; s <= 10; s++) a.onStep(step(s));
    const b = new ProgressFile(file, 4, { intervalMs: 0 });
    b.onStep(step(8, 0.5)); // the checkpoint was at step 7
    const snap = readProgress(file)!;
    assert.deepEqual(snap.steps.map((x) => x[0]), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(snap.steps.at(-1)![1], 0.5);
    assert.equal(snap.epochs, 4);
  });

  it('weights steps by their samples and folds an epoch\'s short last batch into the point before it', () => {
    const file = join(tmp(), 'progress.json');
    const p = new ProgressFile(file, 2, { intervalMs: 0, batchSize: 10 });
    // 3 batches per epoch of 25 samples: 10, 10, then 5. Seconds since the epoch began = samples / samplesPerSec.
    p.onStep({ epoch: 1, batch: 2, batches: 3, samples: 20, step: 2, loss: 2, losses: [1, 2], samplesPerSec: 20 });
    p.onStep({ epoch: 1, batch: 3, batches: 3, samples: 25, step: 3, loss: 9, losses: [9], samplesPerSec: 12.5 });
    let snap = readProgress(file)!;
    assert.deepEqual(snap.steps, [[3, (1 * 10 + 2 * 10 + 9 * 5) / 25]], 'the 5-sample batch is one fifth of the point, not a point of its own');
    p.onStep({ epoch: 2, batch: 3, batches: 3, samples: 25, step: 6, loss: 4, losses: [2, 2, 4], samplesPerSec: 25 });
    snap = readProgress(file)!;
    assert.deepEqual(snap.steps.at(-1), [6, (2 * 10 + 2 * 10 + 4 * 5) / 25], 'a short batch among full ones weighs its samples');
    assert.deepEqual(snap.epochStarts, [[1, 0], [2, 3]]);
    // Throughput: the epoch's own mean at its first report (20/s), the short batch's 5 samples in 1 s folded in by samples.
    assert.deepEqual(snap.throughput, [[3, (20 * 20 + 5 * 5) / 25], [6, 25]]);
  });

  it('measures throughput between reports with the training loop\'s clock and starts it with the losses', () => {
    const file = join(tmp(), 'progress.json');
    const p = new ProgressFile(file, 1, { intervalMs: 0, batchSize: 10 });
    p.onStep({ epoch: 1, batch: 1, batches: 10, samples: 10, step: 1, loss: 1, losses: [1], samplesPerSec: 5 }); // 2 s in
    p.onStep({ epoch: 1, batch: 4, batches: 10, samples: 40, step: 4, loss: 1, losses: [1, 1, 1], samplesPerSec: 10 }); // 4 s in
    const snap = readProgress(file)!;
    assert.deepEqual(snap.throughput, [[1, 5], [4, 15]]);
    assert.deepEqual(snap.throughput!.map(([s]) => s), snap.steps.map(([s]) => s));
  });

  it('writes the phase after the last step at once, and drops it when steps resume', () => {
    const file = join(tmp(), 'progress.json');
    let now = 0;
    const p = new ProgressFile(file, 1, { intervalMs: 10_000, now: () => now });
    p.onStep(step(1));
    now = 5;
    p.setPhase('evaluating the test set');
    assert.equal(readProgress(file)!.phase, 'evaluating the test set', 'written within the interval');
    now = 20_000;
    p.onStep(step(2));
    assert.equal(readProgress(file)!.phase, undefined);
  });

  it('reads a damaged or foreign file as no progress', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'p.json'), '{"format":"aekit-progress","ste');
    assert.equal(readProgress(join(dir, 'p.json')), undefined);
    writeFileSync(join(dir, 'q.json'), '{"a":1}');
    assert.equal(readProgress(join(dir, 'q.json')), undefined);
    assert.equal(readProgress(join(dir, 'none.json')), undefined);
  });
});

describe('training requests from the page', () => {
  it('accepts presets on built-in data and names the first bad field otherwise', () => {
    assert.deepEqual(parseTrainRequest({ model: 'conv', data: 'mnist', epochs: 2, samples: 512, lr: 0.001 }), { model: 'conv', data: 'mnist', epochs: 2, samples: 512, lr: 0.001 });
    const cases: [unknown, RegExp][] = [
      [null, /^body: expected a JSON object/],
      [{ model: 'conv', data: 'mnist', epochs: 2, runs: '/etc' }, /^runs: unknown field/],
      [{ model: 'resnet', data: 'mnist', epochs: 2 }, /^model: expected one of dense, deep/],
      [{ model: 'conv', data: '/etc/passwd', epochs: 2 }, /^data: expected one of mnist, fashion-mnist/],
      [{ model: 'conv', data: 'mnist' }, /^epochs: expected an integer in \[1, 10000\]/],
      [{ model: 'conv', data: 'mnist', epochs: 2.5 }, /^epochs: expected an integer in \[1, 10000\], got 2.5/],
      [{ model: 'conv', data: 'mnist', epochs: 1, batchSize: '64' }, /^batchSize: expected an integer/],
      [{ model: 'conv', data: 'mnist', epochs: 1, lr: -1 }, /^lr: expected a number in \(0, 10\]/],
      [{ model: 'conv', data: 'mnist', epochs: 1, name: '../evil' }, /^name: expected letters, digits/],
    ];
    for (const [body, message] of cases) {
      assert.throws(() => parseTrainRequest(body), (e: unknown) => e instanceof RequestError && e.status === 400 && message.test(e.message), JSON.stringify(body));
    }
  });
});
