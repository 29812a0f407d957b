/**
 * `progress.json` in a run folder: what the trainer is doing right now, at
 * step granularity, for `aekit dashboard` to stream. metrics.jsonl only grows
 * once per epoch; a long epoch would leave the live view still for minutes.
 *
 * The file is rewritten (temp file + rename, so a reader never sees half of
 * it) at most every `intervalMs`, and holds a bounded history of step losses
 * and throughput: past `maxPoints`, neighbouring points are merged in pairs
 * and the stride doubles, so a 1,000-epoch run keeps a light file and a
 * smooth curve. After the last step, `phase` says what the trainer does
 * (test set, figures), so the page does not show "ends in 0 s" meanwhile.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/files.js';

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
   * [step, loss], oldest first: one point per report of the training loop
   * (about five a second), each the mean loss of the steps it covers weighted
   * by their samples, so an epoch's short last batch counts for what it holds
   * (alone, it is folded into the point before it). Past `maxPoints`,
   * neighbouring points are merged and `stride` doubles. Every point but the
   * last is final; the last may still change.
   */
  steps: [number, number][];
  /**
   * [step, samples/s] at the same steps as `steps`: the throughput since the
   * previous report (the epoch's own mean at its first report). Absent in
   * files written before it existed.
   */
  throughput?: [number, number][];
  /** [epoch, steps done before it began] of each epoch seen, for marking epoch boundaries. */
  epochStarts?: [number, number][];
  /**
   * What the trainer does after its last step, when it is no longer stepping
   * ("evaluating the test set", "drawing figures", …); absent while it trains.
   */
  phase?: string;
}

/** A step event, as the training loop reports it. */
export interface StepEvent {
  epoch: number;
  batch: number;
  batches?: number;
  /** Samples of the epoch so far (with `losses`, weights the short last batch). */
  samples?: number;
  step: number;
  /** Loss of the last step. */
  loss: number;
  /** Loss of every step since the previous event, the last being `loss` (default `[loss]`). */
  losses?: readonly number[];
  samplesPerSec: number;
  etaSeconds?: number;
}

/** Options of {@link ProgressFile}. */
export interface ProgressFileOptions {
  /** Least time between two writes (default 500 ms). */
  intervalMs?: number;
  /** History points kept before pairs are merged (default 1000, at least 4). */
  maxPoints?: number;
  /** Samples per full batch: weights the epoch's short last batch by its size (default: every step weighs the same). */
  batchSize?: number;
  /** Clock, for tests (default `performance.now`). */
  now?: () => number;
}

/** A history point as kept while writing: its loss and throughput with the sample weight behind them. */
interface Point {
  step: number;
  loss: number;
  rate: number;
  weight: number;
}

/** Writes a run's `progress.json` from the training loop's step events. */
export class ProgressFile {
  private readonly intervalMs: number;
  private readonly maxPoints: number;
  private readonly batchSize: number | undefined;
  private readonly now: () => number;
  private points: Point[] = [];
  private stride = 1;
  // Reports since the last history point, merged into the next one.
  private pending?: Point;
  private pendingCount = 0;
  private epochStarts: [number, number][] = [];
  private phase?: string;
  private last?: StepEvent;
  // The previous report, for the throughput between two reports.
  private previous?: { epoch: number; samples: number; seconds: number };
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
    this.batchSize = options.batchSize;
    this.now = options.now ?? (() => performance.now());
    const earlier = readProgress(path);
    if (earlier) {
      const rates = new Map(earlier.throughput ?? []);
      this.points = earlier.steps.map(([step, loss]) => ({ step, loss, rate: rates.get(step) ?? NaN, weight: this.batchSize ?? 1 }));
      this.stride = earlier.stride;
      this.epochStarts = earlier.epochStarts ?? [];
    }
  }

  /** Records a step event; writes the file when `intervalMs` has passed since the last write. */
  onStep(e: StepEvent): void {
    if (!Number.isFinite(e.loss)) return; // the loop stops on a non-finite loss; keep the curve drawable
    // A resumed run repeats the steps after its last checkpoint: drop the stale tail.
    while (this.points.length > 0 && this.points[this.points.length - 1]!.step >= e.step) this.points.pop();
    if (this.pending && this.pending.step >= e.step) this.pending = undefined;
    const epochStart = e.step - e.batch;
    if (this.epochStarts.at(-1)?.[0] !== e.epoch) {
      this.epochStarts = this.epochStarts.filter(([epoch, start]) => epoch < e.epoch && start < epochStart);
      this.epochStarts.push([e.epoch, epochStart]);
    }
    this.phase = undefined;
    this.last = e;
    const report = this.reportPoint(e);
    if (report.weight < (this.batchSize ?? 0)) {
      // Only the epoch's short last batch: a point of its own would be a spike of a few samples.
      this.foldIntoLast(report);
    } else {
      this.pending = this.pending ? mergePoints(this.pending, report) : report;
      this.pendingCount += 1;
      if (this.pendingCount >= this.stride) this.pushPending();
    }
    this.dirty = true;
    if (this.now() - this.lastWrite >= this.intervalMs) this.flush();
  }

  /**
   * Says what the trainer does now that it no longer steps (`undefined`: back
   * to training); written at once, for the dashboard to show instead of an ETA.
   */
  setPhase(phase: string | undefined): void {
    this.phase = phase;
    this.dirty = true;
    this.flush();
  }

  /** Writes the file now if anything changed (call at the end of each epoch and of the run). */
  flush(): void {
    if (!this.dirty || !this.last) return;
    const e = this.last;
    const points = this.pending ? [...this.points, this.pending] : this.points;
    const snapshot: ProgressSnapshot = {
      format: 'aekit-progress', version: 1, time: new Date().toISOString(),
      epoch: e.epoch, epochs: this.epochs, batch: e.batch, ...(e.batches !== undefined ? { batches: e.batches } : {}),
      step: e.step, loss: e.loss, samplesPerSec: e.samplesPerSec, ...(e.etaSeconds !== undefined ? { etaSeconds: e.etaSeconds } : {}),
      stride: this.stride,
      steps: points.map((p) => [p.step, p.loss]),
      throughput: points.filter((p) => Number.isFinite(p.rate)).map((p) => [p.step, p.rate]),
      epochStarts: this.epochStarts,
      ...(this.phase !== undefined ? { phase: this.phase } : {}),
    };
    try {
      // Rewritten twice a second and worthless after a crash: atomic, not durable.
      writeFileAtomic(this.path, JSON.stringify(snapshot), { durable: false });
    } catch {
      // Progress is for watching only: a failed write must not stop training (the next flush retries).
      return;
    }
    this.lastWrite = this.now();
    this.dirty = false;
  }

  /** The event's steps as one point: their losses weighted by samples, and the throughput since the previous report. */
  private reportPoint(e: StepEvent): Point {
    const losses = e.losses?.length ? e.losses : [e.loss];
    const full = this.batchSize ?? 1;
    const weights = losses.map(() => full);
    // Only the last step of an epoch can be short; the samples seen tell how short.
    if (this.batchSize !== undefined && e.samples !== undefined && e.batches !== undefined && e.batch === e.batches) {
      const lastCount = e.samples - (e.batch - 1) * this.batchSize;
      if (lastCount > 0 && lastCount < this.batchSize) weights[weights.length - 1] = lastCount;
    }
    let sum = 0;
    let weight = 0;
    losses.forEach((l, i) => {
      if (!Number.isFinite(l)) return;
      sum += l * weights[i]!;
      weight += weights[i]!;
    });
    // The loop's clock, not this one: events from a worker thread arrive in bursts. The epoch's mean rate
    // and its samples give the seconds since the epoch began, so two reports give the rate between them.
    const seconds = e.samples !== undefined && e.samplesPerSec > 0 ? e.samples / e.samplesPerSec : undefined;
    const prev = this.previous;
    const rate = prev && seconds !== undefined && prev.epoch === e.epoch && seconds > prev.seconds && e.samples! > prev.samples
      ? (e.samples! - prev.samples) / (seconds - prev.seconds)
      : e.samplesPerSec;
    this.previous = seconds !== undefined ? { epoch: e.epoch, samples: e.samples!, seconds } : undefined;
    return { step: e.step, loss: weight > 0 ? sum / weight : e.loss, rate, weight: Math.max(weight, Number.MIN_VALUE) };
  }

  /** Adds a short report to the newest point (pending or kept), or keeps it alone when there is none. */
  private foldIntoLast(report: Point): void {
    if (this.pending) this.pending = mergePoints(this.pending, report);
    else if (this.points.length > 0) this.points[this.points.length - 1] = mergePoints(this.points[this.points.length - 1]!, report);
    else this.points.push(report);
  }

  private pushPending(): void {
    this.points.push(this.pending!);
    this.pending = undefined;
    this.pendingCount = 0;
    if (this.points.length <= this.maxPoints) return;
    const merged: Point[] = [];
    for (let i = 0; i + 1 < this.points.length; i += 2) merged.push(mergePoints(this.points[i]!, this.points[i + 1]!));
    // An odd point out stays alone; the next merge pairs it.
    if (this.points.length % 2 === 1) merged.push(this.points[this.points.length - 1]!);
    this.points = merged;
    this.stride *= 2;
  }
}

/** Two neighbouring points as one at the later step: losses and throughputs weighted by samples. */
function mergePoints(a: Point, b: Point): Point {
  const weight = a.weight + b.weight;
  const rate = Number.isFinite(a.rate) && Number.isFinite(b.rate) ? (a.rate * a.weight + b.rate * b.weight) / weight : Number.isFinite(b.rate) ? b.rate : a.rate;
  return { step: b.step, loss: (a.loss * a.weight + b.loss * b.weight) / weight, rate, weight };
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
