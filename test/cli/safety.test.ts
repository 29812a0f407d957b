import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { parserErrorLine } from '../../src/cli/args.js';
import { formatMetrics } from '../../src/cli/progress.js';
import { runRunsCommand } from '../../src/cli/commands/runs.js';
import { runSummaryCommand } from '../../src/cli/commands/summary.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { type Io } from '../../src/cli/io.js';
import { ConfigError, atConfigPath } from '../../src/config/validate.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-safety-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

function aekit(args: string[], cwd = dir) {
  const r = spawnSync(process.execPath, ['--import', tsx, main, ...args], { cwd, encoding: 'utf8', timeout: 60000, killSignal: 'SIGKILL' });
  assert.equal(r.signal, null, `aekit ${args.join(' ')} was killed (hung?)`);
  return r;
}

function quietIo(): Io & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (l) => lines.push(l), out: (l) => lines.push(l), tty: false };
}

describe('command-line mistakes end in one line', () => {
  it('a bad value, a misspelt option and a misspelt command: `aekit: …`, exit 1, the closest name suggested', () => {
    for (const [args, expected] of [
      [['train', '--epochs', '0'], "aekit: --epochs must be an integer >= 1, got '0'; see aekit train --help"],
      [['train', '--modle', 'conv'], "aekit: unknown option '--modle' (did you mean --model?); see aekit train --help"],
      [['trian'], "aekit: unknown command 'trian' (did you mean train?); see aekit --help"],
      [['train', '--optimizer', 'adma'], "aekit: --optimizer: expected one of adam, adamw, sgd, rmsprop, got 'adma'; see aekit train --help"],
    ] as const) {
      const r = aekit([...args]);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, `${expected}\n`, args.join(' '));
    }
  });

  it('parserErrorLine keeps a message that has no suggestion', () => {
    assert.equal(parserErrorLine("error: missing required argument 'run'\n", 'aekit eval'), "aekit: missing required argument 'run'; see aekit eval --help");
  });
});

describe('config errors name the file and the full path', () => {
  it("an optimizer's and a model config's own checks are named under the file, and --out is left uncreated", () => {
    writeFileSync(join(dir, 'run.yaml'), 'model: dense\ndata: { source: mnist, samples: 64 }\ntraining:\n  optimizer: { name: adam, beta1: "0.9x" }\n');
    let r = aekit(['train', '--config', 'run.yaml', '--out', 'out-a']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'aekit: run.yaml.training.optimizer.beta1: must be a number in [0, 1), got "0.9x"\n');
    assert.equal(existsSync(join(dir, 'out-a')), false, 'a rejected config leaves no --out folder');
    writeFileSync(join(dir, 'model.yaml'), 'model: { className: ConvAutoencoder, encoder: { filters: [8, -1] }, latentDim: 4 }\ndata: { source: mnist, samples: 64 }\n');
    r = aekit(['train', '--config', 'model.yaml', '--out', 'nested/out-b']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'aekit: model.yaml.model.encoder.filters[1]: expected a positive integer, got -1\n');
    assert.equal(existsSync(join(dir, 'nested')), false, 'nor its parent');
  });

  it('atConfigPath re-roots a nested check, and puts foreign paths under it whole', () => {
    assert.throws(() => atConfigPath('run.yaml.model', () => { throw new ConfigError('config.encoder.filters[1]', 'bad'); }), /^ConfigError: run\.yaml\.model\.encoder\.filters\[1\]: bad$/);
    assert.throws(() => atConfigPath('run.yaml.model', () => { throw new ConfigError('Adam', 'bad'); }), /^ConfigError: run\.yaml\.model: Adam: bad$/);
    assert.throws(() => atConfigPath('x', () => { throw new RangeError('other'); }), RangeError);
  });
});

describe('resume, runs and what a run prints', async () => {
  const runs = join(dir, 'runs');
  const io = quietIo();
  const outcome = (await runTrainCommand({ runs, name: 'small', model: 'dense', data: 'mnist', samples: 128, testSamples: 64, epochs: 1, batchSize: 64, latent: 4, figures: false }, io))!;
  const run = outcome.run.dir;

  it('prints the parameter count with thousands separators, as summary does; an epoch line without a repeated reconstruction', async () => {
    const count = io.lines.find((l) => l.includes(' parameters'))!;
    assert.match(count, / \d{1,3}(,\d{3})+ parameters/);
    const summary = await runSummaryCommand(run, {}, quietIo());
    assert.match(summary, new RegExp(`Total params: ${count.match(/ ([\d,]+) parameters/)![1]}`));
    assert.equal(formatMetrics({ loss: 0.1234, reconstruction: 0.1234, valLoss: 0.2, valReconstruction: 0.2 }), 'loss 0.1234 · valLoss 0.2000');
    assert.equal(formatMetrics({ loss: 0.3, reconstruction: 0.25, kl: 0.05 }), 'loss 0.3000 · reconstruction 0.2500 · kl 0.05000');
  });

  it('a resume that fails before it starts (checkpoint deleted) leaves run.json as it was', async () => {
    const copy = join(dir, 'runs', 'copy');
    spawnSync('cp', ['-r', run, copy]);
    rmSync(join(copy, 'checkpoint'), { recursive: true });
    const before = readFileSync(join(copy, 'run.json'), 'utf8');
    await assert.rejects(runTrainCommand({ runs, resume: copy, epochs: 3 }, quietIo()));
    assert.equal(readFileSync(join(copy, 'run.json'), 'utf8'), before);
    assert.equal(JSON.parse(before).status, 'finished');
  });

  it('aekit runs lists every run with its status, a damaged one with the file named; several are compared side by side', () => {
    const list = quietIo();
    const listed = runRunsCommand([runs], {}, list);
    assert.deepEqual(listed.map((r) => [r.path.endsWith('small'), r.status]).filter(([small]) => small), [[true, 'finished']]);
    assert.match(list.lines[0]!, /^run +status +model +data +epochs +loss +val loss +best +updated$/);
    assert.match(list.lines.find((l) => l.includes('small'))!, /small +finished +Autoencoder +mnist +1\/1 +\d\.\d+ +- +loss \d\.\d+ @1 +\d{4}-\d\d-\d\d \d\d:\d\d/);
    writeFileSync(join(run, 'model.onnx'), '');
    const after = quietIo();
    runRunsCommand([runs], {}, after);
    assert.match(after.lines.join('\n'), /small +damaged .*\n {2}⚠ model\.onnx is empty \(0 bytes\)/);
    const compared = quietIo();
    runRunsCommand([run, join(runs, 'copy')], {}, compared);
    assert.match(compared.lines[0]!, /^ +.*small +.*copy$/);
    assert.ok(compared.lines.some((l) => /^final loss +\d/.test(l)), compared.lines.join('\n'));
    assert.ok(compared.lines.some((l) => /^status +damaged +finished$/.test(l)), compared.lines.join('\n'));
  });

  it('aekit runs names a folder that does not exist', () => {
    const r = aekit(['runs', 'nowhere']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'aekit: nowhere: no such run folder or folder of runs\n');
  });
});
