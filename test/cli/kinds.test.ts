import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { renderReport } from '../../src/cli/report.js';
import { codeUnitStds, deadUnits } from '../../src/runs/run-warnings.js';
import { correlatedCsv } from '../runs/correlated-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-kinds-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('aekit train on a table', () => {
  const csv = correlatedCsv(join(dir, 'table.csv'), 300, 20, 1);

  it('prints the table defaults, trains a 20-column table with no dead code units, and records the scaling', async () => {
    const lines: string[] = [];
    const io = { log: (l: string) => lines.push(l), out: () => {}, tty: false };
    const outcome = (await runTrainCommand({ runs: dir, out: join(dir, 'table-run'), model: 'dense', data: csv, epochs: 30, batchSize: 32, figures: false, threads: 1 }, io))!;
    assert.ok(lines.includes('  table data (20 columns): loss mse, output linear, scale zscore, code 5 — set --loss/--scale/--latent to change'), lines.join('\n'));
    assert.match(lines.join('\n'), /240 training samples, 60 test \(held out of the file, seeded\)/);
    const codes = await outcome.model.encode(outcome.data.test!.x);
    assert.deepEqual(deadUnits(codeUnitStds(codes, 5)), []);
    const codeWarnings = (ws: string[] = []) => ws.filter((w) => /dead|not smaller/.test(w));
    assert.deepEqual(codeWarnings(outcome.warnings), []);
    const info = JSON.parse(readFileSync(join(outcome.run.dir, 'run.json'), 'utf8'));
    assert.deepEqual(codeWarnings(info.warnings), []);
    const config = JSON.parse(readFileSync(join(outcome.run.dir, 'config.json'), 'utf8'));
    assert.equal(config.data.scale, 'zscore');
    assert.ok(outcome.test?.pca, 'the PCA comparison runs on the held-out rows');
  });

  it('warns in the log and in run.json when the code is not smaller than the input', async () => {
    const lines: string[] = [];
    const io = { log: (l: string) => lines.push(l), out: () => {}, tty: false };
    const outcome = (await runTrainCommand({ runs: dir, out: join(dir, 'wide-run'), model: 'dense', data: csv, latent: 24, epochs: 1, figures: false, threads: 1 }, io))!;
    assert.ok(lines.some((l) => l.startsWith('Warning: the code (24 values) is not smaller than the input (20 values)')), lines.join('\n'));
    const info = JSON.parse(readFileSync(join(outcome.run.dir, 'run.json'), 'utf8'));
    assert.ok(info.warnings.some((w: string) => w.includes('not smaller than the input')));
  });

  it('the report lists warnings first, escaped', () => {
    const html = renderReport('t', 'intro', [], {}, { warnings: ['2 of 8 code units are dead <units 5, 7>'] });
    assert.match(html, /<div class="warnings"><strong>Warnings<\/strong><ul><li>2 of 8 code units are dead &lt;units 5, 7&gt;<\/li><\/ul><\/div>/);
    assert.doesNotMatch(renderReport('t', 'intro', [], {}), /class="warnings"/);
  });
});
