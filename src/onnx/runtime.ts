/**
 * The only module that touches ONNX Runtime. aekit compiles graphs itself and
 * hands ONNX bytes here; everything above this file works with plain typed
 * arrays (TensorData), so a browser build can swap onnxruntime-node for
 * onnxruntime-web in this one place.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import onnxProto from 'onnx-proto';
import type * as Ort from 'onnxruntime-node';
import { type DType, type TensorData } from '../graph/types.js';
import { type CanonicalModel, cacheFileFor, canonicalModel, readCachedModel, scratchFileIn, sessionCacheDir, storeCachedModel } from './session-cache.js';
import { physicalCores } from '../io/cpu-cores.js';
import { MIN_NCHWC_BLOCK, NCHWC_REWRITE, PROBE_CHANNELS, blockProbeModel, hasNchwcMarks, rewriteNchwc } from './nchwc.js';

let ortModule: typeof Ort | undefined;
/**
 * onnxruntime-node, loaded on first use and with require(), not `import`: the
 * ES-module loader would first scan its CommonJS files, and every file of
 * onnxruntime-common they re-export, for their export names
 * (cjs-module-lexer), start-up time that every command paid, including those
 * that never run a model.
 */
function ort(): typeof Ort {
  return (ortModule ??= createRequire(import.meta.url)('onnxruntime-node') as typeof Ort);
}

/**
 * Where a session's nodes run. 'cpu': ONNX Runtime's CPU provider (MLAS).
 * 'webgpu': ONNX Runtime's WebGPU provider (Dawn, on Vulkan under Linux); nodes
 * it has no kernel for run on the CPU, with copies in between. 'auto': WebGPU
 * when this machine has an adapter for it, else the CPU.
 */
export type Device = 'cpu' | 'webgpu' | 'auto';
/** A device after 'auto' has been decided. */
export type ResolvedDevice = 'cpu' | 'webgpu';

/** The graph optimization level of a session whose options name none (see {@link SessionOptions.optimization}). */
export const DEFAULT_OPTIMIZATION = 'extended';

/** Session settings, in one place. */
export interface SessionOptions {
  /**
   * Threads for one op (ONNX Runtime's intra-op pool). Default on the CPU: one
   * per physical core (src/io/cpu-cores.ts), where ONNX Runtime's own default
   * is half the logical processors (one thread on a 2-core machine without SMT).
   */
  threads?: number;
  /**
   * Graph optimization level. Default 'extended': every fusion aekit's graphs
   * use (Conv/Gemm + activation, MatMul + transpose). 'all' adds ONNX Runtime's
   * NCHWc layout rewrite, which converts only convolutions with constant
   * weights (aekit feeds weights as inputs) but still wraps pooling and
   * upsampling in layout reorders: measured 7–10% slower on the conv
   * autoencoder's training step and inference (docs/performance.md).
   */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Write a Chrome-trace profile with this file prefix. */
  profilePrefix?: string;
  /**
   * Where to run: 'cpu' (default), 'webgpu', or 'auto' (WebGPU when an adapter
   * is found, else the CPU; {@link RuntimeSession.device} says which). Without
   * a WebGPU adapter, 'webgpu' fails with a {@link DeviceUnavailableError}.
   */
  device?: Device;
  /**
   * ONNX Runtime execution providers in order of preference, for providers
   * aekit has no `device` name for. Give this or `device`, not both.
   */
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
  /**
   * Reuse ONNX Runtime's optimized model of this graph from an earlier session
   * (src/onnx/session-cache.ts; the folder is `$AEKIT_CACHE_DIR`, else
   * `~/.cache/aekit/ort`). Default true; only CPU sessions at an optimization
   * level below 'all' are cached (the layout rewrite of 'all' is not portable).
   */
  cache?: boolean;
  /**
   * Run the convolutions the lowering marked on ONNX Runtime's blocked-channel
   * (NCHWc) CPU kernels, with the block size this machine's ONNX Runtime uses
   * (src/onnx/nchwc.ts). Default true unless the environment variable
   * `AEKIT_NCHWC` is `0`; CPU sessions only. The numbers differ from the plain
   * kernels' by float rounding.
   */
  nchwc?: boolean;
}

/** What the optimized-model cache did for a session: 'hit' (loaded), 'stored' (optimized and saved), 'off' (not used). */
export type SessionCacheUse = 'hit' | 'stored' | 'off';

const LOG_LEVELS = { verbose: 0, info: 1, warning: 2, error: 3, fatal: 4 } as const;

/** ONNX Runtime refused a model or failed while running it. */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/** The requested device cannot be used on this machine (e.g. no WebGPU adapter). */
export class DeviceUnavailableError extends RuntimeError {
  override name = 'DeviceUnavailableError';
  constructor(readonly device: Device, message: string) {
    super(message);
  }
}

/** What probing for a WebGPU adapter found. */
export interface WebGpuProbe {
  available: boolean;
  /** Why WebGPU is unavailable, in ONNX Runtime's and Dawn's words; '' when it is available. */
  reason: string;
}

/** Seconds the WebGPU probe may take before it counts as failed (a hung driver must not hang training). */
export const WEBGPU_PROBE_TIMEOUT_S = 60;

// Worker threads copy environment data from the thread that starts them, so a
// probe made before a training worker starts is not repeated inside it.
const PROBE_KEY = 'aekit:webgpu-probe';
let webGpuProbe: WebGpuProbe | undefined;

/** y = x + x over float32 [2]: the smallest model that makes ONNX Runtime compile and run a WebGPU shader. */
function probeModel(): Uint8Array {
  const { onnx } = onnxProto;
  const io = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 18 }],
    graph: { name: 'webgpu_probe', node: [{ opType: 'Add', input: ['x', 'x'], output: ['y'], name: 'add' }], input: [io('x')], output: [io('y')] },
  }).finish();
}

// Runs in a child process: a driver that crashes or hangs while ONNX Runtime
// asks Dawn for an adapter takes the child down, not the caller (session
// creation is a blocking native call that no timer can interrupt), and what
// Dawn prints on stderr (e.g. "Couldn't load Vulkan") stays out of the
// caller's output. Node keeps Dawn's threads alive, hence the explicit exit.
const PROBE_SCRIPT = `
const ort = require(process.argv[1]);
const done = (r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); };
ort.InferenceSession.create(Buffer.from(process.argv[2], 'base64'), { executionProviders: ['webgpu'], logSeverityLevel: 3 })
  .then((s) => s.run({ x: new ort.Tensor('float32', Float32Array.from([1.5, -2]), [2]) }))
  .then((out) => { const y = out.y.data; done(y[0] === 3 && y[1] === -4 ? { ok: true } : { ok: false, error: 'the probe model computed [' + Array.from(y) + '] instead of [3, -4]' }); })
  .catch((e) => done({ ok: false, error: String(e && e.message || e) }));
`;

/** The part of an ONNX Runtime error worth showing: its last sentence, without the source location. */
function ortReason(message: string): string {
  const adapter = /Failed to get a WebGPU adapter[^\n]*/.exec(message);
  if (adapter) return adapter[0].trim();
  const lines = message.trim().split('\n');
  return lines[lines.length - 1]!.replace(/^.*? was false\. /, '').trim();
}

function runProbe(): WebGpuProbe {
  let ortPath: string;
  try {
    ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
  } catch (e) {
    return { available: false, reason: `onnxruntime-node could not be located (${(e as Error).message})` };
  }
  const r = spawnSync(process.execPath, ['-e', PROBE_SCRIPT, ortPath, Buffer.from(probeModel()).toString('base64')], {
    encoding: 'utf8',
    timeout: WEBGPU_PROBE_TIMEOUT_S * 1000,
    killSignal: 'SIGKILL',
    env: process.env,
  });
  const dawn = (r.stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => /vulkan|adapter|dawn/i.test(l) && !/^at /.test(l));
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    return { available: false, reason: `the WebGPU probe did not finish within ${WEBGPU_PROBE_TIMEOUT_S} s (a GPU driver that hangs?)` };
  }
  if (r.error) return { available: false, reason: `the WebGPU probe could not run (${r.error.message})` };
  let result: { ok: boolean; error?: string } | undefined;
  try {
    result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  } catch {
    result = undefined;
  }
  if (result?.ok) return { available: true, reason: '' };
  const parts = [result?.error ? `ONNX Runtime: ${ortReason(result.error)}` : `the probe process ended with ${r.signal ?? `exit code ${r.status}`}`];
  if (dawn.length) parts.push(`Dawn: ${[...new Set(dawn)].join('; ')}`);
  return { available: false, reason: parts.join('; ') };
}

/**
 * Whether ONNX Runtime's WebGPU provider finds an adapter here. Probed once per
 * process (a child process creates and runs a one-node session), then cached;
 * worker threads started afterwards reuse the answer.
 */
export function probeWebGpu(): WebGpuProbe {
  if (webGpuProbe) return webGpuProbe;
  const inherited = getEnvironmentData(PROBE_KEY) as WebGpuProbe | undefined;
  if (inherited) return (webGpuProbe = inherited);
  webGpuProbe = runProbe();
  setEnvironmentData(PROBE_KEY, webGpuProbe as never);
  return webGpuProbe;
}

/**
 * The device a session with `device` runs on: 'auto' becomes 'webgpu' when
 * {@link probeWebGpu} finds an adapter, else 'cpu'.
 * @throws {DeviceUnavailableError} for 'webgpu' when there is no adapter, naming what is missing.
 */
export function resolveDevice(device: Device = 'cpu'): ResolvedDevice {
  if (device === 'cpu') return 'cpu';
  const probe = probeWebGpu();
  if (device === 'auto') return probe.available ? 'webgpu' : 'cpu';
  if (!probe.available) {
    throw new DeviceUnavailableError(device, `device 'webgpu': no usable WebGPU adapter (${probe.reason}); a GPU with a Vulkan driver (and the Vulkan loader, libvulkan.so.1) is needed — use device 'cpu', or 'auto' to fall back to it`);
  }
  return 'webgpu';
}

/** `options` with `device` decided ('auto' resolved), so that other threads need not probe again. */
export function resolveSessionOptions(options: SessionOptions | undefined): SessionOptions | undefined {
  if (!options?.device || options.device === 'cpu') return options;
  return { ...options, device: resolveDevice(options.device) };
}

const ORT_TYPE: Record<DType, Ort.Tensor.Type> = {
  float32: 'float32',
  float64: 'float64',
  int64: 'int64',
  int32: 'int32',
  bool: 'bool',
  uint8: 'uint8',
};

function toOrt(t: TensorData): Ort.Tensor {
  return new (ort().Tensor)(ORT_TYPE[t.dtype], t.data as never, [...t.shape]);
}

function fromOrt(t: Ort.Tensor): TensorData {
  const dtype = (Object.keys(ORT_TYPE) as DType[]).find((k) => ORT_TYPE[k] === t.type);
  if (!dtype) throw new RuntimeError(`unsupported output type ${t.type}`);
  return { dtype, shape: t.dims.map(Number), data: t.data as TensorData['data'] };
}

let nchwcBlock: Promise<number> | undefined;
/**
 * The channel block of ONNX Runtime's NCHWc kernels on this machine (8 with
 * AVX2, 16 with AVX-512), read from ONNX Runtime itself: the channels a
 * four-channel tensor is padded to by its ReorderInput kernel. 0 when this
 * build has no such kernels (they are x86-64 only). Asked once per process.
 */
export function nchwcBlockSize(): Promise<number> {
  return (nchwcBlock ??= (async () => {
    try {
      const session = await ort().InferenceSession.create(blockProbeModel(), { logSeverityLevel: 4 });
      try {
        const out = await session.run({ x: new (ort().Tensor)('float32', new Float32Array(PROBE_CHANNELS), [1, PROBE_CHANNELS, 1, 1]) });
        const block = Number(Object.values(out)[0]!.dims[1]);
        return Number.isInteger(block) && block >= MIN_NCHWC_BLOCK ? block : 0;
      } finally {
        await session.release();
      }
    } catch {
      return 0;
    }
  })());
}

/** A loaded ONNX model ready to run. */
export class RuntimeSession {
  private constructor(
    private readonly session: Ort.InferenceSession,
    /** Where the session runs: 'cpu' or 'webgpu' ('auto' decided), or the first of explicit `executionProviders`. */
    readonly device: string,
    private readonly profilePrefix?: string,
    /** What the optimized-model cache did for this session. */
    readonly cache: SessionCacheUse = 'off',
    /** The caller's input and output names → the session's, when the session runs a renamed model (canonicalModel). */
    private readonly renamed?: Pick<CanonicalModel, 'inputs' | 'outputs'>,
  ) {
    if (renamed) {
      this.callerInput = new Map([...renamed.inputs].map(([caller, own]) => [own, caller]));
      this.callerOutput = new Map([...renamed.outputs].map(([caller, own]) => [own, caller]));
    }
  }

  /** The session's input and output names → the caller's (identity when nothing was renamed). */
  private readonly callerInput = new Map<string, string>();
  private readonly callerOutput = new Map<string, string>();

  /**
   * Creates a session from serialized ONNX bytes.
   * @throws {DeviceUnavailableError} when `options.device` is 'webgpu' and there is no adapter.
   */
  static async create(model: Uint8Array, options: SessionOptions = {}): Promise<RuntimeSession> {
    if (options.device !== undefined && options.executionProviders !== undefined) {
      throw new RuntimeError(`session options: give 'device' (${options.device}) or 'executionProviders' ([${options.executionProviders}]), not both`);
    }
    const providers = options.executionProviders ?? [resolveDevice(options.device ?? 'cpu')];
    const device = providers[0]!;
    const opts: Ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: options.optimization ?? DEFAULT_OPTIMIZATION,
      executionProviders: providers,
      executionMode: 'sequential',
      interOpNumThreads: 1,
      logSeverityLevel: LOG_LEVELS[options.logLevel ?? 'error'],
    };
    // One thread per physical core unless told: ONNX Runtime's own default halves the logical processors (src/io/cpu-cores.ts).
    const threads = options.threads ?? (device === 'cpu' ? physicalCores() : undefined);
    if (threads) opts.intraOpNumThreads = threads;
    if (options.spinning === false) opts.extra = { session: { intra_op: { allow_spinning: '0' } } };
    if (options.profilePrefix) {
      opts.enableProfiling = true;
      opts.profileFilePrefix = options.profilePrefix;
    }
    const block = device === 'cpu' && (options.nchwc ?? process.env.AEKIT_NCHWC !== '0') && hasNchwcMarks(model) ? await nchwcBlockSize() : 0;
    const dir = options.cache !== false && device === 'cpu' && !options.profilePrefix && ['basic', 'extended'].includes(opts.graphOptimizationLevel!) ? sessionCacheDir() : undefined;
    // Cached models are stored and found under neutral names, so that a graph built again with other layer names hits.
    const canonical = dir === undefined ? undefined : canonicalModel(model);
    const graph = canonical?.bytes ?? model;
    const file = dir === undefined ? undefined : cacheFileFor(dir, graph, { ortVersion: ort().env.versions.common, optimization: opts.graphOptimizationLevel!, providers, ...(block ? { nchwc: `${NCHWC_REWRITE}/${block}` } : {}) });
    const cached = file === undefined ? undefined : readCachedModel(file);
    if (cached) {
      try {
        // Already optimized: running the optimizers again would only cost the time the cache saves.
        return new RuntimeSession(await ort().InferenceSession.create(cached, { ...opts, graphOptimizationLevel: 'disabled' }), device, undefined, 'hit', canonical);
      } catch {
        // A file that checks but that ONNX Runtime refuses is made again below.
      }
    }
    const scratch = file === undefined ? undefined : scratchFileIn(dir!);
    try {
      const bytes = (block ? rewriteNchwc(graph, block) : undefined) ?? graph;
      const session = await ort().InferenceSession.create(bytes, scratch === undefined ? opts : { ...opts, optimizedModelFilePath: scratch });
      const stored = scratch !== undefined && storeCachedModel(file!, scratch);
      return new RuntimeSession(session, device, options.profilePrefix, stored ? 'stored' : 'off', canonical);
    } catch (e) {
      if (scratch !== undefined) rmSync(scratch, { force: true });
      throw new RuntimeError(`ONNX Runtime rejected the model${device === 'cpu' ? '' : ` on device '${device}'`}: ${(e as Error).message}`);
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames.map((n) => this.callerInput.get(n) ?? n);
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames.map((n) => this.callerOutput.get(n) ?? n);
  }

  /**
   * Runs the model. Feeds the model does not take are ignored; missing ones are
   * an error. Outputs named in `into` are written into those caller-owned
   * buffers (no allocation or copy), which a training loop alternates between.
   */
  async run(feeds: Record<string, TensorData>, outputs?: readonly string[], into?: Record<string, TensorData>): Promise<Record<string, TensorData>> {
    const ortFeeds: Record<string, Ort.Tensor> = {};
    for (const own of this.session.inputNames) {
      const name = this.callerInput.get(own) ?? own;
      const t = feeds[name];
      if (!t) throw new RuntimeError(`missing input '${name}'; the model takes ${this.inputNames.join(', ')}`);
      ortFeeds[own] = toOrt(t);
    }
    const ownOutput = (name: string) => this.renamed?.outputs.get(name) ?? name;
    let result: Ort.InferenceSession.ReturnType;
    try {
      if (into) {
        const fetches: Record<string, Ort.Tensor | null> = {};
        for (const name of outputs ?? this.outputNames) fetches[ownOutput(name)] = into[name] ? toOrt(into[name]) : null;
        result = await this.session.run(ortFeeds, fetches);
      } else {
        result = outputs ? await this.session.run(ortFeeds, outputs.map(ownOutput)) : await this.session.run(ortFeeds);
      }
    } catch (e) {
      throw new RuntimeError(`ONNX Runtime failed: ${(e as Error).message}`);
    }
    const out: Record<string, TensorData> = {};
    for (const [own, t] of Object.entries(result)) {
      const name = this.callerOutput.get(own) ?? own;
      out[name] = into?.[name] ?? fromOrt(t);
    }
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
