/**
 * Training started from the page: each run is an `aekit train` child process
 * writing its own run folder, so the server's thread never runs a training
 * step and the page sees the run exactly as it sees one started in a
 * terminal. Only the built-in data sets can be chosen from the page: a web
 * page must not make the server read arbitrary files.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_PRESETS } from '../runs/presets.js';
import { nodeScript } from './node-script.js';

/** A request the page sent that cannot be served: names the field and what was expected (HTTP 400). */
export class RequestError extends Error {
  constructor(readonly field: string, expected: string, readonly status = 400) {
    super(`${field}: ${expected}`);
    this.name = 'RequestError';
  }
}

/** Data sets the page may train on. */
export const PAGE_DATA = ['mnist', 'fashion-mnist'] as const;

/** What the page asks to train (the body of `POST /api/train`). */
export interface TrainRequest {
  model: (typeof MODEL_PRESETS)[number];
  data: (typeof PAGE_DATA)[number];
  epochs: number;
  samples?: number;
  testSamples?: number;
  batchSize?: number;
  latent?: number;
  lr?: number;
  /** Run folder name (default `<model>-<data>-<time>`). */
  name?: string;
}

const INT_FIELDS: Record<string, [number, number]> = {
  epochs: [1, 10000], samples: [16, 60000], testSamples: [16, 10000], batchSize: [1, 4096], latent: [1, 1024],
};

/**
 * Checks a page's training request field by field.
 * @throws {RequestError} naming the first bad field, what it should be and what came.
 */
export function parseTrainRequest(body: unknown): TrainRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RequestError('body', 'expected a JSON object { model, data, epochs, ... }');
  const b = body as Record<string, unknown>;
  const allowed = ['model', 'data', ...Object.keys(INT_FIELDS), 'lr', 'name'];
  for (const key of Object.keys(b)) if (!allowed.includes(key)) throw new RequestError(key, `unknown field; expected one of ${allowed.join(', ')}`);
  if (!MODEL_PRESETS.includes(b.model as never)) throw new RequestError('model', `expected one of ${MODEL_PRESETS.join(', ')}, got ${JSON.stringify(b.model)}`);
  if (!PAGE_DATA.includes(b.data as never)) throw new RequestError('data', `expected one of ${PAGE_DATA.join(', ')} (files can be trained with aekit train in a terminal), got ${JSON.stringify(b.data)}`);
  const out: Record<string, unknown> = { model: b.model, data: b.data };
  for (const [key, [lo, hi]] of Object.entries(INT_FIELDS)) {
    const v = b[key];
    if (v === undefined || v === null || v === '') {
      if (key === 'epochs') throw new RequestError('epochs', `expected an integer in [${lo}, ${hi}]`);
      continue;
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new RequestError(key, `expected an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
    out[key] = v;
  }
  if (b.lr !== undefined && b.lr !== null && b.lr !== '') {
    if (typeof b.lr !== 'number' || !(b.lr > 0 && b.lr <= 10)) throw new RequestError('lr', `expected a number in (0, 10], got ${JSON.stringify(b.lr)}`);
    out.lr = b.lr;
  }
  if (b.name !== undefined && b.name !== null && b.name !== '') {
    if (typeof b.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(b.name)) throw new RequestError('name', `expected letters, digits, '.', '_' or '-' (at most 80, not starting with '.' or '-'), got ${JSON.stringify(b.name)}`);
    out.name = b.name;
  }
  return out as unknown as TrainRequest;
}

/** A training process started from the page. */
export interface TrainJob {
  /** The run's id (its folder name under the runs folder). */
  id: string;
  pid: number;
  started: string;
  state: 'running' | 'exited';
  exitCode?: number | null;
  /** The last lines the process printed. */
  log: string[];
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** The training processes this server started. */
export class TrainJobs {
  private readonly jobs = new Map<string, { job: TrainJob; child: ChildProcess; exited: Promise<void> }>();

  constructor(private readonly runsDir: string, private readonly onChange: () => void = () => {}) {}

  /**
   * Starts `aekit train` for a checked request.
   * @throws {RequestError} (409) when the run folder exists already.
   */
  start(req: TrainRequest): TrainJob {
    let id = req.name ?? `${req.model}-${req.data}-${stamp()}`;
    if (req.name === undefined) for (let i = 2; existsSync(join(this.runsDir, id)); i++) id = `${req.model}-${req.data}-${stamp()}-${i}`;
    if (existsSync(join(this.runsDir, id))) throw new RequestError('name', `a run named ${id} exists already; choose another name`, 409);
    const args = ['train', '--runs', this.runsDir, '--name', id, '--model', req.model, '--data', req.data, '--epochs', String(req.epochs)];
    const flags: [keyof TrainRequest, string][] = [['samples', '--samples'], ['testSamples', '--test-samples'], ['batchSize', '--batch-size'], ['latent', '--latent'], ['lr', '--lr']];
    for (const [key, flag] of flags) if (req[key] !== undefined) args.push(flag, String(req[key]));
    const { command, args: argv } = nodeScript('../cli/main.ts', args);
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    const job: TrainJob = { id, pid: child.pid ?? -1, started: new Date().toISOString(), state: 'running', log: [] };
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) if (line.trim() !== '') job.log.push(line);
      if (job.log.length > 200) job.log.splice(0, job.log.length - 200);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = new Promise<void>((resolve) => {
      child.on('error', (e) => {
        job.log.push(`cannot start aekit train: ${e.message}`);
        job.state = 'exited';
        job.exitCode = null;
        this.onChange();
        resolve();
      });
      child.on('exit', (code) => {
        job.state = 'exited';
        job.exitCode = code;
        this.onChange();
        resolve();
      });
    });
    this.jobs.set(id, { job, child, exited });
    this.onChange();
    return job;
  }

  /**
   * Asks a run started here to stop as Ctrl-C would (it saves a checkpoint
   * that `aekit train --resume` continues).
   * @throws {RequestError} (404) for a run this server did not start or that has ended.
   */
  stop(id: string): TrainJob {
    const entry = this.jobs.get(id);
    if (!entry || entry.job.state !== 'running') throw new RequestError('id', `no training started from this page is running as ${JSON.stringify(id)}`, 404);
    entry.child.kill('SIGINT');
    return entry.job;
  }

  list(): TrainJob[] {
    return [...this.jobs.values()].map((e) => e.job);
  }

  /** Stops every running job (SIGINT, then SIGKILL after `graceMs`) and waits for them. */
  async stopAll(graceMs = 5000): Promise<void> {
    const running = [...this.jobs.values()].filter((e) => e.job.state === 'running');
    for (const e of running) e.child.kill('SIGINT');
    const timer = setTimeout(() => {
      for (const e of running) if (e.job.state === 'running') e.child.kill('SIGKILL');
    }, graceMs);
    await Promise.all(running.map((e) => e.exited));
    clearTimeout(timer);
  }
}
