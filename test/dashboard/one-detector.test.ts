/**
 * One detector per run (issue 24): the demo's report, `aekit detect` and the
 * dashboard's API show the same score kind, threshold, scores and metrics,
 * because they all use the detector saved in the run folder; and the
 * dashboard analyses runs with fewer samples than it shows at most.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDemoCommand } from '../../src/cli/commands/demo.js';
import { runDetectCommand } from '../../src/cli/commands/detect.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import type { RunAnalysis } from '../../src/dashboard/analysis.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/server.js';
import { AnomalyDetector } from '../../src/anomaly/detector.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-one-det-'));
const quiet = () => {
  const lines: string[] = [];
  return { lines, log: (l: string) => lines.push(l), out: (l: string) => lines.push(l), tty: false };
};

/** A table of `rows` rows: 6 features and a 0/1 'anomaly' label (every 10th row is off the normal pattern). */
function tableCsv(rows: number): string {
  const lines = ['a,b,c,d,e,f,anomaly'];
  for (let i = 0; i < rows; i++) {
    const t = i / rows;
    const odd = i % 10 === 9;
    const v = [t, 2 * t, Math.sin(6 * t), Math.cos(6 * t), 1 - t, t * t].map((x, j) => (odd ? x + 3 * ((j % 2) - 0.5) : x));
    lines.push(`${v.map((x) => x.toFixed(5)).join(',')},${odd ? 1 : 0}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('one detector per run: report, aekit detect and the dashboard agree', { timeout: 600_000 }, () => {
  let runs: string;
  let dash: Dashboard;
  const analysis = async (id: string): Promise<{ status: number; body: RunAnalysis & { error?: string } }> => {
    const res = await fetch(`${dash.url}api/analysis?id=${encodeURIComponent(id)}`);
    return { status: res.status, body: (await res.json()) as RunAnalysis & { error?: string } };
  };

  before(async () => {
    runs = tmp();
    const data = tmp();
    for (const rows of [500, 50]) {
      writeFileSync(join(data, `table${rows}.csv`), tableCsv(rows));
      await runTrainCommand({ runs, name: `table${rows}`, data: join(data, `table${rows}.csv`), labelColumn: 'anomaly', model: 'dense', latent: 2, epochs: 2, batchSize: 16, figures: false, seed: 1, ...(rows < 100 ? { testSplit: 0 } : {}) }, quiet());
    }
    await runDemoCommand({ runs, quick: true }, quiet());
    const assets = tmp();
    writeFileSync(join(assets, 'index.html'), '<!doctype html><title>test page</title>');
    dash = await startDashboard({ runsDir: runs, port: 0, assetsDir: assets, pollMs: 100 });
  });
  after(async () => {
    await dash?.close();
  });

  it('the demo report, aekit detect and /api/analysis show the same detector, threshold and metrics', async () => {
    const demo = JSON.parse(readFileSync(join(runs, 'demo', 'demo.json'), 'utf8')) as { anomaly: { score: string; threshold: number; rocAuc: number; averagePrecision: number; precision: number; recall: number; normal: number; anomalies: number } };
    const { status, body: api } = await analysis('demo');
    assert.equal(status, 200, api.error);
    assert.equal(api.detector.fittedNow, false, "the dashboard reads the demo's detector; it does not fit its own");
    assert.equal(api.detector.score, demo.anomaly.score);
    assert.equal(api.threshold, demo.anomaly.threshold);
    assert.equal(api.n, demo.anomaly.normal);
    assert.equal(api.scores.length, demo.anomaly.normal + demo.anomaly.anomalies);
    const e = api.evaluation!;
    assert.deepEqual([e.rocAuc, e.averagePrecision, e.precision, e.recall], [demo.anomaly.rocAuc, demo.anomaly.averagePrecision, demo.anomaly.precision, demo.anomaly.recall]);
    const report = readFileSync(join(runs, 'demo', 'report.html'), 'utf8');
    assert.ok(report.includes(`ROC-AUC ${e.rocAuc.toFixed(4)}`), 'the report states the ROC-AUC the dashboard shows');
    assert.ok(report.includes(`threshold ${api.threshold.toPrecision(4)}`), 'the report states the threshold the dashboard shows');
    const io = quiet();
    const detect = await runDetectCommand(join(runs, 'demo'), { json: true }, io);
    assert.equal(detect.score, api.detector.score);
    assert.equal(detect.threshold, api.threshold);
    assert.deepEqual(JSON.parse(io.lines[0]!).threshold, api.threshold, 'the --json output carries the same threshold');
    // Other options make a detector of their own, which is not saved over the run's.
    const other = await runDetectCommand(join(runs, 'demo'), { json: true, score: 'mse' }, quiet());
    assert.equal(other.score, 'mse');
    assert.equal(AnomalyDetector.load(join(runs, 'demo', 'detector')).threshold, api.threshold);
  });

  for (const rows of [500, 50]) {
    it(`analyses a ${rows}-row CSV run: fits the run's detector once, saves it, and detect scores the same`, async () => {
      const id = `table${rows}`;
      assert.ok(!existsSync(join(runs, id, 'detector')), 'no detector before the dashboard needs one');
      const { status, body: api } = await analysis(id);
      assert.equal(status, 200, api.error);
      // A CSV run holds out a seeded 20 % as its test set (the data-kind defaults) and the analysis scores that set;
      // the 50-row run keeps every row for training (--test-split 0), so its training rows are scored.
      const scored = rows < 100 ? rows : rows / 5;
      assert.equal(api.n, scored);
      assert.equal(api.split, rows < 100 ? 'train' : 'test');
      assert.equal(api.scores.length, scored);
      assert.equal(api.detector.fittedNow, true);
      assert.equal(api.detector.score, 'combined');
      assert.match(api.truthSource!, /0\/1 labels/);
      const saved = AnomalyDetector.load(join(runs, id, 'detector'));
      assert.equal(saved.threshold, api.threshold, 'the detector the API used is the one saved in the run folder');
      // The anomalies view names the top samples' most anomalous features, by the CSV's column names.
      assert.equal(api.explanations!.length, Math.min(24, scored));
      assert.ok(api.explanations!.every((e) => e.top.length === 3 && e.top.every((t) => /^([a-f]|feature \d)$/.test(t.feature) && t.share >= 0 && t.share <= 1)));
      const topScore = Math.max(...api.scores);
      assert.equal(api.scores[api.explanations![0]!.sample], topScore, 'explained in score order');
      const out = join(tmp(), 'scores.csv');
      const io = quiet();
      const detect = await runDetectCommand(join(runs, id), { out, anomalyLabels: '1' }, io);
      assert.ok(io.lines.some((l) => l.includes("the run's detector") && !l.includes('fitted now')), io.lines.join('\n'));
      assert.equal(detect.threshold, api.threshold);
      const scores = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
      assert.deepEqual(scores, api.scores);
      assert.deepEqual(detect.evaluation, api.evaluation);
    });
  }
});
