/**
 * The docs' pictures of the dashboard's audio views (docs/audio.md,
 * "Dashboard"), on real speech: a speech denoiser trained for a few epochs on
 * some FSDD clips, its Listen view, and Try it with a noisy FSDD clip the run
 * never saw, in headless Chromium.
 *
 *     node --import tsx bench/experiments/dashboard-audio-shots.ts <fsdd dir> <out dir> [epochs]
 */
import { mkdirSync, mkdtempSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { buildWebAssets } from '../../src/dashboard/build-web.js';
import { startDashboard } from '../../src/dashboard/server.js';
import { FSDD_PATTERN, readWav, writeWav } from '../../src/data/audio.js';
import { Rng } from '../../src/data/random.js';
import { mixAtSnr, whiteNoise } from '../../src/tasks/audio-denoise.js';
import { openWatchedPage } from '../../test/dashboard/chromium-page.js';

const [fsdd, out, epochsArg] = process.argv.slice(2);
if (!fsdd || !out) throw new Error('usage: dashboard-audio-shots.ts <fsdd dir> <out dir> [epochs]');
const epochs = Number(epochsArg ?? 3);
mkdirSync(out, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'aekit-audio-shots-'));
const clips = join(work, 'clips');
mkdirSync(clips);
// Takes 5–9 of every digit and speaker: 300 training files; take 0 of one speaker is the clip to try.
for (const f of readdirSync(join(fsdd, 'recordings'))) {
  const m = FSDD_PATTERN.exec(f);
  if (m && Number(m.groups!.take) >= 5 && Number(m.groups!.take) <= 9) copyFileSync(join(fsdd, 'recordings', f), join(clips, f));
}
const runs = join(work, 'runs');
await runTrainCommand({ runs, data: clips, name: 'speech', model: 'speech-denoiser', labelPattern: FSDD_PATTERN.source, epochs }, { log: (l) => console.log(l), out: () => undefined, tty: false });
const clean = readWav(join(fsdd, 'recordings', '3_jackson_0.wav'));
const noisyFile = join(work, '3_jackson_0-white-5dB.wav');
writeWav(noisyFile, { samples: mixAtSnr(clean.samples, whiteNoise(clean.samples.length, new Rng(1)), 5).noisy, sampleRate: clean.sampleRate });
const dash = await startDashboard({ runsDir: runs, port: 0, assetsDir: await buildWebAssets(join(work, 'web')) });
const problems: string[] = [];
const { browser, page } = await openWatchedPage(problems);
await page.setViewportSize({ width: 1240, height: 900 });
await page.goto(`${dash.url}#listen/speech`);
await page.locator('#listen-clips[data-state=done]').waitFor({ timeout: 60_000 });
await page.screenshot({ path: join(out, 'dashboard-audio-listen.png'), fullPage: true });
await page.goto(`${dash.url}#try/speech`);
await page.waitForFunction(() => /Model loaded/.test(document.querySelector('#try-status')?.textContent ?? ''), undefined, { timeout: 60_000 });
await page.locator('#try-file').setInputFiles(noisyFile);
await page.locator('#try-result[data-state=done]').waitFor({ timeout: 60_000 });
await page.screenshot({ path: join(out, 'dashboard-audio-try.png'), fullPage: true });
await browser.close();
await dash.close();
console.log(problems.length ? `page problems: ${problems.join('; ')}` : `wrote ${join(out, 'dashboard-audio-listen.png')} and dashboard-audio-try.png`);
