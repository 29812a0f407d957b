import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { aucPair, meanPair, seriesMetrics } from '../../bench/timeseries/metrics.js';
import { nabParts, parseWindows, pointLabels, readNab } from '../../bench/timeseries/nab.js';
import { movingZScore, windowPca } from '../../bench/timeseries/peers.js';
import { formatTimeseriesTables, runTimeseriesBenchmark } from '../../bench/timeseries/protocol.js';
import { averagePrecision, rocAuc } from '../../src/eval/detection.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-bench-ts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
const t0 = Date.UTC(2014, 3, 1);
const stamp = (t: number) => new Date(t0 + t * HOUR).toISOString().replace('T', ' ').slice(0, 19);

/** A daily sine over `steps` hourly steps, a level shift on [a, b) when given. */
function sine(steps: number, shift?: [number, number], seed = 1): number[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: steps }, (_, t) => 10 + 3 * Math.sin((2 * Math.PI * t) / 24) + 0.2 * (rand() - 0.5) + (shift && t >= shift[0] && t < shift[1] ? 6 : 0));
}

describe('bench:timeseries protocol pieces', () => {
  it('anomaly windows become point labels, ends included', () => {
    const ts = [0, 10, 20, 30, 40, 50];
    assert.deepEqual(Array.from(pointLabels(ts, [[10, 30]])), [0, 1, 1, 1, 0, 0]);
    assert.deepEqual(Array.from(pointLabels(ts, [[15, 25], [50, 60]])), [0, 0, 1, 0, 0, 1]);
    assert.deepEqual(Array.from(pointLabels(ts, [])), [0, 0, 0, 0, 0, 0]);
    assert.throws(() => pointLabels(ts, [[30, 10]]), /ends before it starts/);
  });

  it('reads combined_windows.json, naming the field that is wrong', () => {
    const w = parseWindows(JSON.stringify({ 'a/x.csv': [['2014-04-01 01:00:00.000000', '2014-04-01 03:00:00.000000']], 'b/y.csv': [] }));
    assert.deepEqual(w.get('a/x.csv'), [[t0 + HOUR, t0 + 3 * HOUR]]);
    assert.deepEqual(w.get('b/y.csv'), []);
    assert.throws(() => parseWindows('{"a.csv": [["2014-04-01", "soon"]]}'), /field 'a.csv\[0\]': \["2014-04-01","soon"\] are not timestamps/);
    assert.throws(() => parseWindows('{"a.csv": 3}'), /field 'a.csv': expected a list/);
    assert.throws(() => parseWindows('[1'), /not JSON/);
  });

  it('splits the series into development and held-out parts, alternating within each category', () => {
    const parts = nabParts(['b/2.csv', 'a/1.csv', 'a/2.csv', 'a/3.csv', 'b/1.csv']);
    assert.deepEqual(Object.fromEntries(parts), { 'a/1.csv': 'dev', 'a/2.csv': 'heldout', 'a/3.csv': 'dev', 'b/1.csv': 'dev', 'b/2.csv': 'heldout' });
  });

  it('metrics per series: ROC-AUC and PR-AUC in %, after probation too; one class gives none', () => {
    const scores = [0.1, 0.9, 0.2, 0.8, 0.3, 0.7];
    const labels = [0, 1, 0, 0, 0, 1];
    const m = seriesMetrics(scores, labels, 2)!;
    assert.equal(m.rocAuc, 100 * rocAuc(scores, labels));
    assert.equal(m.prAuc, 100 * averagePrecision(scores, labels));
    assert.deepEqual(m.afterProbation, aucPair(scores.slice(2), labels.slice(2)));
    assert.equal(seriesMetrics(scores, [0, 0, 0, 0, 0, 0], 2), null);
    assert.equal(seriesMetrics(scores, [0, 1, 0, 0, 0, 0], 2)!.afterProbation, null, 'no anomaly after the probationary steps');
    assert.deepEqual(meanPair([{ rocAuc: 50, prAuc: 10 }, { rocAuc: 70, prAuc: 30 }]), { rocAuc: 60, prAuc: 20, n: 2 });
    assert.throws(() => seriesMetrics([1, 2], [0, 1, 0], 0), /2 scores for 3 labels/);
  });

  it('the peers score every step; a level shift scores above the rest', () => {
    const values = Float32Array.from(sine(400, [300, 330]));
    const z = movingZScore(values, 24);
    assert.equal(z.length, 400);
    assert.equal(z[0], 0);
    const before = Math.max(...z.subarray(24, 300));
    assert.ok(z[300]! > 1.5 * before, `the step into the shift: z ${z[300]}, at most ${before} before`);
    const flat = movingZScore(Float32Array.from({ length: 50 }, () => 5), 10);
    assert.ok(flat.every((v) => v === 0), 'a constant series has no z-score');
    const labels = Uint8Array.from({ length: 400 }, (_, t) => (t >= 300 && t < 330 ? 1 : 0));
    const pca = windowPca(values, 100, 24, 0.9);
    assert.equal(pca.scores.length, 400);
    assert.ok(rocAuc(pca.scores, labels) > 0.9, `PCA ROC-AUC ${rocAuc(pca.scores, labels)}`);
    assert.throws(() => windowPca(values, 24, 24), /fewer than 2 windows/);
  });

  it('runs on a tiny NAB-shaped folder: a series without anomalies is excluded, means over the rest, goal checked per seed and part', async () => {
    const nab = join(dir, 'nab');
    const windows: Record<string, [string, string][]> = {};
    const write = (key: string, values: number[], anomaly?: [number, number]) => {
      mkdirSync(join(nab, 'data', key.split('/')[0]!), { recursive: true });
      writeFileSync(join(nab, 'data', key), `timestamp,value\n${values.map((v, t) => `${stamp(t)},${v}`).join('\n')}\n`);
      windows[key] = anomaly ? [[`${stamp(anomaly[0])}.000000`, `${stamp(anomaly[1] - 1)}.000000`]] : [];
    };
    write('catA/one.csv', sine(600, [450, 490], 1), [450, 490]);
    write('catA/two.csv', sine(600, [500, 540], 2), [500, 540]);
    write('catB/flat.csv', sine(600, undefined, 3));
    writeFileSync(join(nab, 'combined_windows.json'), JSON.stringify(windows));
    const series = readNab(nab);
    assert.deepEqual(series.map((s) => s.file), ['catA/one.csv', 'catA/two.csv', 'catB/flat.csv']);
    assert.equal(series[0]!.labels.reduce((a, b) => a + b, 0), 40);
    const r = await runTimeseriesBenchmark({ dataDir: nab, window: 16, epochs: 2, seeds: [1, 2], python: false, threads: 1 });
    assert.deepEqual(r.excluded, ['catB/flat.csv']);
    assert.deepEqual(r.seeds, ['1', '2']);
    assert.equal(r.summary.all.n, 2);
    assert.equal(r.summary.dev.n, 1);
    assert.equal(r.summary.heldout.n, 1);
    for (const seed of ['1', '2']) assert.ok(Number.isFinite(r.summary.all.aekit.perSeed[seed]!.prAuc));
    assert.deepEqual(Object.keys(r.summary.all.peers).sort(), ['pca', 'zscore']);
    assert.equal(r.goal.checks.length, 6);
    const table = formatTimeseriesTables(r);
    assert.match(table, /\| catB\/flat\.csv \| dev \| 600 \| 0\.0 % \| excluded \|/);
    assert.match(table, /all: 2, dev: 1, heldout: 1; excluded, no anomalies: 1/);
    await assert.rejects(runTimeseriesBenchmark({ dataDir: nab, window: 200, python: false }), /its first 15 % \(90 steps\) holds fewer than 2 windows of 200/);
    await assert.rejects(runTimeseriesBenchmark({ dataDir: nab, only: ['nothing'], python: false }), /no series left to run/);
  });
});
