/**
 * The dashboard end to end in headless Chromium: Debian's `chromium` driven by
 * playwright-core (no browser download; .ci/run installs the package). Runs
 * are trained in the test with tiny settings; screenshots of every view go to
 * $AEKIT_DASHBOARD_SHOTS (default <tmp>/aekit-dashboard-shots).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import { runDetectCommand } from '../../src/cli/commands/detect.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { buildWebAssets } from '../../src/dashboard/build-web.js';
import { openWatchedPage, requireChromium } from './chromium-page.js';
import type { TryResult } from '../../src/dashboard/web/views/try.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/server.js';
import { AutoencoderModel } from '../../src/models/base.js';
import '../../src/models/index.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';

const SHOTS = process.env.AEKIT_DASHBOARD_SHOTS ?? join(tmpdir(), 'aekit-dashboard-shots');
const quiet = { log: () => undefined, out: () => undefined, tty: false };

describe('dashboard in headless Chromium', { timeout: 240_000 }, () => {
  let runs: string;
  let dash: Dashboard;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const shot = async (name: string) => {
    await page.waitForTimeout(1200); // ECharts animates new series in
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const open = async (hash: string) => {
    await page.goto(`${dash.url}#${hash}`);
  };

  /** Opens Try it on the tiny run once its models are loaded and draws one stroke through `points` (pixels of the pad). */
  const drawOnTry = async (points: [number, number][]) => {
    await open('try/tiny');
    await page.waitForFunction(() => /Models loaded/.test(document.querySelector('#try-status')?.textContent ?? ''), undefined, { timeout: 30_000 });
    const box = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(box.x + points[0]![0], box.y + points[0]![1]);
    await page.mouse.down();
    for (const [x, y] of points.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 12 });
    await page.mouse.up();
  };

  before(async () => {
    requireChromium();
    mkdirSync(SHOTS, { recursive: true });
    runs = mkdtempSync(join(tmpdir(), 'aekit-dash-e2e-'));
    const assets = await buildWebAssets(mkdtempSync(join(tmpdir(), 'aekit-dash-web-')));
    const tiny = { data: 'mnist', samples: 256, testSamples: 128, batchSize: 64, figures: false, runs } as const;
    await runTrainCommand({ ...tiny, model: 'dense', latent: 8, epochs: 2, name: 'tiny' }, quiet);
    await runTrainCommand({ ...tiny, model: 'vae', latent: 2, epochs: 1, name: 'tiny-vae' }, quiet);
    dash = await startDashboard({ runsDir: runs, port: 0, assetsDir: assets, pollMs: 200 });
    ({ browser, page } = await openWatchedPage(problems));
  });

  after(async () => {
    await browser?.close();
    await dash?.close();
  });

  it('loads with no console errors and lists the run trained in the test', async () => {
    await open('runs');
    const row = page.locator('tr[data-run="tiny"]');
    await row.waitFor({ timeout: 20_000 });
    assert.match(await row.locator('.badge').innerText(), /finished/);
    assert.match(await row.innerText(), /Autoencoder\s+mnist\s+2 \/ 2/);
    await page.locator('#compare-chart canvas').waitFor();
    await shot('runs');
    assert.deepEqual(problems, []);
  });

  it('streams a training started from the page: the live chart updates while it runs', async () => {
    await open('runs');
    const form = page.locator('#new-run');
    await form.locator('select[name=model]').selectOption('dense');
    await form.locator('input[name=epochs]').fill('4');
    await form.locator('input[name=samples]').fill('4000');
    await form.locator('input[name=testSamples]').fill('200');
    await form.locator('input[name=batchSize]').fill('32');
    await form.locator('input[name=name]').fill('live-run');
    await form.locator('button[type=submit]').click();
    await page.waitForURL(/#live\/live-run$/, { timeout: 10_000 });
    assert.match(await page.locator('h1').innerText(), /^live-run/);
    // Watch the step tile while the run trains: intermediate steps must show up, not only the last.
    const seen = new Set<string>();
    const deadline = Date.now() + 150_000;
    let status = '';
    while (Date.now() < deadline) {
      const step = await page.locator('#live-step').innerText();
      if (step !== '–') seen.add(step);
      status = await page.locator('h1 .badge').innerText().catch(() => '');
      if (status === 'finished' || status === 'failed') break;
      await page.waitForTimeout(150);
    }
    assert.equal(status, 'finished', 'the run finished');
    const updates = Number(await page.locator('#live-step-chart').getAttribute('data-updates'));
    assert.ok(updates >= 2, `the live chart got ${updates} updates`);
    assert.ok(seen.size >= 2, `steps seen while training: ${[...seen].join(', ')}`);
    await page.locator('#live-recon[src]').waitFor({ timeout: 10_000 });
    await shot('live');
    assert.deepEqual(problems, []);
  });

  it('draw a digit: the reconstruction computed in the browser matches the same ONNX model in Node', async () => {
    // A "7": the top bar, then the diagonal.
    await drawOnTry([[70, 60], [210, 60], [120, 230]]);
    await page.locator('#try-result[data-state=done]').waitFor({ timeout: 30_000 });
    const result = await page.evaluate(() => (window as unknown as { __aekitTry: TryResult }).__aekitTry);
    assert.equal(result.input.length, 784);
    const ink = result.input.reduce((a, b) => a + b, 0);
    assert.ok(ink > 20 && ink < 400, `ink ${ink}`);
    const inputShape = (JSON.parse(readFileSync(join(runs, 'tiny', 'config.json'), 'utf8')) as { model: { inputShape: number[] } }).model.inputShape;
    for (const part of ['model', 'encoder'] as const) {
      const session = await RuntimeSession.create(new Uint8Array(readFileSync(join(runs, 'tiny', `${part}.onnx`))));
      const out = Object.values(await session.run({ x: { dtype: 'float32', shape: [1, ...inputShape], data: Float32Array.from(result.input) } }))[0]!.data as Float32Array;
      await session.release();
      const browserOut = part === 'model' ? result.reconstruction : result.code;
      assert.equal(browserOut.length, out.length, part);
      const worst = Math.max(...browserOut.map((v, i) => Math.abs(v - out[i]!)));
      assert.ok(worst < 1e-5, `${part}: browser and Node differ by ${worst}`);
    }
    // The reconstruction error the page shows is the model's, as Node computes it.
    const model = AutoencoderModel.load(join(runs, 'tiny', 'checkpoint'));
    const [nodeError] = await model.reconstructionError(Float32Array.from(result.input));
    assert.ok(Math.abs(result.reconstructionError - nodeError!) <= 1e-4 * Math.abs(nodeError!), `browser error ${result.reconstructionError}, Node ${nodeError}`);
    await shot('try');
    assert.deepEqual(problems, []);
  });

  it('the Anomalies view and Try it show the threshold of `aekit detect`, and Try scores with the run\'s detector', async () => {
    await open('anomalies/tiny');
    await page.locator('#anomaly-stats [data-stat=flagged]').waitFor({ timeout: 60_000 });
    const io = { ...quiet, lines: [] as string[], out: (l: string) => io.lines.push(l) };
    const detect = await runDetectCommand(join(runs, 'tiny'), { json: true }, io);
    assert.equal(Number(await page.locator('#threshold-value').inputValue()), Number(detect.threshold.toPrecision(6)));
    assert.match(await page.locator('#anomaly-detector').innerText(), new RegExp(`Score: ${detect.score} score \\(standardized mse \\+ knn\\)`));
    await page.locator('#anomaly-roc canvas').waitFor();
    await shot('anomalies-detector');
    // A "1": one stroke down.
    await drawOnTry([[140, 50], [135, 230]]);
    await page.locator('#try-threshold').waitFor({ timeout: 60_000 });
    const result = await page.evaluate(() => (window as unknown as { __aekitTry: TryResult }).__aekitTry);
    assert.equal(result.threshold, detect.threshold, 'Try it compares with the threshold of aekit detect');
    const detector = AnomalyDetector.load(join(runs, 'tiny', 'detector'));
    const [nodeScore] = await detector.score({ x: Float32Array.from(result.input), shape: [1, ...detector.sampleShape] });
    assert.ok(Math.abs(result.score! - nodeScore!) <= 1e-3 * (1 + Math.abs(nodeScore!)), `browser score ${result.score}, the detector in Node ${nodeScore}`);
    await shot('try-detector');
    assert.deepEqual(problems, []);
  });

  it('draws the latent space, the anomalies and a VAE\'s generations', async () => {
    await open('latent/tiny');
    await page.locator('#latent-detail canvas').first().waitFor({ timeout: 60_000 });
    await page.locator('#latent-chart canvas').waitFor();
    await shot('latent');
    await open('anomalies/tiny');
    await page.locator('#anomaly-stats [data-stat=precision]').waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('#anomaly-top .thumb').count(), 24);
    // A threshold typed below every score (off the slider's scale) flags everything: recall 100%.
    await page.locator('#threshold-value').fill('-1000000');
    assert.equal(await page.locator('#anomaly-stats [data-stat=recall] b').innerText(), '100.0%');
    await shot('anomalies');
    await open('generate/tiny-vae');
    await page.locator('#generate-grid[data-version]').waitFor({ timeout: 30_000 });
    await shot('generate');
    assert.deepEqual(problems, []);
  });
});
