/**
 * The dashboard's per-step view of a series run (GET /api/series and the
 * Anomalies view's series card) and a table run's named features, in
 * headless Chromium (Debian's `chromium` through playwright-core, as
 * browser.test.ts). Runs are trained in the test with tiny settings;
 * screenshots go to $AEKIT_DASHBOARD_SHOTS (default <tmp>/aekit-dashboard-shots).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { flaggedRanges } from '../../src/anomaly/ranges.js';
import { runDetectCommand } from '../../src/cli/commands/detect.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { type SeriesDetectOutcome } from '../../src/cli/series-detect.js';
import { buildWebAssets } from '../../src/dashboard/build-web.js';
import { openWatchedPage, requireChromium } from './chromium-page.js';
import { type SeriesAnalysis } from '../../src/dashboard/series-analysis.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/server.js';
import { SENSOR_COLUMNS, sensorCsv } from '../runs/sensor-csv.js';

const SHOTS = process.env.AEKIT_DASHBOARD_SHOTS ?? join(tmpdir(), 'aekit-dashboard-shots');
const quiet = { log: () => undefined, out: () => undefined, tty: false };
const STEPS = 600;

/** 600 ten-minute steps of two channels on different scales with a cycle of 48 steps; a burst on `load` at steps 520–531 (the test part). */
function seriesCsv(file: string): { file: string; load: number[] } {
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows = ['timestamp,load,temp'];
  const load: number[] = [];
  for (let t = 0; t < STEPS; t++) {
    const burst = t >= 520 && t < 532 ? 4 * Math.sin((2 * Math.PI * t) / 6) : 0;
    load.push(Number((5 + 2 * Math.sin((2 * Math.PI * t) / 48) + 0.1 * (rand() - 0.5) + burst).toFixed(4)));
    const stamp = new Date(Date.UTC(2015, 0, 1) + t * 600_000).toISOString().replace('T', ' ').slice(0, 19);
    rows.push(`${stamp},${load[t]},${(200 + 10 * Math.cos((2 * Math.PI * t) / 48) + rand() - 0.5).toFixed(4)}`);
  }
  writeFileSync(file, `${rows.join('\n')}\n`);
  return { file, load };
}

const floats = (b64: string, kind: 'f32' | 'f64') => {
  const bytes = Buffer.from(b64, 'base64');
  const copy = new Uint8Array(bytes).buffer;
  return kind === 'f32' ? new Float32Array(copy) : new Float64Array(copy);
};

describe('a series run in the dashboard: every step, its score and the flagged ranges', { timeout: 300_000 }, () => {
  let runs: string;
  let dash: Dashboard;
  let browser: Browser;
  let page: Page;
  let load: number[];
  let detect: SeriesDetectOutcome;
  const problems: string[] = [];

  const shot = async (name: string) => {
    await page.waitForTimeout(1000); // ECharts animates new series in
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const chartAttr = async (name: string) => Number(await page.locator('#series-chart').getAttribute(`data-${name}`));

  before(async () => {
    requireChromium();
    mkdirSync(SHOTS, { recursive: true });
    runs = mkdtempSync(join(tmpdir(), 'aekit-dash-series-'));
    const assets = await buildWebAssets(mkdtempSync(join(tmpdir(), 'aekit-dash-web-')));
    const csv = seriesCsv(join(runs, 'series.csv'));
    load = csv.load;
    // --no-figures: the dashboard fits and saves the run's series detector itself.
    await runTrainCommand({ runs, name: 'series', data: csv.file, window: 24, epochs: 2, figures: false, threads: 1 }, quiet);
    await runTrainCommand({ runs, name: 'table', model: 'dense', data: sensorCsv(join(runs, 'sensors.csv'), 300), labelColumn: 'fault', epochs: 2, batchSize: 32, figures: false, threads: 1 }, quiet);
    dash = await startDashboard({ runsDir: runs, port: 0, assetsDir: assets, pollMs: 200 });
    ({ browser, page } = await openWatchedPage(problems));
  });

  after(async () => {
    await browser?.close();
    await dash?.close();
    if (runs) rmSync(runs, { recursive: true, force: true });
  });

  it('GET /api/series: every step as read, the per-step scores, threshold and ranges of aekit detect', async () => {
    const res = await fetch(`${dash.url}api/series?id=series`);
    assert.equal(res.status, 200);
    const a = (await res.json()) as SeriesAnalysis;
    // The dashboard fitted and saved the run's detector; aekit detect now uses that one.
    assert.equal(a.detector.fittedNow, true);
    const io = { ...quiet, out: (l: string) => (detect = JSON.parse(l) as SeriesDetectOutcome) };
    await runDetectCommand(join(runs, 'series'), { json: true, threads: 1 }, io);
    assert.deepEqual([a.steps, a.channels, a.window, a.file], [STEPS, ['load', 'temp'], 24, 'series.csv']);
    const values = floats(a.values, 'f32');
    assert.equal(values.length, 2 * STEPS);
    assert.deepEqual(Array.from({ length: STEPS }, (_, t) => values[2 * t]), load.map((v) => Math.fround(v)), 'the load channel as read, not scaled');
    const ts = floats(a.timestamps!, 'f64');
    assert.deepEqual([ts[0], ts[STEPS - 1]], [Date.UTC(2015, 0, 1), Date.UTC(2015, 0, 1) + (STEPS - 1) * 600_000]);
    assert.equal(a.trainSteps, 480, 'the last 20 % of the steps are the test part');
    assert.equal(a.threshold, detect.threshold);
    assert.equal(a.flagged, detect.flagged);
    assert.deepEqual(a.ranges.map((r) => [r.start, r.end]), detect.ranges.map((r) => [r.start, r.end]));
    assert.ok(a.ranges.some((r) => r.start <= 531 && r.end > 520), 'the burst is flagged');
    // The page recomputes ranges from the float32 scores: the same ones.
    assert.deepEqual(flaggedRanges(floats(a.scores, 'f32'), a.threshold).map((r) => [r.start, r.end]), a.ranges.map((r) => [r.start, r.end]));
    const table = await fetch(`${dash.url}api/series?id=table`);
    assert.equal(table.status, 422);
    assert.match(((await table.json()) as { error: string }).error, /is not a series run \(trained with --window\)/);
  });

  it('the Anomalies view draws every channel and the score; zoom, pan and the threshold redraw it', async () => {
    await page.goto(`${dash.url}#anomalies/series`);
    await page.locator('#series-stats [data-stat=ranges]').waitFor({ timeout: 120_000 });
    assert.equal(await page.locator('#series-stats [data-stat="steps flagged"] b').innerText(), `${detect.flagged} of ${STEPS}`);
    assert.equal(await page.locator('#series-ranges tbody tr').count(), Math.min(12, detect.ranges.length));
    assert.match(await page.locator('#series-detector').innerText(), /600 steps of 2 channels \(load, temp\)/);
    assert.deepEqual([await chartAttr('from'), await chartAttr('to')], [0, STEPS]);
    await page.locator('#anomaly-detector').waitFor();
    await page.waitForFunction(() => /step threshold/.test(document.querySelector('#anomaly-detector')?.textContent ?? ''), undefined, { timeout: 120_000 });
    await shot('series');

    // "zoom" on the range of the burst: that range and a window's worth of steps around it, drawn step by step.
    const burst = detect.ranges.findIndex((r) => r.start <= 531 && r.end > 520);
    const listed = [...detect.ranges].sort((p, q) => q.maxScore - p.maxScore).slice(0, 12).sort((p, q) => p.start - q.start);
    const row = listed.indexOf(listed.find((r) => r.start === detect.ranges[burst]!.start)!);
    const r = detect.ranges[burst]!;
    await page.locator('#series-ranges tbody tr').nth(row).locator('button').click();
    const margin = Math.max(24, r.end - r.start);
    await page.waitForFunction((from) => document.querySelector('#series-chart')?.getAttribute('data-from') === String(from), Math.max(0, r.start - margin));
    assert.equal(await chartAttr('to'), Math.min(STEPS, r.end + margin));
    await page.locator('#series-chart').screenshot({ path: join(SHOTS, 'series-zoom.png') });

    // The wheel zooms out (redrawn in detail once it settles); dragging pans.
    const box = (await page.locator('#series-chart').boundingBox())!;
    const draws = await chartAttr('draws');
    const before = (await chartAttr('to')) - (await chartAttr('from'));
    await page.mouse.move(box.x + box.width / 2, box.y + 170);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, 300);
    await page.waitForFunction((n) => Number(document.querySelector('#series-chart')?.getAttribute('data-draws')) > n, draws);
    await page.waitForTimeout(400);
    const wider = (await chartAttr('to')) - (await chartAttr('from'));
    assert.ok(wider > before, `the wheel zoomed out: ${before} → ${wider} steps`);
    const from = await chartAttr('from');
    await page.mouse.move(box.x + box.width / 2, box.y + 170);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 300, box.y + 170, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction((f) => Number(document.querySelector('#series-chart')?.getAttribute('data-from')) < f, from);
    assert.ok(await chartAttr('ms') < 1000, 'a redraw is quick');

    // A lower threshold flags more steps, in the ranges the detector would give at it.
    const a = (await (await fetch(`${dash.url}api/series?id=series`)).json()) as SeriesAnalysis;
    const scores = floats(a.scores, 'f32');
    const sorted = [...scores].sort((p, q) => p - q);
    const lower = sorted[Math.floor(0.7 * STEPS)]!;
    await page.locator('#series-threshold-value').fill(String(lower));
    const expected = flaggedRanges(scores, lower);
    await page.waitForFunction((n) => document.querySelector('#series-stats [data-stat=ranges] b')?.textContent === String(n), expected.length);
    const flagged = expected.reduce((s, x) => s + x.end - x.start, 0);
    assert.ok(flagged > detect.flagged);
    assert.equal(await page.locator('#series-stats [data-stat="steps flagged"] b').innerText(), `${flagged} of ${STEPS}`);
    await page.locator('#series-threshold-reset').click();
    assert.equal(await page.locator('#series-stats [data-stat="steps flagged"] b').innerText(), `${detect.flagged} of ${STEPS}`);
    assert.deepEqual(problems, []);
  });

  it("a table run's highest-scoring rows name their features with the CSV's column names", async () => {
    await page.goto(`${dash.url}#anomalies/table`);
    await page.locator('#anomaly-top .why').first().waitFor({ timeout: 120_000 });
    const why = await page.locator('#anomaly-top .why').allInnerTexts();
    assert.ok(why.length > 0);
    for (const w of why) {
      assert.doesNotMatch(w, /feature \d/);
      assert.ok(SENSOR_COLUMNS.some((c) => w.includes(c)), w);
    }
    assert.equal(await page.locator('#series-card').count(), 0, 'no per-step card for a table');
    await shot('table-anomalies');
    assert.deepEqual(problems, []);
  });
});
