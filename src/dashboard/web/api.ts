/**
 * The page's side of the server's API (server.ts): JSON requests with the
 * server's error message surfaced, and the event stream.
 */
import type { RunAnalysis } from '../analysis.js';
import type { SeriesAnalysis } from '../series-analysis.js';
import type { TrainJob } from '../jobs.js';
import type { ProgressSnapshot } from '../../runs/progress-file.js';
import type { ProgressEvent } from '../watcher.js';
import type { RunCurves, RunSummary } from '../runs.js';
import type { StudySummary, StudyTrialRow, StudyView } from '../studies.js';

export type { RunAnalysis, SeriesAnalysis, TrainJob, ProgressSnapshot, RunCurves, RunSummary, StudySummary, StudyTrialRow, StudyView };

/** GETs or POSTs JSON; a non-2xx answer throws with the server's `error` text. */
export async function api<T>(url: string, body?: unknown): Promise<T> {
  const init: RequestInit = body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  const res = await fetch(url, init);
  const data = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new Error(data.error ?? `${res.status} ${res.statusText}`);
  return data as T;
}

/** URL of a file in a run folder. */
export function runFile(id: string, file: string): string {
  return `/runs/${id.split('/').map(encodeURIComponent).join('/')}/${file}`;
}

/** Events the server streams (see watcher.ts). */
export interface EventMap {
  runs: { runs: RunSummary[] };
  studies: { studies: StudySummary[] };
  curves: RunCurves;
  progress: ProgressEvent;
  reconstructions: { id: string; version: string };
  jobs: { jobs: TrainJob[] };
}

type Handler<K extends keyof EventMap> = (data: EventMap[K]) => void;

/** The server-sent event stream, shared by every view; EventSource reconnects by itself. */
export class Events {
  private readonly handlers = new Map<keyof EventMap, Set<(data: never) => void>>();
  private source?: EventSource;
  /** Last value of each event, for views mounted after it arrived. */
  readonly last: { [K in keyof EventMap]?: EventMap[K] } = {};

  connect(onState: (connected: boolean) => void): void {
    this.source = new EventSource('/api/events');
    this.source.onopen = () => onState(true);
    this.source.onerror = () => onState(false);
    for (const name of ['runs', 'studies', 'curves', 'progress', 'reconstructions', 'jobs'] as const) {
      this.source.addEventListener(name, (e) => {
        const data = JSON.parse((e as MessageEvent<string>).data) as EventMap[typeof name];
        if (name === 'runs' || name === 'studies' || name === 'jobs') (this.last as Record<string, unknown>)[name] = data;
        for (const h of this.handlers.get(name) ?? []) (h as Handler<typeof name>)(data);
      });
    }
  }

  /** Listens to an event; returns the function that stops listening. */
  on<K extends keyof EventMap>(name: K, handler: Handler<K>): () => void {
    const set = this.handlers.get(name) ?? new Set();
    this.handlers.set(name, set);
    set.add(handler as (data: never) => void);
    return () => set.delete(handler as (data: never) => void);
  }
}
