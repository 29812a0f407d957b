import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CommanderError } from 'commander';
import { TRAIN_DEFAULTS, type TrainReport, reconstructionMetrics, runTrain, trainCommand } from '../../src/cli/train.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-train-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Parses `args` with the train command, without running it; returns the error commander raises. */
async function parseError(args: string[]): Promise<CommanderError> {
  let stderr = '';
  let ran = false;
  const cmd = trainCommand().exitOverride().configureOutput({ writeErr: (s) => { stderr += s; }, writeOut: () => {} });
  cmd.action(() => { ran = true; });
  try {
    await cmd.parseAsync(args, { from: 'user' });
  } catch (e) {
    assert.ok(e instanceof CommanderError, String(e));
    assert.equal(ran, false);
    assert.ok(stderr.includes(e.message), `stderr shows the message: ${stderr}`);
    return e;
  }
  assert.fail(`${args.join(' ')} was accepted`);
}

describe('aekit train', () => {
  it('trains a tiny run and writes the checkpoint, three ONNX exports and finite metrics', async () => {
    const lines: string[] = [];
    const out = join(dir, 'run');
    const report: TrainReport = await runTrain({ ...TRAIN_DEFAULTS, samples: 256, testSamples: 1000, epochs: 1, batchSize: 64, out }, { log: (l) => lines.push(l), progress: false });
    for (const f of ['checkpoint/checkpoint.json', 'checkpoint/weights.safetensors', 'checkpoint/optimizer.safetensors', 'model.onnx', 'encoder.onnx', 'decoder.onnx', 'metrics.json']) {
      assert.ok(existsSync(join(out, f)) && statSync(join(out, f)).size > 0, `${f} written`);
    }
    assert.equal(report.codeSize, 32 * 7 * 7);
    assert.equal(report.history.length, 1);
    assert.equal(report.test.images, 1000);
    for (const m of [report.test.conv, report.test.pca.k32!, report.test.pca.k64!]) {
      for (const v of [m.mse, m.bce, m.psnr]) assert.ok(Number.isFinite(v), JSON.stringify(m));
      assert.ok(m.mse > 0 && m.mse < 1 && m.bce > 0);
    }
    assert.ok(report.test.pca.k64!.mse < report.test.pca.k32!.mse);
    const saved = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as TrainReport;
    assert.equal(saved.test.conv.mse, report.test.conv.mse);
    const text = lines.join('\n');
    assert.match(text, /epoch 1\/1: loss \d/);
    assert.match(text, /conv AE \(code 1568\)\s+0\.\d{5}\s+\d\.\d{5}\s+\d+\.\d{2}/);
    assert.match(text, /PCA k=32 \(fit on 256 images\)/);
    assert.match(text, /PCA k=64 \(fit on 256 images\)/);
  });

  it('rejects bad options with clear messages', async () => {
    assert.match((await parseError(['--epochs', '0'])).message, /option '--epochs <n>' argument '0' is invalid\. --epochs must be an integer >= 1, got '0'/);
    assert.match((await parseError(['--samples', '70000'])).message, /--samples must be an integer in \[1, 60000\], got '70000'/);
    assert.match((await parseError(['--test-samples', '0'])).message, /--test-samples must be an integer in \[1, 10000\], got '0'/);
    assert.match((await parseError(['--batch-size', '2.5'])).message, /--batch-size must be an integer >= 1, got '2.5'/);
    assert.match((await parseError(['--lr', '-1'])).message, /--lr must be a positive number, got '-1'/);
    assert.match((await parseError(['--threads', 'many'])).message, /--threads must be an integer in \[1, 1024\], got 'many'/);
    assert.match((await parseError(['--loss', 'huber'])).message, /Allowed choices are mse, bce/);
    assert.match((await parseError(['--bogus'])).message, /unknown option '--bogus'/);
  });

  it('parses options into numbers with the documented defaults', async () => {
    let got: Record<string, unknown> | undefined;
    const cmd = trainCommand().exitOverride();
    cmd.action((opts: Record<string, unknown>) => { got = opts; });
    await cmd.parseAsync(['--epochs', '3', '--lr', '3e-4', '--threads', '2'], { from: 'user' });
    assert.deepEqual(got, { ...TRAIN_DEFAULTS, epochs: 3, lr: 3e-4, threads: 2 });
  });

  it('the CLI exits non-zero with the message on a bad option', () => {
    const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
    const r = spawnSync(process.execPath, ['--import', 'tsx', main, 'train', '--epochs', 'two'], { encoding: 'utf8', timeout: 20000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--epochs must be an integer >= 1, got 'two'/);
  });

  it('reconstructionMetrics: per-pixel MSE, clipped BCE, PSNR from the pooled MSE', () => {
    const m = reconstructionMetrics(Float32Array.of(0, 1, 0.5, 1), Float32Array.of(0, 0.5, 0.5, 1));
    assert.ok(Math.abs(m.mse - 0.0625) < 1e-12);
    assert.ok(Math.abs(m.psnr - 10 * Math.log10(16)) < 1e-9);
    const clip = 1e-7;
    const expected = (-Math.log(1 - clip) - Math.log(0.5) - Math.log(0.5) - Math.log(1 - clip)) / 4;
    assert.ok(Math.abs(m.bce - expected) < 1e-9, `${m.bce} vs ${expected}`);
    assert.throws(() => reconstructionMetrics(new Float32Array(2), new Float32Array(3)), /3 reconstructed values for 2 inputs/);
  });
});
