/**
 * Fault and bad-input review (issue #10): runs a catalogue of bad inputs and
 * faults against the public surface (library API, model configs, layers,
 * optimizers, checkpoints, exports, data files, stream sources, the CLI, the
 * environment), each in its own child process with a time limit, so that an
 * abort or a hang is observed rather than suffered, and classifies each one:
 * rejected clearly, rejected unclearly, crash/abort, hang, silently accepted,
 * or lost or modified files (the case's workspace is snapshotted before and
 * compared after). A few valid controls must be accepted.
 *
 *   npm run review:faults                 # table by category, totals, then every case that is not clean
 *   npm run review:faults -- --json       # one JSON object
 *   npm run review:faults -- --only ckpt/,cli/epochs   # cases whose id contains any of these
 *   npm run review:faults -- --list       # the catalogue, without running it
 *   npm run review:faults -- --self-test  # cases that misbehave on purpose: checks the review's own verdicts
 *
 * Exit status 0 only when every bad input is rejected clearly and every
 * control accepted (skipped cases, which the machine cannot set up, are listed).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES } from './faults/catalogue.js';
import { SELF_TEST } from './faults/self-test.js';
import { classify, shorten } from './faults/classify.js';
import { DONE_MARKER, FAILING, type Case, type CaseResult, type Outcome, type Verdict } from './faults/types.js';
import { changes, snapshot } from './faults/workspace.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const TSX = import.meta.resolve('tsx');
const CHILD = join(here, 'faults', 'child.ts');
const CLI_MAIN = join(repo, 'src', 'cli', 'main.ts');
const DEFAULT_TIMEOUT_MS = 30_000;

const args = process.argv.slice(2);
const json = args.includes('--json');
const selfTest = args.includes('--self-test');
const keep = args.includes('--keep');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').filter(Boolean) : undefined;
for (const a of args) {
  if (a.startsWith('--') && !['--json', '--keep', '--only', '--list', '--self-test'].includes(a)) {
    console.error(`review: unknown option ${a}; options: --json, --only <ids>, --list, --keep, --self-test`);
    process.exit(2);
  }
}

const catalogue = selfTest ? SELF_TEST.map((k) => k.c) : CASES;
const selected = only ? catalogue.filter((c) => only.some((o) => c.id.includes(o))) : catalogue;
if (only && selected.length === 0) {
  console.error(`review: --only ${only.join(',')} matches no case`);
  process.exit(2);
}
if (args.includes('--list')) {
  for (const c of selected) console.log(`${c.id.padEnd(42)} ${c.expect === 'accept' ? 'control ' : ''}${c.input}`);
  process.exit(0);
}

/** Most API cases one child process runs; a group starts a process once instead of once per case. */
const GROUP_SIZE = 12;

interface Ran {
  outcome: Outcome;
  ms: number;
}

interface ChildRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Index of the case running when the time limit struck, or -1. */
  timedOutAt: number;
  /** Milliseconds each finished case took (by the child's done markers). */
  caseMs: number[];
  ms: number;
}

/**
 * Runs a child process in `cwd`. `limits[i]` is the time case i may take
 * (a CLI run is one case); the clock restarts at each done marker on stdout,
 * and at the limit the whole process group is killed.
 */
function runChild(argv: string[], cwd: string, limits: number[]): Promise<ChildRun> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let caseStart = t0;
    const child = spawn(process.execPath, argv, {
      cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    const caseMs: number[] = [];
    let timedOutAt = -1;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      const i = caseMs.length;
      if (i >= limits.length) return;
      timer = setTimeout(() => {
        timedOutAt = i;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch { /* already gone */ }
      }, limits[i]);
    };
    arm();
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString();
      if (stdout.length < 200_000) stdout += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith(DONE_MARKER)) {
          const now = Date.now();
          caseMs.push(now - caseStart);
          caseStart = now;
          arm();
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => { if (stderr.length < 200_000) stderr += d.toString(); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOutAt, caseMs, ms: Date.now() - t0 });
    });
  });
}

async function runCli(c: Case, ws: string): Promise<Ran> {
  const argv = typeof c.cli === 'function' ? c.cli(ws) : c.cli!;
  const r = await runChild(['--import', TSX, CLI_MAIN, ...argv], ws, [c.timeoutMs ?? DEFAULT_TIMEOUT_MS]);
  let outcome: Outcome;
  if (r.timedOutAt >= 0) outcome = { kind: 'hung', afterMs: r.ms, stderr: r.stderr };
  else if (r.code === 0) outcome = { kind: 'accepted', detail: shorten(r.stdout.trim().split('\n').pop() ?? '', 120) };
  else if (r.code === 1) outcome = { kind: 'rejected', message: r.stderr.trim() || r.stdout.trim(), exitCode: 1, stderr: r.stderr };
  else outcome = { kind: 'crashed', exitCode: r.code, signal: r.signal, stderr: r.stderr };
  return { outcome, ms: r.ms };
}

/**
 * Runs API cases in one child process. A case that was running when the
 * process died or ran out of time gets 'crashed' or 'hung'; the cases after
 * it run again in a new process. In a group of several, such a case and the
 * one before it are run again alone before either is blamed, so that a
 * neighbour's leftover work (a timer or worker failing after its call
 * returned) is charged to the case that left it.
 */
async function runApiGroup(cases: { c: Case; ws: string }[]): Promise<Map<string, Ran>> {
  const out = new Map<string, Ran>();
  const manifest = cases.map(({ c, ws }) => ({ id: c.id, ws, resultFile: join(root, 'results', `${slug(c.id)}.json`) }));
  const manifestFile = join(root, 'results', `manifest-${slug(cases[0]!.c.id)}.json`);
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const r = await runChild(['--import', TSX, CHILD, manifestFile], root, cases.map(({ c }) => c.timeoutMs ?? DEFAULT_TIMEOUT_MS));
  const died = r.code !== 0 || r.signal !== null;
  let i = 0;
  for (; i < cases.length; i++) {
    const file = manifest[i]!.resultFile;
    if (!existsSync(file)) break;
    const ms = r.caseMs[i] ?? 0;
    const reported = JSON.parse(readFileSync(file, 'utf8')) as Outcome;
    // The last case returned, then the process died anyway: an asynchronous abort.
    const lateAbort = died && r.timedOutAt < 0 && i === cases.length - 1;
    out.set(cases[i]!.c.id, lateAbort ? { outcome: { kind: 'crashed', exitCode: r.code, signal: r.signal, stderr: `after the call ${reported.kind}: ${r.stderr}` }, ms } : { outcome: reported, ms });
  }
  if (i < cases.length) {
    const failed = cases[i]!;
    const ms = r.ms - r.caseMs.reduce((a, b) => a + b, 0);
    const outcome: Outcome = r.timedOutAt === i
      ? { kind: 'hung', afterMs: ms, stderr: r.stderr }
      : { kind: 'crashed', exitCode: r.code, signal: r.signal, stderr: r.stderr };
    if (cases.length > 1) {
      const alone = await runApiGroup([failed]);
      out.set(failed.c.id, alone.get(failed.c.id)!);
      // An error thrown after the previous case returned (a timer, a worker) kills the process during this one:
      // the previous case is run alone again too.
      if (i > 0) for (const [id, ran] of await runApiGroup([cases[i - 1]!])) out.set(id, ran);
    } else {
      out.set(failed.c.id, { outcome, ms });
    }
    const rest = cases.slice(i + 1);
    if (rest.length) for (const [id, ran] of await runApiGroup(rest)) out.set(id, ran);
  } else if (cases.length > 1 && died) {
    const last = cases[cases.length - 1]!;
    for (const [id, ran] of await runApiGroup([last])) out.set(id, ran);
  }
  return out;
}

const slug = (id: string) => id.replace(/[^\w.-]+/g, '__');
const root = mkdtempSync(join(tmpdir(), 'aekit-review-'));
mkdirSync(join(root, 'cases'));
mkdirSync(join(root, 'results'));
const results: CaseResult[] = [];
const started = Date.now();
const log = (s: string) => process.stderr.write(`${s}\n`);
let done = 0;

/** Cases run together: consecutive API cases that are not isolated, at most GROUP_SIZE; anything else alone. */
const batches: Case[][] = [];
for (const c of selected) {
  const last = batches[batches.length - 1];
  const groupable = Boolean(c.run) && !c.isolate;
  const lastGroupable = last && last.every((k) => k.run && !k.isolate);
  if (groupable && last && lastGroupable && last.length < GROUP_SIZE && last[0]!.category === c.category) last.push(c);
  else batches.push([c]);
}

for (const batch of batches) {
  const ready: { c: Case; ws: string; before: ReturnType<typeof snapshot> }[] = [];
  for (const c of batch) {
    const ws = join(root, 'cases', slug(c.id));
    mkdirSync(ws);
    const base = { id: c.id, category: c.category, input: c.input, expect: c.expect };
    const skip = c.skip?.();
    if (skip) {
      results.push({ ...base, verdict: 'skipped', detail: skip, ms: 0 });
      continue;
    }
    try {
      await c.setup?.(ws);
    } catch (e) {
      results.push({ ...base, verdict: 'skipped', detail: `setup failed: ${(e as Error).message}`, ms: 0 });
      try {
        c.cleanup?.(ws);
      } catch { /* nothing to undo */ }
      continue;
    }
    ready.push({ c, ws, before: snapshot(ws) });
  }
  const ran = new Map<string, Ran>();
  const api = ready.filter(({ c }) => c.run);
  if (api.length) for (const [id, r] of await runApiGroup(api)) ran.set(id, r);
  for (const { c, ws } of ready.filter(({ c }) => c.cli)) ran.set(c.id, await runCli(c, ws));
  for (const { c, ws, before } of ready) {
    const r = ran.get(c.id)!;
    const { verdict, detail } = classify(c, r.outcome, changes(before, snapshot(ws), c.mayChange), Boolean(c.cli));
    try {
      c.cleanup?.(ws);
    } catch (e) {
      log(`  cleanup of ${c.id} failed: ${(e as Error).message}`);
    }
    results.push({ id: c.id, category: c.category, input: c.input, expect: c.expect, verdict, detail, ms: r.ms });
  }
  for (const c of batch) {
    const res = results.find((x) => x.id === c.id)!;
    done++;
    log(`[${String(done).padStart(3)}/${selected.length}] ${c.id.padEnd(42)} ${res.verdict.padEnd(22)} ${(res.ms / 1000).toFixed(1)} s`);
  }
}
if (!keep) rmSync(root, { recursive: true, force: true });
// Report in catalogue order whatever the batching did.
results.sort((a, b) => selected.findIndex((c) => c.id === a.id) - selected.findIndex((c) => c.id === b.id));

// ---------- report ----------

const COLUMNS: { verdict: Verdict; head: string }[] = [
  { verdict: 'rejected clearly', head: 'clear' },
  { verdict: 'rejected unclearly', head: 'unclear' },
  { verdict: 'crash/abort', head: 'crash' },
  { verdict: 'hang', head: 'hang' },
  { verdict: 'silently accepted', head: 'silent' },
  { verdict: 'lost or modified files', head: 'files' },
  { verdict: 'accepted (control)', head: 'ctrl ok' },
  { verdict: 'control rejected', head: 'ctrl rej' },
  { verdict: 'skipped', head: 'skipped' },
];

const categories = [...new Set(results.map((r) => r.category))];
const count = (rs: CaseResult[], v: Verdict) => rs.filter((r) => r.verdict === v).length;
const byCategory = Object.fromEntries(categories.map((cat) => {
  const rs = results.filter((r) => r.category === cat);
  return [cat, { cases: rs.length, ...Object.fromEntries(COLUMNS.map((col) => [col.verdict, count(rs, col.verdict)])) }];
}));
const totals: Record<string, number> = {
  cases: results.length,
  badInputs: results.filter((r) => r.expect === 'reject').length,
  controls: results.filter((r) => r.expect === 'accept').length,
  ...Object.fromEntries(COLUMNS.map((col) => [col.verdict, count(results, col.verdict)])),
};
const failures = results.filter((r) => FAILING.includes(r.verdict));
const seconds = Math.round((Date.now() - started) / 1000);

if (json) {
  console.log(JSON.stringify({
    date: new Date().toISOString(), node: process.version, cpus: cpus().length, seconds, uid: process.getuid?.(),
    totals, byCategory, failures: failures.length, cases: results,
  }));
} else {
  const w = Math.max(8, ...categories.map((c) => c.length), 'total'.length);
  const head = ['category'.padEnd(w), 'cases', ...COLUMNS.map((c) => c.head)];
  const widths = head.map((h) => h.length);
  const row = (cells: (string | number)[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[0]!) : String(c).padStart(widths[i]!))).join('  ');
  console.log(row(head));
  for (const cat of categories) {
    const rs = results.filter((r) => r.category === cat);
    console.log(row([cat, rs.length, ...COLUMNS.map((col) => count(rs, col.verdict))]));
  }
  console.log(row(['total', results.length, ...COLUMNS.map((col) => count(results, col.verdict))]));
  console.log('');
  console.log(`${totals.badInputs} bad inputs and faults, ${totals['rejected clearly']} rejected clearly, ${totals['rejected unclearly']} rejected unclearly, `
    + `${totals['crash/abort']} crashes or aborts, ${totals.hang} hangs, ${totals['silently accepted']} silently accepted, ${totals['lost or modified files']} with lost or modified files; `
    + `${totals.controls} valid controls, ${totals['accepted (control)']} accepted; ${totals.skipped} skipped. ${seconds} s.`);
  const notable = results.filter((r) => r.verdict !== 'rejected clearly' && r.verdict !== 'accepted (control)');
  if (notable.length) {
    console.log('');
    for (const r of notable) console.log(`${r.verdict.toUpperCase()}  ${r.id}  (${r.input})\n    ${r.detail}`);
  }
}
if (selfTest) {
  // Here every case misbehaves on purpose: what matters is that each got its expected verdict.
  const wrong = results.filter((r) => SELF_TEST.find((k) => k.c.id === r.id)!.verdict !== r.verdict);
  console.log(wrong.length ? `self-test FAILED: ${wrong.map((r) => `${r.id} got '${r.verdict}'`).join('; ')}` : `self-test passed: ${results.length} verdicts as expected`);
  process.exitCode = wrong.length ? 1 : 0;
} else {
  process.exitCode = failures.length ? 1 : 0;
}
