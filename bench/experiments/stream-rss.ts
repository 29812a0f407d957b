/**
 * Pipes a generated multi-GB CSV (2 GB by default) into
 * `aekit detect <saved detector> --data - --out -` and reports rows/s and the
 * CLI's peak RSS, sampled along the way, to show that scoring a stream keeps
 * memory flat however long the stream is. Not run in CI (minutes, GBs
 * through a pipe; nothing is written to disk but the small detector).
 *
 *   npm run build   # the CLI as users run it: dist/src/cli/main.js (else src/cli/main.ts through tsx)
 *   node --import tsx bench/experiments/stream-rss.ts [--gb 2] [--cols 32] [--score mse|combined] [--batch 1024]
 *
 * The detector is a dense autoencoder [cols → 16 → 8] fitted for one epoch on
 * 2,000 generated rows (the speed of scoring, not its quality, is measured).
 * The parent writes 16 distinct blocks of 2,000 rows in turn, waiting whenever
 * the pipe is full, and counts the child's output lines without keeping them.
 * RSS is the child's VmRSS from /proc every 200 ms, and its own maxRSS at exit.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import type { ScoreKind } from '../../src/anomaly/types.js';
import { Autoencoder } from '../../src/models/dense.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const gb = Number(arg('gb', '2'));
const cols = Number(arg('cols', '32'));
const score = arg('score', 'mse') as ScoreKind;
const batch = arg('batch', '1024');
const MiB = 2 ** 20;

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(root, 'dist/src/cli/main.js');
const cli = existsSync(dist) ? [dist] : ['--import', import.meta.resolve('tsx'), join(root, 'src/cli/main.ts')];
const REPORT_RSS = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss '+process.resourceUsage().maxRSS+'\\n'))`;

let seed = 11;
const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;

const dir = mkdtempSync(join(tmpdir(), 'aekit-stream-rss-'));
try {
  const det = new AnomalyDetector(new Autoencoder({ inputShape: [cols], encoder: { sizes: [16, 8] } }), { score, scaler: 'zscore' });
  await det.fit({ x: Float32Array.from({ length: 2000 * cols }, rand), shape: [2000, cols] }, { train: { epochs: 1, batchSize: 128 } });
  const detDir = join(dir, 'det');
  det.save(detDir);
  const blocks = Array.from({ length: 16 }, () => Buffer.from(Array.from({ length: 2000 }, () => Array.from({ length: cols }, () => rand().toFixed(5)).join(',')).join('\n') + '\n'));

  const child = spawn(process.execPath, ['--import', REPORT_RSS, ...cli, 'detect', detDir, '--data', '-', '--out', '-', '--batch-size', batch], { stdio: ['pipe', 'pipe', 'pipe'] });
  let lines = 0;
  let err = '';
  child.stdout.on('data', (c: Buffer) => { for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++; });
  child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  const closed = once(child, 'close');
  const t0 = performance.now();
  const want = gb * 1e9;
  let written = 0;
  let rows = 0;
  const curve: string[] = [];
  let peak = 0;
  let nextMark = 0.1;
  const vmRss = (): number => {
    try {
      return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      return 0;
    }
  };
  const timer = setInterval(() => { peak = Math.max(peak, vmRss()); }, 200);
  child.stdin.write(`${Array.from({ length: cols }, (_, j) => `f${j}`).join(',')}\n`);
  for (let b = 0; written < want; b++) {
    if (!child.stdin.write(blocks[b % blocks.length]!)) await once(child.stdin, 'drain');
    written += blocks[b % blocks.length]!.length;
    rows += 2000;
    if (written >= nextMark * want) {
      curve.push(`${(written / 1e9).toFixed(2)} GB: RSS ${(vmRss() / MiB).toFixed(0)} MiB`);
      nextMark += 0.1;
    }
  }
  child.stdin.end();
  const [code] = await closed;
  clearInterval(timer);
  const secs = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`aekit detect exited with ${code}: ${err}`);
  const maxRss = Number(/maxrss (\d+)/.exec(err)?.[1] ?? 0) * 1024;
  console.log(`CLI: ${relative(root, cli.at(-1)!)}; score ${score}, ${cols} columns, batch ${batch}`);
  console.log(`streamed ${(written / 1e9).toFixed(2)} GB, ${rows.toLocaleString('en-US')} rows in ${secs.toFixed(1)} s: ${Math.round(rows / secs).toLocaleString('en-US')} rows/s, ${(written / MiB / secs).toFixed(1)} MiB/s`);
  console.log(`output lines ${lines.toLocaleString('en-US')} (${lines === rows + 1 ? 'header + one per row' : 'MISMATCH'})`);
  console.log(`peak RSS: ${(maxRss / MiB).toFixed(0)} MiB (child's maxRSS), ${(peak / MiB).toFixed(0)} MiB (VmRSS sampled every 200 ms)`);
  console.log(`RSS along the stream: ${curve.join('; ')}`);
  console.log(`child's summary: ${err.split('\n').filter((l) => l && !l.startsWith('maxrss')).join(' | ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
