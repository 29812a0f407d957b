/**
 * What the dashboard knows about the tuning studies under `--runs` (folders
 * holding a `journal.jsonl`, written by `aekit tune`): a summary per study
 * for the list, and a study's page (its trials, their parameters and
 * objectives, the charts' points and the parameter importance of the study
 * report, src/tune/report.ts). Read only, and defensively: a journal that
 * cannot be read shows up with the problem named. A study kept in Redis
 * (`--storage`) has no journal file, so it is not listed; its trials are.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { STUDY_JOURNAL } from '../runs/find-runs.js';
import { type StudyState, type TrialInfo, fileLeaseHolds, parseJournal, studyState } from '../tune/journal.js';
import { IMPORTANCE_METHOD, paramAxes, paramImportance, studyPoints, trialName } from '../tune/report.js';
import { type TuneSettings } from '../tune/space.js';
import { bestTrial, pruningMetric, searchOf } from '../tune/study.js';
import type { StudyParamAxis, StudyTrialPoint } from '../viz/charts.js';

export { findStudies } from '../runs/find-runs.js';

/**
 * A study's state: `running` while a worker holds one of its trials,
 * `finished` when its trial budget is spent and every trial has a result,
 * `stopped` otherwise (`aekit tune --study <folder>` resumes it), `corrupt`
 * when its journal cannot be read.
 */
export type StudyStatus = 'running' | 'finished' | 'stopped' | 'corrupt';

/**
 * A trial's state: its result's (`complete`, `pruned`, `failed`), or
 * `running` while its worker holds it, `interrupted` when its worker is gone
 * (re-run when the study resumes).
 */
export type TrialStatus = 'complete' | 'pruned' | 'failed' | 'running' | 'interrupted';

/** One row of the studies list. */
export interface StudySummary {
  /** Path relative to the runs folder with '/' separators, e.g. "tune-search". */
  id: string;
  status: StudyStatus;
  /** What is wrong with the study, in words (empty when nothing is). */
  problems: string[];
  objective?: string;
  direction?: 'minimize' | 'maximize';
  sampler?: string;
  seed?: number;
  pruner?: string;
  /** The trial budget the study was started with (a resume may have given another). */
  budget?: number;
  /** The searched parameters' names. */
  params: string[];
  /** Trials in the journal, and how many are in each state. */
  trials: number;
  counts: Record<TrialStatus, number>;
  best?: { trial: number; value: number };
  /** When the study was started, and when its journal last changed (ISO times). */
  created?: string;
  updated?: string;
  /** The study report's files, written when a tuner finishes (src/tune/report.ts). */
  files: { report: boolean; bestConfig: boolean };
}

/** One trial on a study's page. */
export interface StudyTrialRow {
  number: number;
  state: TrialStatus;
  params: Record<string, unknown>;
  /** The objective, when measured. */
  value?: number;
  /** Epochs trained (for a running trial: the last one it reported). */
  epochs?: number;
  seconds?: number;
  /** For a pruned trial: the epoch after which it was stopped. */
  prunedAt?: number;
  /** Why it was pruned or failed. */
  message?: string;
  /** Times it was claimed (more than once after a worker died). */
  claims: number;
  /** Run from `tune.enqueue` / `tune.enqueueDefault` rather than drawn by the sampler. */
  enqueued: boolean;
  /** Its run folder's id, once the folder exists. */
  run?: string;
}

/** A study's page. */
export interface StudyView extends StudySummary {
  rows: StudyTrialRow[];
  /** The per-epoch metric the journal records (and the pruner watches). */
  metric?: string;
  /** What the charts take: each trial's point, each parameter's axis. */
  points: StudyTrialPoint[];
  axes: StudyParamAxis[];
  /** The study report's importance of each parameter (shares summing to 1; empty with fewer than 3 complete trials). */
  importance: Array<{ name: string; importance: number }>;
  importanceMethod: string;
}

const EMPTY_COUNTS = (): Record<TrialStatus, number> => ({ complete: 0, pruned: 0, failed: 0, running: 0, interrupted: 0 });

function trialStatus(dir: string, t: TrialInfo): TrialStatus {
  if (t.done) return t.done.state;
  return fileLeaseHolds(dir, t.claim) ? 'running' : 'interrupted';
}

interface ReadStudy {
  summary: StudySummary;
  state?: StudyState;
  statuses: Map<number, TrialStatus>;
}

function readStudy(root: string, id: string): ReadStudy {
  const dir = join(root, ...id.split('/'));
  const file = join(dir, STUDY_JOURNAL);
  const summary: StudySummary = {
    id, status: 'corrupt', problems: [], params: [], trials: 0, counts: EMPTY_COUNTS(),
    files: { report: existsSync(join(dir, 'report.html')), bestConfig: existsSync(join(dir, 'best-config.json')) },
  };
  const statuses = new Map<number, TrialStatus>();
  let state: StudyState;
  try {
    summary.updated = new Date(statSync(file).mtimeMs).toISOString();
    state = studyState(parseJournal(readFileSync(file, 'utf8'), STUDY_JOURNAL));
  } catch (e) {
    summary.problems.push((e as Error).message);
    return { summary, statuses };
  }
  if (!state.study) {
    // A journal is created by the first append, which is the study record: an empty one is a study being created.
    summary.problems.push(`${STUDY_JOURNAL} holds no study record yet`);
    return { summary, statuses };
  }
  const search = searchOf(state);
  const tune: TuneSettings = search.tune;
  Object.assign(summary, {
    objective: tune.objective, direction: tune.direction, sampler: tune.sampler, seed: tune.seed, pruner: tune.pruner,
    ...(tune.trials !== undefined ? { budget: tune.trials } : {}),
    params: search.params.map((p) => p.name), trials: state.trials.size, created: new Date(state.study.time).toISOString(),
  });
  for (const t of state.trials.values()) {
    const s = trialStatus(dir, t);
    statuses.set(t.number, s);
    summary.counts[s]++;
  }
  const best = bestTrial(state, tune);
  if (best) summary.best = { trial: best.number, value: best.done!.value! };
  const open = summary.counts.running + summary.counts.interrupted;
  summary.status = summary.counts.running > 0 ? 'running' : open === 0 && tune.trials !== undefined && state.trials.size >= tune.trials ? 'finished' : 'stopped';
  return { summary, state, statuses };
}

/** A study's row of the list; never throws for a damaged journal. */
export function summarizeStudy(root: string, id: string): StudySummary {
  return readStudy(root, id).summary;
}

/** A study's page: its summary, every trial, and what the study charts draw. */
export function studyView(root: string, id: string): StudyView {
  const { summary, state, statuses } = readStudy(root, id);
  const view: StudyView = { ...summary, rows: [], points: [], axes: [], importance: [], importanceMethod: IMPORTANCE_METHOD };
  if (!state?.study) return view;
  const search = searchOf(state);
  const dir = join(root, ...id.split('/'));
  const queued = search.tune.enqueue?.length ?? 0;
  view.metric = pruningMetric(search.tune);
  view.rows = [...state.trials.values()].sort((a, b) => a.number - b.number).map((t): StudyTrialRow => {
    const status = statuses.get(t.number)!;
    const run = `${id}/trials/${trialName(t.number)}`;
    const lastEpoch = t.epochs.size ? Math.max(...t.epochs.keys()) : undefined;
    const epochs = t.done ? t.done.epochs : lastEpoch;
    return {
      number: t.number, state: status, params: t.params, claims: t.claims, enqueued: t.number <= queued,
      ...(t.done?.value !== undefined ? { value: t.done.value } : {}),
      ...(epochs !== undefined ? { epochs } : {}),
      ...(t.done ? { seconds: t.done.seconds } : {}),
      ...(t.done?.state === 'pruned' ? { prunedAt: t.done.epochs } : {}),
      ...(t.done?.message ? { message: t.done.message } : {}),
      ...(existsSync(join(dir, 'trials', trialName(t.number), 'run.json')) ? { run } : {}),
    };
  });
  view.points = studyPoints(state);
  view.axes = paramAxes(search.params);
  view.importance = paramImportance(view.points, search.params);
  return view;
}

/** A cheap fingerprint of a study's journal (size and time), to notice changes by polling. */
export function studySignature(root: string, id: string): string {
  try {
    const st = statSync(join(root, ...id.split('/'), STUDY_JOURNAL));
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return '-';
  }
}
