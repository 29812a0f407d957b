/**
 * The HTTP server of `aekit serve` (Fastify): a model or detector answering
 * rows over HTTP, with concurrent requests micro-batched into one ONNX
 * Runtime call (batcher.ts).
 *
 *     POST /score        anomaly score and flag per row (a detector, run's or saved)
 *     POST /encode       the code of each row
 *     POST /reconstruct  the reconstruction of each row, in the rows' units
 *     GET  /healthz      what is served, and whether it answers
 *     GET  /metrics      Prometheus text: requests, latency, batch sizes, process
 *
 * Bodies are JSON (`{"rows": [[...], ...]}` or `{"row": [...]}`) or an NPY
 * file (Content-Type application/x-npy or application/octet-stream); answers
 * are JSON. A body the server cannot use gets a 4xx and `{"error": "<one
 * line naming what was expected>"}`; it is refused before its rows join a
 * batch, so it never costs another request its answer.
 */
import { type AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, errorCodes } from 'fastify';
import { LOCAL_HOST, foreignHostReason, serverUrl } from '../io/http.js';
import { MicroBatcher } from './batcher.js';
import { SERVE_DEFAULTS } from './defaults.js';
import { RequestError, type Rows, jsonForms, parseJsonBody, rowsFromJson, rowsFromNpy } from './bodies.js';
import { rowsFromJsonBytes } from './json-rows.js';
import { ServeMetrics } from './metrics.js';
import { MODEL_ENDPOINTS, type ModelEndpoint, type Servable } from './servable.js';

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** Interface to listen on (default 127.0.0.1: this machine only). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** How long the first request of a micro-batch waits for others, in ms (default 2; 0: only requests already received). */
  batchWindowMs?: number;
  /** Most rows in one ONNX Runtime call (default 256); a request with more goes alone. */
  maxBatch?: number;
  /** Largest request body in bytes (default 16 MiB); a larger one gets 413. */
  bodyLimit?: number;
  /** How long `close` waits for requests in flight before it cuts their connections (default 10 s). */
  drainTimeoutMs?: number;
  /** Where internal errors (500 answers) are reported; default: nowhere. */
  log?: (line: string) => void;
  /** The text GET /metrics answers; default: this server's own registry (a cluster worker asks the primary for the sum over workers). */
  metricsText?: () => Promise<string>;
}

/** A running server. */
export interface ScoringServer {
  /** Where it listens, e.g. http://127.0.0.1:8080/. */
  url: string;
  app: FastifyInstance;
  metrics: ServeMetrics;
  /**
   * Stops taking requests and finishes those in flight (requests on open
   * connections get 503 meanwhile), then frees the model's sessions. Waits
   * at most `drainTimeoutMs` for them; the same promise to every caller.
   */
  close(): Promise<void>;
}

/** The answer of each endpoint: a single `row` gets single values, `rows` get lists. */
function answer(endpoint: ModelEndpoint, rows: Rows, out: Float32Array | Float64Array, threshold: number | undefined): Record<string, unknown> {
  if (endpoint === 'score') {
    const flags = Array.from(out, (s) => (s > threshold! ? 1 : 0));
    return rows.single ? { score: out[0], anomaly: flags[0], threshold } : { scores: Array.from(out), anomalies: flags, threshold };
  }
  const per = out.length / rows.n;
  const list = Array.from({ length: rows.n }, (_, i) => Array.from(out.subarray(i * per, (i + 1) * per)));
  const [one, many] = endpoint === 'encode' ? ['code', 'codes'] : ['reconstruction', 'reconstructions'];
  return rows.single ? { [one]: list[0] } : { [many]: list };
}

const NPY_TYPES = ['application/x-npy', 'application/octet-stream'];

/** A JSON body already read into rows by {@link rowsFromJsonBytes} (a class, so no parsed JSON value is taken for one). */
class ReadRows {
  constructor(readonly rows: Rows) {}
}

function checkOptions(o: ServeOptions): Required<Omit<ServeOptions, 'log' | 'host' | 'metricsText'>> {
  const port = o.port ?? SERVE_DEFAULTS.port;
  const batchWindowMs = o.batchWindowMs ?? SERVE_DEFAULTS.batchWindowMs;
  const maxBatch = o.maxBatch ?? SERVE_DEFAULTS.maxBatch;
  const bodyLimit = o.bodyLimit ?? SERVE_DEFAULTS.bodyLimit;
  const drainTimeoutMs = o.drainTimeoutMs ?? SERVE_DEFAULTS.drainTimeoutMs;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new RangeError(`startServer: port must be an integer in [0, 65535], got ${port}`);
  if (!(Number.isFinite(batchWindowMs) && batchWindowMs >= 0 && batchWindowMs <= 1000)) throw new RangeError(`startServer: batchWindowMs must be in [0, 1000] ms, got ${batchWindowMs}`);
  if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) throw new RangeError(`startServer: maxBatch must be a positive integer, got ${maxBatch}`);
  if (!(Number.isInteger(bodyLimit) && bodyLimit >= 64)) throw new RangeError(`startServer: bodyLimit must be an integer of at least 64 bytes, got ${bodyLimit}`);
  if (!(Number.isFinite(drainTimeoutMs) && drainTimeoutMs >= 0)) throw new RangeError(`startServer: drainTimeoutMs must be a number >= 0, got ${drainTimeoutMs}`);
  return { port, batchWindowMs, maxBatch, bodyLimit, drainTimeoutMs };
}

/**
 * Warms the model up (its ONNX Runtime sessions are made on first use) and
 * starts serving `servable`. An encode or reconstruct part that fails on a
 * row of zeros is not served, and /healthz says why.
 * @throws {RangeError} for an option out of range; the listen's own error (EADDRINUSE...) for a port or host that cannot be bound.
 */
export async function startServer(servable: Servable, options: ServeOptions = {}): Promise<ScoringServer> {
  const { port: wantedPort, batchWindowMs, maxBatch, bodyLimit, drainTimeoutMs } = checkOptions(options);
  const host = options.host ?? LOCAL_HOST;
  const { spec } = servable;
  const unavailable = { ...servable.unavailable };
  const zeros = new Float32Array(spec.width);
  for (const endpoint of MODEL_ENDPOINTS) {
    const fn = servable.run[endpoint];
    if (!fn) continue;
    try {
      await fn(zeros, 1);
    } catch (e) {
      if (e instanceof RequestError) continue; // zeros are far from this model's data; real rows will do
      if (endpoint === 'score') throw e;
      unavailable[endpoint] = `the model cannot ${endpoint}: ${(e as Error).message}`;
    }
  }
  const served = MODEL_ENDPOINTS.filter((e) => servable.run[e] && !unavailable[e]);

  const metrics = new ServeMetrics(maxBatch);
  const batchers = new Map<ModelEndpoint, MicroBatcher>();
  for (const endpoint of served) {
    batchers.set(endpoint, new MicroBatcher(servable.run[endpoint]!, {
      width: spec.width, windowMs: batchWindowMs, maxBatch,
      onBatch: (rows, requests) => {
        metrics.batchRows.observe({ endpoint }, rows);
        metrics.batchRequests.observe({ endpoint }, requests);
      },
    }));
  }

  // requestTimeout: a client that opens a request and never finishes its body is cut off, not waited for.
  const app = Fastify({ logger: false, bodyLimit, forceCloseConnections: 'idle', requestTimeout: 30_000 });
  let port = wantedPort;
  const npyExpected = `an NPY array of float32 or float64 rows of ${spec.width}`;
  const mediaTypes = `application/json (${jsonForms(spec)}) or application/x-npy (${npyExpected})`;

  app.removeAllContentTypeParsers();
  // JSON bodies are read by hand rather than with parseAs: {"rows": [[...], ...]} is read from its bytes where
  // they arrived (a body in one chunk is not copied; one in several goes into a buffer kept for the purpose),
  // without the string and the parsed arrays, which for 64 MNIST rows are 270 kB and more of fresh memory, slow
  // to touch here. Any other body is decoded and goes through JSON.parse and the checks that name what is wrong:
  // {"row": [...]} too: read from its bytes, a single row saved little, and it left the young generation so
  // little garbage that V8 turned to full collections, several a second, and the slowest 1 % of answers at 64
  // connections took 5 to 8 ms longer (docs/serving.md, run 10). The limits are Fastify's own, with its errors.
  let joined = Buffer.alloc(0);
  app.addContentTypeParser('application/json', (req, payload, done) => {
    const declared = Number(req.headers['content-length']);
    if (declared > bodyLimit) return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), undefined);
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > bodyLimit) {
        detach();
        done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (error?: Error & { statusCode?: number }) => {
      detach();
      if (error) {
        if (!(typeof error.statusCode === 'number' && error.statusCode >= 400)) error.statusCode = 400;
        return done(error, undefined);
      }
      if (!Number.isNaN(declared) && received !== declared) return done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH(), undefined);
      let bytes: Buffer;
      if (chunks.length === 1) bytes = chunks[0]!;
      else {
        // The buffer is only read before this function returns, so one serves every request.
        if (joined.length < received) joined = Buffer.allocUnsafe(Math.max(received, 2 * joined.length));
        let at = 0;
        for (const c of chunks) at += c.copy(joined, at);
        bytes = joined.subarray(0, received);
      }
      try {
        const rows = rowsFromJsonBytes(bytes, spec, 'rows');
        done(null, rows ? new ReadRows(rows) : parseJsonBody(bytes.toString('utf8'), spec));
      } catch (e) {
        done(e as Error, undefined);
      }
    };
    const detach = () => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onEnd);
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onEnd);
    payload.resume();
  });
  app.addContentTypeParser(NPY_TYPES, { parseAs: 'buffer' }, (_req, bytes, done) => done(null, bytes));

  // Hooks in callback form and label children looked up once: at thousands of single-row requests a second,
  // a promise per hook and a label hash per observation are a visible share of the server's CPU.
  const latencyOf = new Map<string, ReturnType<typeof metrics.latency.labels>>();
  const countOf = new Map<string, ReturnType<typeof metrics.requests.labels>>();
  app.addHook('onRequest', (req, reply, done) => {
    metrics.inFlight.inc();
    // 'close' comes once per response, sent or cut off, so the gauge cannot leak.
    reply.raw.once('close', () => metrics.inFlight.dec());
    const foreign = foreignHostReason(host, port, req.headers.host);
    if (foreign) reply.code(403).send({ error: foreign });
    else done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const endpoint = req.routeOptions.url ?? 'other';
    const key = `${endpoint} ${reply.statusCode}`;
    let count = countOf.get(key);
    if (!count) countOf.set(key, (count = metrics.requests.labels({ endpoint, status: String(reply.statusCode) })));
    count.inc();
    let latency = latencyOf.get(endpoint);
    if (!latency) latencyOf.set(endpoint, (latency = metrics.latency.labels({ endpoint })));
    latency.observe(reply.elapsedTime / 1000);
    done();
  });

  const rowsOf = (req: FastifyRequest): Rows => {
    if (req.body instanceof ReadRows) return req.body.rows;
    if (Buffer.isBuffer(req.body)) return rowsFromNpy(req.body, spec);
    if (req.body === undefined) throw new RequestError(400, `empty body: expected ${mediaTypes}`);
    return rowsFromJson(req.body, spec);
  };

  for (const endpoint of MODEL_ENDPOINTS) {
    const batcher = batchers.get(endpoint);
    app.post(`/${endpoint}`, async (req: FastifyRequest, reply: FastifyReply) => {
      if (!batcher) return reply.code(404).send({ error: `POST /${endpoint}: not served here: ${unavailable[endpoint]}` });
      const rows = rowsOf(req);
      const out = await batcher.submit(rows.x, rows.n);
      return answer(endpoint, rows, out, servable.detector?.threshold);
    });
  }

  app.get('/healthz', async () => ({
    status: 'ok',
    serving: servable.description,
    row: { values: spec.width, sampleShape: spec.sampleShape, ...(spec.columns ? { columns: spec.columns } : {}) },
    ...(servable.detector ? { detector: servable.detector } : {}),
    ...(servable.codeSize !== undefined && served.includes('encode') ? { codeSize: servable.codeSize } : {}),
    endpoints: served.map((e) => `POST /${e}`),
    ...(Object.keys(unavailable).length ? { notServed: unavailable } : {}),
    batching: { windowMs: batchWindowMs, maxBatch },
  }));
  // prom-client 15 writes NaN (the event-loop lag before its first sample) as 'Nan'; the format says 'NaN'.
  const metricsText = options.metricsText ?? (() => metrics.registry.metrics());
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send((await metricsText()).replace(/ Nan$/gm, ' NaN')));

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    if (MODEL_ENDPOINTS.some((e) => path === `/${e}`)) return reply.code(405).header('Allow', 'POST').send({ error: `${req.method} ${path}: use POST with ${mediaTypes}` });
    if (path === '/healthz' || path === '/metrics') return reply.code(405).header('Allow', 'GET').send({ error: `${req.method} ${path}: use GET` });
    return reply.code(404).send({ error: `no endpoint ${req.method} ${path}; endpoints: ${served.map((e) => `POST /${e}`).join(', ')}, GET /healthz, GET /metrics` });
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (error instanceof RequestError) return reply.code(error.status).send({ error: error.message });
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.code(413).send({ error: `body larger than the limit of ${bodyLimit} bytes (--body-limit): send fewer rows per request, or start the server with a larger --body-limit` });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.code(415).send({ error: `Content-Type ${req.headers['content-type'] ?? '(none)'}: expected ${mediaTypes}` });
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return reply.code(400).send({ error: `the body's length does not match its Content-Length header: expected ${mediaTypes}` });
      default:
    }
    // Fastify's own (an aborted body, a malformed header) carry a 4xx status and a readable message.
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return reply.code(error.statusCode).send({ error: error.message });
    options.log?.(`internal error on ${req.method} ${req.url}: ${error.stack ?? error.message}`);
    return reply.code(500).send({ error: `internal error: ${error.message}` });
  });

  await app.listen({ host, port: wantedPort });
  port = (app.server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: serverUrl(host, port),
    app,
    metrics,
    close() {
      closing ??= (async () => {
        // Connections still busy after the drain timeout (a client that stalls mid-body) are cut.
        const cut = setTimeout(() => app.server.closeAllConnections(), drainTimeoutMs);
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
        }
        await Promise.all([...batchers.values()].map((b) => b.idle()));
        await servable.close();
      })();
      return closing;
    },
  };
}
