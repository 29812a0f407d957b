/**
 * The only module that touches ONNX Runtime. aekit compiles graphs itself and
 * hands ONNX bytes here; everything above this file works with plain typed
 * arrays (TensorData), so a browser build can swap onnxruntime-node for
 * onnxruntime-web in this one place.
 */
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
}

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
  private constructor(private readonly session: ort.InferenceSession) {}

  /** Creates a session from serialized ONNX bytes. */
  static async create(model: Uint8Array, options: SessionOptions = {}): Promise<RuntimeSession> {
    const opts: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: options.optimization ?? 'all',
      executionProviders: options.executionProviders ?? ['cpu'],
      executionMode: 'sequential',
      interOpNumThreads: 1,
    };
    if (options.threads) opts.intraOpNumThreads = options.threads;
    if (options.profilePrefix) {
      opts.enableProfiling = true;
      opts.profileFilePrefix = options.profilePrefix;
    }
    try {
      return new RuntimeSession(await ort.InferenceSession.create(model, opts));
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

  /** Stops profiling and returns the trace file's path. */
  endProfiling(): string {
    return this.session.endProfiling() as unknown as string;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
