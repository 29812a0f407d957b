/**
 * Bounded memory: `aekit detect <saved detector> --data - --out -` scores a
 * 200 MB CSV piped into its stdin with about the peak RSS of a run on a tenth
 * of it; holding the input would add 180 MB or more. The child reports its
 * own peak (`process.resourceUsage().maxRSS`) when it exits. The multi-GB run
 * is bench/experiments/stream-rss.ts (not in the suite).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, it } from 'node:test';
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import { Autoencoder } from '../../src/models/dense.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-stream-rss-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
/** Preloaded into the child: prints its peak resident set size (KiB) as it exits. */
const REPORT_RSS = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss '+process.resourceUsage().maxRSS+'\\n'))`;

const D = 32;
const MiB = 2 ** 20;

/** Rows of D numbers, 2,000 to a block (about 600 KB of CSV), repeated to fill the stream. */
function block(): Buffer {
  let s = 7;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const rows: string[] = [];
  for (let i = 0; i < 2000; i++) rows.push(Array.from({ length: D }, () => r().toFixed(5)).join(','));
  return Buffer.from(`${rows.join('\n')}\n`);
}

/** Pipes `bytes` of CSV into the CLI (waiting whenever the pipe is full) and counts the lines it prints. */
async function pipeThrough(det: string, bytes: number, rows: Buffer): Promise<{ peakMiB: number; lines: number; rowsIn: number; seconds: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', tsx, '--import', REPORT_RSS, main, 'detect', det, '--data', '-', '--out', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let lines = 0;
  let err = '';
  child.stdout.on('data', (c: Buffer) => { for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++; });
  child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  const closed = once(child, 'close');
  let written = 0;
  let rowsIn = 0;
  const header = Buffer.from(`${Array.from({ length: D }, (_, j) => `f${j}`).join(',')}\n`);
  child.stdin.write(header);
  while (written < bytes) {
    if (!child.stdin.write(rows)) await once(child.stdin, 'drain');
    written += rows.length;
    rowsIn += 2000;
  }
  child.stdin.end();
  const [code] = await closed;
  assert.equal(code, 0, err);
  const peak = /maxrss (\d+)/.exec(err);
  assert.ok(peak, err);
  return { peakMiB: Number(peak[1]) / 1024, lines, rowsIn, seconds: (Date.now() - t0) / 1000 };
}

it('a 200 MB CSV on stdin is scored with the peak memory of a 20 MB one', { timeout: 180_000 }, async () => {
  let s = 3;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const train = Float32Array.from({ length: 400 * D }, r);
  const det = new AnomalyDetector(new Autoencoder({ inputShape: [D], encoder: { sizes: [8] } }), { score: 'mse' });
  await det.fit({ x: train, shape: [400, D] }, { train: { epochs: 1, batchSize: 64 } });
  const detDir = join(dir, 'det');
  det.save(detDir);
  const rows = block();
  const small = await pipeThrough(detDir, 20 * MiB, rows);
  const large = await pipeThrough(detDir, 200 * MiB, rows);
  const report = `peak RSS ${small.peakMiB.toFixed(0)} MiB for 20 MiB (${small.seconds.toFixed(1)} s), ${large.peakMiB.toFixed(0)} MiB for 200 MiB (${large.rowsIn} rows, ${large.seconds.toFixed(1)} s)`;
  console.log(report);
  assert.equal(small.lines, small.rowsIn + 1, 'a header and one line per row');
  assert.equal(large.lines, large.rowsIn + 1);
  // Flat: ten times the input, about the same peak (holding the input would add ≥ 180 MiB).
  assert.ok(large.peakMiB - small.peakMiB < 64, report);
  // And a fixed bound: Node, tsx and ONNX Runtime take about 150-190 MiB here; the input held as text
  // would add 200 MiB (the whole-file path, readCsv, peaked at 630 MiB on an 85 MB CSV).
  assert.ok(large.peakMiB < 320, report);
});
