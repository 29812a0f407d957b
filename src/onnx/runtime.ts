/**
 * The only module that touches ONNX Runtime. aekit compiles graphs itself and
 * hands ONNX bytes here; everything above this file works with plain typed
 * arrays (TensorData), so a browser build can swap onnxruntime-node for
 * onnxruntime-web in this one place.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { type DType, type TensorData } from '../graph/types.js';

/** Session settings, in one place. */
export interface SessionOptions {
  /** Threads for one op (ONNX Runtime's intra-op pool). Default: ONNX Runtime's choice (all cores). */
  threads?: number;
  /** Graph optimization level. Default 'all'. */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Write a Chrome-trace profile with this file prefix. */
  profilePrefix?: string;
  /** Execution providers in order of preference. Default ['cpu']. */
  executionProviders?: string[];
  /**
   * Least severe ONNX Runtime log message printed. Default 'error': training graphs
   * declare their constant Conv kernels as overridable inputs on purpose (see
   * serialize.ts), which ONNX Runtime reports as a warning at session creation.
   */
  logLevel?: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
  /**
   * Let idle intra-op threads spin waiting for work (ONNX Runtime's default,
   * true). Spinning saves wake-up latency on an idle machine but burns a core
   * that other processes may need.
   */
  spinning?: boolean;
}

const LOG_LEVELS = { verbose: 0, info: 1, warning: 2, error: 3, fatal: 4 } as const;

/** ONNX Runtime refused a model or failed while running it. */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

const ORT_TYPE: Record<DType, ort.Tensor.Type> = {
  float32: 'float32',
  float64: 'float64',
  int64: 'int64',
  int32: 'int32',
  bool: 'bool',
  uint8: 'uint8',
};

function toOrt(t: TensorData): ort.Tensor {
  return new ort.Tensor(ORT_TYPE[t.dtype], t.data as never, [...t.shape]);
}

function fromOrt(t: ort.Tensor): TensorData {
  const dtype = (Object.keys(ORT_TYPE) as DType[]).find((k) => ORT_TYPE[k] === t.type);
  if (!dtype) throw new RuntimeError(`unsupported output type ${t.type}`);
  return { dtype, shape: t.dims.map(Number), data: t.data as TensorData['data'] };
}

/** A loaded ONNX model ready to run. */
export class RuntimeSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly profilePrefix?: string,
  ) {}

  /** Creates a session from serialized ONNX bytes. */
  static async create(model: Uint8Array, options: SessionOptions = {}): Promise<RuntimeSession> {
    const opts: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: options.optimization ?? 'all',
      executionProviders: options.executionProviders ?? ['cpu'],
      executionMode: 'sequential',
      interOpNumThreads: 1,
      logSeverityLevel: LOG_LEVELS[options.logLevel ?? 'error'],
    };
    if (options.threads) opts.intraOpNumThreads = options.threads;
    if (options.spinning === false) opts.extra = { session: { intra_op: { allow_spinning: '0' } } };
    if (options.profilePrefix) {
      opts.enableProfiling = true;
      opts.profileFilePrefix = options.profilePrefix;
    }
    try {
      return new RuntimeSession(await ort.InferenceSession.create(model, opts), options.profilePrefix);
    } catch (e) {
      throw new RuntimeError(`ONNX Runtime rejected the model: ${(e as Error).message}`);
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /**
   * Runs the model. Feeds the model does not take are ignored; missing ones are
   * an error. Outputs named in `into` are written into those caller-owned
   * buffers (no allocation or copy), which a training loop alternates between.
   */
  async run(feeds: Record<string, TensorData>, outputs?: readonly string[], into?: Record<string, TensorData>): Promise<Record<string, TensorData>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of this.session.inputNames) {
      const t = feeds[name];
      if (!t) throw new RuntimeError(`missing input '${name}'; the model takes ${this.session.inputNames.join(', ')}`);
      ortFeeds[name] = toOrt(t);
    }
    let result: ort.InferenceSession.ReturnType;
    try {
      if (into) {
        const fetches: Record<string, ort.Tensor | null> = {};
        for (const name of outputs ?? this.session.outputNames) fetches[name] = into[name] ? toOrt(into[name]) : null;
        result = await this.session.run(ortFeeds, fetches);
      } else {
        result = outputs ? await this.session.run(ortFeeds, [...outputs]) : await this.session.run(ortFeeds);
      }
    } catch (e) {
      throw new RuntimeError(`ONNX Runtime failed: ${(e as Error).message}`);
    }
    const out: Record<string, TensorData> = {};
    for (const [name, t] of Object.entries(result)) out[name] = into?.[name] ?? fromOrt(t);
    return out;
  }

  /**
   * Stops profiling and returns the trace file's path (onnxruntime-node returns
   * nothing, so the newest `<prefix>_*.json` is looked up; '' when none is found).
   */
  endProfiling(): string {
    const returned = this.session.endProfiling() as unknown;
    if (typeof returned === 'string' && returned) return returned;
    if (!this.profilePrefix) return '';
    const dir = dirname(resolve(this.profilePrefix));
    const base = basename(this.profilePrefix);
    let best = '';
    let bestTime = -Infinity;
    for (const f of readdirSync(dir)) {
      if (!f.startsWith(`${base}_`) || !f.endsWith('.json')) continue;
      const t = statSync(join(dir, f)).mtimeMs;
      if (t > bestTime) [best, bestTime] = [join(dir, f), t];
    }
    return best;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
