/**
 * Runs analyses (analysis.ts, and series-analysis.ts for a series run's
 * per-step view) in child processes, one at a time, and keeps their results
 * while the run's checkpoint stays the same.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnalysisOptions, type RunAnalysis } from './analysis.js';
import type { JobRequest } from './analysis-job.js';
import { RequestError } from './jobs.js';
import { nodeScript } from './node-script.js';
import { type SeriesAnalysis } from './series-analysis.js';

/** Outcome of a job: the analysis, or why there is none. */
type JobResult<T> = { ok: true; analysis: T } | { ok: false; error: string; user?: boolean };

/** Analyses of runs, cached per run, kind, options and checkpoint version. */
export class AnalysisRunner {
  private readonly cache = new Map<string, { version: string; result: Promise<unknown> }>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly children = new Set<ReturnType<typeof spawn>>();

  // Generous: the first analysis of a run fits its detector (k-NN over every training code).
  constructor(private readonly runsDir: string, private readonly timeoutMs = 600_000) {}

  /** The checkpoint's identity: an analysis is redone after training wrote a new one. */
  private version(id: string): string {
    const dir = join(this.runsDir, ...id.split('/'));
    const parts = ['checkpoint/checkpoint.json', 'checkpoint/weights.safetensors', 'run.json'].map((f) => {
      try {
        const st = statSync(join(dir, f));
        return `${st.size}:${st.mtimeMs}`;
      } catch {
        return '-';
      }
    });
    return parts.join('|');
  }

  /**
   * The analysis of run `id` (computed, or from the cache).
   * @throws {RequestError} (422) when the run cannot be analysed (no checkpoint yet, data gone...).
   */
  get(id: string, options: AnalysisOptions): Promise<RunAnalysis> {
    return this.cached<RunAnalysis>(id, 'run', options, `${options.method ?? 'auto'}\n${options.samples ?? 'default'}`);
  }

  /**
   * The per-step analysis of series run `id` (series-analysis.ts), computed or from the cache.
   * @throws {RequestError} (422) when the run is not a series run or cannot be analysed.
   */
  series(id: string): Promise<SeriesAnalysis> {
    return this.cached<SeriesAnalysis>(id, 'series', {}, '');
  }

  private cached<T>(id: string, kind: JobRequest['kind'], options: AnalysisOptions, optionsKey: string): Promise<T> {
    const key = `${id}\n${kind}\n${optionsKey}`;
    const version = this.version(id);
    const hit = this.cache.get(key);
    if (hit && hit.version === version) return hit.result as Promise<T>;
    // One analysis at a time: each loads a model and data, and two cores are shared with training.
    const result = this.queue.then(() => this.run<T>(id, kind, options));
    this.queue = result.catch(() => undefined);
    this.cache.set(key, { version, result });
    result.catch(() => {
      // A failure is not cached: the run may be fixed or finish its first epoch.
      if (this.cache.get(key)?.result === result) this.cache.delete(key);
    });
    return result;
  }

  private async run<T>(id: string, kind: JobRequest['kind'], options: AnalysisOptions): Promise<T> {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-dashboard-'));
    try {
      const request = join(dir, 'request.json');
      const out = join(dir, 'out.json');
      writeFileSync(request, JSON.stringify({ runsDir: this.runsDir, id, kind, options, out } satisfies JobRequest));
      const { command, args } = nodeScript('./analysis-job.ts', [request]);
      const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      this.children.add(child);
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => {
        stderr = (stderr + c.toString('utf8')).slice(-4000);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
      const code = await new Promise<number | null>((resolve) => {
        child.on('exit', (c) => resolve(c));
        child.on('error', () => resolve(null));
      });
      clearTimeout(timer);
      this.children.delete(child);
      let result: JobResult<T>;
      try {
        result = JSON.parse(readFileSync(out, 'utf8')) as JobResult<T>;
      } catch {
        throw new Error(`the analysis of ${id} ended without a result (exit code ${code})${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`);
      }
      if (!result.ok) throw new RequestError('analysis', result.error, result.user ? 422 : 500);
      return result.analysis;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Kills running analyses (server shutdown). */
  close(): void {
    for (const c of this.children) c.kill('SIGKILL');
  }
}
