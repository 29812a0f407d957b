/**
 * The dashboard's HTTP server (Fastify): the built front end, the files of
 * the runs folder, a JSON API over the runs, and a server-sent event stream
 * of what changes. It only reads: the runs folder (through safe-path.ts) and
 * its own assets; training and model inference run in child processes, so
 * the server answers while a run trains.
 *
 *     GET  /                     the page (dist/web/index.html)
 *     GET  /assets/<file>        the bundled front end, ONNX Runtime Web's wasm
 *     GET  /runs/<run>/<file>    a file of a run folder (ONNX models, figures...)
 *     GET  /api/runs             summaries of every run
 *     GET  /api/curves?id=       a run's loss curves (thinned) and step progress
 *     GET  /api/analysis?id=     latent points, inputs, reconstructions, scores
 *     GET  /api/series?id=       a series run's steps, per-step scores, threshold, flagged ranges
 *     GET  /api/studies          summaries of the tuning studies (folders with a journal.jsonl)
 *     GET  /api/study?id=        a study's trials, the points of its charts, its parameter importance
 *     GET  /api/events           server-sent events: runs, studies, curves, progress, reconstructions, jobs
 *     GET  /api/jobs             trainings started from the page
 *     POST /api/train            start `aekit train` (JSON body, see jobs.ts)
 *     POST /api/stop             stop a training started from the page ({ id })
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { LOCAL_HOST, foreignHostReason, serverUrl } from '../io/http.js';
import { MODEL_PRESETS, PRESET_HELP } from '../runs/presets.js';
import { AnalysisRunner } from './analysis-runner.js';
import { PAGE_DATA, RequestError, TrainJobs, parseTrainRequest } from './jobs.js';
import { defaultAssetsDir } from './node-script.js';
import { findRuns, runCurves } from './runs.js';
import { isCleanRunId, isRefusal, resolveUnder, urlPathSegments } from './safe-path.js';
import { findStudies, studyView } from './studies.js';
import { type DashboardEvent, RunWatcher } from './watcher.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** The folder of run folders (default "runs"). */
  runsDir?: string;
  /** Interface to listen on (default 127.0.0.1: this machine only). */
  host?: string;
  /** Port (default 6006; 0 picks a free one). */
  port?: number;
  /** The built front end (default: the package's dist/web). */
  assetsDir?: string;
  /** How often the runs folder is checked for changes while a page listens (default 500 ms). */
  pollMs?: number;
}

/** A running dashboard. */
export interface Dashboard {
  /** Where it listens, e.g. http://127.0.0.1:6006/. */
  url: string;
  app: FastifyInstance;
  runsDir: string;
  /** Stops trainings started from the page (they save a checkpoint), closes streams and the server. */
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.jsonl': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json; charset=utf-8',
  '.png': 'image/png', '.wav': 'audio/wav', '.svg': 'image/svg+xml', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream', '.ico': 'image/x-icon',
};

/**
 * The page's own resources only; 'wasm-unsafe-eval' lets ONNX Runtime Web
 * compile its WebAssembly, inline styles are ECharts' positioning; blob:
 * media are the WAV clips Try it makes in the page.
 */
const PAGE_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
/** Files of run folders are data: an HTML file among them (report.html) opens sandboxed, away from the API. */
const RUN_FILE_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

/**
 * Starts the dashboard.
 * @throws {Error} when the front end is not built (the message says how to build it) or the port is taken.
 */
export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const runsDir = resolve(options.runsDir ?? 'runs');
  const host = options.host ?? LOCAL_HOST;
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  if (!existsSync(join(assetsDir, 'index.html'))) {
    throw new Error(`the dashboard's front end is not built (no ${join(assetsDir, 'index.html')}); run \`npm run build:web\` in the aekit package`);
  }
  const watcher = new RunWatcher(runsDir, options.pollMs ?? 500);
  const analyses = new AnalysisRunner(runsDir);
  const streams = new Set<(e: { event: string; data: unknown }) => void>();
  const broadcast = (e: { event: string; data: unknown }) => {
    for (const send of streams) send(e);
  };
  const jobs = new TrainJobs(runsDir, () => broadcast({ event: 'jobs', data: { jobs: jobs.list() } }));
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 64 * 1024 });
  let port = options.port ?? 6006;

  app.addHook('onRequest', async (req, reply) => {
    const foreign = foreignHostReason(host, port, req.headers.host);
    if (foreign) return reply.code(403).type('text/plain').send(foreign);
    if (req.method === 'POST') {
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${req.headers.host}`) return reply.code(403).send({ error: `requests from ${origin} are refused` });
      // JSON only: a page elsewhere cannot send it without a CORS preflight, which this server never grants.
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return reply.code(415).send({ error: 'Content-Type: expected application/json' });
    }
    reply.header('X-Content-Type-Options', 'nosniff').header('Referrer-Policy', 'no-referrer').header('Cache-Control', 'no-cache');
    return undefined;
  });

  const sendFile = (reply: FastifyReply, root: string, rawPath: string, csp: string) => {
    const segments = urlPathSegments(rawPath);
    if (isRefusal(segments)) return reply.code(segments.status).send({ error: segments.reason });
    const file = resolveUnder(root, segments);
    if (isRefusal(file)) return reply.code(file.status).send({ error: file.reason });
    return reply
      .header('Content-Security-Policy', csp)
      .header('Content-Length', file.size)
      .header('Last-Modified', new Date(file.mtimeMs).toUTCString())
      .type(CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream')
      .send(createReadStream(file.path));
  };
  // The raw path, still percent-encoded: Fastify's decoded params would hide an encoded '/'. A path
  // that matched the route only after decoding (/%72uns/...) is not taken apart: it gets an empty tail (404).
  const rawTail = (req: FastifyRequest, prefix: string) => {
    const path = (req.raw.url ?? '').split('?')[0]!;
    return path.startsWith(prefix) ? path.slice(prefix.length) : '';
  };

  app.get('/', (_req, reply) => reply.header('Content-Security-Policy', PAGE_CSP).type(CONTENT_TYPES['.html']!).send(readFileSync(join(assetsDir, 'index.html'))));
  app.get('/assets/*', (req, reply) => sendFile(reply, assetsDir, rawTail(req, '/assets/'), PAGE_CSP));
  app.get('/runs/*', (req, reply) => sendFile(reply, runsDir, rawTail(req, '/runs/'), RUN_FILE_CSP));

  const runId = (value: unknown): string => {
    if (typeof value !== 'string' || !isCleanRunId(value)) throw new RequestError('id', `expected a run id such as "conv-mnist-1" or "demo/vae", got ${JSON.stringify(value)}`);
    if (!findRuns(runsDir).includes(value)) throw new RequestError('id', `no run ${JSON.stringify(value)} in ${runsDir}`, 404);
    return value;
  };
  const query = (req: FastifyRequest) => req.query as Record<string, string | undefined>;

  app.get('/api/runs', async () => ({ runsDir, runs: watcher.summaries() }));
  app.get('/api/curves', async (req) => {
    const max = query(req).max === undefined ? 500 : Number(query(req).max);
    if (!(Number.isInteger(max) && max >= 3 && max <= 100_000)) throw new RequestError('max', `expected an integer in [3, 100000], got ${JSON.stringify(query(req).max)}`);
    return runCurves(runsDir, runId(query(req).id), max);
  });
  app.get('/api/analysis', async (req) => {
    const id = runId(query(req).id);
    const method = query(req).method ?? 'auto';
    if (!['auto', 'pca', 'umap'].includes(method)) throw new RequestError('method', `expected auto, pca or umap, got ${JSON.stringify(method)}`);
    return analyses.get(id, { method: method as 'auto' | 'pca' | 'umap' });
  });
  app.get('/api/series', async (req) => analyses.series(runId(query(req).id)));
  app.get('/api/studies', async () => ({ runsDir, studies: watcher.studySummaries() }));
  app.get('/api/study', async (req) => {
    const id = query(req).id;
    if (typeof id !== 'string' || !isCleanRunId(id)) throw new RequestError('id', `expected a study id such as "tune-search", got ${JSON.stringify(id)}`);
    if (!findStudies(runsDir).includes(id)) throw new RequestError('id', `no study ${JSON.stringify(id)} in ${runsDir} (a study is a folder with a journal.jsonl)`, 404);
    return studyView(runsDir, id);
  });
  app.get('/api/options', async () => ({ models: MODEL_PRESETS.map((m) => ({ name: m, help: PRESET_HELP[m] })), data: PAGE_DATA }));
  app.get('/api/jobs', async () => ({ jobs: jobs.list() }));
  app.post('/api/train', async (req, reply) => {
    const job = jobs.start(parseTrainRequest(req.body));
    return reply.code(202).send({ job });
  });
  app.post('/api/stop', async (req) => {
    const body = req.body as { id?: unknown } | undefined;
    if (typeof body?.id !== 'string') throw new RequestError('id', 'expected the id of a run started from this page');
    return { job: jobs.stop(body.id) };
  });
  app.get('/api/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Content-Type-Options': 'nosniff' });
    res.write('retry: 2000\n\n');
    const send = (e: { event: string; data: unknown }) => {
      if (!res.writableEnded) res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    };
    streams.add(send);
    send({ event: 'jobs', data: { jobs: jobs.list() } });
    const unsubscribe = watcher.subscribe((e: DashboardEvent) => send(e));
    // Proxies and browsers drop a silent stream; a comment line every 15 s keeps it open.
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.raw.on('close', () => {
      clearInterval(ping);
      unsubscribe();
      streams.delete(send);
    });
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, _req, reply) => {
    if (error instanceof RequestError) return reply.code(error.status).send({ error: error.message });
    // Fastify's own (bad JSON, wrong content type, body too large) carry a 4xx status and a readable message.
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return reply.code(error.statusCode).send({ error: error.message });
    return reply.code(500).send({ error: `internal error: ${error.message}` });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no such page or file: ${req.url.split('?')[0]}` }));

  await app.listen({ host, port });
  port = (app.server.address() as AddressInfo).port;
  return {
    url: serverUrl(host, port),
    app,
    runsDir,
    async close() {
      watcher.stop();
      analyses.close();
      await jobs.stopAll();
      await app.close();
    },
  };
}
