import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WriteError, openAtomicFile, writeFileAtomic } from '../../src/io/files.js';

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

describe('openAtomicFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-atomic-stream-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('pieces appear only at commit, whole; abort leaves the old file; a directory is refused', async () => {
    const path = join(dir, 'sub', 'scores.csv');
    writeFileAtomic(path, 'old\n');
    const w = await openAtomicFile(path);
    await w.write('a,');
    await w.write(new TextEncoder().encode('b\n'));
    assert.equal(readFileSync(path, 'utf8'), 'old\n', 'not replaced before commit');
    await w.commit();
    assert.equal(readFileSync(path, 'utf8'), 'a,b\n');
    const aborted = await openAtomicFile(path);
    await aborted.write('half');
    await aborted.abort();
    assert.equal(readFileSync(path, 'utf8'), 'a,b\n');
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['scores.csv'], 'no temporary file left');
    await assert.rejects(aborted.write('x'), WriteError);
    await assert.rejects(openAtomicFile(join(dir, 'sub')), /is a directory/);
  });
});
