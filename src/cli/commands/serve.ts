/**
 * `aekit serve <run-or-detector>`: answers rows over HTTP with a run's model
 * and detector or a saved detector (src/serve): /score, /encode,
 * /reconstruct, /healthz, /metrics; concurrent requests are micro-batched
 * into one ONNX Runtime call. docs/serving.md has the endpoints and numbers.
 */
import { Command } from 'commander';
import type { WorkerReady } from '../../serve/cluster.js';
import type { ScoringServer } from '../../serve/server.js';
import { physicalCores } from '../../io/cpu-cores.js';
import { UsageError } from '../../runs/errors.js';
import { SERVE_DEFAULTS } from '../../serve/defaults.js';
import { byteSize, intIn, numberIn } from '../args.js';
import { examplesHelp } from '../examples.js';
import { type Io, defaultIo } from '../io.js';
import { listenOrExplain, serveUntilSignal, warnIfExposed } from '../listen.js';
import { threadsOption } from '../run-data-flags.js';

/** The most worker processes `aekit serve` starts unasked: each holds its own copy of the model and its own Node heap. */
const MAX_DEFAULT_WORKERS = 8;

/**
 * `aekit serve`'s default `--workers`: one server process per physical core,
 * at most {@link MAX_DEFAULT_WORKERS}. One Node process parses and answers
 * HTTP on one core, and under many clients that core, not the model, set the
 * pace: on this project's 2-core machine one process answered 64-row JSON
 * bodies at 0.55–0.58 of the in-process rate, two at 1.01 (docs/serving.md,
 * run 6). On a 1-core machine (or where the cores cannot be read) this
 * process serves alone.
 */
export function defaultServeWorkers(cores: number = physicalCores() ?? 1): number {
  return Math.max(1, Math.min(cores, MAX_DEFAULT_WORKERS));
}

export interface ServeFlags {
  host: string;
  port: number;
  batchWindowMs: number;
  maxBatch: number;
  bodyLimit: number;
  threads?: number;
  /**
   * Server processes sharing the port. Left out, this process serves alone
   * (the library's default); the command's `--workers` defaults to
   * {@link defaultServeWorkers}.
   */
  workers?: number;
  /** Print the address and return at once instead of serving until Ctrl-C (tests). */
  detach?: boolean;
}

/**
 * Opens the run or detector, starts the server and, unless `detach`, serves
 * until Ctrl-C or SIGTERM, then finishes the requests in flight.
 * @throws {UsageError} for a series run or detector, a port in use or a host that cannot be bound.
 */
export async function runServeCommand(path: string, flags: ServeFlags, io: Io = defaultIo()): Promise<RunningServer> {
  const workers = flags.workers ?? 1;
  const running = workers > 1 ? await startWorkers(path, flags, workers, io) : await startInProcess(path, flags, io);
  warnIfExposed(io, flags.host, 'the server', 'anyone who can reach it can score rows, read codes and reconstructions (which tell what the training data looked like), and keep this machine busy.');
  const r = running.ready;
  io.log(`aekit serve: ${running.url} (${r.description})`);
  io.log(`  ${[...r.endpoints, 'GET /healthz', 'GET /metrics'].join(', ')}; rows of ${r.width} values; micro-batches of up to ${flags.maxBatch} rows within ${flags.batchWindowMs} ms${workers > 1 ? `; ${workers} worker processes` : ''}`);
  for (const [endpoint, why] of Object.entries(r.notServed ?? {})) io.log(`  not served: /${endpoint}: ${why}`);
  if (flags.detach) return running;
  await serveUntilSignal(io, 'Stopping: finishing the requests in flight...', () => running.close());
  return running;
}

/** A server started by the command: one process, or a primary and its workers. */
export interface RunningServer {
  url: string;
  ready: WorkerReady;
  /** The worker processes' ids (none when this process serves). */
  pids(): number[];
  close(): Promise<void>;
}

async function startInProcess(path: string, flags: ServeFlags, io: Io): Promise<RunningServer> {
  // Loaded here, not at the top: Fastify, prom-client and ONNX Runtime would slow the start of every other command.
  const { openServable } = await import('../../serve/servable.js');
  const { startServer } = await import('../../serve/server.js');
  const servable = await openServable(path, { ...(flags.threads ? { threads: flags.threads } : {}), log: io.log });
  let server: ScoringServer;
  try {
    server = await listenOrExplain(flags, () => startServer(servable, {
      host: flags.host, port: flags.port, batchWindowMs: flags.batchWindowMs, maxBatch: flags.maxBatch, bodyLimit: flags.bodyLimit,
      log: (line) => process.stderr.write(`${line}\n`),
    }), 'another aekit serve?');
  } catch (e) {
    await servable.close();
    throw e;
  }
  const health = (await server.app.inject({ method: 'GET', url: '/healthz', headers: { host: new URL(server.url).host } })).json() as { endpoints: string[]; notServed?: Record<string, string> };
  return {
    url: server.url,
    ready: { url: server.url, description: servable.description, width: servable.spec.width, maxBatch: flags.maxBatch, batchWindowMs: flags.batchWindowMs, endpoints: health.endpoints, ...(health.notServed ? { notServed: health.notServed } : {}) },
    pids: () => [],
    close: () => server.close(),
  };
}

async function startWorkers(path: string, flags: ServeFlags, workers: number, io: Io): Promise<RunningServer> {
  const { startServerCluster, WorkerStartError } = await import('../../serve/cluster.js');
  // One ONNX Runtime thread per worker unless asked: the workers are the parallelism, and threads beyond the cores would fight.
  const config = {
    path, open: { threads: flags.threads ?? 1 },
    serve: { host: flags.host, port: flags.port, batchWindowMs: flags.batchWindowMs, maxBatch: flags.maxBatch, bodyLimit: flags.bodyLimit },
  };
  const started = await listenOrExplain(flags, async () => {
    try {
      return await startServerCluster(config, workers, io.log);
    } catch (e) {
      // A worker's listen error carries its code (EADDRINUSE...); a model that does not open is the user's path.
      if (e instanceof WorkerStartError && e.code) throw Object.assign(new Error(e.message), { code: e.code });
      if (e instanceof WorkerStartError) throw new UsageError(e.message);
      throw e;
    }
  }, 'another aekit serve?');
  return { url: started.ready.url, ready: started.ready, pids: () => started.pids(), close: () => started.close() };
}

/** The `aekit serve` command. */
export function serveCommand(io?: Io): Command {
  return new Command('serve')
    .description('answer rows over HTTP: anomaly scores and flags (/score), codes (/encode), reconstructions (/reconstruct), with concurrent requests batched into one ONNX Runtime call')
    .argument('<run>', 'a run folder (its detector: saved in <run>/detector, or fitted now and saved there), a detector saved with aekit detect --save, or a checkpoint')
    .option('--port <n>', 'port (0: any free port)', intIn('--port', 0, 65535), SERVE_DEFAULTS.port)
    .option('--host <address>', 'interface to listen on; anything but 127.0.0.1 opens the server to other machines', '127.0.0.1')
    .option('--batch-window-ms <ms>', 'the longest the first request of a micro-batch waits for others while requests keep arriving (a batch goes as soon as the server has read every request that came in)', numberIn('--batch-window-ms', 0, 1000), SERVE_DEFAULTS.batchWindowMs)
    .option('--max-batch <rows>', 'most rows in one ONNX Runtime call; a request with more goes alone', intIn('--max-batch', 1, 1 << 20), SERVE_DEFAULTS.maxBatch)
    .option('--body-limit <size>', 'largest request body (bytes, or with k/m: 512k, 16m); larger ones get 413', byteSize('--body-limit', 64), SERVE_DEFAULTS.bodyLimit)
    .option('--workers <n>', `server processes sharing the port, each with its own copy of the model and one ONNX Runtime thread (default: one per physical core, at most ${MAX_DEFAULT_WORKERS}; 1: this process serves)`, intIn('--workers', 1, 256))
    .addOption(threadsOption())
    .addHelpText('after', examplesHelp('aekit serve runs/dense-table-1', 'aekit serve fraud-detector --port 9000 --batch-window-ms 5',
      'curl -s localhost:8080/score -H \'Content-Type: application/json\' -d \'{"rows": [[0.1, 2.3, 4.5]]}\''))
    .action(async (path: string, flags: ServeFlags) => {
      await runServeCommand(path, { ...flags, workers: flags.workers ?? defaultServeWorkers() }, io);
    });
}
