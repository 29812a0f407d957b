/**
 * `aekit serve`'s server in-process, on port 0: answers equal the detector's
 * and the model's own on the same rows (JSON and NPY bodies, a saved detector
 * and a table ensemble), concurrent requests share calls and each caller gets
 * its own rows back, bad bodies get a 4xx naming what was expected and the
 * server answers after them, /metrics is Prometheus text, and close finishes
 * the requests in flight.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import { encodeNpy } from '../../src/data/npy.js';
import { scalerFromJSON } from '../../src/data/preprocess.js';
import { Autoencoder } from '../../src/models/dense.js';
import { openServable } from '../../src/serve/servable.js';
import { type ScoringServer, type ServeOptions, startServer } from '../../src/serve/server.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const D = 5;
/** Deterministic rows near a line through feature space, every 25th far off it. */
function table(n: number, seed: number): Float32Array {
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const x = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const t = r();
    for (let j = 0; j < D; j++) x[i * D + j] = t * (j + 1) + 3 * j + 0.05 * r() + (i % 25 === 3 ? 4 * r() : 0);
  }
  return x;
}
const rowOf = (x: Float32Array, i: number) => Array.from(x.subarray(i * D, (i + 1) * D));

const detDir = join(dir, 'det');
const ensDir = join(dir, 'ensemble');
const data = table(64, 2);
let det: AnomalyDetector;

before(async () => {
  const fitted = new AnomalyDetector(new Autoencoder({ inputShape: [D], encoder: { sizes: [4, 2] } }), { scaler: 'zscore' });
  await fitted.fit({ x: table(400, 1), shape: [400, D] }, { train: { epochs: 2, batchSize: 64 } });
  fitted.save(detDir);
  const ensemble = new AnomalyDetector();
  await ensemble.fit({ x: table(200, 3), shape: [200, D] }, { train: { epochs: 1 } });
  ensemble.save(ensDir);
  det = AnomalyDetector.load(detDir);
});

async function serve(path: string, options: ServeOptions = {}): Promise<ScoringServer> {
  return startServer(await openServable(path), { port: 0, ...options });
}

interface Answer { status: number; body: Record<string, unknown> & { error?: string } }

async function post(server: ScoringServer, path: string, body: string | Uint8Array, type = 'application/json'): Promise<Answer> {
  const res = await fetch(new URL(path, server.url), { method: 'POST', body: body as string, headers: { 'content-type': type } });
  return { status: res.status, body: await res.json() as Answer['body'] };
}

const npy = (shape: number[], data: Float32Array | Float64Array | Int32Array) => encodeNpy({ shape, data });

describe('aekit serve: answers', () => {
  let server: ScoringServer;
  before(async () => {
    server = await serve(detDir);
  });
  after(() => server.close());

  it('/score equals AnomalyDetector.score on the same rows, bit for bit, whatever the request form', async () => {
    const expected = await det.score({ x: data, shape: [64, D] });
    const many = await post(server, '/score', JSON.stringify({ rows: Array.from({ length: 64 }, (_, i) => rowOf(data, i)) }));
    assert.equal(many.status, 200);
    assert.deepEqual(many.body.scores, Array.from(expected));
    assert.deepEqual(many.body.anomalies, Array.from(expected, (s) => (s > det.threshold ? 1 : 0)));
    assert.equal(many.body.threshold, det.threshold);
    const one = await post(server, '/score', JSON.stringify({ row: rowOf(data, 3) }));
    assert.deepEqual(one.body, { score: expected[3], anomaly: expected[3]! > det.threshold ? 1 : 0, threshold: det.threshold });
    const asNpy = await post(server, '/score', npy([64, D], data), 'application/x-npy');
    assert.deepEqual(asNpy.body.scores, Array.from(expected));
    const f64 = await post(server, '/score', npy([2, D], Float64Array.from(data.subarray(0, 2 * D))), 'application/octet-stream');
    assert.deepEqual(f64.body.scores, Array.from(expected.subarray(0, 2)));
    const oneNpy = await post(server, '/score', npy([D], data.subarray(5 * D, 6 * D)), 'application/x-npy');
    assert.equal(oneNpy.body.score, expected[5], 'a 1-D array is one row, answered as {"row": ...} is');
    // Bodies the byte reader leaves to JSON.parse (an escaped key) and one that arrives in many chunks.
    const escaped = await post(server, '/score', JSON.stringify({ row: rowOf(data, 3) }).replace('"row"', '"r\\u006fw"'));
    assert.deepEqual(escaped.body, one.body);
    const wide = JSON.stringify({ rows: Array.from({ length: 64 }, (_, i) => rowOf(data, i).map((v) => v.toPrecision(17))) }).replaceAll('"', '').replace('{rows', '{"rows"');
    const body = new TextEncoder().encode(`${wide}${' '.repeat(200_000)}`);
    const chunked = await fetch(new URL('/score', server.url), {
      method: 'POST', headers: { 'content-type': 'application/json' }, duplex: 'half',
      body: new ReadableStream({ start(c) { for (let at = 0; at < body.length; at += 7_000) c.enqueue(body.subarray(at, at + 7_000)); c.close(); } }),
    } as RequestInit);
    assert.equal(chunked.status, 200);
    assert.deepEqual(((await chunked.json()) as Answer['body']).scores, Array.from(expected), 'a body sent in 7 kB pieces');
  });

  it("/encode and /reconstruct equal the model's own after the detector's scaler; reconstructions come back in the rows' units", async () => {
    const scaler = scalerFromJSON(det.state().scaler!);
    const scaled = scaler.transform({ x: data, shape: [64, D] });
    const codes = await det.model.encode(scaled);
    const rec = scaler.inverseTransform({ x: await det.model.reconstruct(scaled), shape: [64, D] });
    const body = JSON.stringify({ rows: Array.from({ length: 64 }, (_, i) => rowOf(data, i)) });
    const enc = await post(server, '/encode', body);
    assert.equal(enc.status, 200);
    assert.deepEqual(enc.body.codes, Array.from({ length: 64 }, (_, i) => Array.from(codes.subarray(i * 2, i * 2 + 2))));
    const re = await post(server, '/reconstruct', body);
    assert.deepEqual(re.body.reconstructions, Array.from({ length: 64 }, (_, i) => Array.from(rec.subarray(i * D, (i + 1) * D))));
    const single = await post(server, '/encode', JSON.stringify({ row: rowOf(data, 7) }));
    assert.deepEqual(single.body, { code: Array.from(codes.subarray(14, 16)) });
  });

  it('/healthz says what is served and the row it takes', async () => {
    const res = await fetch(new URL('/healthz', server.url));
    const h = await res.json() as Record<string, unknown>;
    assert.equal(res.status, 200);
    assert.equal(h.status, 'ok');
    assert.deepEqual(h.endpoints, ['POST /score', 'POST /encode', 'POST /reconstruct']);
    assert.deepEqual(h.row, { values: D, sampleShape: [D] });
    assert.deepEqual(h.detector, { scoreKind: 'combined', threshold: det.threshold });
    assert.match(String(h.serving), /the detector saved in .*det \(Autoencoder, combined score/);
  });
});

describe('aekit serve: a table ensemble', () => {
  it('scores as AnomalyDetector.score does, and refuses /encode and /reconstruct with the reason', async () => {
    const ens = AnomalyDetector.load(ensDir);
    const server = await serve(ensDir);
    try {
      const expected = await ens.score({ x: data, shape: [64, D] });
      const res = await post(server, '/score', JSON.stringify({ rows: Array.from({ length: 64 }, (_, i) => rowOf(data, i)) }));
      assert.deepEqual(res.body.scores, Array.from(expected));
      const alone = await Promise.all([0, 1, 2].map((i) => post(server, '/score', JSON.stringify({ row: rowOf(data, i) }))));
      assert.deepEqual(alone.map((a) => a.body.score), Array.from(expected.subarray(0, 3)));
      for (const path of ['/encode', '/reconstruct']) {
        const r = await post(server, path, JSON.stringify({ row: rowOf(data, 0) }));
        assert.equal(r.status, 404);
        assert.match(r.body.error!, new RegExp(`^POST ${path}: not served here: .*table ensemble of 6 autoencoders.*/score only`));
      }
    } finally {
      await server.close();
    }
  });
});

/** Bucket counts of aekit_serve_batch_rows for /score, from the Prometheus text. */
function batchRows(text: string): { count: number; sum: number; ones: number } {
  const read = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  return {
    count: read(/^aekit_serve_batch_rows_count\{endpoint="score"\} (\S+)$/m),
    sum: read(/^aekit_serve_batch_rows_sum\{endpoint="score"\} (\S+)$/m),
    ones: read(/^aekit_serve_batch_rows_bucket\{le="1",endpoint="score"\} (\S+)$/m),
  };
}

describe('aekit serve: micro-batching', () => {
  it('puts concurrent requests into shared calls (batch-size metric > 1) and gives each caller its own rows back', async () => {
    const server = await serve(detDir, { batchWindowMs: 50 });
    try {
      const expected = await det.score({ x: data, shape: [64, D] });
      // Bursts of requests of one row and of three, in parallel: each must get its own answers. Requests
      // that the server read in one turn of its event loop, or while a call ran, share a call; how many
      // do depends on when the bytes arrive (a call on a small table can end before the next request is
      // read on a busy machine), so up to 5 bursts are sent until one makes fewer calls than requests.
      const callsPerBurst: number[] = [];
      let before = { count: 0, sum: 0 }; // no /score call yet: the metric has no series to read
      for (let burst = 0; burst < 5 && !callsPerBurst.some((c) => c < 32); burst++) {
        const answers = await Promise.all(Array.from({ length: 32 }, (_, i) => (i % 4 === 0
          ? post(server, '/score', JSON.stringify({ rows: [rowOf(data, i), rowOf(data, 32 + i), rowOf(data, 63 - i)] }))
          : post(server, '/score', JSON.stringify({ row: rowOf(data, i) })))));
        answers.forEach((a, i) => {
          assert.equal(a.status, 200);
          if (i % 4 === 0) assert.deepEqual(a.body.scores, [expected[i], expected[32 + i], expected[63 - i]], `burst ${burst}, request ${i}`);
          else assert.equal(a.body.score, expected[i], `burst ${burst}, request ${i}`);
        });
        const rows = batchRows(await (await fetch(new URL('/metrics', server.url))).text());
        assert.equal(rows.sum - before.sum, 24 + 8 * 3, `burst ${burst}: every row once`);
        callsPerBurst.push(rows.count - before.count);
        before = rows;
      }
      assert.ok(callsPerBurst.some((c) => c < 32), `calls for 32 requests, burst by burst: ${callsPerBurst.join(', ')}`);
      const requests = await server.metrics.batchRequests.get();
      const largest = Math.max(...requests.values.filter((v) => v.metricName === 'aekit_serve_batch_requests_sum').map((v) => v.value));
      assert.ok(largest > 1, 'several requests shared a call');
    } finally {
      await server.close();
    }
  });
});

/** A raw request, for what fetch will not send (another Host, no Content-Type). */
function raw(server: ScoringServer, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Answer['body'] }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('aekit serve: bad bodies', () => {
  let server: ScoringServer;
  before(async () => {
    server = await serve(detDir, { bodyLimit: 4096 });
  });
  after(() => server.close());

  const good = JSON.stringify({ row: [1, 2, 3, 4, 5] });
  const npyBytes = npy([2, D], new Float32Array(2 * D));
  const nan = new Float32Array(2 * D);
  nan[7] = NaN;
  const cases: Array<[string, () => Promise<Answer>, number, RegExp]> = [
    ['an empty body', () => post(server, '/score', ''), 400, /^empty body: expected \{"rows": \[\[\.\.\.\], \.\.\.\]\} or \{"row": \[\.\.\.\]\}, each row 5 numbers$/],
    ['no body and no Content-Type', () => raw(server, 'POST', '/score', {}), 400, /^empty body: expected application\/json .* or application\/x-npy/],
    ['JSON that does not parse', () => post(server, '/score', '{"rows": [[1,2'), 400, /^body is not valid JSON \(.*\): expected \{"rows"/],
    ['a JSON array', () => post(server, '/score', '[[1,2,3,4,5]]'), 400, /^body is an array of 1: expected \{"rows"/],
    ['a misspelt field', () => post(server, '/score', '{"Rows": [[1,2,3,4,5]]}'), 400, /^unknown field "Rows": expected \{"rows"/],
    ['both rows and row', () => post(server, '/score', '{"rows": [[1,2,3,4,5]], "row": [1,2,3,4,5]}'), 400, /^both "rows" and "row": give one of them/],
    ['no rows', () => post(server, '/score', '{"rows": []}'), 400, /^"rows" is empty: expected at least one row of 5 numbers$/],
    ['a row too short', () => post(server, '/score', '{"rows": [[1,2,3,4,5], [1,2,3]]}'), 400, /^"rows"\[1\] has 3 values: expected 5 numbers$/],
    ['a row too long', () => post(server, '/score', '{"row": [1,2,3,4,5,6]}'), 400, /^"row" has 6 values: expected 5 numbers$/],
    ['a row that is not an array', () => post(server, '/score', '{"rows": [[1,2,3,4,5], "1,2,3,4,5"]}'), 400, /^"rows"\[1\] is a string \("1,2,3,4,5"\): expected an array of 5 numbers$/],
    ['"NaN" as a string', () => post(server, '/score', '{"row": [1,2,"NaN",4,5]}'), 400, /^"row"\[2\] is a string \("NaN"\): expected a number$/],
    ['null', () => post(server, '/score', '{"row": [1,2,null,4,5]}'), 400, /^"row"\[2\] is null: expected a number$/],
    ['a number beyond float32', () => post(server, '/encode', '{"row": [1,2,3,4,1e39]}'), 400, /^"row"\[4\] is 1e\+39: outside float32's range.*expected a finite number$/],
    ['text/plain', () => post(server, '/score', good, 'text/plain'), 415, /^Content-Type text\/plain: expected application\/json \(\{"rows".*\) or application\/x-npy/],
    ['NPY of int32', () => post(server, '/score', npy([2, D], new Int32Array(2 * D)), 'application/x-npy'), 400, /^NPY body: dtype int32: expected an NPY array of float32 or float64, shape \[n, 5\]/],
    ['NPY of another width', () => post(server, '/score', npy([2, 4], new Float32Array(8)), 'application/x-npy'), 400, /^NPY body: shape \[2, 4\]: expected an NPY array of float32 or float64, shape \[n, 5\] or \[5\] for one row$/],
    ['NPY of no rows', () => post(server, '/score', npy([0, D], new Float32Array(0)), 'application/x-npy'), 400, /^NPY body: shape \[0, 5\] holds no rows/],
    ['NPY with a NaN', () => post(server, '/reconstruct', npy([2, D], nan), 'application/x-npy'), 400, /^NPY body: row 1, value 2 is NaN; expected finite numbers$/],
    ['NPY cut short', () => post(server, '/score', npyBytes.subarray(0, npyBytes.length - 3), 'application/x-npy'), 400, /^NPY body: byte \d+: header declares shape \[2, 5\].*\(truncated\?\); expected an NPY array/],
    ['not NPY at all', () => post(server, '/score', new TextEncoder().encode('hello, world'), 'application/x-npy'), 400, /^NPY body: byte 0: wrong magic number.*; expected an NPY array/],
    ['an empty NPY body', () => post(server, '/score', new Uint8Array(0), 'application/octet-stream'), 400, /^empty body: expected an NPY array/],
    ['a body over --body-limit', () => post(server, '/score', JSON.stringify({ rows: Array.from({ length: 200 }, () => [1.5, 2.5, 3.5, 4.5, 5.5]) })), 413, /^body larger than the limit of 4096 bytes \(--body-limit\)/],
    ['GET /score', async () => { const r = await fetch(new URL('/score', server.url)); return { status: r.status, body: await r.json() as Answer['body'] }; }, 405, /^GET \/score: use POST with application\/json/],
    ['an unknown path', () => post(server, '/predict', good), 404, /^no endpoint POST \/predict; endpoints: POST \/score, POST \/encode, POST \/reconstruct, GET \/healthz, GET \/metrics$/],
    ['another Host (DNS rebinding)', () => raw(server, 'GET', '/healthz', { host: 'evil.example:80' }), 403, /^Host evil\.example:80 is not this server/],
  ];

  it('answers each with its 4xx and one line naming what was expected, and goes on answering', async () => {
    for (const [name, send, status, message] of cases) {
      const res = await send();
      assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error ?? '', message, name);
      assert.ok(!res.body.error!.includes('\n'), `${name}: one line`);
    }
    const after = await post(server, '/score', good);
    assert.equal(after.status, 200);
    assert.equal((await fetch(new URL('/healthz', server.url))).status, 200);
    assert.equal((await server.metrics.inFlight.get()).values[0]!.value, 0, 'no request left counted in flight');
  });

  it('survives a client that goes away mid-request and one that sends half a body', async () => {
    const controller = new AbortController();
    const gone = fetch(new URL('/score', server.url), { method: 'POST', body: good, headers: { 'content-type': 'application/json' }, signal: controller.signal });
    controller.abort();
    await assert.rejects(gone);
    const { port } = new URL(server.url);
    await new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/score', method: 'POST', headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', 'content-length': '100' } });
      req.on('error', () => resolve());
      req.write('{"row": [1,');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    const res = await post(server, '/score', good);
    assert.equal(res.status, 200);
  });
});

describe('aekit serve: /metrics', () => {
  it('is Prometheus text: requests by endpoint and status, latency and batch-size histograms', async () => {
    const server = await serve(detDir);
    try {
      await post(server, '/score', JSON.stringify({ row: rowOf(data, 0) }));
      await post(server, '/score', '{}');
      const res = await fetch(new URL('/metrics', server.url));
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const typed = new Map<string, string>();
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
        if (type) {
          typed.set(type[1]!, type[2]!);
          continue;
        }
        if (line.startsWith('# HELP ')) continue;
        const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)( \d+)?$/.exec(line);
        assert.ok(sample, `not a sample line: ${line}`);
        assert.ok(!Number.isNaN(Number(sample[3]!.replace('+Inf', 'Infinity'))) || sample[3] === 'NaN', `not a number as the format writes it: ${line}`);
        const family = sample[1]!.replace(/_(bucket|sum|count)$/, '');
        assert.ok(typed.has(sample[1]!) || typed.has(family), `${sample[1]} has no # TYPE line`);
      }
      assert.equal(typed.get('aekit_serve_requests_total'), 'counter');
      assert.equal(typed.get('aekit_serve_request_duration_seconds'), 'histogram');
      assert.equal(typed.get('aekit_serve_batch_rows'), 'histogram');
      assert.equal(typed.get('aekit_serve_batch_requests'), 'histogram');
      assert.match(text, /^aekit_serve_requests_total\{endpoint="\/score",status="200"\} 1$/m);
      assert.match(text, /^aekit_serve_requests_total\{endpoint="\/score",status="400"\} 1$/m);
      assert.match(text, /^aekit_serve_request_duration_seconds_count\{endpoint="\/score"\} 2$/m);
      assert.match(text, /^aekit_serve_process_cpu_seconds_total \S+$/m);
    } finally {
      await server.close();
    }
  });
});

describe('aekit serve: shutdown', () => {
  it('close finishes the requests in flight, then refuses new connections', async () => {
    const server = await serve(detDir, { batchWindowMs: 300 });
    const expected = await det.score({ x: data, shape: [64, D] });
    const pending = Array.from({ length: 6 }, (_, i) => post(server, '/score', JSON.stringify({ row: rowOf(data, i) })));
    // Wait until all six are in the batcher's window, then close.
    for (let t = 0; t < 100 && (await server.metrics.inFlight.get()).values[0]!.value < 6; t++) await new Promise((r) => setTimeout(r, 10));
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    const answers = await Promise.all(pending);
    assert.deepEqual(answers.map((a) => [a.status, a.body.score]), Array.from({ length: 6 }, (_, i) => [200, expected[i]]));
    await closing;
    assert.ok(closed);
    await assert.rejects(fetch(new URL('/healthz', server.url)), 'a closed server takes no connection');
    assert.equal(server.close(), server.close(), 'one close for every caller');
  });
});
