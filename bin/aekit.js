#!/usr/bin/env node
// The CLI runs from the compiled output (npm install / npm ci builds it through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('aekit: the compiled CLI is missing; run `npm run build` in the aekit package first.');
  process.exit(1);
}
await import(entry.href);
