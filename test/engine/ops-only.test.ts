import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { checkableOps, parseOpList } from '../../src/check/ops-report.js';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const aekit = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8', timeout: 60000 });

test('--only names: known ops pass through, unknown ones are named with the valid list', () => {
  assert.deepEqual(parseOpList(' Add,Conv ,Add'), ['Add', 'Conv']);
  assert.ok(checkableOps().includes('Dropout'));
  assert.throws(() => parseOpList('NoSuchOp'), (e: Error) => {
    assert.match(e.message, /^unknown op 'NoSuchOp'; valid names: /);
    for (const op of checkableOps()) assert.ok(e.message.includes(op), `lists ${op}`);
    return true;
  });
  assert.throws(() => parseOpList('Add,relu,Foo'), /unknown ops 'relu', 'Foo' \(did you mean 'Relu'\?\)/);
  assert.throws(() => parseOpList(' , '), /expected comma-separated op names, got " , "/);
});

test('aekit ops --only NoSuchOp fails with exit code 1 instead of passing "0 ops"', () => {
  const bad = aekit('ops', '--only', 'NoSuchOp');
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  assert.match(bad.stderr, /unknown op 'NoSuchOp'; valid names: Identity, MatMul/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(bad.stdout, /0 ops/);
  const good = aekit('ops', '--only', 'Add');
  assert.equal(good.status, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /^1 ops, 1 gradient-checked, 0 failed$/m);
});
