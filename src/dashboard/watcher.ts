/**
 * Notices what changes in the runs folder and tells subscribed pages (the
 * server-sent event stream). Polling sizes and times of a handful of files
 * per run is cheap, works the same on every file system (network drives and
 * containers included, where fs.watch is unreliable), and sees runs written
 * by any process.
 */
import { join } from 'node:path';
import { type ProgressSnapshot, readProgress } from '../runs/progress-file.js';
import { type RunSummary, findRuns, runCurves, runSignature, summarizeRun } from './runs.js';
import { type StudySummary, findStudies, studySignature, summarizeStudy } from './studies.js';

/** An event for the pages: its name and JSON data. */
export type DashboardEvent =
  | { event: 'runs'; data: { runs: RunSummary[] } }
  | { event: 'curves'; data: ReturnType<typeof runCurves> }
  | { event: 'progress'; data: ProgressEvent }
  | { event: 'reconstructions'; data: { id: string; version: string } }
  | { event: 'studies'; data: { studies: StudySummary[] } };

/**
 * New step progress of a run. With `delta`, `progress.steps` and
 * `progress.throughput` hold only the points after step `after`: a page keeps
 * its own points up to `after` and appends these (the last point may change,
 * so it is sent again). Without, they are the whole history.
 */
export interface ProgressEvent {
  id: string;
  delta: boolean;
  after: number;
  progress: ProgressSnapshot;
}

type Listener = (e: DashboardEvent) => void;

interface RunState {
  signature: string;
  summary: RunSummary;
  summaryJson: string;
  // The last final step (and the stride) the pages got, so the next progress event sends only what follows.
  sentStride?: number;
  sentStep?: number;
}

/** Watches a runs folder while at least one page listens. */
export class RunWatcher {
  private readonly listeners = new Set<Listener>();
  private readonly state = new Map<string, RunState>();
  private readonly studies = new Map<string, { signature: string; summary: StudySummary; json: string }>();
  private timer?: NodeJS.Timeout;
  private ticks = 0;

  constructor(private readonly root: string, private readonly pollMs = 500) {}

  /** Current summaries (refreshed now). */
  summaries(): RunSummary[] {
    this.scan(false);
    return [...this.state.values()].map((s) => s.summary).sort(newestFirst);
  }

  /** Current study summaries (refreshed now), newest first. */
  studySummaries(): StudySummary[] {
    this.scanStudies(false);
    return this.studyList();
  }

  /** Adds a listener; it gets the run and study lists at once, then changes. Returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener({ event: 'runs', data: { runs: this.summaries() } });
    listener({ event: 'studies', data: { studies: this.studySummaries() } });
    if (!this.timer) this.timer = setInterval(() => this.tick(), this.pollMs);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Checks the folder now (the timer does this every `pollMs`). */
  tick(): void {
    this.ticks++;
    // Every ~5 s the summaries are rebuilt even without file changes: a 'running' run whose process died turns 'crashed'.
    const full = this.ticks % Math.max(1, Math.round(5000 / this.pollMs)) === 0;
    this.scan(true, full);
    this.scanStudies(true, full);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private emit(e: DashboardEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A page that went away mid-write is dropped by its own close handler.
      }
    }
  }

  private scan(notify: boolean, full = false): void {
    const ids = findRuns(this.root);
    let listChanged = ids.length !== this.state.size || ids.some((id) => !this.state.has(id));
    for (const id of [...this.state.keys()]) if (!ids.includes(id)) this.state.delete(id);
    for (const id of ids) {
      const signature = runSignature(this.root, id);
      const old = this.state.get(id);
      // Unchanged files: only a 'running' run can change (its process may have died) without writing.
      if (old && old.signature === signature && (!full || old.summary.status !== 'running')) continue;
      const summary = summarizeRun(this.root, id);
      const summaryJson = JSON.stringify(summary);
      const next: RunState = { ...old, signature, summary, summaryJson };
      this.state.set(id, next);
      if (!old || old.summaryJson !== summaryJson) listChanged = true;
      if (!notify || !old || old.signature === signature) continue;
      const [, metricsOld, , , progressOld, reconOld] = old.signature.split('|');
      const [, metricsNew, , , progressNew, reconNew] = signature.split('|');
      if (metricsOld !== metricsNew) this.emit({ event: 'curves', data: runCurves(this.root, id) });
      if (progressOld !== progressNew) this.emitProgress(id, next);
      if (reconOld !== reconNew && reconNew !== '-') this.emit({ event: 'reconstructions', data: { id, version: reconNew! } });
    }
    if (notify && listChanged) this.emit({ event: 'runs', data: { runs: [...this.state.values()].map((s) => s.summary).sort(newestFirst) } });
  }

  private studyList(): StudySummary[] {
    return [...this.studies.values()].map((s) => s.summary).sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.id.localeCompare(b.id));
  }

  private scanStudies(notify: boolean, full = false): void {
    const ids = findStudies(this.root);
    let changed = ids.length !== this.studies.size || ids.some((id) => !this.studies.has(id));
    for (const id of [...this.studies.keys()]) if (!ids.includes(id)) this.studies.delete(id);
    for (const id of ids) {
      const signature = studySignature(this.root, id);
      const old = this.studies.get(id);
      // A running study can turn stopped without writing (its workers died): re-read it on full ticks.
      if (old && old.signature === signature && (!full || old.summary.status !== 'running')) continue;
      const summary = summarizeStudy(this.root, id);
      const json = JSON.stringify(summary);
      if (!old || old.json !== json) changed = true;
      this.studies.set(id, { signature, summary, json });
    }
    if (notify && changed) this.emit({ event: 'studies', data: { studies: this.studyList() } });
  }

  private emitProgress(id: string, state: RunState): void {
    const progress = readProgress(join(this.root, ...id.split('/'), 'progress.json'));
    if (!progress) return;
    // Pages hold the points they have; every point but the last is final, so
    // the page keeps its points up to `after` (the last final one it got) and
    // appends the rest, unless the history was thinned (stride changed) or restarted.
    const continues = state.sentStride === progress.stride && state.sentStep !== undefined && progress.steps.length > 0 && progress.steps[0]![0] <= state.sentStep;
    const after = continues ? state.sentStep! : 0;
    const newer = <T extends [number, number]>(points: readonly T[]) => points.filter(([s]) => s > after);
    state.sentStride = progress.stride;
    state.sentStep = progress.steps.at(-2)?.[0] ?? (continues ? state.sentStep : undefined);
    this.emit({
      event: 'progress',
      data: { id, delta: continues, after, progress: { ...progress, steps: newer(progress.steps), ...(progress.throughput ? { throughput: newer(progress.throughput) } : {}) } },
    });
  }
}

function newestFirst(a: RunSummary, b: RunSummary): number {
  return (b.created ?? '').localeCompare(a.created ?? '') || a.id.localeCompare(b.id);
}
