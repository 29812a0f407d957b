/**
 * The dashboard's browser tests' page: Debian's chromium through
 * playwright-core (which downloads no browser), with every console error,
 * page error and HTTP error answer collected into `problems`.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);

/** Fails with what to install when no Chromium is found. */
export function requireChromium(): void {
  assert.ok(CHROMIUM, 'no Chromium found: install Debian\'s chromium package (apt-get install chromium) or set CHROMIUM_PATH');
}

/** A browser and a 1400 × 1000 page whose errors land in `problems`. */
export async function openWatchedPage(problems: string[]): Promise<{ browser: Browser; page: Page }> {
  requireChromium();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  return { browser, page };
}
