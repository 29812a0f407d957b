import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { CommanderError } from 'commander';
import { trainCommand } from '../../src/cli/commands/train.js';
import { AutoencoderModel } from '../../src/models/base.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-train-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

/** Parses `args` with the train command, without running it; returns the error commander raises. */
async function parseError(args: string[]): Promise<CommanderError> {
  let stderr = '';
  let ran = false;
  const cmd = trainCommand().exitOverride().configureOutput({ writeErr: (s: string) => { stderr += s; }, writeOut: () => {} });
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

/** Vulkan pointed at no driver: WebGPU has no adapter here or on a GPU machine. */
const noGpu = { ...process.env, VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_ADD_DRIVER_FILES: '' };

function aekit(args: string[], cwd = dir) {
  return spawnSync(process.execPath, ['--import', tsx, main, ...args], { cwd, encoding: 'utf8', timeout: 60000, killSignal: 'SIGKILL', env: noGpu });
}

describe('aekit train flags', () => {
  it('rejects bad values with the flag named', async () => {
    assert.match((await parseError(['--epochs', '0'])).message, /--epochs must be an integer >= 1, got '0'/);
    assert.match((await parseError(['--batch-size', '2.5'])).message, /--batch-size must be an integer >= 1, got '2.5'/);
    assert.match((await parseError(['--lr', '-1'])).message, /--lr must be a number in \(0, 10\), got '-1'/);
    assert.match((await parseError(['--validation-split', '1'])).message, /--validation-split must be a number in \(0, 1\), got '1'/);
    assert.match((await parseError(['--threads', 'many'])).message, /--threads must be an integer in \[1, 1024\], got 'many'/);
    assert.match((await parseError(['--shape', '1,x,28'])).message, /--shape must be positive integers separated by commas/);
    assert.match((await parseError(['--optimizer', 'lbfgs'])).message, /Allowed choices are adam, adamw, sgd, rmsprop/);
    assert.match((await parseError(['--bogus'])).message, /unknown option '--bogus'/);
  });

  it("--scale takes minmax, zscore or none, and reads the old name 'standard' as zscore", async () => {
    const parsed = async (args: string[]) => {
      let flags: Record<string, unknown> | undefined;
      const cmd = trainCommand().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
      cmd.action((f: Record<string, unknown>) => { flags = f; });
      await cmd.parseAsync(args, { from: 'user' });
      return flags!;
    };
    assert.equal((await parsed(['--scale', 'zscore'])).scale, 'zscore');
    assert.equal((await parsed(['--scale', 'standard'])).scale, 'zscore');
    assert.equal((await parsed(['--scale', 'minmax'])).scale, 'minmax');
    assert.match((await parseError(['--scale', 'robust'])).message, /--scale must be one of minmax, zscore, none, got 'robust'/);
    let help = '';
    trainCommand().configureOutput({ writeOut: (t: string) => { help += t; } }).outputHelp();
    assert.match(help.replace(/\s+/g, ' '), /--scale <kind> scaling fitted on the training samples: minmax, zscore, none \('standard' is read as zscore\)/);
  });

  it('the CLI exits 1 with one line naming the problem: bad flag, unknown model, missing file, foreign --out', () => {
    for (const [args, message] of [
      [['train', '--epochs', 'two'], /--epochs must be an integer >= 1, got 'two'/],
      [['train', '--model', 'resnet'], /^aekit: --model: unknown model 'resnet'; expected one of dense, deep/m],
      [['train', '--data', 'missing.npy'], /^aekit: data\.source: 'missing\.npy' is neither a built-in data set/m],
      [['eval', 'runs/none'], /^aekit: runs\/none: no such run folder or checkpoint$/m],
      [['train', '--shape', '5,5'], /^aekit: data\.shape \(--shape\): \[5, 5\] holds 25 values; mnist images have 784/m],
      [['train', '--samples', '99999999'], /^aekit: data\.samples \(--samples\): 99999999 asked for, but mnist has 60000 training samples$/m],
      [['train', '--device', 'webgpu', '--samples', '64'], /^aekit: device 'webgpu': no usable WebGPU adapter/m],
    ] as const) {
      const r = aekit([...args]);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.ok(!existsSync(join(dir, 'runs')), 'no run folder for a rejected run');
  });

  it('--help of every command shows an example', () => {
    for (const command of ['demo', 'train', 'eval', 'encode', 'reconstruct', 'detect', 'denoise', 'generate', 'compress', 'decompress', 'export', 'summary', 'ops']) {
      const r = aekit([command, '--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Example[s]?:\\n  aekit ${command}`), command);
    }
  });

  it('SIGINT during training saves a checkpoint that --resume continues; the run is marked stopped', async () => {
    const out = join(dir, 'interrupted');
    const child = spawn(process.execPath, ['--import', tsx, main, 'train', '--model', 'dense', '--samples', '20000', '--test-samples', '64', '--epochs', '30', '--batch-size', '32', '--no-figures', '--out', out], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // Interrupt once training has started (the first epoch line, or a few seconds in).
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (/epoch 1\/30/.test(stdout) || existsSync(join(out, 'checkpoint'))) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Stopped during epoch \d+; checkpoint saved/);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    assert.equal(run.status, 'stopped');
    const model = AutoencoderModel.load(join(out, 'checkpoint'));
    assert.ok(model.trainer.history.length < 30);
  });
});
