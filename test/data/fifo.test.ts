/**
 * Every file reader of aekit/data refuses a named pipe (FIFO) instead of
 * opening it: opening a FIFO for reading blocks until a writer appears, so a
 * path that names one used to hang the process. The readers run in a child
 * process with a time limit, so that a regression fails this test instead of
 * hanging the suite.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { tempDir } from './helpers.js';

const DATA = fileURLToPath(new URL('../../src/data/index.ts', import.meta.url));

/** Makes a named pipe with coreutils' mkfifo (Node has no API for it). */
function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `mkfifo ${path} failed: ${r.error?.message ?? r.stderr}`);
}

// Each call's outcome: the error's name and message, or 'resolved' (a bug: nothing can be read from an idle pipe).
const CHILD = `
const d = await import(process.env.AEKIT_DATA);
const dir = process.env.AEKIT_DIR;
const p = (n) => dir + '/' + n;
const calls = {
  readCsv: () => d.readCsv(p('pipe.csv')),
  readNpy: () => d.readNpy(p('pipe.npy')),
  readNpz: () => d.readNpz(p('pipe.npz')),
  readIdx: () => d.readIdx(p('pipe.idx')),
  readJsonData: () => d.readJsonData(p('pipe.json')),
  loadImageFolder: () => d.loadImageFolder(p('imgs')),
  openCsvStream: () => d.openCsvStream(p('pipe.csv'), { batchSize: 2 }),
  openNpyStream: () => d.openNpyStream(p('pipe.npy'), { batchSize: 2 }),
  streamBatches: async () => { for await (const _ of d.streamBatches(d.streamSource(p('pipe.csv')), { batchSize: 2 })) break; },
  symlinkToPipe: () => d.readCsv(p('link.csv')),
};
const out = {};
for (const [name, call] of Object.entries(calls)) {
  try { await call(); out[name] = 'resolved'; } catch (e) { out[name] = e.name + ': ' + e.message; }
}
console.log(JSON.stringify(out));
process.exit(0);
`;

it('every reader refuses a named pipe with a DataFormatError naming it, without blocking', () => {
  const dir = tempDir();
  for (const name of ['pipe.csv', 'pipe.npy', 'pipe.npz', 'pipe.idx', 'pipe.json']) mkfifo(join(dir, name));
  mkdirSync(join(dir, 'imgs'));
  mkfifo(join(dir, 'imgs', 'a.png'));
  symlinkSync('pipe.csv', join(dir, 'link.csv'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    env: { ...process.env, AEKIT_DATA: DATA, AEKIT_DIR: dir }, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL',
  });
  assert.equal(r.signal, null, `the readers blocked on the pipe and were killed after 30 s; stderr: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, string>;
  const expected: Record<string, string> = {
    readCsv: 'pipe.csv', readNpy: 'pipe.npy', readNpz: 'pipe.npz', readIdx: 'pipe.idx', readJsonData: 'pipe.json',
    openCsvStream: 'pipe.csv', openNpyStream: 'pipe.npy', streamBatches: 'pipe.csv', symlinkToPipe: 'link.csv',
    // Named, not skipped as "not a file": the folder would otherwise load without it, or report no images at all.
    loadImageFolder: 'a.png',
  };
  for (const [call, file] of Object.entries(expected)) {
    assert.match(out[call]!, new RegExp(`^DataFormatError: ${file.replace('.', '\\.')}: is not a regular file \\(a named pipe: reading it would block until something writes to it\\); give the path of a regular file$`), call);
  }
});
