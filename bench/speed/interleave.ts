/**
 * Interleaved training measurement (issue #29): aekit and PyTorch epochs
 * timed alternately, A, B, A, B …, so that a slow minute of a shared machine
 * (2-thread rates swing by up to 45 % between minutes here) slows both
 * engines of a pair instead of one engine's whole run. The ratio reported is
 * the median of the per-pair ratios, with their spread.
 *
 * The PyTorch half is bench/speed/pytorch_bench.py with `--interleave`: a
 * process that warms up, then runs one timed epoch per `epoch` line on its
 * stdin, idle (blocked on the read) while aekit's epoch runs.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { quantile } from '../../src/eval/stats.js';

/** One epoch of the peer, as it printed it. */
export interface PeerEpoch {
  seconds: number;
  cpuSeconds: number;
  samplesPerSec: number;
  samplesPerCpuSec: number;
}

/** The median of per-pair ratios a_i / b_i and their [min, max]. */
export function pairedRatios(a: readonly number[], b: readonly number[]): { median: number; spread: [number, number]; ratios: number[] } {
  if (a.length !== b.length || a.length === 0) throw new Error(`pairedRatios: ${a.length} and ${b.length} rates; expected the same number, at least one`);
  const ratios = a.map((v, i) => v / b[i]!);
  return { median: quantile(ratios, 0.5), spread: [Math.min(...ratios), Math.max(...ratios)], ratios };
}

/** A running peer process that times one epoch per request. */
export class PeerEpochs {
  private readonly lines: AsyncIterableIterator<string>;
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams, readonly ready: Record<string, unknown>, lines: AsyncIterableIterator<string>) {
    this.lines = lines;
    child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString('utf8')).slice(-4000);
    });
  }

  /** Starts the peer and waits for its ready line (after its warm-up). */
  static async start(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<PeerEpochs> {
    const child = spawn(cmd, [...argv, '--interleave'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    const onErr = (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-4000);
    };
    child.stderr.on('data', onErr);
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    // A peer that ended without a word: its stderr says why, once all of it has arrived.
    if (first.done && child.exitCode === null) await new Promise((resolve) => child.once('close', resolve));
    child.stderr.off('data', onErr);
    const ready = first.done ? undefined : (JSON.parse(first.value) as Record<string, unknown>);
    if (!ready?.ready) {
      child.kill();
      throw new Error(`the interleaved peer did not start: ${ready ? JSON.stringify(ready) : `no output; ${stderr.trim().split('\n').pop() ?? ''}`}`);
    }
    return new PeerEpochs(child, ready, lines);
  }

  /** Times one epoch of the peer. */
  async epoch(): Promise<PeerEpoch> {
    this.child.stdin.write('epoch\n');
    const line = await this.lines.next();
    if (line.done) throw new Error(`the interleaved peer ended: ${this.stderr.trim().split('\n').pop() ?? ''}`);
    return JSON.parse(line.value) as PeerEpoch;
  }

  /** Ends the peer (end of its stdin) and waits for it to exit. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    await exited;
  }
}
