/**
 * How the speed benchmark runs its peers at their best (issue #15): the grid
 * of settings tried for PyTorch, the environment of each peer process, the
 * reading of a peer's JSON line, the fallback when a BLAS kernel computes
 * wrong products, and the choice of the best run. Pure functions apart from
 * {@link runPeerProcess}, so test/bench/peers.test.ts checks the logic without
 * starting Python.
 */
import { spawnSync } from 'node:child_process';

/** ATen CPU capability: the library's default choice, or its AVX-512 kernels. */
export type Capability = 'default' | 'avx512';

/**
 * OpenBLAS kernel choice: 'detected' removes {@link OPENBLAS_GUARD_VARS} from
 * the peer's environment so OpenBLAS picks kernels for this CPU; 'guarded'
 * keeps the environment's values (e.g. OPENBLAS_CORETYPE=Haswell, AVX2 kernels).
 */
export type OpenBlasMode = 'detected' | 'guarded';

/** One way of running a peer process. */
export interface PeerSetting {
  threads: number;
  capability: Capability;
  openblas: OpenBlasMode;
  /**
   * 'passive': OMP_WAIT_POLICY=PASSIVE, so PyTorch's idle OpenMP workers sleep
   * instead of spinning while OpenBLAS's own threads run its products (with
   * both pools spinning on two cores, 2-thread PyTorch ran 3–4× slower than
   * with one thread). Absent: the library's default policy.
   */
  ompWait?: 'passive';
}

/**
 * The variables some environments set to keep old OpenBLAS builds off kernels
 * that misbehave on newer processors. They also keep OpenBLAS 0.3.21 on AVX2
 * kernels on an AVX-512 CPU, so the peers run without them (their process
 * only) unless the float64 check below fails.
 */
export const OPENBLAS_GUARD_VARS = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/** Variables that size BLAS/OpenMP thread pools when a library loads. */
export const THREAD_VARS = ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'] as const;

/** Exit status of a peer whose float32 matmul disagreed with float64 (it timed nothing). */
export const CHECK_FAILED_STATUS = 3;

/**
 * The settings tried for PyTorch: every thread count × capability, OpenBLAS as
 * detected, and with several threads each OpenMP wait policy (default, passive).
 */
export function peerSettings(threads: readonly number[] = [1, 2], capabilities: readonly Capability[] = ['default', 'avx512']): PeerSetting[] {
  return threads.flatMap((t) => capabilities.flatMap((capability) => {
    const setting: PeerSetting = { threads: t, capability, openblas: 'detected' };
    return t > 1 ? [setting, { ...setting, ompWait: 'passive' as const }] : [setting];
  }));
}

/**
 * The environment of a peer process: `base` with the thread variables set,
 * ATEN_CPU_CAPABILITY set to 'avx512' or removed (the default), the OpenBLAS
 * guard removed for 'detected', OMP_WAIT_POLICY set to PASSIVE or removed, and `blasDir` put first on LD_LIBRARY_PATH.
 * `base` itself is not changed.
 */
export function peerEnv(base: NodeJS.ProcessEnv, setting: PeerSetting, blasDir?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const v of THREAD_VARS) env[v] = String(setting.threads);
  if (setting.capability === 'avx512') env.ATEN_CPU_CAPABILITY = 'avx512';
  else delete env.ATEN_CPU_CAPABILITY;
  if (setting.openblas === 'detected') for (const v of OPENBLAS_GUARD_VARS) delete env[v];
  if (setting.ompWait === 'passive') env.OMP_WAIT_POLICY = 'PASSIVE';
  else delete env.OMP_WAIT_POLICY;
  if (blasDir) env.LD_LIBRARY_PATH = [blasDir, base.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return env;
}

/** The guard variables `env` sets, as `NAME=value` (empty when it sets none). */
export function guardOf(env: NodeJS.ProcessEnv): string[] {
  return OPENBLAS_GUARD_VARS.filter((v) => env[v] !== undefined).map((v) => `${v}=${env[v]}`);
}

/** A float32 product compared with float64 by the peer before it timed anything. */
export interface MatmulCheck {
  maxRelErr: number;
  tolerance: number;
  ok: boolean;
}

/** What a peer process printed (its last JSON line), with the setting it ran with. */
export interface PeerRun {
  setting: PeerSetting;
  /** The parsed JSON line; absent when the process printed none. */
  result?: Record<string, unknown>;
  /** Why the run gave no timing. */
  error?: string;
  /** Why the run differs from the asked setting (a fallback), if it does. */
  note?: string;
}

/** Output of a finished child process, as spawnSync gives it. */
export interface ProcessOutput {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/** The last line of `text` that parses as a JSON object (a log line that merely starts with a brace is skipped). */
export function lastJsonObject(text: string): Record<string, unknown> | undefined {
  for (const line of text.trim().split('\n').reverse()) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(t) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // Not the JSON line: keep looking.
    }
  }
  return undefined;
}

/**
 * Reads a peer's output: the last line of stdout that parses as a JSON
 * object. A run that failed, printed no JSON, or printed an `error` field is
 * an error, described by its JSON error or the last lines of its stderr.
 */
export function parsePeerOutput(setting: PeerSetting, out: ProcessOutput): PeerRun {
  const result = lastJsonObject(out.stdout);
  const tail = (s: string) => s.trim().split('\n').slice(-3).join(' ');
  if (out.error) return { setting, result, error: `could not run: ${out.error.message}` };
  if (result && typeof result.error === 'string') return { setting, result, error: result.error };
  if (out.status !== 0) return { setting, result, error: `exit status ${out.status}: ${tail(out.stderr || out.stdout) || 'no output'}` };
  if (!result) return { setting, error: `printed no JSON line: ${tail(out.stderr || out.stdout) || 'no output'}` };
  return { setting, result };
}

/** Whether a run failed its float32-against-float64 matmul check. */
export function failedMatmulCheck(run: PeerRun): boolean {
  const check = run.result?.matmulCheck as MatmulCheck | undefined;
  return Boolean(check && check.ok === false);
}

/**
 * Runs a peer with `setting`; if OpenBLAS as detected computed a product that
 * disagrees with float64, runs it again with the environment's guard and says
 * so in `note`. `exec` starts the process for a setting and returns its output.
 */
export function runWithFallback(setting: PeerSetting, exec: (s: PeerSetting) => ProcessOutput, guard: string[]): PeerRun {
  const run = parsePeerOutput(setting, exec(setting));
  if (setting.openblas !== 'detected' || !failedMatmulCheck(run)) return run;
  const check = run.result!.matmulCheck as MatmulCheck;
  const core = String(run.result?.openblasCore ?? 'unknown');
  const guarded: PeerSetting = { ...setting, openblas: 'guarded' };
  const again = parsePeerOutput(guarded, exec(guarded));
  const how = guard.length ? `reran with the environment's ${guard.join(' ')}` : 'the environment sets no OpenBLAS guard to fall back to';
  return { ...again, note: `OpenBLAS ${core} as detected gave a float32 matmul off float64 by ${check.maxRelErr.toPrecision(3)} (> ${check.tolerance}); ${how}` };
}

/** A number at `path` (dot-separated) in a run's result, if it is a finite number. */
export function numberAt(run: PeerRun, path: string): number | undefined {
  let v: unknown = run.result;
  for (const key of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * The successful run with the highest (or, with `lowest`, lowest) number at
 * `path`; undefined when no run succeeded with that number. Ties keep the
 * earlier run (fewer threads, default capability come first).
 */
export function bestRun(runs: readonly PeerRun[], path: string, lowest = false): PeerRun | undefined {
  let best: PeerRun | undefined;
  for (const r of runs) {
    const v = r.error ? undefined : numberAt(r, path);
    if (v === undefined) continue;
    const b = best ? numberAt(best, path)! : undefined;
    if (b === undefined || (lowest ? v < b : v > b)) best = r;
  }
  return best;
}

/** The settings a run actually got, for the report: asked setting plus what the process saw. */
export function settingsOf(run: PeerRun): Record<string, unknown> {
  const r = run.result ?? {};
  return {
    threads: run.setting.threads,
    atenCapability: run.setting.capability,
    capabilityUsed: r.capability ?? null,
    openblas: run.setting.openblas,
    openblasCore: r.openblasCore ?? null,
    ompWaitPolicy: run.setting.ompWait ?? 'default',
    blas: r.blas ?? null,
    ...(run.note ? { note: run.note } : {}),
  };
}

/** One line about a run for the log: its setting, what it measured at `path`, or its error. */
export function describeRun(run: PeerRun, path = 'samplesPerSec'): string {
  const s = run.setting;
  const core = run.result?.openblasCore ? `OpenBLAS ${String(run.result.openblasCore)}` : 'no OpenBLAS';
  const cap = run.result?.capability ? `capability ${String(run.result.capability)}` : `capability ${s.capability}`;
  const wait = s.ompWait ? `, OpenMP wait ${s.ompWait}` : '';
  const head = `${s.threads} thread${s.threads > 1 ? 's' : ''}, ${cap}, ${core} (${s.openblas})${wait}`;
  const v = numberAt(run, path);
  const body = run.error ? `failed: ${run.error}` : v !== undefined ? `${v.toFixed(0)} samples/s` : 'no value';
  return `${head}: ${body}${run.note ? ` [${run.note}]` : ''}`;
}

/** Starts a peer process synchronously with `env` and returns its output. */
export function runPeerProcess(cmd: string, argv: string[], env: NodeJS.ProcessEnv, timeoutMs = 15 * 60_000): ProcessOutput {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: timeoutMs, env, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ...(r.error ? { error: r.error } : {}) };
}
