/**
 * Cases on `aekit serve`'s request bodies: each starts the server in its child
 * process on a saved detector of the tiny model (rows of 8 values), sends one
 * bad body, checks that the server still answers a good request, and stops
 * it. A 4xx answer is the outcome 'rejected' with the message `HTTP <status>:
 * <error>`, so that a 5xx, a 2xx or a server that stopped answering is never
 * counted as a clear rejection.
 */
import { openServable } from '../../src/serve/servable.js';
import { startServer } from '../../src/serve/server.js';
import { group } from './cases-api.js';
import { f32le, npy } from './fixtures.js';
import type { Case, CaseContext } from './types.js';
import { copyDetector } from './workspace.js';

const W = 8;
const row = (v = 0.5) => Array.from({ length: W }, (_, j) => v + j / 20);

interface Request {
  method?: string;
  path?: string;
  /** Content-Type (none: no header). */
  type?: string;
  body?: string | Uint8Array;
  /** Extra headers. */
  headers?: Record<string, string>;
}

/**
 * Serves the workspace's detector (options: the server's), sends `req`, then a
 * good request; throws `HTTP <status>: <error>` for a 4xx answer, returns
 * `HTTP <status> …` for a 2xx, and throws a message naming no 4xx otherwise.
 */
async function exchange(ctx: CaseContext, req: Request, options: { bodyLimit?: number } = {}): Promise<string> {
  const server = await startServer(await openServable(ctx.p('det')), { port: 0, ...options });
  try {
    const headers: Record<string, string> = { ...(req.type ? { 'content-type': req.type } : {}), ...req.headers };
    const res = await fetch(new URL(req.path ?? '/score', server.url), { method: req.method ?? 'POST', headers, ...(req.body !== undefined ? { body: req.body as string } : {}) });
    const text = await res.text();
    const good = await fetch(new URL('/score', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ row: row() }) }).catch((e: Error) => e);
    if (good instanceof Error || good.status !== 200) throw new Error(`the server stopped answering after the bad request (then: ${good instanceof Error ? good.message : `HTTP ${good.status}`})`);
    let error: string;
    try {
      error = String((JSON.parse(text) as { error?: unknown }).error ?? text);
    } catch {
      error = text;
    }
    if (res.status >= 400 && res.status < 500) throw new Error(`HTTP ${res.status}: ${error}`);
    if (res.status >= 500) throw new Error(`a server error instead of a 4xx: status ${res.status}: ${error}`);
    return `HTTP ${res.status} ${text.slice(0, 60)}`;
  } finally {
    await server.close();
  }
}

const serve = group('aekit serve: request bodies', 'serve');
const HTTP4 = /^HTTP 4\d\d: /;
const setup = async (ws: string) => {
  await copyDetector(ws);
};
/** A case: `mentions` beyond the 4xx status line. */
const bad = (name: string, input: string, mentions: (string | RegExp)[], req: Request, options: { bodyLimit?: number } = {}): Case =>
  serve.bad(name, input, [HTTP4, ...mentions], (ctx) => exchange(ctx, req, options), { setup });
const json = (body: string): Request => ({ type: 'application/json', body });
const npyBody = (bytes: Uint8Array): Request => ({ type: 'application/x-npy', body: bytes });
const goodNpy = () => npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (2, ${W}), }`, f32le([...row(), ...row(1)]));

export const serveCases: Case[] = [
  bad('empty-json', 'POST /score, Content-Type application/json, no body', ['empty body', 'expected', '"rows"'], json('')),
  bad('no-content-type', 'POST /score with no Content-Type and no body', ['empty body', 'application/json'], {}),
  bad('json-malformed', 'a body of JSON cut short', ['not valid JSON', 'expected', '"rows"'], json('{"rows": [[0.5, 0.6')),
  bad('json-array', 'a JSON array instead of {"rows": ...}', ['expected', '"rows"'], json(JSON.stringify([row()]))),
  bad('json-number', 'the JSON body 42', ['expected', '"rows"'], json('42')),
  bad('json-typo', 'a misspelt field {"Rows": ...}', ['"Rows"', 'expected'], json(JSON.stringify({ Rows: [row()] }))),
  bad('json-rows-and-row', 'both "rows" and "row"', ['"rows"', '"row"'], json(JSON.stringify({ rows: [row()], row: row() }))),
  bad('rows-empty', '{"rows": []}', ['empty', `${W} numbers`], json('{"rows": []}')),
  bad('rows-object', '{"rows": {"a": 1}}', ['"rows"', 'expected an array'], json('{"rows": {"a": 1}}')),
  bad('row-short', 'a row of 3 values (the model takes 8)', ['"rows"[1]', '3 values', `${W} numbers`], json(JSON.stringify({ rows: [row(), [1, 2, 3]] }))),
  bad('row-long', 'a row of 9 values', ['"row"', '9 values', `${W} numbers`], json(JSON.stringify({ row: [...row(), 1] }))),
  bad('row-nested', 'a row of 8 one-value arrays (nested, as an image is)', ['"row"[0]', 'an array', 'expected a number'], json(JSON.stringify({ row: row().map((v) => [v]) }))),
  bad('value-string', 'a value "0.5" as a string', ['"row"[2]', 'string', 'expected a number'], json(JSON.stringify({ row: [0.5, 0.5, '0.5', 0.5, 0.5, 0.5, 0.5, 0.5] }))),
  bad('value-nan-string', 'a value "NaN" (JSON has no NaN)', ['"rows"[0][4]', 'NaN', 'expected a number'], json(JSON.stringify({ rows: [[0.5, 0.5, 0.5, 0.5, 'NaN', 0.5, 0.5, 0.5]] }))),
  bad('value-null', 'a null value', ['"row"[7]', 'null', 'expected a number'], json(JSON.stringify({ row: [...row().slice(0, 7), null] }))),
  bad('value-bool', 'a true value', ['"row"[0]', 'expected a number'], json(JSON.stringify({ row: [true, ...row().slice(1)] }))),
  bad('value-huge', 'a value 1e39 (beyond float32)', ['"row"[1]', 'float32', 'finite'], json(`{"row": [0.5, 1e39, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]}`)),
  bad('text-plain', 'Content-Type text/plain', ['Content-Type text/plain', 'application/json', 'application/x-npy'], { type: 'text/plain', body: JSON.stringify({ row: row() }) }),
  bad('form-urlencoded', 'an HTML form post', ['application/x-www-form-urlencoded', 'expected'], { type: 'application/x-www-form-urlencoded', body: 'row=1,2,3' }),
  bad('npy-int32', 'NPY of int32', ['dtype int32', 'float32 or float64'], npyBody(npy(`{'descr': '<i4', 'fortran_order': False, 'shape': (1, ${W}), }`, new Uint8Array(4 * W)))),
  bad('npy-unicode', "NPY of strings ('<U5')", ['NPY body', 'unsupported dtype', 'float32'], npyBody(npy(`{'descr': '<U5', 'fortran_order': False, 'shape': (1, ${W}), }`, new Uint8Array(20 * W)))),
  bad('npy-width', 'NPY of shape (2, 4)', ['shape [2, 4]', `[n, ${W}]`], npyBody(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }", f32le([1, 2, 3, 4, 5, 6, 7, 8])))),
  bad('npy-3d', 'NPY of shape (1, 2, 4)', ['shape [1, 2, 4]', `[n, ${W}]`], npyBody(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 4), }", f32le([1, 2, 3, 4, 5, 6, 7, 8])))),
  bad('npy-no-rows', 'NPY of shape (0, 8)', ['no rows'], npyBody(npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (0, ${W}), }`, new Uint8Array(0)))),
  bad('npy-truncated', 'NPY cut inside its data', ['NPY body', 'truncated'], npyBody(goodNpy().subarray(0, goodNpy().length - 5))),
  bad('npy-huge-shape', 'NPY declaring 10**12 rows in 100 bytes', ['NPY body', 'bytes'], npyBody(npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, ${W}), }`, f32le(row())))),
  bad('npy-nan', 'NPY float32 holding a NaN', ['row 1', 'NaN', 'finite'], npyBody(npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (2, ${W}), }`, f32le([...row(), NaN, ...row().slice(1)])))),
  bad('npy-not-npy', 'text sent as application/x-npy', ['NPY body', 'magic'], npyBody(new TextEncoder().encode('{"row": [1, 2, 3]}'))),
  bad('npy-empty', 'an empty application/octet-stream body', ['empty body', 'NPY'], { type: 'application/octet-stream', body: new Uint8Array(0) }),
  bad('body-limit', 'a 40 kB body to a server started with --body-limit 16k', ['--body-limit', '16384 bytes'], json(JSON.stringify({ rows: Array.from({ length: 500 }, () => row()) })), { bodyLimit: 16384 }),
  bad('get-score', 'GET /score', ['GET /score', 'POST'], { method: 'GET' }),
  bad('unknown-path', 'POST /predict', ['/predict', 'POST /score'], { ...json(JSON.stringify({ row: row() })), path: '/predict' }),
  serve.ok('control-json', 'a good {"rows": [...]} body (control)', (ctx) => exchange(ctx, json(JSON.stringify({ rows: [row(), row(1)] }))), { setup }),
  serve.ok('control-npy', 'a good NPY body of float32 (control)', (ctx) => exchange(ctx, npyBody(goodNpy())), { setup }),
];
