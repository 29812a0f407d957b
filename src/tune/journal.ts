/**
 * The study journal: an append-only list of records (the study's settings,
 * then claims, per-epoch values and results of trials), kept in a JSON-lines
 * file in the study folder (`journal.jsonl`) or in a Redis list
 * (`--storage redis://host:6379/<study>`). The study's state is what the
 * records say, read from the start ({@link studyState}); nothing is ever
 * rewritten, so a tuner killed at any point leaves a journal that a new one
 * resumes from.
 *
 * Claims are atomic: a worker takes the storage's lock (an O_EXCL lock file,
 * or a Redis key set with NX), reads the journal, appends its claim and lets
 * go. A claimed trial is held by a lease the worker renews while it trains
 * (a lease file's modification time, or a Redis key with an expiry); a trial
 * whose lease has lapsed, or whose worker process is gone (same machine), is
 * claimed again with a new attempt id. Only a result of a trial's latest
 * attempt counts, so a worker thought dead that still finishes cannot make a
 * trial count twice.
 *
 * Crash safety of the file: every record is one `write` of one line with
 * O_APPEND, flushed with fsync; a line torn by a crash (no newline at the
 * end) is ignored on reading and closed with a newline before the next
 * append, so it cannot swallow the next record.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../io/files.js';
import { type Params, type SearchParam, type TuneSettings } from './space.js';

/** Who holds a claim. */
export interface WorkerId {
  host: string;
  pid: number;
  /** Random per worker process. */
  id: string;
}

/** The end state of a trial. */
export type TrialState = 'complete' | 'pruned' | 'failed';

/** One journal record. */
export type JournalRecord =
  | { type: 'study'; time: number; file: string; params: SearchParam[]; tune: TuneSettings; base: Record<string, unknown> }
  | { type: 'claim'; time: number; trial: number; attempt: string; params: Params; worker: WorkerId }
  | { type: 'epoch'; time: number; trial: number; attempt: string; epoch: number; value: number }
  | { type: 'done'; time: number; trial: number; attempt: string; state: TrialState; value?: number; message?: string; epochs: number; seconds: number };

/** Where a study's journal lives. */
export interface StudyStorage {
  /** For messages: the file or the Redis key. */
  readonly where: string;
  read(): Promise<JournalRecord[]>;
  append(record: JournalRecord): Promise<void>;
  /** Runs `fn` holding the study's lock (one holder at a time, across processes and machines). */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
  /** Takes or renews the lease of a claimed trial. */
  renewLease(trial: number, attempt: string): Promise<void>;
  /** Whether the worker of a claim still holds its trial. */
  holds(claim: Extract<JournalRecord, { type: 'claim' }>): Promise<boolean>;
  close(): Promise<void>;
}

/** A new worker identity for this process. */
export function workerId(): WorkerId {
  return { host: hostname(), pid: process.pid, id: randomBytes(6).toString('hex') };
}

/** A new attempt id. */
export const newAttempt = (): string => randomBytes(8).toString('hex');

/** How long a lease lasts without renewal, and how often a worker renews it. */
export const LEASE_MS = 30_000;
export const HEARTBEAT_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The journal in a JSON-lines file of the study folder, its lock and leases beside it. */
export class FileStorage implements StudyStorage {
  readonly where: string;
  private readonly lock: string;
  private readonly leases: string;

  constructor(readonly dir: string, private readonly leaseMs = LEASE_MS) {
    mkdirSync(dir, { recursive: true });
    this.where = join(dir, 'journal.jsonl');
    this.lock = join(dir, 'journal.lock');
    this.leases = join(dir, 'leases');
    mkdirSync(this.leases, { recursive: true });
  }

  async read(): Promise<JournalRecord[]> {
    if (!existsSync(this.where)) return [];
    return parseJournal(readFileSync(this.where, 'utf8'), this.where);
  }

  async append(record: JournalRecord): Promise<void> {
    const fd = openSync(this.where, 'a+');
    try {
      // A torn last line (a crash mid-write) gets its newline first, so it cannot swallow this record.
      const size = fstatSync(fd).size;
      let prefix = '';
      if (size > 0) {
        const last = Buffer.alloc(1);
        readSync(fd, last, 0, 1, size - 1);
        if (last[0] !== 0x0a) prefix = '\n';
      }
      writeSync(fd, `${prefix}${JSON.stringify(record)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const me = `${hostname()} ${process.pid} ${newAttempt()}`;
    for (let tries = 0; ; tries++) {
      try {
        writeFileSync(this.lock, me, { flag: 'wx' });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        this.breakStaleLock();
        await sleep(Math.min(200, 5 + tries * 5));
      }
    }
    try {
      return await fn();
    } finally {
      if (readText(this.lock) === me) rmSync(this.lock, { force: true });
    }
  }

  /** A lock whose holder died on this machine, or that is older than a lease, is removed. */
  private breakStaleLock(): void {
    const text = readText(this.lock);
    if (text === undefined) return;
    const [host, pid] = text.split(' ');
    let age = 0;
    try {
      age = Date.now() - statSync(this.lock).mtimeMs;
    } catch {
      return;
    }
    if ((host === hostname() && !processAlive(Number(pid))) || age > this.leaseMs) {
      if (readText(this.lock) === text) rmSync(this.lock, { force: true });
    }
  }

  async renewLease(trial: number, attempt: string): Promise<void> {
    const file = join(this.leases, `trial-${trial}`);
    if (readText(file) !== attempt) writeFileSync(file, attempt);
    else {
      const now = new Date();
      utimesSync(file, now, now);
    }
  }

  async holds(claim: Extract<JournalRecord, { type: 'claim' }>): Promise<boolean> {
    return fileLeaseHolds(this.dir, claim, this.leaseMs);
  }

  async close(): Promise<void> {}
}

/**
 * Whether the worker of a claim in the file journal of study folder `dir`
 * still holds its trial: on this machine, whether its process lives; from
 * elsewhere, whether its lease file was renewed within `leaseMs`. Only reads.
 */
export function fileLeaseHolds(dir: string, claim: Extract<JournalRecord, { type: 'claim' }>, leaseMs = LEASE_MS): boolean {
  // On this machine the process table answers at once; elsewhere the lease's age does.
  if (claim.worker.host === hostname()) return processAlive(claim.worker.pid);
  const file = join(dir, 'leases', `trial-${claim.trial}`);
  if (readText(file) !== claim.attempt) return Date.now() - claim.time < leaseMs;
  try {
    return Date.now() - statSync(file).mtimeMs < leaseMs;
  } catch {
    return false;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Parses journal text: one JSON record per line; a torn line is skipped, anything else unreadable is an error naming the line. */
export function parseJournal(text: string, where: string): JournalRecord[] {
  const lines = text.split('\n');
  const out: JournalRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const r = JSON.parse(line) as JournalRecord;
      if (typeof r !== 'object' || r === null || typeof r.type !== 'string') throw new Error('not a journal record');
      out.push(r);
    } catch (e) {
      // A crash mid-append leaves a partial line; later appends start on a new line, so it may be followed by others.
      if (line.startsWith('{') && !line.endsWith('}')) return;
      throw new Error(`${where}:${i + 1}: not a journal record (${(e as Error).message})`);
    }
  });
  return out;
}

/** One trial as the journal tells it. */
export interface TrialInfo {
  number: number;
  params: Params;
  /** Its latest claim. */
  claim: Extract<JournalRecord, { type: 'claim' }>;
  /** How many times it was claimed (more than once after a worker died). */
  claims: number;
  /** Per-epoch values of the latest attempt. */
  epochs: Map<number, number>;
  /** The result of the latest attempt, when it has one. */
  done?: Extract<JournalRecord, { type: 'done' }>;
}

/** What a journal says: the study's settings and its trials by number. */
export interface StudyState {
  study?: Extract<JournalRecord, { type: 'study' }>;
  trials: Map<number, TrialInfo>;
}

/** Replays a journal (see the module comment: only the latest attempt's records count). */
export function studyState(records: readonly JournalRecord[]): StudyState {
  const state: StudyState = { trials: new Map() };
  for (const r of records) {
    if (r.type === 'study') state.study ??= r;
    else if (r.type === 'claim') {
      const t = state.trials.get(r.trial);
      if (t?.done) continue; // a finished trial is never claimed again; a late duplicate claim changes nothing
      state.trials.set(r.trial, { number: r.trial, params: t?.params ?? r.params, claim: r, claims: (t?.claims ?? 0) + 1, epochs: new Map() });
    } else {
      const t = state.trials.get(r.trial);
      if (!t || t.claim.attempt !== r.attempt || t.done) continue;
      if (r.type === 'epoch') t.epochs.set(r.epoch, r.value);
      else t.done = r;
    }
  }
  return state;
}
