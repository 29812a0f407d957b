/**
 * A run folder, `runs/<name>/`: everything one `aekit train` produced, laid
 * out for people, TensorBoard and the dashboard to read.
 *
 *     run.json          status (running, finished, stopped, failed), times, pid, epochs done
 *     config.json       the resolved run config, with the full model config
 *     checkpoint/       the model (aekit checkpoint; `aekit train --resume` continues it)
 *     metrics.csv       one row per epoch (also metrics.jsonl, one JSON object per line)
 *     results.json      test metrics next to PCA's, when training finished
 *     scaler.json       the scaling fitted on the training data, if any
 *     model.onnx, encoder.onnx, decoder.onnx   standalone inference models
 *     figures/*.png     reconstructions, latent space, loss curves...
 *     tb/               TensorBoard event files
 *     progress.json     the step losses, samples/s and ETA while training (for the dashboard)
 *     live/             reconstructions of fixed inputs after each epoch (for the dashboard)
 *
 * Every file is written atomically, so a reader (the dashboard) never sees
 * half of one. aekit only writes into a folder it created: `run.json` marks it.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConfigError } from '../config/validate.js';
import { WriteError, fsReason, makeDirs, writeFileAtomic } from '../io/files.js';
import { UsageError } from './errors.js';
import { isOwnTemporaryFile, prepareOutputFolder } from './output-folder.js';
import { thisHost, trainerState } from './run-health.js';

export type RunStatus = 'running' | 'finished' | 'stopped' | 'failed';

/** The content of `run.json`. */
export interface RunInfo {
  format: 'aekit-run';
  version: 1;
  name: string;
  status: RunStatus;
  /** ISO times. */
  created: string;
  updated: string;
  /** Process training it while `running` (to tell a crashed run from a live one). */
  pid: number;
  /** The machine of that process (absent in runs written before it was recorded). */
  hostname?: string;
  epochsDone: number;
  epochsPlanned: number;
  /** Why it stopped or failed, in words. */
  message?: string;
  /** What looks wrong with the trained model (dead code units...), in words; absent when nothing does. */
  warnings?: string[];
}

/** A run folder being written. */
export class RunFolder {
  private info: RunInfo;
  private metricRows: Record<string, number>[] = [];

  private constructor(readonly dir: string, info: RunInfo) {
    this.info = info;
  }

  get name(): string {
    return this.info.name;
  }

  /** Path of a file in the folder. */
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /**
   * Creates `runs/<name>/`. Without a name, the first free `<base>-1`,
   * `<base>-2`... is taken. An existing folder is never reused: that would mix
   * two runs' files (continue a run with `--resume` instead).
   * @throws {ConfigError} when the named run exists.
   */
  static create(runsDir: string, name: string | undefined, base: string, epochsPlanned: number): RunFolder {
    const root = prepareOutputFolder(runsDir, '--runs');
    const taken = (chosen: string) => new ConfigError('--name', `${join(runsDir, chosen)} already exists; choose another --name, or continue it with --resume ${join(runsDir, chosen)}`);
    if (name !== undefined && existsSync(join(root, name))) throw taken(name);
    const clean = base.replace(/[^A-Za-z0-9._-]/g, '-');
    for (let i = 1; ; i++) {
      const chosen = name ?? `${clean}-${i}`;
      const dir = join(root, chosen);
      if (name === undefined && existsSync(dir)) continue;
      try {
        mkdirSync(dir); // not recursive, so exclusive: of two processes taking the same name, one gets EEXIST
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new WriteError(dir, `cannot create the run folder (${fsReason(e)})`);
        if (name !== undefined) throw taken(name);
        continue; // another run took this number meanwhile: try the next
      }
      return RunFolder.start(dir, chosen, epochsPlanned, '--name');
    }
  }

  /**
   * Makes `dir` itself the run folder (`--out`): created if missing, and
   * refused unless empty, so no other files are mixed with the run's.
   * @throws {UsageError} for a folder that holds files.
   */
  static createAt(dir: string, epochsPlanned: number): RunFolder {
    const abs = prepareOutputFolder(dir, '--out');
    // Another aekit process checking or claiming the folder at this moment leaves its own temporary files.
    const entries = readdirSync(abs).filter((f) => !isOwnTemporaryFile(f));
    if (entries.length > 0) throw new UsageError(`--out ${dir}: the folder is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); a run goes into a new or empty folder (continue a run with --resume)`);
    return RunFolder.start(abs, basename(abs), epochsPlanned, `--out ${dir}`);
  }

  /**
   * Claims `dir` for this process by creating its run.json exclusively: of
   * several processes starting into the same folder at once, exactly one gets
   * it and the others fail without having written anything.
   * @param what how the user named the folder, for the message of the losers.
   */
  private static start(dir: string, name: string, epochsPlanned: number, what: string): RunFolder {
    const now = new Date().toISOString();
    const folder = new RunFolder(dir, { format: 'aekit-run', version: 1, name, status: 'running', created: now, updated: now, pid: process.pid, hostname: thisHost(), epochsDone: 0, epochsPlanned });
    const file = folder.path('run.json');
    // Written whole under a private name, then linked to run.json: link() fails when run.json exists, so the
    // claim is exclusive and no reader ever sees a half-written run.json.
    const draft = folder.path(`.aekit-claim-${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      writeFileSync(draft, `${JSON.stringify(folder.info, null, 2)}\n`, { flag: 'wx' });
      linkSync(draft, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${what}: another aekit process started a run in ${dir} at the same time; choose another folder`);
      throw new WriteError(file, `cannot claim the run folder (${fsReason(e)})`);
    } finally {
      rmSync(draft, { force: true });
    }
    return folder;
  }

  /**
   * Opens an existing run folder to continue it (`--resume`). Nothing is
   * written until the first {@link setStatus}: a resume that fails before it
   * really starts (a deleted checkpoint) leaves run.json as it was.
   * @throws {ConfigError} when the folder is not an aekit run.
   * @throws {UsageError} while a live process on this machine is still training it.
   */
  static open(dir: string): RunFolder {
    const file = join(dir, 'run.json');
    if (!existsSync(file)) throw new ConfigError('--resume', `${dir} is not an aekit run folder (no run.json)`);
    const info = readRunInfo(dir);
    if (info.status === 'running' && info.pid !== process.pid && trainerState(info) === 'alive') {
      throw new UsageError(`--resume ${dir}: process ${info.pid} is still training this run; wait for it to end or stop it first (Ctrl-C, or kill ${info.pid})`);
    }
    const folder = new RunFolder(resolve(dir), { ...info, status: 'running', pid: process.pid, hostname: thisHost(), updated: new Date().toISOString() });
    folder.metricRows = readMetricRows(dir);
    return folder;
  }

  /** Writes a file of the folder atomically (JSON values are pretty-printed). */
  write(name: string, data: string | Uint8Array | object): void {
    const content = typeof data === 'string' || data instanceof Uint8Array ? data : `${JSON.stringify(data, null, 2)}\n`;
    const path = this.path(name);
    if (name.includes('/')) makeDirs(join(path, '..'));
    writeFileAtomic(path, content);
  }

  /** Updates `run.json`. */
  setStatus(status: RunStatus, extra: Partial<Pick<RunInfo, 'epochsDone' | 'epochsPlanned' | 'message' | 'warnings'>> = {}): void {
    this.info = { ...this.info, ...extra, status, updated: new Date().toISOString() };
    if (status !== 'running' && extra.message === undefined) delete this.info.message;
    this.writeInfo();
  }

  private writeInfo(): void {
    this.write('run.json', this.info);
  }

  /**
   * Adds an epoch's metrics: rewrites metrics.csv and metrics.jsonl (small
   * files, rewritten whole so each stays a complete file at every instant).
   */
  addEpoch(row: Record<string, number>): void {
    this.metricRows.push(row);
    this.info = { ...this.info, epochsDone: row.epoch ?? this.metricRows.length, updated: new Date().toISOString() };
    const columns = [...new Set(this.metricRows.flatMap((r) => Object.keys(r)))];
    const cell = (v: number | undefined) => (v === undefined ? '' : Number.isFinite(v) ? String(v) : String(v));
    this.write('metrics.csv', `${columns.join(',')}\n${this.metricRows.map((r) => columns.map((c) => cell(r[c])).join(',')).join('\n')}\n`);
    this.write('metrics.jsonl', this.metricRows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    this.writeInfo();
  }

  /** Metrics of every epoch so far (after a resume: the earlier run's too). */
  get epochs(): readonly Record<string, number>[] {
    return this.metricRows;
  }
}

/** Reads and checks a run folder's `run.json`. */
export function readRunInfo(dir: string): RunInfo {
  const file = join(dir, 'run.json');
  let info: RunInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as RunInfo;
  } catch (e) {
    throw new ConfigError(file, `cannot read the run's status (${(e as Error).message})`);
  }
  if (info?.format !== 'aekit-run') throw new ConfigError(file, `field 'format' is ${JSON.stringify(info?.format)}, expected 'aekit-run'`);
  return info;
}

/** The per-epoch rows of metrics.jsonl (empty when missing). */
export function readMetricRows(dir: string): Record<string, number>[] {
  const file = join(dir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l, i) => {
    try {
      return JSON.parse(l) as Record<string, number>;
    } catch {
      throw new ConfigError(file, `line ${i + 1} is not valid JSON`);
    }
  });
}
