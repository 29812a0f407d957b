/**
 * A table run (`aekit train --data table.csv`): the CSV header's column names
 * travel with the run's data and its detector, so `aekit detect --explain` on
 * the run and the dashboard's anomaly view name the features.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
