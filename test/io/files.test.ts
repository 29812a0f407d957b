import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WriteError, writeFileAtomic } from '../../src/io/files.js';

describe('writeFileAtomic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-atomic-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const durable of [true, false]) {
    it(`replaces a file whole and leaves no temporary file (durable: ${durable})`, () => {
      const path = join(dir, `out-${durable}.json`);
      writeFileAtomic(path, '{"a":1}', { durable });
      writeFileAtomic(path, '{"a":2}', { durable });
      assert.equal(readFileSync(path, 'utf8'), '{"a":2}');
      assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(`out-${durable}`)), [`out-${durable}.json`]);
    });
  }

  it('refuses to replace a directory, durable or not', () => {
    mkdirSync(join(dir, 'folder'));
    for (const durable of [true, false]) assert.throws(() => writeFileAtomic(join(dir, 'folder'), 'x', { durable }), WriteError);
  });
});
