/**
 * `aekit serve --workers N`: N server processes sharing one port (node:cluster),
 * for when one event loop is the limit. A Node server handles HTTP on one core;
 * on a machine with more, the primary process forks N workers, each of which
 * opens the model and listens on the same port, and the primary hands each new
 * connection to one of them in turn. Each worker micro-batches its own
 * connections' requests.
 *
 * The primary loads no model. It starts the workers and waits until each one
 * listens, and it starts a new worker when one dies outside a shutdown. It
 * also answers each worker's request for /metrics with the sum over all
 * workers (prom-client's AggregatorRegistry), so a scrape sees the whole
 * server whichever worker it reaches. On shutdown it tells every worker to
 * finish its requests in flight and waits for them to exit.
 */
import cluster, { type Worker } from 'node:cluster';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AggregatorRegistry } from 'prom-client';
import { type OpenServableOptions, type Servable, openServable } from './servable.js';
import { type ScoringServer, type ServeOptions, startServer } from './server.js';

/** What each worker is given (JSON in the environment). */
export interface WorkerConfig {
  path: string;
  open: Pick<OpenServableOptions, 'threads'>;
  serve: Omit<ServeOptions, 'log' | 'metricsText'>;
}

/** What a worker reports once it listens. */
export interface WorkerReady {
  url: string;
  description: string;
  width: number;
  maxBatch: number;
  batchWindowMs: number;
  endpoints: string[];
  notServed?: Record<string, string>;
}

type Message =
  | { aekit: 'ready'; ready: WorkerReady }
  | { aekit: 'failed'; message: string; code?: string }
  | { aekit: 'metrics'; id: number }
  | { aekit: 'metrics-text'; id: number; text?: string; error?: string }
  | { aekit: 'stop' };

const CONFIG_ENV = 'AEKIT_SERVE_WORKER';

/** A worker that failed to start: its error's message and code (EADDRINUSE...), for the CLI's explanation. */
export class WorkerStartError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** A running set of workers. */
export interface ServerCluster {
  /** The first worker's report (all serve the same model on the same port). */
  ready: WorkerReady;
  workers: number;
  /** Process ids of the workers alive now. */
  pids(): number[];
  /** Tells each worker to finish its requests in flight and waits until all have exited. */
  close(): Promise<void>;
}

/** The worker entry: cluster-worker.ts beside this file, run by tsx when aekit runs from its sources. */
function workerEntry(): { exec: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const exec = here.slice(0, -ext.length).replace(/cluster$/, 'cluster-worker') + ext;
  return { exec, execArgv: ext === '.ts' ? ['--import', import.meta.resolve('tsx')] : [] };
}

/**
 * Starts `workers` server processes on one port and resolves once every one
 * listens.
 * @throws {WorkerStartError} when a worker cannot open the model or bind the port (the others are stopped first).
 */
export async function startServerCluster(config: WorkerConfig, workers: number, log: (line: string) => void): Promise<ServerCluster> {
  if (!cluster.isPrimary) throw new Error('startServerCluster: only the primary process starts workers');
  if (!(Number.isInteger(workers) && workers >= 2)) throw new RangeError(`startServerCluster: workers must be an integer >= 2, got ${workers}`);
  const { exec, execArgv } = workerEntry();
  cluster.setupPrimary({ exec, execArgv, args: [] });
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  const env = { [CONFIG_ENV]: JSON.stringify(config) };
  const live = new Set<Worker>();
  const serving = new Set<Worker>();

  const onMessage = (worker: Worker, message: Message) => {
    if (message?.aekit !== 'metrics') return;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ aekit: 'metrics-text', id: message.id, text } satisfies Message),
      (e: Error) => worker.isConnected() && worker.send({ aekit: 'metrics-text', id: message.id, error: e.message } satisfies Message),
    );
  };
  cluster.on('message', onMessage);

  const fork = (): Promise<WorkerReady> => new Promise((resolve, reject) => {
    const worker = cluster.fork(env);
    live.add(worker);
    let started = false;
    worker.on('message', (m: Message) => {
      if (m?.aekit === 'ready') {
        started = true;
        serving.add(worker);
        resolve(m.ready);
      } else if (m?.aekit === 'failed') reject(new WorkerStartError(m.message, m.code));
    });
    worker.on('exit', (code, signal) => {
      live.delete(worker);
      serving.delete(worker);
      if (!started) {
        reject(new WorkerStartError(`a server worker exited (${signal ?? `exit status ${code}`}) before it listened`));
        return;
      }
      if (stopping) return;
      // A worker that dies while serving (out of memory, a native crash) is replaced; its connections are lost.
      log(`aekit serve: worker ${worker.process.pid} stopped (${signal ?? `exit status ${code}`}); starting another`);
      fork().catch((e: Error) => log(`aekit serve: a replacement worker did not start: ${e.message}`));
    });
  });

  const stopAll = async (): Promise<void> => {
    stopping = true;
    const exits = [...live].map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) return resolve();
      w.once('exit', () => resolve());
      // A worker still starting may not listen for messages yet (its modules are loading): a signal always arrives.
      if (serving.has(w) && w.isConnected()) w.send({ aekit: 'stop' } satisfies Message);
      else w.process.kill('SIGTERM');
    }));
    await Promise.all(exits);
    cluster.off('message', onMessage);
  };

  let ready: WorkerReady[];
  try {
    ready = await Promise.all(Array.from({ length: workers }, fork));
  } catch (e) {
    await stopAll();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return { ready: ready[0]!, workers, pids: () => [...live].filter((w) => !w.isDead()).map((w) => w.process.pid!), close: () => (closing ??= stopAll()) };
}

/** The /metrics text of the whole cluster, asked of the primary. */
function clusterMetricsText(): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = nextMetricsId++;
    const timer = setTimeout(() => {
      process.off('message', onReply);
      reject(new Error('the primary process did not answer for the metrics within 10 s'));
    }, 10_000);
    const onReply = (m: Message) => {
      if (m?.aekit !== 'metrics-text' || m.id !== id) return;
      clearTimeout(timer);
      process.off('message', onReply);
      if (m.text !== undefined) resolve(m.text);
      else reject(new Error(m.error ?? 'no metrics'));
    };
    process.on('message', onReply);
    process.send!({ aekit: 'metrics', id } satisfies Message);
  });
}
let nextMetricsId = 0;

/**
 * The body of a worker process (cluster-worker.ts): opens the model, listens,
 * reports to the primary, and serves until the primary says stop or goes away.
 */
export async function runClusterWorker(): Promise<void> {
  const text = process.env[CONFIG_ENV];
  if (!cluster.isWorker || !text) throw new Error(`runClusterWorker: not a worker of aekit serve (${CONFIG_ENV} unset)`);
  const config = JSON.parse(text) as WorkerConfig;
  const send = (m: Message) => process.send!(m);
  // Told to stop before it serves (the primary shutting down while this one starts): nothing to drain.
  let server: ScoringServer | undefined;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (!server) process.exit(0);
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  // Ctrl-C reaches the whole process group: the primary decides, and tells the workers.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', stop);
  process.on('message', (m: Message) => {
    if (m?.aekit === 'stop') stop();
  });
  // The primary is gone (killed): nothing would stop or replace this worker, so it stops itself.
  process.on('disconnect', stop);
  let servable: Servable | undefined;
  try {
    servable = await openServable(config.path, config.open);
    server = await startServer(servable, { ...config.serve, log: (line) => process.stderr.write(`${line}\n`), metricsText: clusterMetricsText });
  } catch (e) {
    await servable?.close();
    send({ aekit: 'failed', message: (e as Error).message, ...((e as NodeJS.ErrnoException).code ? { code: (e as NodeJS.ErrnoException).code } : {}) });
    process.exit(1);
  }
  // The primary's AggregatorRegistry asks each worker for these metrics over IPC; constructing one here installs the answer.
  AggregatorRegistry.setRegistries([server.metrics.registry]);
  void new AggregatorRegistry();
  const health = (await server.app.inject({ method: 'GET', url: '/healthz', headers: { host: new URL(server.url).host } })).json() as { endpoints: string[]; notServed?: Record<string, string>; batching: { windowMs: number; maxBatch: number } };
  send({
    aekit: 'ready',
    ready: {
      url: server.url, description: servable.description, width: servable.spec.width,
      maxBatch: health.batching.maxBatch, batchWindowMs: health.batching.windowMs,
      endpoints: health.endpoints, ...(health.notServed ? { notServed: health.notServed } : {}),
    },
  });
}
