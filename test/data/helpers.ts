import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { DataFormatError } from '../../src/data/index.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A fresh temporary directory, removed when the test file finishes. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-data-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Expect {
  file?: string;
  offset?: number;
  line?: number;
  field?: string | number;
  message?: RegExp;
}

function check(err: unknown, e: Expect): true {
  assert.ok(err instanceof DataFormatError, `expected DataFormatError, got ${String(err)}`);
  if (e.file !== undefined) assert.equal(err.file, e.file);
  if (e.offset !== undefined) assert.equal(err.offset, e.offset);
  if (e.line !== undefined) assert.equal(err.line, e.line);
  if (e.field !== undefined) assert.equal(err.field, e.field);
  if (e.message) assert.match(err.message, e.message);
  // The message always leads with the file name, so a user sees where to look.
  assert.ok(err.message.startsWith(`${err.file}: `), err.message);
  return true;
}

/** Asserts that `fn` throws a DataFormatError matching `e`. */
export function throwsData(fn: () => unknown, e: Expect): void {
  assert.throws(fn, (err) => check(err, e));
}

/** Async version of {@link throwsData}. */
export async function rejectsData(p: Promise<unknown> | (() => Promise<unknown>), e: Expect): Promise<void> {
  await assert.rejects(p, (err) => check(err, e));
}

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}
