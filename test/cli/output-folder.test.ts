import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { prepareOutputFolder } from '../../src/runs/output-folder.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-out-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// Absolute, so that the CLI can run in a folder outside the repository.
const tsx = import.meta.resolve('tsx');

/** Runs the CLI in `cwd` with a hard time limit, so a hanging mkdir fails the test instead of the suite. */
function aekit(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', tsx, main, ...args], { cwd, encoding: 'utf8', timeout: 30000, killSignal: 'SIGKILL' });
  assert.equal(r.signal, null, `aekit ${args.join(' ')} was killed after 30 s (hung?)`);
  return r;
}

test('prepareOutputFolder creates missing parents, accepts an existing folder, leaves nothing behind', () => {
  const out = join(dir, 'a', 'b', 'c');
  assert.equal(prepareOutputFolder(out), out);
  assert.ok(statSync(out).isDirectory());
  assert.equal(prepareOutputFolder(out), out);
  assert.deepEqual(readdirSync(out), []);
});

test('prepareOutputFolder names the option, the path and the reason', () => {
  assert.throws(() => prepareOutputFolder(''), /^UsageError: --out: expected a folder path, got ""$/);
  assert.throws(() => prepareOutputFolder('  ', '--dir'), /^UsageError: --dir: expected a folder path, got "  "$/);
  const file = join(dir, 'file');
  writeFileSync(file, 'x');
  assert.throws(() => prepareOutputFolder(file), /--out .*file: .*file is a file, not a folder/);
  assert.throws(() => prepareOutputFolder(join(file, 'x')), /--out .*file\/x: cannot use .*file\/x: a part of the path is a file, not a folder \(ENOTDIR\)/);
  // procfs refuses new folders while saying they are missing: Node's recursive mkdir spins on it forever.
  assert.throws(() => prepareOutputFolder('/proc/aekit-x/y'), /--out \/proc\/aekit-x\/y: cannot create the folder \/proc\/aekit-x: .*\((ENOENT|EACCES|EPERM)\)$/);
  // An existing folder that cannot be written into (even by root): found before training.
  assert.throws(() => prepareOutputFolder('/proc/self'), /--out \/proc\/self: cannot write into \/proc\/self/);
});

test('aekit train --out /proc/aekit-x and --out \'\' fail fast with exit code 1, without a stack trace', () => {
  const cwd = mkdtempSync(join(dir, 'cwd-'));
  for (const [out, message] of [['/proc/aekit-x', /^aekit: --out \/proc\/aekit-x: cannot create the folder \/proc\/aekit-x: .*\((ENOENT|EACCES|EPERM)\)$/m],
    ['', /--out must be a folder path, got ''/]] as const) {
    const t0 = performance.now();
    const r = aekit(cwd, 'train', '--out', out, '--samples', '64', '--test-samples', '64', '--epochs', '1');
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(r.stdout, '', 'nothing trained');
    assert.ok(performance.now() - t0 < 25000);
  }
  assert.deepEqual(readdirSync(cwd), [], "--out '' wrote nothing into the current folder");
  assert.ok(!existsSync('/proc/aekit-x'));
});
