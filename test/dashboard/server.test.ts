import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDashboardCommand } from '../../src/cli/commands/dashboard.js';
import { UsageError } from '../../src/runs/errors.js';
import { type Io } from '../../src/cli/io.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/server.js';
import { openEventStream } from './event-stream.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-dash-srv-'));
const SECRET = 'top secret outside the runs folder';

interface Answer { status: number; body: string; headers: Record<string, string | string[] | undefined> }

/** A raw HTTP request: the path goes on the wire exactly as given (no client-side '..' normalization). */
function raw(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { Host: `127.0.0.1:${port}`, ...options.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** The smallest well-formed ONNX model file: ir_version 8 and a graph named "g" (its bytes are all ASCII). */
const TINY_ONNX = '\x08\x08\x3a\x03\x0a\x01g';

function fakeRun(root: string, id: string, runJson?: string): string {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), runJson ?? JSON.stringify({ format: 'aekit-run', version: 1, name: id, status: 'finished', created: '2026-01-01T00:00:00Z', updated: '2026-01-01T00:00:00Z', pid: 1, epochsDone: 1, epochsPlanned: 1 }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model: { className: 'Autoencoder', inputShape: [784] }, data: { source: 'mnist' }, training: { epochs: 1 } }));
  writeFileSync(join(dir, 'metrics.jsonl'), '{"epoch":1,"loss":0.5}\n');
  writeFileSync(join(dir, 'model.onnx'), TINY_ONNX);
  return dir;
}

describe('dashboard server', () => {
  let dash: Dashboard;
  let port: number;
  let runs: string;
  let assets: string;

  before(async () => {
    runs = tmp();
    assets = tmp();
    const outside = tmp();
    writeFileSync(join(outside, 'secret.txt'), SECRET);
    writeFileSync(join(assets, 'index.html'), '<!doctype html><title>test page</title>');
    writeFileSync(join(assets, 'app.js'), 'console.log(1)');
    const good = fakeRun(runs, 'good');
    symlinkSync(join(outside, 'secret.txt'), join(good, 'link.txt'));
    symlinkSync(outside, join(runs, 'linked-dir'));
    fakeRun(runs, 'broken', '{"format":"aekit-run","status":"runn');
    writeFileSync(join(fakeRun(runs, 'damaged'), 'model.onnx'), '');
    dash = await startDashboard({ runsDir: runs, port: 0, assetsDir: assets, pollMs: 50 });
    port = Number(new URL(dash.url).port);
  });
  after(async () => {
    await dash.close();
  });

  it('serves the page, its assets and run files', async () => {
    const page = await raw(port, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /test page/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    assert.equal((await raw(port, '/assets/app.js')).status, 200);
    const model = await raw(port, '/runs/good/model.onnx');
    assert.equal(model.status, 200);
    assert.equal(model.body, TINY_ONNX);
    assert.match(String(model.headers['content-security-policy']), /^sandbox/, 'run files cannot script the dashboard');
  });

  it('answers path traversal with 403 or 404 and never a byte of what lies outside', async () => {
    const attempts = [
      '/runs/../package.json', '/runs/../../../../etc/passwd', '/runs/%2e%2e/%2e%2e/etc/passwd', '/runs/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
      '/runs/good/..%2f..%2fsecret.txt', '/runs/good/%2e%2e/%2e%2e/secret.txt', '/runs/%252e%252e/secret.txt', '/runs/..%5c..%5csecret.txt',
      '/runs/good/link.txt', '/runs/linked-dir/secret.txt', '/assets/../../package.json', '/assets/%2e%2e/%2e%2e/package.json',
      '/runs/good/model.onnx%00.png', '/runs/good', '/runs/', '/runs//etc/passwd', '/%72uns/%2e%2e/secret.txt', '/%61ssets/..%2f..%2fpackage.json', `/runs/${encodeURIComponent(join(tmpdir(), 'x'))}`,
    ];
    for (const path of attempts) {
      const res = await raw(port, path);
      assert.ok(res.status === 403 || res.status === 404, `${path} → ${res.status}`);
      assert.ok(!res.body.includes(SECRET) && !res.body.includes('root:'), `${path} leaked`);
    }
    assert.equal((await raw(port, '/runs/good/link.txt')).status, 403);
    assert.equal((await raw(port, '/runs/%2e%2e/secret.txt')).status, 403);
  });

  it('refuses other Host names (DNS rebinding) and cross-site POSTs', async () => {
    const rebound = await raw(port, '/api/runs', { headers: { Host: `evil.example:${port}` } });
    assert.equal(rebound.status, 403);
    const cross = await raw(port, '/api/train', { method: 'POST', headers: { Origin: 'http://evil.example', 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(cross.status, 403);
    const form = await raw(port, '/api/train', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'model=conv' });
    assert.equal(form.status, 415, 'a plain form post is not accepted');
  });

  it('names the bad field of a request', async () => {
    const res = await raw(port, '/api/train', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: 'conv', data: '/etc/passwd', epochs: 1 }) });
    assert.equal(res.status, 400);
    assert.match(JSON.parse(res.body).error, /^data: expected one of mnist, fashion-mnist/);
    const curves = await raw(port, '/api/curves?id=..%2Fx');
    assert.equal(curves.status, 400);
    assert.match(JSON.parse(curves.body).error, /^id: expected a run id/);
    assert.equal((await raw(port, '/api/curves?id=nope')).status, 404);
    assert.equal((await raw(port, '/api/stop', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"id":"good"}' })).status, 404);
  });

  it('lists runs with a damaged one marked corrupt, and curves of a run', async () => {
    const { runs: list } = JSON.parse((await raw(port, '/api/runs')).body) as { runs: { id: string; status: string; problems: string[] }[] };
    assert.deepEqual(list.map((r) => r.id).sort(), ['broken', 'damaged', 'good']);
    const broken = list.find((r) => r.id === 'broken')!;
    assert.equal(broken.status, 'corrupt');
    assert.match(broken.problems[0]!, /run\.json is not valid JSON/);
    assert.equal(list.find((r) => r.id === 'good')!.status, 'finished');
    // A 0-byte model.onnx: shown as damaged with the file named, and not offered to Try it.
    const damaged = list.find((r) => r.id === 'damaged')! as (typeof list)[number] & { files: { model: boolean } };
    assert.equal(damaged.status, 'damaged');
    assert.deepEqual(damaged.problems, ['model.onnx is empty (0 bytes)']);
    assert.equal(damaged.files.model, false);
    const curves = JSON.parse((await raw(port, '/api/curves?id=good')).body);
    assert.deepEqual(curves.epochs, [1]);
    assert.deepEqual(curves.loss, [0.5]);
  });

  it('streams new runs and step progress as server-sent events', async () => {
    const { waitFor, close } = openEventStream<{ runs?: { id: string }[]; id?: string }>(port);
    try {
      await waitFor((e) => e.event === 'runs');
      const dir = fakeRun(runs, 'appeared');
      await waitFor((e) => e.event === 'runs' && Boolean(e.data.runs?.some((r) => r.id === 'appeared')));
      writeFileSync(join(dir, 'progress.json'), JSON.stringify({ format: 'aekit-progress', version: 1, time: '', epoch: 1, epochs: 1, batch: 1, step: 1, loss: 0.5, samplesPerSec: 100, stride: 1, steps: [[1, 0.5]] }));
      await waitFor((e) => e.event === 'progress' && e.data.id === 'appeared');
    } finally {
      close();
    }
  });
});

describe('aekit dashboard command', () => {
  const quiet = (): Io & { lines: string[] } => {
    const lines: string[] = [];
    return { lines, log: (l) => lines.push(l), out: (l) => lines.push(l), tty: false };
  };

  it('warns when --host opens it to the network, and names --port when the port is taken', async () => {
    const assets = tmp();
    writeFileSync(join(assets, 'index.html'), '<!doctype html>');
    const io = quiet();
    const first = await runDashboardCommand({ runs: tmp(), port: 0, host: '0.0.0.0', assets, detach: true }, io);
    try {
      assert.match(io.lines[0]!, /^Warning: --host 0\.0\.0\.0 makes the dashboard reachable from other machines/);
      const port = Number(new URL(first.url).port);
      await assert.rejects(runDashboardCommand({ runs: tmp(), port, host: '127.0.0.1', assets, detach: true }, quiet()), (e: unknown) => e instanceof UsageError && /--port \d+: the port is in use/.test((e as Error).message));
    } finally {
      await first.close();
    }
    const local = quiet();
    const second = await runDashboardCommand({ runs: tmp(), port: 0, host: '127.0.0.1', assets, detach: true }, local);
    await second.close();
    assert.ok(!local.lines.some((l) => l.startsWith('Warning')), 'no warning on 127.0.0.1');
  });

  it('says how to build a missing front end, and refuses a --runs that is a file', async () => {
    await assert.rejects(runDashboardCommand({ runs: tmp(), port: 0, host: '127.0.0.1', assets: tmp(), detach: true }, quiet()), (e: unknown) => e instanceof UsageError && /front end is not built.*npm run build:web/.test((e as Error).message));
    const file = join(tmp(), 'file.txt');
    writeFileSync(file, 'x');
    await assert.rejects(runDashboardCommand({ runs: file, port: 0, host: '127.0.0.1', detach: true }, quiet()), (e: unknown) => e instanceof UsageError && /^--runs .*: is a file/.test((e as Error).message));
  });
});
