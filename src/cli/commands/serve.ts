/**
 * `aekit serve <run-or-detector>`: answers rows over HTTP with a run's model
 * and detector or a saved detector (src/serve): /score, /encode,
 * /reconstruct, /healthz, /metrics; concurrent requests are micro-batched
 * into one ONNX Runtime call. docs/serving.md has the endpoints and numbers.
 */
import { Command } from 'commander';
import type { ScoringServer } from '../../serve/server.js';
import { SERVE_DEFAULTS } from '../../serve/defaults.js';
import { byteSize, intIn, numberIn } from '../args.js';
import { examplesHelp } from '../examples.js';
import { type Io, defaultIo } from '../io.js';
import { listenOrExplain, serveUntilSignal, warnIfExposed } from '../listen.js';
import { threadsOption } from '../run-data-flags.js';

export interface ServeFlags {
  host: string;
  port: number;
  batchWindowMs: number;
  maxBatch: number;
  bodyLimit: number;
  threads?: number;
  /** Print the address and return at once instead of serving until Ctrl-C (tests). */
  detach?: boolean;
}

/**
 * Opens the run or detector, starts the server and, unless `detach`, serves
 * until Ctrl-C or SIGTERM, then finishes the requests in flight.
 * @throws {UsageError} for a series run or detector, a port in use or a host that cannot be bound.
 */
export async function runServeCommand(path: string, flags: ServeFlags, io: Io = defaultIo()): Promise<ScoringServer> {
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
  warnIfExposed(io, flags.host, 'the server', 'anyone who can reach it can score rows, read codes and reconstructions (which tell what the training data looked like), and keep this machine busy.');
  const health = (await server.app.inject({ method: 'GET', url: '/healthz', headers: { host: new URL(server.url).host } })).json() as { endpoints: string[]; notServed?: Record<string, string> };
  io.log(`aekit serve: ${server.url} (${servable.description})`);
  io.log(`  ${[...health.endpoints, 'GET /healthz', 'GET /metrics'].join(', ')}; rows of ${servable.spec.width} values; micro-batches of up to ${flags.maxBatch} rows within ${flags.batchWindowMs} ms`);
  for (const [endpoint, why] of Object.entries(health.notServed ?? {})) io.log(`  not served: /${endpoint}: ${why}`);
  if (flags.detach) return server;
  await serveUntilSignal(io, 'Stopping: finishing the requests in flight...', () => server.close());
  return server;
}

/** The `aekit serve` command. */
export function serveCommand(io?: Io): Command {
  return new Command('serve')
    .description('answer rows over HTTP: anomaly scores and flags (/score), codes (/encode), reconstructions (/reconstruct), with concurrent requests batched into one ONNX Runtime call')
    .argument('<run>', 'a run folder (its detector: saved in <run>/detector, or fitted now and saved there), a detector saved with aekit detect --save, or a checkpoint')
    .option('--port <n>', 'port (0: any free port)', intIn('--port', 0, 65535), SERVE_DEFAULTS.port)
    .option('--host <address>', 'interface to listen on; anything but 127.0.0.1 opens the server to other machines', '127.0.0.1')
    .option('--batch-window-ms <ms>', 'how long the first request of a micro-batch waits for others (0: only requests already received)', numberIn('--batch-window-ms', 0, 1000), SERVE_DEFAULTS.batchWindowMs)
    .option('--max-batch <rows>', 'most rows in one ONNX Runtime call; a request with more goes alone', intIn('--max-batch', 1, 1 << 20), SERVE_DEFAULTS.maxBatch)
    .option('--body-limit <size>', 'largest request body (bytes, or with k/m: 512k, 16m); larger ones get 413', byteSize('--body-limit', 64), SERVE_DEFAULTS.bodyLimit)
    .addOption(threadsOption())
    .addHelpText('after', examplesHelp('aekit serve runs/dense-table-1', 'aekit serve fraud-detector --port 9000 --batch-window-ms 5',
      'curl -s localhost:8080/score -H \'Content-Type: application/json\' -d \'{"rows": [[0.1, 2.3, 4.5]]}\''))
    .action(async (path: string, flags: ServeFlags) => {
      await runServeCommand(path, flags, io);
    });
}
