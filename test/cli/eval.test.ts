import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runEvalCommand } from '../../src/cli/commands/eval.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { type Io } from '../../src/cli/io.js';
import { loadRunData } from '../../src/runs/run-data.js';
import { mnist } from '../../src/data/datasets.js';
import { reconstructionMetrics } from '../../src/eval/reconstruction.js';

function quietIo(): Io & { lines: string[]; outs: string[] } {
  const lines: string[] = [];
  const outs: string[] = [];
  return { lines, outs, log: (l) => lines.push(l), out: (l) => outs.push(l), tty: false };
}

describe('aekit eval', async () => {
  const runs = mkdtempSync(join(tmpdir(), 'aekit-eval-'));
  const trained = (await runTrainCommand({ runs, model: 'dense', data: 'mnist', latent: 4, samples: 64, testSamples: 32, epochs: 1, batchSize: 32, figures: false }, quietIo()))!;
  const dir = trained.run.dir;

  it("scores the run's test split: the metrics of its reconstructions, the count printed as a whole number", async () => {
    const io = quietIo();
    const metrics = await runEvalCommand(dir, { batchSize: 16 }, io);
    const test = mnist({ split: 'test', shape: 'image', limit: 32 });
    const reference = reconstructionMetrics(test.x, await trained.model.reconstruct(test.x));
    assert.equal(metrics.samples, 32);
    assert.equal(metrics.mse, reference.mse);
    assert.equal(metrics.bce, reference.bce);
    assert.equal(metrics.psnr, reference.psnr);
    assert.match(io.lines[0]!, /^Autoencoder on the run's test set: samples 32 · loss \d\.\d{4} · /);
  });

  it('loads only the test split: asking for more samples than it has names the test set, not the 60,000 training images', async () => {
    // Were the training split loaded, its own check (60,000 < 70,000) would fail first.
    await assert.rejects(runEvalCommand(dir, { batchSize: 16, samples: 70000 }, quietIo()), /70000 asked for, but the test set has 10000 samples/);
  });
});

describe('loadRunData with testOnly', () => {
  it('skips the training split of a built-in set when no scaler needs it; its values are known to lie in [0, 1]', async () => {
    const data = await loadRunData({ source: 'mnist', samples: 7, testSamples: 5 }, undefined, { testOnly: true });
    assert.equal(data.train, data.test);
    assert.equal(data.train.shape[0], 5);
    assert.equal(data.unitRange, true);
    const full = await loadRunData({ source: 'mnist', samples: 7, testSamples: 5 });
    assert.deepEqual([full.train.shape[0], full.test!.shape[0], full.unitRange], [7, 5, true]);
  });

  it('loads the training split when a scaler is fitted on it, and checks the scaled range', async () => {
    const data = await loadRunData({ source: 'mnist', samples: 7, testSamples: 5, scale: 'zscore' }, undefined, { testOnly: true });
    assert.equal(data.train.shape[0], 7);
    assert.equal(data.test!.shape[0], 5);
    assert.ok(data.scaler);
    assert.equal(data.unitRange, false);
  });
});
