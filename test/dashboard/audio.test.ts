/**
 * The dashboard's audio pages in headless Chromium (see browser.test.ts):
 * Listen plays a run's clips from their WAV files, and Try it decodes a
 * dropped or chosen WAV in the browser and runs the model on it, for a
 * waveform autoencoder and for a speech-denoiser run. The runs are trained in
 * the test on a few generated clips, one epoch each. Screenshots go to
 * $AEKIT_DASHBOARD_SHOTS (default <tmp>/aekit-dashboard-shots).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { buildWebAssets } from '../../src/dashboard/build-web.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/server.js';
import type { TryResult } from '../../src/dashboard/web/views/try.js';
import { decodeWav, encodeWav, writeWav } from '../../src/data/audio.js';
import { Rng } from '../../src/data/random.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { ComplexMaskDenoiser } from '../../src/tasks/complex-mask-denoise.js';
import { openWatchedPage, requireChromium } from './chromium-page.js';

const SHOTS = process.env.AEKIT_DASHBOARD_SHOTS ?? join(tmpdir(), 'aekit-dashboard-shots');
const quiet = { log: () => undefined, out: () => undefined, tty: false };
const RATE = 8000;
const LENGTH = 2048;

/** A voiced sound: harmonics of `pitch` under a smooth envelope, with a little noise. */
const voice = (n: number, pitch: number, rate: number, rng: Rng) => Float32Array.from({ length: n }, (_, i) => {
  let v = 0;
  for (let k = 1; k <= 3; k++) v += Math.sin((2 * Math.PI * k * pitch * i) / rate) / k;
  return 0.3 * Math.sin((Math.PI * i) / n) ** 2 * v + 0.01 * rng.normal();
});

describe('dashboard audio in headless Chromium', { timeout: 240_000 }, () => {
  let runs: string;
  let dash: Dashboard;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const rng = new Rng(11);

  const shot = async (name: string) => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  /** Drops a file on Try it's drop zone, as a person dragging it from their files would. */
  const dropFile = async (name: string, bytes: Uint8Array) => {
    await page.evaluate(({ name, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], name, { type: 'audio/wav' }));
      document.querySelector('#try-drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, { name, data: Array.from(bytes) });
  };
  const openTry = async (id: string) => {
    await page.goto(`${dash.url}#try/${id}`);
    await page.waitForFunction(() => /Model loaded/.test(document.querySelector('#try-status')?.textContent ?? ''), undefined, { timeout: 30_000 });
  };

  before(async () => {
    requireChromium();
    mkdirSync(SHOTS, { recursive: true });
    runs = mkdtempSync(join(tmpdir(), 'aekit-dash-audio-'));
    const wavs = join(runs, '..', `${runs.split('/').pop()}-wavs`);
    mkdirSync(wavs);
    for (const [s, pitch] of [['amy', 180], ['bob', 120], ['cy', 240]] as const) {
      for (let t = 0; t < 4; t++) writeWav(join(wavs, `${t}_${s}_${t}.wav`), { samples: voice(1600 + 200 * t, pitch * (1 + 0.05 * t), RATE, rng), sampleRate: RATE });
    }
    const assets = await buildWebAssets(mkdtempSync(join(tmpdir(), 'aekit-dash-web-')));
    await runTrainCommand({ runs, data: wavs, name: 'tiny-audio', audioLength: LENGTH, epochs: 1, batchSize: 4, threads: 1 }, quiet);
    await runTrainCommand({ runs, data: wavs, name: 'tiny-speech', model: 'speech-denoiser', labelPattern: '^(?<digit>\\d)_(?<speaker>[a-z]+)_', epochs: 1, threads: 1 }, quiet);
    dash = await startDashboard({ runsDir: runs, port: 0, assetsDir: assets, pollMs: 200 });
    ({ browser, page } = await openWatchedPage(problems));
  });

  after(async () => {
    await browser?.close();
    await dash?.close();
  });

  it('Listen plays a run\'s input and reconstruction from valid WAV files, with their pictures', async () => {
    await page.goto(`${dash.url}#runs`);
    const row = page.locator('tr[data-run="tiny-audio"]');
    await row.waitFor({ timeout: 20_000 });
    assert.ok(await row.locator('a[href="#listen/tiny-audio"]').count(), 'the runs table links to Listen');
    await page.goto(`${dash.url}#listen/tiny-audio`);
    await page.locator('#listen-clips[data-state=done]').waitFor({ timeout: 30_000 });
    const players = page.locator('#listen-clips audio');
    const clips = (JSON.parse(readFileSync(join(runs, 'tiny-audio', 'audio', 'clips.json'), 'utf8')) as { clips: unknown[] }).clips.length;
    assert.equal(clips, 2, 'the held-out test clips (20 % of 12)');
    assert.equal(await players.count(), 2 * clips, 'input and reconstruction of each clip');
    assert.deepEqual(await page.locator('#listen-clips figcaption').allInnerTexts(), ['input', 'reconstruction', 'input', 'reconstruction']);
    // Each player's source is a WAV the server sends as audio/wav, and Chromium decodes it to the clip's duration.
    for (let i = 0; i < 2 * clips; i++) {
      const src = (await players.nth(i).getAttribute('src'))!;
      const res = await page.request.get(new URL(src, dash.url).href);
      assert.equal(res.headers()['content-type'], 'audio/wav');
      const clip = decodeWav(new Uint8Array(await res.body()), src);
      assert.equal(clip.sampleRate, RATE);
      assert.equal(clip.samples.length, LENGTH);
      const duration = await players.nth(i).evaluate((a: HTMLAudioElement) => new Promise<number>((done, fail) => {
        if (a.readyState >= 1) return done(a.duration);
        a.addEventListener('loadedmetadata', () => done(a.duration), { once: true });
        a.addEventListener('error', () => fail(new Error(`cannot load ${a.src}: ${a.error?.message}`)), { once: true });
      }));
      assert.ok(Math.abs(duration - LENGTH / RATE) < 1e-3, `player ${i}: ${duration} s`);
    }
    // Waveform and spectrogram pictures: drawn, and not blank.
    const inked = await page.locator('#listen-clips canvas').evaluateAll((cs) => cs.map((c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4 * 7) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      return seen.size;
    }));
    assert.equal(inked.length, 4 * clips);
    assert.ok(inked.every((colours) => colours >= 2), `colours per canvas: ${inked.join(', ')}`);
    await shot('audio-listen');
    assert.deepEqual(problems, []);
  });

  it('Try it: a dropped WAV at another rate is resampled, cropped to the model\'s length, and gives the reconstruction Node gives', async () => {
    await openTry('tiny-audio');
    const wide = voice(5000, 200, 16_000, rng); // 16 kHz: 2500 samples at the run's 8 kHz, cropped to 2048
    await dropFile('dropped.wav', encodeWav({ samples: wide, sampleRate: 16_000 }));
    await page.locator('#try-result[data-state=done]').waitFor({ timeout: 30_000 });
    const result = await page.evaluate(() => (window as unknown as { __aekitTry: TryResult }).__aekitTry);
    assert.equal(result.sampleRate, RATE);
    assert.equal(result.input.length, LENGTH);
    assert.equal(result.reconstruction.length, LENGTH);
    assert.ok(result.input.some((v) => Math.abs(v) > 0.05), 'the input holds the sound');
    // The browser's resampling keeps the tone: the input correlates with the source decimated by 2.
    let dot = 0, a2 = 0, b2 = 0;
    for (let i = 10; i < LENGTH - 10; i++) {
      dot += result.input[i]! * wide[2 * i]!;
      a2 += result.input[i]! ** 2;
      b2 += wide[2 * i]! ** 2;
    }
    assert.ok(dot / Math.sqrt(a2 * b2) > 0.95, `correlation with the source ${dot / Math.sqrt(a2 * b2)}`);
    const session = await RuntimeSession.create(new Uint8Array(readFileSync(join(runs, 'tiny-audio', 'model.onnx'))));
    const out = Object.values(await session.run({ x: { dtype: 'float32', shape: [1, LENGTH, 1], data: Float32Array.from(result.input) } }))[0]!.data as Float32Array;
    await session.release();
    const worst = Math.max(...result.reconstruction.map((v, i) => Math.abs(v - out[i]!)));
    assert.ok(worst < 1e-5, `browser and Node differ by ${worst}`);
    assert.equal(await page.locator('#try-result audio').count(), 2);
    for (const id of ['#try-input', '#try-output']) {
      const duration = await page.locator(`${id} audio`).evaluate((a: HTMLAudioElement) => new Promise<number>((done, fail) => {
        if (a.readyState >= 1) return done(a.duration);
        a.addEventListener('loadedmetadata', () => done(a.duration), { once: true });
        a.addEventListener('error', () => fail(new Error(`cannot load ${a.src}`)), { once: true });
      }));
      assert.ok(Math.abs(duration - LENGTH / RATE) < 1e-3, `${id}: ${duration} s`);
    }
    await shot('audio-try');
    assert.deepEqual(problems, []);
  });

  it('Try it on a speech-denoiser run: a chosen WAV is denoised whole, as aekit denoise does it', async () => {
    await openTry('tiny-speech');
    const n = 9001;
    const noisy = voice(n, 150, RATE, rng).map((v) => v + 0.05 * rng.normal());
    const file = join(runs, 'noisy.wav');
    writeWav(file, { samples: noisy, sampleRate: RATE });
    await page.locator('#try-file').setInputFiles(file);
    await page.locator('#try-result[data-state=done]').waitFor({ timeout: 60_000 });
    const result = await page.evaluate(() => (window as unknown as { __aekitTry: TryResult }).__aekitTry);
    assert.equal(result.input.length, n);
    assert.equal(result.reconstruction.length, n);
    const model = ComplexMaskDenoiser.load(join(runs, 'tiny-speech', 'checkpoint'));
    const [node] = await model.denoise([Float32Array.from(result.input)]);
    const worst = Math.max(...result.reconstruction.map((v, i) => Math.abs(v - node![i]!)));
    assert.ok(worst < 1e-4, `browser and aekit denoise differ by ${worst}`);
    assert.match(await page.locator('#try-output figcaption').innerText(), /denoised/);
    await shot('audio-try-speech');
    await page.goto(`${dash.url}#listen/tiny-speech`);
    await page.locator('#listen-clips[data-state=done]').waitFor({ timeout: 30_000 });
    assert.deepEqual((await page.locator('#listen-clips figcaption').allInnerTexts()).slice(0, 3), ['clean', 'noisy', 'denoised']);
    await shot('audio-listen-speech');
    // A denoiser has no code: its row offers Listen and Try it but no latent or anomaly view, and its Live view draws.
    await page.goto(`${dash.url}#runs`);
    const links = await page.locator('tr[data-run="tiny-speech"] td.links a').allInnerTexts();
    assert.deepEqual(links, ['live', 'listen', 'try', 'report']);
    await page.goto(`${dash.url}#live/tiny-speech`);
    await page.locator('h1 .badge').waitFor({ timeout: 20_000 });
    assert.match(await page.locator('h1').innerText(), /tiny-speech/);
    await page.waitForTimeout(1200); // ECharts animates new series in
    await shot('audio-live-speech');
    assert.deepEqual(problems, []);
  });
});
