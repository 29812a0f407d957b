import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pngjs from 'pngjs';
import { runDetectCommand } from '../../src/cli/commands/detect.js';
import { runEncodeCommand } from '../../src/cli/commands/encode.js';
import { runEvalCommand } from '../../src/cli/commands/eval.js';
import { runTrainCommand, type TrainOutcome } from '../../src/cli/commands/train.js';
import { type SeriesDetectOutcome } from '../../src/cli/series-detect.js';
import { applyOverrides } from '../../src/runs/run-config.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-series-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function quietIo() {
  const lines: string[] = [];
  const outs: string[] = [];
  return { log: (l: string) => lines.push(l), out: (l: string) => outs.push(l), tty: false, lines, outs };
}

const START = Date.UTC(2015, 0, 1);
const stamp = (t: number) => new Date(START + t * 600_000).toISOString().replace('T', ' ').slice(0, 19);

/** 1,000 ten-minute steps of two channels with a daily-ish cycle of 48 steps; a burst on channel 0 at [from, from + 12). */
function seriesCsv(file: string, burstAt: number | null, seed: number): string {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows = ['timestamp,load,temp'];
  for (let t = 0; t < 1000; t++) {
    const burst = burstAt !== null && t >= burstAt && t < burstAt + 12 ? 4 * Math.sin((2 * Math.PI * t) / 6) : 0;
    rows.push(`${stamp(t)},${(5 + 2 * Math.sin((2 * Math.PI * t) / 48) + 0.1 * (rand() - 0.5) + burst).toFixed(4)},${(20 + Math.cos((2 * Math.PI * t) / 48) + 0.1 * (rand() - 0.5)).toFixed(4)}`);
  }
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

describe('aekit train --window and aekit detect on a series', () => {
  const csv = join(dir, 'series.csv');
  let outcome: TrainOutcome;

  before(async () => {
    // The burst sits in the last 20 %, the test part the model never trained on.
    seriesCsv(csv, 900, 1);
    const io = quietIo();
    outcome = (await runTrainCommand({ runs: dir, out: join(dir, 'run'), data: csv, window: 24, epochs: 6, threads: 1 }, io))!;
    assert.match(io.lines.join('\n'), /series data \(windows of 24 steps × 2 channels\): loss mse, output linear, scale zscore, code 8/);
    assert.match(io.lines.join('\n'), /777 training samples, 177 test \(the windows of the last 200 steps\)/);
    assert.match(io.lines.join('\n'), /Anomalies: \d+ of 1000 steps flagged in \d+ ranges? by the run's detector \(figures\/anomalies\.png/);
  });

  it('trains the benchmarked series model with the benchmark\'s training defaults and records the window', () => {
    assert.equal(outcome.model.className, 'Conv1DAutoencoder');
    assert.deepEqual(outcome.model.inputShape, [24, 2]);
    const config = JSON.parse(readFileSync(join(outcome.run.dir, 'config.json'), 'utf8'));
    assert.equal(config.data.window, 24);
    assert.equal(config.model.latentDim, 8);
    assert.deepEqual({ epochs: 6, batchSize: config.training.batchSize, lr: config.training.optimizer.learningRate }, { epochs: 6, batchSize: 32, lr: 1e-3 });
    const scaler = JSON.parse(readFileSync(join(outcome.run.dir, 'scaler.json'), 'utf8'));
    assert.deepEqual(scaler.sampleShape, [2], 'one mean and std per channel');
    assert.ok(existsSync(join(outcome.run.dir, 'figures', 'anomalies.png')));
    assert.ok(existsSync(join(outcome.run.dir, 'detector', 'detector.json')), 'the run detector is saved at training');
  });

  it("writes a report.html for the series: its figure, the flagged ranges with their timestamps, nothing of an image run's", async () => {
    const html = readFileSync(join(outcome.run.dir, 'report.html'), 'utf8');
    for (const title of ['Training', 'Anomalies over time', 'More figures: run', 'Configuration']) assert.ok(html.includes(`<h2>${title}</h2>`), title);
    assert.match(html, /1000 steps of 2 channels \(load, temp\), cut into windows of 24 steps; the first 800 steps trained the model/);
    const figure = readFileSync(join(outcome.run.dir, 'figures', 'anomalies.png')).toString('base64');
    assert.ok(html.includes(`<figure class="wide"><img alt="series.csv: the series`) && html.includes(figure), 'the series figure, full width');
    // The ranges table: a row over the burst at [900, 912), named by its timestamps.
    const rows = [...html.matchAll(/<tr><td>(\d{4}-[^<]+)<\/td><td>([^<]+)<\/td><td>(\d+)<\/td>/g)].map((m) => [m[1], m[2], Number(m[3])] as const);
    assert.ok(rows.length >= 1 && rows.some(([from, to]) => from! <= stamp(911) && to! >= stamp(900)), JSON.stringify(rows));
    assert.doesNotMatch(html, /worst\.png|digits|Fashion-MNIST/);
  });

  it('detect flags the burst, writes per-step scores and the figure; a saved detector scores a new series', async () => {
    const io = quietIo();
    const out = join(dir, 'detect');
    const r = await runDetectCommand(outcome.run.dir, { out: join(out, 'scores.csv'), png: join(out, 'series.png'), save: join(out, 'det') }, io) as unknown as SeriesDetectOutcome;
    assert.equal(r.samples, 1000);
    assert.equal(r.window, 24);
    const hit = r.ranges.find((g) => g.start < 912 && g.end > 900);
    assert.ok(hit, `a range over the burst [900, 912): ${JSON.stringify(r.ranges)}`);
    assert.equal(hit!.startTime, stamp(hit!.start));
    assert.ok(r.ranges.reduce((a, g) => a + g.end - g.start, 0) === r.flagged);
    const lines = readFileSync(join(out, 'scores.csv'), 'utf8').trim().split('\n');
    assert.equal(lines[0], 'step,timestamp,load,temp,score,anomaly');
    assert.equal(lines.length, 1001);
    assert.match(lines[1]!, /^0,2015-01-01 00:00:00,5\.0014,20\.9676,-?\d/);
    const png = pngjs.PNG.sync.read(readFileSync(join(out, 'series.png')));
    assert.deepEqual([png.width, png.height], [1100, 790], 'a panel per channel (load and temp), then the score');
    assert.match(io.lines.join('\n'), /combined scores of 1000 steps of series\.csv \(the run's series\), windows of 24; threshold [\d.]+: \d+ steps flagged/);
    // Another series through the saved detector: no burst there, the one planted at 300 found.
    const other = seriesCsv(join(dir, 'other.csv'), 300, 2);
    const again = await runDetectCommand(join(out, 'det'), { data: other, json: true }, quietIo()) as unknown as SeriesDetectOutcome;
    assert.equal(again.threshold, r.threshold);
    assert.ok(again.ranges.some((g) => g.start < 312 && g.end > 300), JSON.stringify(again.ranges));
    assert.ok(!again.ranges.some((g) => g.start > 880), 'nothing flagged where the first series had its burst');
    await assert.rejects(runDetectCommand(join(out, 'det'), {}, quietIo()), /saved detector: say which series to score with --data/);
  });

  it('another --contamination fits a detector for the command; eval scores the held-out windows', async () => {
    const strict = await runDetectCommand(outcome.run.dir, { contamination: 0.01, json: true }, quietIo()) as unknown as SeriesDetectOutcome;
    const loose = await runDetectCommand(outcome.run.dir, { contamination: 0.2, json: true }, quietIo()) as unknown as SeriesDetectOutcome;
    assert.ok(strict.threshold > loose.threshold && strict.flagged < loose.flagged);
    const e = quietIo();
    await runEvalCommand(outcome.run.dir, { batchSize: 64 }, e);
    assert.match(e.lines.join('\n'), /177/);
  });

  it("--model transformer trains a TransformerAutoencoder on the windows; eval and encode read the run", async () => {
    const io = quietIo();
    const t = (await runTrainCommand({ runs: dir, out: join(dir, 'tae'), data: csv, window: 24, model: 'transformer', epochs: 2, threads: 1, figures: false }, io))!;
    assert.equal(t.model.className, 'TransformerAutoencoder');
    assert.deepEqual([t.model.inputShape, t.model.latentShape], [[24, 2], [8]]);
    assert.ok(t.result.history.at(-1)!.loss! < t.result.history[0]!.loss!, 'the loss falls over 2 epochs');
    const e = quietIo();
    await runEvalCommand(t.run.dir, { batchSize: 64 }, e);
    assert.match(e.lines.join('\n'), /177/);
    await runEncodeCommand(t.run.dir, { out: join(dir, 'tae-codes.csv') }, quietIo());
    assert.equal(readFileSync(join(dir, 'tae-codes.csv'), 'utf8').trim().split('\n')[0], 'z1,z2,z3,z4,z5,z6,z7,z8');
  });

  it('bad series input is refused with the file, line and field', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'timestamp,value\n2015-01-01 00:00:00,1\n2015-01-01 00:10:00,oops\n');
    await assert.rejects(runTrainCommand({ runs: dir, out: join(dir, 'bad-run'), data: bad, window: 2 }, quietIo()), /bad\.csv: line 3, field "value": non-numeric value "oops"/);
    const short = join(dir, 'short.csv');
    writeFileSync(short, `timestamp,value\n${Array.from({ length: 10 }, (_, t) => `${stamp(t)},${t}`).join('\n')}\n`);
    await assert.rejects(runTrainCommand({ runs: dir, out: join(dir, 'short-run'), data: short, window: 16 }, quietIo()), /short\.csv: holds 10 steps, fewer than one window of 16/);
    await assert.rejects(runTrainCommand({ runs: dir, out: join(dir, 'npy-run'), data: join(dir, 'x.npy'), window: 16 }, quietIo()), /a series \(data\.window, --window\) is read from a CSV file/);
    assert.throws(() => applyOverrides(undefined, { data: csv, window: 16, scale: 'minmax' }), /data\.scale: a series \(data\.window\) is standardized per channel/);
    assert.throws(() => applyOverrides(undefined, { data: csv, window: 16, labelColumn: 'load' }), /data\.labelColumn: does not apply to a series/);
    await assert.rejects(runDetectCommand(outcome.run.dir, { data: join(dir, 'other.csv'), anomalyLabels: '1' }, quietIo()), /do not apply to a series/);
    const one = join(dir, 'one-channel.csv');
    writeFileSync(one, `timestamp,value\n${Array.from({ length: 100 }, (_, t) => `${stamp(t)},${t}`).join('\n')}\n`);
    await assert.rejects(runDetectCommand(outcome.run.dir, { data: one }, quietIo()), /1 numeric column \(value\), the detector takes 2/);
  });
});
