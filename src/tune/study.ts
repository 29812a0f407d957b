/**
 * A study: trials claimed from the journal (src/tune/journal.ts), run by a
 * trial function, and their results appended. Any number of workers (in one
 * process, in worker processes, on several machines) may run
 * {@link runWorker} on one study at once: each claim is atomic, a trial
 * whose worker died is claimed again, and the budget is counted from the
 * journal, so the study ends with each trial's result recorded once.
 */
import { UsageError } from '../runs/errors.js';
import { type EpochMetrics } from '../train/callbacks.js';
import { type JournalRecord, type StudyState, type StudyStorage, type TrialInfo, type TrialState, type WorkerId, HEARTBEAT_MS, newAttempt, studyState, workerId } from './journal.js';
import { type PeerCurve, pruneReason } from './pruners.js';
import { type Observation, makeSampler } from './samplers.js';
import { type Params, type SearchConfig, type TuneSettings } from './space.js';

/** What a trial function gets. */
export interface TrialContext {
  /** 1-based trial number. */
  number: number;
  params: Params;
  /** The study's settings (objective, direction, pruner...). */
  tune: TuneSettings;
  /**
   * Reports the metrics of a finished epoch: the pruning metric is
   * journaled, and the answer says whether the trial should stop (a reason)
   * or go on (undefined).
   */
  report(epoch: number, metrics: EpochMetrics): Promise<string | undefined>;
}

/** What a trial function returns. */
export interface TrialResult {
  /** The objective (as measured, not oriented); absent for a pruned or failed trial without one. */
  value?: number;
  /** Set when the trial was stopped early by the pruner: the reason. */
  pruned?: string;
  epochs: number;
}

/**
 * Thrown by a trial function stopped from outside (Ctrl-C): the trial is
 * left unfinished in the journal, to be re-run when the study resumes, and
 * the worker stops.
 */
export class TrialInterrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrialInterrupted';
  }
}

/** Trains and measures one trial. A thrown error records the trial as failed with its message. */
export type TrialFunction = (context: TrialContext) => Promise<TrialResult>;

/** How many trials, and until when, this worker may start. */
export interface Budget {
  /** Trials in the study in all (the journal's count, every worker's included). */
  trials?: number;
  /** `Date.now()` after which no new trial is started. */
  deadline?: number;
}

/** The metric pruning watches: the objective when it is a per-epoch metric, else `valLoss`. */
export function pruningMetric(tune: TuneSettings): string {
  return tune.objective === 'rocAuc' ? 'valLoss' : tune.objective;
}

/** The objective oriented so that lower is better. */
export const oriented = (tune: Pick<TuneSettings, 'direction'>, value: number): number => (tune.direction === 'maximize' ? -value : value);

/** The study's search config as the journal recorded it. */
export function searchOf(state: StudyState): SearchConfig {
  const s = state.study;
  if (!s) throw new Error('the journal has no study record');
  return { params: s.params, tune: s.tune, base: s.base, file: s.file };
}

/** The fields of a search that must not change when a study is resumed (the budget may). */
const identity = (s: Pick<SearchConfig, 'params' | 'base' | 'tune'>) => JSON.stringify({
  params: s.params, base: s.base, objective: s.tune.objective, direction: s.tune.direction, sampler: s.tune.sampler, seed: s.tune.seed, pruner: s.tune.pruner, startupTrials: s.tune.startupTrials,
  enqueue: s.tune.enqueue ?? [],
});

/**
 * Opens a study in `storage`: records `search` when the journal is new,
 * else checks that `search` (when given) is the one the study was started
 * with. Returns the study's search config.
 * @throws {UsageError} when the journal holds another study, or none and no search is given.
 */
export async function openStudy(storage: StudyStorage, search?: SearchConfig): Promise<SearchConfig> {
  return storage.withLock(async () => {
    const state = studyState(await storage.read());
    if (!state.study) {
      if (!search) throw new UsageError(`${storage.where} holds no study yet: give the search config (--config) to start one`);
      await storage.append({ type: 'study', time: Date.now(), file: search.file, params: search.params, tune: search.tune, base: search.base });
      return search;
    }
    const recorded = searchOf(state);
    if (search && identity(search) !== identity(recorded)) {
      throw new UsageError(`${storage.where} holds a study started with another search config (its spaces, objective, sampler, seed or pruner differ): resume it without changing them, or start a new study elsewhere`);
    }
    // A resumed study may be given a new budget.
    return search ? { ...recorded, tune: { ...recorded.tune, ...(search.tune.trials !== undefined ? { trials: search.tune.trials } : {}), ...(search.tune.timeBudget !== undefined ? { timeBudget: search.tune.timeBudget } : {}) } } : recorded;
  });
}

/** The finished trials as a sampler sees them. */
export function observations(state: StudyState, tune: TuneSettings): Observation[] {
  const out: Observation[] = [];
  for (const t of state.trials.values()) {
    if (!t.done) continue;
    out.push({ params: t.params, state: t.done.state, ...(t.done.state === 'complete' && t.done.value !== undefined ? { loss: oriented(tune, t.done.value) } : {}) });
  }
  return out;
}

/** A claimed trial. */
export interface Claim {
  number: number;
  attempt: string;
  params: Params;
  /** Whether a dead worker's attempt came before this one. */
  requeued: boolean;
}

/**
 * The parameters of new trial `number`: the enqueued trial of that number
 * (`tune.enqueue`, trials 1, 2, ...), the parameters it leaves out drawn by
 * the sampler; past the queue, the sampler's draw. The sampler sees every
 * finished trial, enqueued ones included.
 */
export function newTrialParams(search: SearchConfig, state: StudyState, number: number): Params {
  const queued = search.tune.enqueue?.[number - 1];
  if (queued && search.params.every((p) => Object.hasOwn(queued, p.name))) return structuredClone(queued);
  const sampler = makeSampler(search.tune.sampler, search.tune.seed, { startupTrials: search.tune.startupTrials });
  const drawn = sampler.sample(search.params, observations(state, search.tune), number);
  return queued ? { ...drawn, ...structuredClone(queued) } : drawn;
}

/**
 * Claims a trial under the study's lock: first a trial whose worker is gone
 * (re-queued with its parameters), else a new one while the budget allows
 * (an enqueued configuration while any is left, then the sampler's).
 * Undefined when there is nothing to claim.
 */
export async function claimTrial(storage: StudyStorage, search: SearchConfig, budget: Budget, worker: WorkerId): Promise<Claim | undefined> {
  return storage.withLock(async () => {
    const state = studyState(await storage.read());
    for (const t of state.trials.values()) {
      if (t.done || (await storage.holds(t.claim))) continue;
      const attempt = newAttempt();
      await storage.append({ type: 'claim', time: Date.now(), trial: t.number, attempt, params: t.params, worker });
      await storage.renewLease(t.number, attempt);
      return { number: t.number, attempt, params: t.params, requeued: true };
    }
    if (budget.trials !== undefined && state.trials.size >= budget.trials) return undefined;
    if (budget.deadline !== undefined && Date.now() >= budget.deadline) return undefined;
    const number = Math.max(0, ...state.trials.keys()) + 1;
    const params = newTrialParams(search, state, number);
    const attempt = newAttempt();
    await storage.append({ type: 'claim', time: Date.now(), trial: number, attempt, params, worker });
    await storage.renewLease(number, attempt);
    return { number, attempt, params, requeued: false };
  });
}

/** The per-epoch curves of the other trials, oriented, for the pruner. */
function peerCurves(state: StudyState, self: number, tune: TuneSettings): PeerCurve[] {
  const sign = pruningMetric(tune) === tune.objective ? (tune.direction === 'maximize' ? -1 : 1) : 1;
  return [...state.trials.values()].filter((t) => t.number !== self).map((t) => ({
    complete: t.done?.state === 'complete',
    values: new Map([...t.epochs].map(([e, v]) => [e, sign * v])),
  }));
}

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  storage: StudyStorage;
  search: SearchConfig;
  trial: TrialFunction;
  budget: Budget;
  /** Aborted: claim no new trial (the running one finishes). */
  signal?: AbortSignal;
  /** One line per trial started and finished. */
  log?: (line: string) => void;
  /** Trials this worker may run at most (default: until the budget is spent). */
  maxTrials?: number;
}

/**
 * Claims and runs trials until the budget is spent (or `signal` aborts),
 * recording each result. The lease of the running trial is renewed every
 * {@link HEARTBEAT_MS}. Returns the numbers of the trials it ran.
 */
export async function runWorker(o: WorkerOptions): Promise<number[]> {
  const me = workerId();
  const ran: number[] = [];
  const { storage, search } = o;
  const tune = search.tune;
  const metric = pruningMetric(tune);
  while (!o.signal?.aborted && ran.length < (o.maxTrials ?? Infinity)) {
    const claim = await claimTrial(storage, search, o.budget, me);
    if (!claim) break;
    ran.push(claim.number);
    o.log?.(`trial ${claim.number}${claim.requeued ? ' (again: its worker died)' : ''}: ${Object.entries(claim.params).map(([k, v]) => `${k}=${formatParam(v)}`).join(' ')}`);
    const heartbeat = setInterval(() => void storage.renewLease(claim.number, claim.attempt).catch(() => undefined), HEARTBEAT_MS);
    heartbeat.unref();
    const started = performance.now();
    let record: Extract<JournalRecord, { type: 'done' }>;
    try {
      const result = await o.trial({
        number: claim.number, params: claim.params, tune,
        report: async (epoch, metrics) => {
          const value = metrics[metric];
          if (value === undefined) return undefined;
          await storage.append({ type: 'epoch', time: Date.now(), trial: claim.number, attempt: claim.attempt, epoch, value });
          const state = studyState(await storage.read());
          const sign = metric === tune.objective && tune.direction === 'maximize' ? -1 : 1;
          return pruneReason(tune.pruner, epoch, sign * value, peerCurves(state, claim.number, tune));
        },
      });
      const state: TrialState = result.pruned ? 'pruned' : result.value === undefined || !Number.isFinite(result.value) ? 'failed' : 'complete';
      record = {
        type: 'done', time: Date.now(), trial: claim.number, attempt: claim.attempt, state, epochs: result.epochs, seconds: (performance.now() - started) / 1000,
        ...(result.value !== undefined && Number.isFinite(result.value) ? { value: result.value } : {}),
        ...(result.pruned ? { message: result.pruned } : state === 'failed' ? { message: `objective ${tune.objective} is ${String(result.value)}` } : {}),
      };
    } catch (e) {
      if (e instanceof TrialInterrupted) {
        clearInterval(heartbeat);
        o.log?.(`${e.message}: left unfinished, re-run when the study resumes`);
        break;
      }
      record = { type: 'done', time: Date.now(), trial: claim.number, attempt: claim.attempt, state: 'failed', message: (e as Error).message, epochs: 0, seconds: (performance.now() - started) / 1000 };
    } finally {
      clearInterval(heartbeat);
    }
    // Recorded only while this attempt is still the trial's latest (a worker presumed dead may finish late).
    const counted = await storage.withLock(async () => {
      const t = studyState(await storage.read()).trials.get(claim.number);
      if (!t || t.done || t.claim.attempt !== claim.attempt) return false;
      await storage.append(record);
      return true;
    });
    o.log?.(`trial ${claim.number} ${record.state}${record.value !== undefined ? ` ${tune.objective} ${record.value.toPrecision(5)}` : ''}${record.message ? ` (${record.message})` : ''}${counted ? '' : ' — not recorded: the trial was claimed again meanwhile'}`);
  }
  return ran;
}

/** A parameter value for tables and logs. */
export function formatParam(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(3);
  return JSON.stringify(v);
}

/** The best complete trial (by the study's direction), if any. */
export function bestTrial(state: StudyState, tune: Pick<TuneSettings, 'direction'>): TrialInfo | undefined {
  let best: TrialInfo | undefined;
  for (const t of state.trials.values()) {
    if (t.done?.state !== 'complete' || t.done.value === undefined) continue;
    if (!best || oriented(tune, t.done.value) < oriented(tune, best.done!.value!)) best = t;
  }
  return best;
}
