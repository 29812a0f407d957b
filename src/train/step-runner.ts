/**
 * Running training steps in ONNX Runtime: how the step graph runs (one step
 * or a chunk of steps per call, decided once per run), how many steps each
 * call gets, the session with its double-buffered state, and the rollback to
 * the last finite step.
 */
import { type TensorData, sizeOf } from '../graph/types.js';
import { type RuntimeSession, resolveDevice } from '../onnx/runtime.js';
import { CHUNK_FIRST_STEP, CHUNK_ROWS, CHUNK_STEPS, chunkInputName, chunkedStep, graphSignature } from './chunk.js';
import { type FeedChunk, isStreamData } from './feed.js';
import type { LoopInput, StepsPerExecution } from './loop.js';
import { copyTensors, packedCopy, unpackTensors } from './packing.js';
import { NON_FINITE_CHECK, type PackedGroup, nextName } from './step.js';

/** Raised when the loss becomes NaN or infinite; the loop keeps the last good weights. */
export const NON_FINITE = 'non-finite loss';

/** Most steps one call runs under 'auto'. */
const AUTO_MAX_STEPS = 64;
/** 'auto' aims each call at about this long: a stop request or progress report waits at most that. */
const AUTO_CALL_MS = 200;
/** Stacked batches of one call (a file's, copied as they arrive) stay under this size. */
const MAX_CHUNK_BYTES = 64 * 2 ** 20;

/** How the training graph runs, decided once per run. */
export interface StepPlan {
  /** The graph ONNX Runtime runs: the step itself, or the step inside a Loop of several. */
  trainModel: Uint8Array;
  /** Flat groups that stand in for their members from the start until the tensors are handed back. */
  groups: readonly PackedGroup[];
  shapes: ReadonlyMap<string, readonly number[]>;
  /** The tensors each step carries forward (flat groups, then the rest). */
  updated: string[];
  /** Whether the graph reports non-finite parameters (besides the loss). */
  checked: boolean;
  perStepOutputs: string[];
  /** Several steps per call (an ONNX Loop). */
  looped: boolean;
  /** In-memory data goes in whole and ONNX Runtime gathers each step's samples. */
  byRows: boolean;
}

export function planSteps(input: LoopInput): StepPlan {
  const { options } = input;
  const groups = input.packed ?? [];
  const members = new Set(groups.flatMap((gr) => gr.members));
  const shapes = new Map([...members].map((m) => [m, input.tensors[m]?.shape ?? []] as const));
  const updated = [...groups.map((gr) => gr.name), ...input.updated.filter((name) => !members.has(name))];
  const checked = graphSignature(input.trainModel).outputs.includes(NON_FINITE_CHECK);
  const perStepOutputs = [...input.metrics, ...(checked ? [NON_FINITE_CHECK] : [])];
  const perCall = options.stepsPerExecution ?? 'auto';
  const device = options.session?.executionProviders?.[0] ?? resolveDevice(options.session?.device);
  // On WebGPU 'auto' runs one plain step per call: how that provider places a
  // Loop and its loop-carried state is not measured yet (issue #16's GPU check
  // times an explicit stepsPerExecution there).
  const looped = perCall !== 1 && (device === 'cpu' || perCall !== 'auto');
  // In-memory data goes in whole, and ONNX Runtime gathers each step's samples
  // (on the CPU: a GPU would receive the whole table every call).
  const byRows = looped && !isStreamData(input.data) && device === 'cpu';
  const trainModel = looped
    ? chunkedStep(input.trainModel, {
      carried: updated, next: nextName, perStep: input.targetIsInput ? ['x'] : ['x', 'target'], rows: byRows, counter: 'step', perStepOutputs, stopUnlessFinite: ['loss', ...(checked ? [NON_FINITE_CHECK] : [])],
    })
    : input.trainModel;
  return { trainModel, groups, shapes, updated, checked, perStepOutputs, looped, byRows };
}

/** Steps for the next call: a fixed number, or under 'auto' sized by the time the last call's steps took. */
export class CallSizer {
  private stepMs: number | undefined;
  private readonly cap: number;

  constructor(private readonly plan: StepPlan, private readonly perCall: StepsPerExecution, bytesPerStep: number) {
    this.cap = plan.byRows ? AUTO_MAX_STEPS : Math.max(1, Math.min(AUTO_MAX_STEPS, Math.floor(MAX_CHUNK_BYTES / bytesPerStep)));
  }

  /** 'auto' starts with one step, then aims at {@link AUTO_CALL_MS} per call. */
  readonly wanted = (): number => {
    if (!this.plan.looped) return 1;
    if (this.perCall !== 'auto') return this.perCall;
    if (this.stepMs === undefined) return 1;
    return Math.max(1, Math.min(this.cap, Math.round(AUTO_CALL_MS / this.stepMs)));
  };

  record(ms: number, steps: number): void {
    this.stepMs = ms / steps;
  }
}

/** What one call into ONNX Runtime returned. */
export interface CallResult {
  out: Record<string, TensorData>;
  /** Steps that ran (a chunked call stops after a non-finite one). */
  ran: number;
  /** The first step whose loss or parameters are not finite; -1: none. */
  bad: number;
  /** Per-step output `name` of step i. */
  at(name: string, i: number): number;
}

function scalar(v: number): TensorData {
  return { dtype: 'float32', shape: [], data: new Float32Array([v]) };
}

/**
 * The training session and the state it updates. Two buffer sets hold the
 * updated tensors: a call reads one and ONNX Runtime writes the other in
 * place, so no step allocates weights.
 */
export class StepRunner {
  /** Every tensor, flat groups packed, as of the last committed step. */
  tensors: Record<string, TensorData>;
  private spare: Record<string, TensorData> = {};
  private readonly fetch: string[];

  constructor(private readonly session: RuntimeSession, private readonly plan: StepPlan, tensors: Record<string, TensorData>, private readonly sampleShape: number[], private readonly targetShape: number[]) {
    // The caller's arrays stay untouched.
    this.tensors = packedCopy(tensors, plan.groups);
    for (const name of plan.updated) {
      const t = this.tensors[name]!;
      this.spare[nextName(name)] = { dtype: t.dtype, shape: [...t.shape], data: (t.data as Float32Array).slice() };
    }
    this.fetch = [...plan.perStepOutputs, ...plan.updated.map(nextName)];
  }

  /**
   * Runs the first `steps` steps of `chunk` after step `step`, writing the
   * state after them into the spare buffers (see {@link commit}).
   */
  async run(chunk: FeedChunk, steps: number, lr: number, step: number): Promise<CallResult> {
    const { looped, checked } = this.plan;
    const feeds: Record<string, TensorData> = { ...this.tensors, lr: scalar(lr) };
    const sample = (name: 'x' | 'target') => (name === 'x' ? this.sampleShape : this.targetShape);
    for (const [name, values] of [['x', chunk.x], ['target', chunk.target]] as const) {
      if (!values) continue;
      // A table of every sample, the steps' batches stacked, or one batch.
      if (chunk.rows) feeds[chunkInputName(name)] = { dtype: 'float32', shape: [values.length / sizeOf(sample(name)), ...sample(name)], data: values };
      else if (looped) feeds[chunkInputName(name)] = { dtype: 'float32', shape: [chunk.steps, chunk.count, ...sample(name)], data: values };
      else feeds[name] = { dtype: 'float32', shape: [chunk.count, ...sample(name)], data: values };
    }
    if (chunk.rows) feeds[CHUNK_ROWS] = { dtype: 'int32', shape: [chunk.steps, chunk.count], data: chunk.rows };
    if (looped) {
      feeds[CHUNK_FIRST_STEP] = scalar(step + 1);
      feeds[CHUNK_STEPS] = { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(steps)) };
    } else feeds.step = scalar(step + 1);
    const out = await this.session.run(feeds, this.fetch, this.spare);
    const ran = looped ? out.loss!.data.length : 1;
    const at = (name: string, i: number): number => {
      const values = out[name]!.data;
      return Number(values[i * (values.length / ran)]);
    };
    let bad = -1;
    for (let i = 0; i < ran && bad < 0; i++) {
      if (!Number.isFinite(at('loss', i)) || (checked && at(NON_FINITE_CHECK, i) !== 0)) bad = i;
    }
    if (bad < 0 && ran !== steps) throw new Error(`training: ONNX Runtime ran ${ran} of ${steps} steps, yet every one of them was finite`);
    return { out, ran, bad, at };
  }

  /** Makes a call's outputs the current state; the buffers they replace become the spare set. */
  commit(result: CallResult): void {
    const next: Record<string, TensorData> = { ...this.tensors };
    const freed: Record<string, TensorData> = {};
    for (const name of this.plan.updated) {
      next[name] = result.out[nextName(name)]!;
      freed[nextName(name)] = this.tensors[name]!;
    }
    this.tensors = next;
    this.spare = freed;
  }

  /** The tensors by their own names, as views of the live buffers (valid until the next call). */
  views(): Record<string, TensorData> {
    return unpackTensors(this.tensors, this.plan.groups, this.plan.shapes, false);
  }

  /** A copy of every tensor by its own name. */
  snapshot(): Record<string, TensorData> {
    return copyTensors(this.views());
  }

  /** Replaces the state by a {@link snapshot} (copied in). */
  restore(tensors: Record<string, TensorData>): void {
    this.tensors = packedCopy(tensors, this.plan.groups);
  }
}

/**
 * Runs a chunk. When a step's loss or parameters are not finite, the state
 * before it stayed inside ONNX Runtime: the good steps run again from the
 * chunk's start (the inputs are untouched). Random ops draw anew in the
 * replay; a replay that itself fails earlier moves the stop there. Returns the
 * call to commit, how many of its steps to keep and, after a non-finite step,
 * the stop reason (`where(i)` names step i of the chunk).
 */
export async function runChecked(runner: StepRunner, chunk: FeedChunk, lr: number, step: number, where: (i: number) => string): Promise<{ result: CallResult; good: number; failure?: string }> {
  let result = await runner.run(chunk, chunk.steps, lr, step);
  let failure: string | undefined;
  while (result.bad >= 0) {
    const badLoss = result.at('loss', result.bad);
    const what = Number.isFinite(badLoss) ? 'parameters became non-finite' : `loss ${badLoss}`;
    failure = `${NON_FINITE} (${what}) at ${where(result.bad)}; kept the weights from before that step`;
    if (result.bad === 0) break;
    result = await runner.run(chunk, result.bad, lr, step);
  }
  return { result, good: result.bad === 0 ? 0 : result.ran, ...(failure ? { failure } : {}) };
}
