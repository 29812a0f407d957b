/**
 * Runs API cases of the review in this process, one after the other:
 * `node --import tsx child.ts <manifest.json>`, the manifest listing
 * `{ id, ws, resultFile }`. Each case runs with its workspace as the working
 * directory; its outcome goes to its result file, then a marker line to
 * stdout, so the parent can time each case and tell which one was running
 * when the process died or stopped answering.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CASES } from './catalogue.js';
import { SELF_TEST } from './self-test.js';
import { DONE_MARKER, type Outcome } from './types.js';

/** A short description of what a call returned, for 'silently accepted' rows. */
function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (ArrayBuffer.isView(v) && 'length' in v) {
    const a = v as unknown as ArrayLike<number>;
    let nonFinite = 0;
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) nonFinite++;
    return `${v.constructor.name}(${a.length})${nonFinite ? `, ${nonFinite} non-finite` : ''}`;
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('width' in o && 'height' in o) return `an image ${String(o.width)}×${String(o.height)}`;
    if ('shape' in o && Array.isArray(o.shape)) return `shape [${o.shape.join(', ')}]`;
    if ('className' in o) return `a ${String(o.className)}`;
    return `{ ${Object.keys(o).slice(0, 6).join(', ')} }`;
  }
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const manifestPath = process.argv[2];
if (!manifestPath) {
  console.error('child: usage: child.ts <manifest.json>');
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { id: string; ws: string; resultFile: string }[];

for (const [i, entry] of manifest.entries()) {
  const c = CASES.find((k) => k.id === entry.id) ?? SELF_TEST.find((k) => k.c.id === entry.id)?.c;
  let outcome: Outcome;
  if (!c?.run) {
    outcome = { kind: 'rejected', message: `review: no API case ${entry.id}` };
  } else {
    process.chdir(entry.ws);
    try {
      const value = await c.run({ ws: entry.ws, p: (...parts) => join(entry.ws, ...parts) });
      outcome = { kind: 'accepted', detail: describe(value) };
    } catch (e) {
      const err = e as Error;
      outcome = { kind: 'rejected', message: err instanceof Error ? err.message : String(e), errorName: err instanceof Error ? err.name : typeof e };
    }
  }
  writeFileSync(entry.resultFile, JSON.stringify(outcome));
  process.stdout.write(`\n${DONE_MARKER} ${i}\n`);
}
// Worker threads or handles a failed call left open must not keep the process alive;
// the grace period still lets an asynchronous abort (an error after the call returned) show.
setTimeout(() => process.exit(0), 300);
