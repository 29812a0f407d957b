/**
 * `progress.json` in a run folder: what the trainer is doing right now, at
 * step granularity, for `aekit dashboard` to stream. metrics.jsonl only grows
 * once per epoch; a long epoch would leave the live view still for minutes.
 *
 * The file is rewritten (temp file + rename, so a reader never sees half of
 * it) at most every `intervalMs`, and holds a bounded history of step losses:
 * past `maxPoints`, neighbouring points are averaged in pairs and the stride
 * doubles, so a 1,000-epoch run keeps a light file and a smooth curve.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeDirs, tempPathFor } from '../io/files.js';

/** The content of `progress.json`. */
export interface ProgressSnapshot {
  format: 'aekit-progress';
  version: 1;
  /** ISO time of this snapshot. */
  time: string;
  /** Epoch in progress (1-based) and the planned total. */
  epoch: number;
  epochs: number;
  /** Batch within the epoch, and the epoch's batches when known. */
  batch: number;
  batches?: number;
  /** Optimizer steps since the run began. */
  step: number;
  /** Loss of the last step. */
  loss: number;
  /** Training throughput over the current epoch. */
  samplesPerSec: number;
  etaSeconds?: number;
  /** Reports per history point (1, 2, 4, … as the history is thinned). */
  stride: number;
  /**
   * [step, loss], oldest first: the losses the training loop reported (about
   * five times a second, not every step), each point the mean of `stride` reports.
   */
  steps: [number, number][];
}

/** A step event, as the training loop reports it. */
export interface StepEvent {
  epoch: number;
  batch: number;
  batches?: number;
  step: number;
  loss: number;
  samplesPerSec: number;
  etaSeconds?: number;
}

/** Options of {@link ProgressFile}. */
export interface ProgressFileOptions {
  /** Least time between two writes (default 500 ms). */
  intervalMs?: number;
  /** History points kept before pairs are merged (default 1000, at least 4). */
  maxPoints?: number;
  /** Clock, for tests (default `performance.now`). */
  now?: () => number;
}

/** Writes a run's `progress.json` from the training loop's step events. */
export class ProgressFile {
  private readonly intervalMs: number;
  private readonly maxPoints: number;
  private readonly now: () => number;
  private steps: [number, number][] = [];
  private stride = 1;
  // Steps seen since the last history point, averaged into the next one.
  private pendingSum = 0;
  private pendingCount = 0;
  private last?: StepEvent;
  private lastWrite = -Infinity;
  private dirty = false;

  /**
   * @param path where to write (`runs/<name>/progress.json`); an existing file
   *   from an earlier part of the run (`--resume`) is continued.
   * @param epochs the planned number of epochs.
   */
  constructor(readonly path: string, private epochs: number, options: ProgressFileOptions = {}) {
    this.intervalMs = options.intervalMs ?? 500;
    this.maxPoints = Math.max(4, options.maxPoints ?? 1000);
    this.now = options.now ?? (() => performance.now());
    const earlier = readProgress(path);
    if (earlier) {
      this.steps = earlier.steps;
      this.stride = earlier.stride;
    }
  }

  /** Records a step; writes the file when `intervalMs` has passed since the last write. */
  onStep(e: StepEvent): void {
    if (!Number.isFinite(e.loss)) return; // the loop stops on a non-finite loss; keep the curve drawable
    // A resumed run repeats the steps after its last checkpoint: drop the stale tail.
    while (this.steps.length > 0 && this.steps[this.steps.length - 1]![0] >= e.step) this.steps.pop();
    this.last = e;
    this.pendingSum += e.loss;
    this.pendingCount += 1;
    if (this.pendingCount >= this.stride) this.pushPending();
    this.dirty = true;
    if (this.now() - this.lastWrite >= this.intervalMs) this.flush();
  }

  /** Writes the file now if anything changed (call at the end of each epoch and of the run). */
  flush(): void {
    if (!this.dirty || !this.last) return;
    const e = this.last;
    const snapshot: ProgressSnapshot = {
      format: 'aekit-progress', version: 1, time: new Date().toISOString(),
      epoch: e.epoch, epochs: this.epochs, batch: e.batch, ...(e.batches !== undefined ? { batches: e.batches } : {}),
      step: e.step, loss: e.loss, samplesPerSec: e.samplesPerSec, ...(e.etaSeconds !== undefined ? { etaSeconds: e.etaSeconds } : {}),
      stride: this.stride,
      steps: this.pendingCount > 0 ? [...this.steps, [e.step, this.pendingSum / this.pendingCount]] : this.steps,
    };
    try {
      writeSmallFileAtomic(this.path, JSON.stringify(snapshot));
    } catch {
      // Progress is for watching only: a failed write must not stop training (the next flush retries).
      return;
    }
    this.lastWrite = this.now();
    this.dirty = false;
  }

  private pushPending(): void {
    this.steps.push([this.last!.step, this.pendingSum / this.pendingCount]);
    this.pendingSum = 0;
    this.pendingCount = 0;
    if (this.steps.length <= this.maxPoints) return;
    const merged: [number, number][] = [];
    for (let i = 0; i + 1 < this.steps.length; i += 2) merged.push([this.steps[i + 1]![0], (this.steps[i]![1] + this.steps[i + 1]![1]) / 2]);
    // An odd point out stays alone; the next merge pairs it.
    if (this.steps.length % 2 === 1) merged.push(this.steps[this.steps.length - 1]!);
    this.steps = merged;
    this.stride *= 2;
  }
}

/**
 * Temp file + rename without fsync: the file is rewritten twice a second and
 * worthless after a crash, so it need not survive one, only never be seen half
 * written.
 */
function writeSmallFileAtomic(path: string, text: string): void {
  makeDirs(dirname(path));
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Reads a `progress.json`; undefined when it is missing, unreadable or not a
 * progress file (the dashboard shows the run without step-level progress then).
 */
export function readProgress(path: string): ProgressSnapshot | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const p = JSON.parse(readFileSync(path, 'utf8')) as ProgressSnapshot;
    if (p?.format !== 'aekit-progress' || !Array.isArray(p.steps) || typeof p.step !== 'number') return undefined;
    return p;
  } catch {
    return undefined;
  }
}
