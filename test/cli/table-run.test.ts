/**
 * A table run (`aekit train --data table.csv`): the CSV header's column names
 * travel with the run's data and its detector, so `aekit detect --explain` on
 * the run and the dashboard's anomaly view name the features; its report.html
 * shows the scores, threshold and features behind the top rows.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DetectOutcome, runDetectCommand } from '../../src/cli/commands/detect.js';
import { runTrainCommand, type TrainOutcome } from '../../src/cli/commands/train.js';
import { analyzeRun } from '../../src/dashboard/analysis.js';
import { loadRunData } from '../../src/runs/run-data.js';
import { SENSOR_COLUMNS, sensorCsv } from '../runs/sensor-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-table-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const quiet = () => {
  const outs: string[] = [];
  return { log: () => undefined, out: (l: string) => outs.push(l), tty: false, outs };
};

describe('a table run keeps its CSV column names', () => {
  const csv = sensorCsv(join(dir, 'sensors.csv'), 300);
  let outcome: TrainOutcome;

  before(async () => {
    outcome = (await runTrainCommand({ runs: dir, out: join(dir, 'run'), model: 'dense', data: csv, labelColumn: 'fault', epochs: 2, batchSize: 32, figures: false, threads: 1 }, quiet()))!;
  });

  it('run data carries the header (label column left out), through the held-out split and streaming', async () => {
    assert.deepEqual(outcome.data.columns, SENSOR_COLUMNS);
    const streamed = await loadRunData({ source: csv, labelColumn: 'fault', stream: true });
    assert.deepEqual(streamed.columns, SENSOR_COLUMNS);
    const reshaped = await loadRunData({ source: csv, labelColumn: 'fault', shape: [2, 3] });
    assert.equal(reshaped.columns, undefined, 'samples reshaped past one dimension have no feature names');
  });

  it('aekit detect --explain on the run names the columns, and the run detector saves them', async () => {
    const io = quiet();
    const result = (await runDetectCommand(outcome.run.dir, { explain: 2, json: true, threads: 1 }, io)) as DetectOutcome;
    assert.ok(result.explanations && result.explanations.length > 0);
    for (const e of result.explanations) for (const t of e.top) assert.ok(SENSOR_COLUMNS.includes(t.feature), `${t.feature} is a column name`);
    const saved = JSON.parse(readFileSync(join(outcome.run.dir, 'detector', 'detector.json'), 'utf8'));
    assert.deepEqual(saved.extra.columns, SENSOR_COLUMNS);
  });

  it("the dashboard's analysis names the features of the top rows", async () => {
    const a = await analyzeRun(dir, relative(dir, outcome.run.dir));
    assert.ok(a.explanations && a.explanations.length > 0);
    const named = a.explanations.flatMap((e) => e.top.map((t) => t.feature));
    assert.ok(named.every((f) => SENSOR_COLUMNS.includes(f)), named.join(', '));
    assert.ok(named.includes('vibration'), 'the planted column shows up among the top features');
  });
});

describe('aekit train on a table writes report.html: scores, threshold, metrics, the features behind the top rows', () => {
  it('for a table with 0/1 labels, and not for images (the demo writes theirs)', async () => {
    const csv = sensorCsv(join(dir, 'report.csv'), 300, 2);
    const lines: string[] = [];
    const outcome = (await runTrainCommand({ runs: dir, out: join(dir, 'report-run'), model: 'dense', data: csv, labelColumn: 'fault', epochs: 1, batchSize: 32, threads: 1 }, { log: (l: string) => lines.push(l), out: () => undefined, tty: false }))!;
    assert.match(lines.join('\n'), /figures\/ \([^)]*anomaly-scores\.png, anomaly-roc\.png, anomaly-pr\.png\), report\.html/);
    const html = readFileSync(join(outcome.run.dir, 'report.html'), 'utf8');
    for (const title of ['Training', 'Anomaly scores', 'Which features make rows anomalous', 'More figures: report-run', 'Configuration']) assert.ok(html.includes(`<h2>${title}</h2>`), title);
    assert.match(html, /240 training rows of 6 columns \(temperature, pressure, flow, vibration, rpm, power\)/);
    // The run's detector was fitted and saved by the report: the one aekit detect uses, with the same threshold.
    const detect = (await runDetectCommand(outcome.run.dir, { json: true, threads: 1 }, quiet())) as DetectOutcome;
    assert.ok(html.includes(`flags a row above the threshold ${Number(detect.threshold.toPrecision(4))}`), 'the threshold of aekit detect');
    assert.match(html, /Known anomalies: the data set's 0\/1 labels \(1 = anomalous\)\. ROC-AUC 0\.\d{4}/);
    for (const f of ['anomaly-scores.png', 'anomaly-roc.png', 'anomaly-pr.png', 'loss.png', 'latent.png']) {
      assert.ok(html.includes(readFileSync(join(outcome.run.dir, 'figures', f)).toString('base64')), `${f} is in the report`);
    }
    // The top rows' features by name, and the flagged rows' features counted.
    const top = [...html.matchAll(/<td>((?:[a-z]+ \d+%, ){2}[a-z]+ \d+%)<\/td>/g)].map((m) => m[1]!);
    assert.equal(top.length, 10, 'the 10 highest-scoring rows');
    for (const t of top) for (const part of t.split(', ')) assert.ok(SENSOR_COLUMNS.includes(part.replace(/ \d+%$/, '')), part);
    assert.doesNotMatch(html, /feature \d/);
    assert.doesNotMatch(html, /worst\.png|digits/);

    const image = (await runTrainCommand({ runs: dir, out: join(dir, 'image-run'), model: 'dense', data: 'mnist', samples: 128, testSamples: 64, latent: 4, epochs: 1, threads: 1 }, quiet()))!;
    assert.ok(existsSync(join(image.run.dir, 'figures', 'reconstructions.png')));
    assert.ok(!existsSync(join(image.run.dir, 'report.html')), 'no report for an image run from aekit train');
  });
});
