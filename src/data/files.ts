/**
 * Opening data files safely. Every reader of `aekit/data` goes through here so
 * that a path naming a named pipe, socket or device is refused before it is
 * opened: opening a FIFO for reading blocks until some process writes to it,
 * so a mistyped path could hang a training run forever instead of failing.
 */
import { statSync, readFileSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { DataFormatError, ioError } from './errors.js';

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe: reading it would block until something writes to it';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a file';
}

function check(st: Stats, label: string): void {
  if (st.isFile()) return;
  if (st.isDirectory()) throw new DataFormatError(label, {}, 'is a directory, expected a file');
  throw new DataFormatError(label, {}, `is not a regular file (${kindOf(st)}); give the path of a regular file`);
}

/**
 * Checks that `path` (after following symbolic links) is a regular file.
 * @param label the name used in messages (usually the base name).
 * @throws {DataFormatError} for a missing path, a directory, a FIFO, socket or device.
 */
export async function checkRegularFile(path: string, label: string): Promise<void> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (err) {
    throw ioError(label, err);
  }
  check(st, label);
}

/** Synchronous {@link checkRegularFile}. */
export function checkRegularFileSync(path: string, label: string): void {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    throw ioError(label, err);
  }
  check(st, label);
}

/** Reads a whole regular file, with errors naming `label`. */
export async function readDataFile(path: string, label: string): Promise<Buffer>;
export async function readDataFile(path: string, label: string, encoding: 'utf8'): Promise<string>;
export async function readDataFile(path: string, label: string, encoding?: 'utf8'): Promise<Buffer | string> {
  await checkRegularFile(path, label);
  try {
    return encoding ? await readFile(path, encoding) : await readFile(path);
  } catch (err) {
    throw ioError(label, err);
  }
}

/** Synchronous {@link readDataFile} (bytes). */
export function readDataFileSync(path: string, label: string): Buffer {
  checkRegularFileSync(path, label);
  try {
    return readFileSync(path);
  } catch (err) {
    throw ioError(label, err);
  }
}
