import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { type Io } from '../../src/cli/io.js';
import { mnist } from '../../src/data/datasets.js';
import { openRun } from '../../src/runs/open-run.js';
import { loadRunDetector, runDetector } from '../../src/runs/run-detector.js';

const quietIo = (): Io => ({ log: () => {}, out: () => {}, tty: false });

describe("a run's detector and the run's model", async () => {
  const runs = mkdtempSync(join(tmpdir(), 'aekit-run-detector-'));
  const trained = (await runTrainCommand({ runs, model: 'dense', data: 'mnist', latent: 4, samples: 64, testSamples: 32, epochs: 1, batchSize: 32, figures: false }, quietIo()))!;
  const dir = trained.run.dir;
  const rows = mnist({ split: 'test', shape: 'image', limit: 16 });

  it('scores with the run model when the saved copy is the same files, with the same scores as the copy', async () => {
    const fitted = await runDetector(openRun(dir));
    assert.equal(fitted.fittedNow, true);
    const run = openRun(dir);
    const shared = loadRunDetector(dir, {}, run.model)!;
    assert.equal(shared.model, run.model, 'the run model itself, not a second copy');
    const own = loadRunDetector(dir)!;
    assert.notEqual(own.model, run.model);
    assert.deepEqual(await shared.score(rows), await own.score(rows));
    const viaRun = await runDetector(run, {}, { shareModel: true });
    assert.equal(viaRun.fittedNow, false);
    assert.equal(viaRun.detector.model, run.model);
  });

  it("loads its own copy when the copy's files differ from the checkpoint's", async () => {
    const detectorJson = JSON.parse(readFileSync(join(dir, 'detector', 'detector.json'), 'utf8')) as { model: string };
    const config = join(dir, 'detector', detectorJson.model, 'model.json');
    // A copy whose config file differs by one byte of whitespace: the same model, but not provably so by its files.
    writeFileSync(config, `${readFileSync(config, 'utf8')} `);
    const run = openRun(dir);
    const detector = loadRunDetector(dir, {}, run.model)!;
    assert.notEqual(detector.model, run.model);
  });
});
