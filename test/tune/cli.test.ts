/**
 * A small real `aekit tune` (seconds): trials trained by `aekit train`'s code
 * into run folders that `aekit eval` reads, the table of trials, the best
 * config ready for `aekit train --config`, the study report, and a resumed
 * study that runs only what its new budget adds.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runEvalCommand } from '../../src/cli/commands/eval.js';
import { runTuneCommand } from '../../src/cli/commands/tune.js';
import { ConfigError } from '../../src/config/validate.js';
import { readRunConfig } from '../../src/runs/run-config.js';
import { readRunInfo } from '../../src/runs/run-folder.js';
import { sensorCsv } from '../runs/sensor-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-tune-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const csv = sensorCsv(join(dir, 'sensors.csv'), 240);
const quiet = () => {
  const lines: string[] = [];
  return { log: (l: string) => lines.push(l), out: (l: string) => lines.push(l), tty: false, lines };
};

describe('aekit tune on a small table', () => {
  it('runs the trials as run folders, prints the table, writes the best config and the report; a resume adds only new trials', async () => {
    const config = join(dir, 'search.yaml');
    writeFileSync(config, [
      'model: dense',
      'preset: { latent: { int: [1, 4] } }',
      `data: { source: ${csv}, labelColumn: fault, validationSplit: 0.3 }`,
      'training: { epochs: 2, batchSize: 32, optimizer: { name: adam, learningRate: { logUniform: [1.0e-3, 3.0e-2] } } }',
      'tune: { objective: rocAuc, trials: 3, sampler: random, seed: 1 }',
    ].join('\n'));
    const study = join(dir, 'study');
    const io = quiet();
    const outcome = (await runTuneCommand({ config, study, figures: false, threads: 1 }, io))!;
    assert.equal(outcome.state.trials.size, 3);
    const values = [...outcome.state.trials.values()].map((t) => t.done!.value!);
    for (const v of values) assert.ok(v > 0.5 && v <= 1, `ROC-AUC ${v}`);
    assert.equal(outcome.best!.done!.value, Math.max(...values));
    const table = io.lines.filter((l) => /^\d\*?\s+complete/.test(l));
    assert.equal(table.length, 3, io.lines.join('\n'));
    assert.match(io.lines.find((l) => l.startsWith('trial  state'))!, /rocAuc\s+epochs\s+seconds\s+preset\.latent\s+training\.optimizer\.learningRate/);
    // The best config is a plain run config with the best trial's values.
    const best = readRunConfig(join(study, 'best-config.json'));
    assert.equal(best.preset?.latent, outcome.best!.params['preset.latent']);
    assert.equal(best.training.optimizer.learningRate, outcome.best!.params['training.optimizer.learningRate']);
    for (const f of ['report.html', 'trials.csv', 'figures/objective.png', 'figures/params.png', 'figures/importance.png']) assert.ok(existsSync(join(study, f)), f);
    // Each trial is an ordinary run folder.
    const run = join(study, 'trials', 'trial-0001');
    assert.equal(readRunInfo(run).status, 'finished');
    const metrics = await runEvalCommand(run, { batchSize: 64 }, quiet());
    assert.ok(metrics.mse! > 0 && Number.isFinite(metrics.mse!));
    // Resumed with a larger budget (no config: the journal has it), only trials 4 and 5 run.
    const again = (await runTuneCommand({ study, trials: 5, figures: false, threads: 1 }, quiet()))!;
    assert.equal(again.state.trials.size, 5);
    for (const t of again.state.trials.values()) assert.equal(t.claims, 1, `trial ${t.number} claimed once`);
    const journal = readFileSync(join(study, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    assert.equal(journal.filter((r) => r.type === 'done').length, 5);
  });

  it('refuses a bad search config naming the field, before any trial', async () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, `model: dense\ndata: { source: ${csv}, validationSplit: 0.2 }\ntraining: { batchSize: { int: [8, 4] } }\n`);
    await assert.rejects(runTuneCommand({ config, study: join(dir, 'bad') }, quiet()), (e: unknown) => e instanceof ConfigError && e.message === `${config}.training.batchSize.int: expected low <= high, got [8, 4]`);
    assert.equal(existsSync(join(dir, 'bad')), false);
    await assert.rejects(runTuneCommand({ study: join(dir, 'none') }, quiet()), /none holds no study \(no journal\.jsonl\): give the search config with --config/);
    assert.equal(existsSync(join(dir, 'none')), false);
  });
});
