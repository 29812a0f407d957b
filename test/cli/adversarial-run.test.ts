import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pngjs from 'pngjs';
import { runGenerateCommand } from '../../src/cli/commands/generate.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { type Io } from '../../src/cli/io.js';
import { ConfigError } from '../../src/config/validate.js';
import { AdversarialAutoencoder } from '../../src/models/aae.js';
import { parseRunConfig } from '../../src/runs/run-config.js';

const { PNG } = pngjs;
const dir = mkdtempSync(join(tmpdir(), 'aekit-adversarial-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const quietIo = (): Io => ({ log: () => {}, out: () => {}, tty: false });
const discriminatorOptimizer = { name: 'sgd', learningRate: 0.05, momentum: 0.5 };

function writeConfig(name: string, config: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('run configs: training.discriminatorOptimizer', () => {
  it('is checked like the optimizer, with the field named', () => {
    const bad = (d: unknown, re: RegExp) => assert.throws(() => parseRunConfig({ model: 'aae', data: { source: 'mnist' }, training: { discriminatorOptimizer: d } }, 'run.yaml'), (e: unknown) => e instanceof ConfigError && re.test(e.message), JSON.stringify(d));
    bad({ name: 'lbfgs' }, /^run\.yaml\.training\.discriminatorOptimizer\.name: expected one of/);
    bad({ name: 'adam', beta1: 2 }, /^run\.yaml\.training\.discriminatorOptimizer\.beta1: must be/);
    bad({ name: 'adam', lr: 1e-3 }, /^run\.yaml\.training\.discriminatorOptimizer\.lr: unknown field/);
    bad('adam', /^run\.yaml\.training\.discriminatorOptimizer: expected an object/);
    assert.deepEqual(parseRunConfig({ model: 'aae', data: { source: 'mnist' }, training: { discriminatorOptimizer } }).training.discriminatorOptimizer, discriminatorOptimizer);
  });

  it('is refused for a model without a discriminator, before a run folder exists', async () => {
    const runs = join(dir, 'refused');
    const file = writeConfig('dense.json', { model: 'dense', data: { source: 'mnist', samples: 64, testSamples: 16 }, training: { epochs: 1, discriminatorOptimizer } });
    await assert.rejects(runTrainCommand({ config: file, runs, figures: false }, quietIo()), /dense\.json\.training\.discriminatorOptimizer: the Autoencoder has no discriminator/);
    assert.ok(!existsSync(runs));
  });

  it('trains the aae-mixture preset with it, saves it in the run folder, honours it on resume, and draws the class figures', async () => {
    const runs = join(dir, 'runs');
    const file = writeConfig('aae.json', {
      model: 'aae-mixture', data: { source: 'mnist', samples: 300, testSamples: 100 },
      training: { epochs: 1, batchSize: 50, optimizer: { name: 'adam', learningRate: 1e-3 }, discriminatorOptimizer },
    });
    const first = (await runTrainCommand({ config: file, runs }, quietIo()))!;
    const model = first.model as AdversarialAutoencoder;
    assert.ok(model instanceof AdversarialAutoencoder && model.mixture?.components === 10 && model.latentDim === 2);
    assert.deepEqual(model.trainer.discriminatorOptimizer!.getConfig(), { ...discriminatorOptimizer, nesterov: false, weightDecay: 0 });
    const saved = JSON.parse(readFileSync(first.run.path('config.json'), 'utf8')) as { training: Record<string, unknown> };
    assert.deepEqual(saved.training.discriminatorOptimizer, discriminatorOptimizer);
    const checkpoint = JSON.parse(readFileSync(first.run.path('checkpoint/checkpoint.json'), 'utf8')) as Record<string, { name: string; learningRate: number }>;
    assert.equal(checkpoint.discriminatorOptimizer!.name, 'sgd');
    assert.equal(checkpoint.discriminatorOptimizer!.learningRate, 0.05);

    const figures = readdirSync(first.run.path('figures'));
    for (const f of ['latent.png', 'samples.png', 'samples-by-class.png']) assert.ok(figures.includes(f), `${f} in ${figures}`);
    const perClass = PNG.sync.read(readFileSync(first.run.path('figures/samples-by-class.png')));
    assert.ok(perClass.height > perClass.width * 0.8, `ten rows of ten: ${perClass.width}×${perClass.height}`);

    const npy = join(dir, 'threes.npy');
    assert.deepEqual(await runGenerateCommand(first.run.dir, { kind: 'samples', n: 5, seed: 0, label: 3, out: npy, steps: 10 }, quietIo()), [5, 1, 28, 28]);
    assert.deepEqual(Array.from(readFileSync(npy).subarray(-5 * 784 * 4)), Array.from(new Uint8Array((await model.sample(5, { label: 3 })).buffer)));
    await assert.rejects(runGenerateCommand(first.run.dir, { kind: 'samples', n: 5, seed: 0, label: 10, out: npy, steps: 10 }, quietIo()), /label must be an integer in \[0, 10\)/);

    const resumed = (await runTrainCommand({ runs, resume: first.run.dir, epochs: 2, figures: false }, quietIo()))!;
    assert.equal(resumed.model.trainer.history.length, 2);
    assert.deepEqual(resumed.model.trainer.discriminatorOptimizer!.getConfig(), model.trainer.discriminatorOptimizer!.getConfig());
  });
});
