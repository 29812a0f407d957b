/**
 * Cases that check the review itself (`--self-test`): each misbehaves in one
 * known way, grouped with neighbours where the real cases would be, and must
 * get the verdict written beside it.
 */
import { rmSync } from 'node:fs';
import { group } from './cases-api.js';
import type { Case, Verdict } from './types.js';
import { put } from './workspace.js';

const t = group('review self-test', 'self-test');

export const SELF_TEST: readonly { c: Case; verdict: Verdict }[] = [
  { c: t.bad('clear', 'throws a message naming the option', ['epochs'], () => { throw new Error('fit.epochs: expected a positive integer, got -1'); }), verdict: 'rejected clearly' },
  { c: t.bad('raw', 'throws a raw TypeError', ['x'], () => (null as unknown as { x: number }).x), verdict: 'rejected unclearly' },
  { c: t.bad('wrapped-raw', 'throws a message quoting a raw cause in parentheses', ['a.json'], () => { throw new Error('a.json: not valid JSON (Unexpected end of JSON input)'); }), verdict: 'rejected clearly' },
  { c: t.bad('errno', 'throws a raw errno message behind a path', ['loop'], () => { throw new Error("loop: ELOOP: too many symbolic links encountered, stat 'loop'"); }), verdict: 'rejected unclearly' },
  { c: t.bad('silent', 'returns', ['x'], () => 42), verdict: 'silently accepted' },
  { c: t.bad('abort', 'process.abort() (SIGABRT)', ['x'], () => process.abort()), verdict: 'crash/abort' },
  { c: t.bad('after-neighbour-abort', 'a clear rejection right after an abort in the same group', ['x'], () => { throw new Error('x: bad'); }), verdict: 'rejected clearly' },
  { c: t.bad('late-abort', 'returns, then throws from a timer', ['x'], () => { setTimeout(() => { throw new Error('late'); }, 5); return 1; }), verdict: 'crash/abort' },
  { c: t.bad('hang', 'never settles and keeps the event loop busy', ['x'], () => new Promise(() => setInterval(() => {}, 1000)), { timeoutMs: 3000 }), verdict: 'hang' },
  { c: t.bad('exit-zero', 'process.exit(0) before answering', ['x'], () => process.exit(0)), verdict: 'crash/abort' },
  { c: t.bad('deletes', 'rejects after deleting a user file', ['x'], () => { rmSync('mine.txt'); throw new Error('x: bad'); }, { setup: (ws) => { put(ws, 'mine.txt', 'keep'); } }), verdict: 'lost or modified files' },
  { c: t.bad('leaves', 'rejects leaving a temporary file', ['x'], (ctx) => { put(ctx.ws, 'out.tmp', 'partial'); throw new Error('x: bad'); }), verdict: 'lost or modified files' },
  { c: t.ok('control', 'a control that returns', () => 'ok'), verdict: 'accepted (control)' },
  { c: t.ok('control-rejected', 'a control that throws', () => { throw new Error('no'); }), verdict: 'control rejected' },
];
