/**
 * File-system helpers for every place aekit writes a user's files: atomic
 * writes (temp file, fsync, rename) and directory creation that cannot hang.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** A path aekit cannot write to: names the path and what was wrong, for a user to act on. */
export class WriteError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'WriteError';
  }
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/** The reason of a failed file-system call in words, without Node's stack. */
export function fsReason(e: unknown): string {
  const c = code(e);
  switch (c) {
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'ENOSPC': return 'no space left on the device';
    case 'EROFS': return 'read-only file system';
    case 'ENOTDIR': return 'a part of the path is a file, not a directory';
    case 'EISDIR': return 'is a directory';
    case 'ENOENT': return 'no such file or directory';
    case 'EEXIST': return 'already exists';
    case 'ENAMETOOLONG': return 'the name is too long';
    case 'EDQUOT': return 'disk quota exceeded';
    case 'ELOOP': return 'too many levels of symbolic links (a link loop?)';
    case 'EBUSY': return 'the resource is busy';
    default: return c ? `${c}: ${(e as Error).message}` : String((e as Error)?.message ?? e);
  }
}

function isDirectory(path: string): boolean | undefined {
  try {
    return statSync(path).isDirectory();
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw new WriteError(path, fsReason(e));
  }
}

/**
 * Creates `path` and any missing parents, one level at a time. Node's own
 * `mkdirSync(p, { recursive: true })` never returns on procfs (it loops at 100%
 * CPU on `/proc/x`), so the walk stops at the first level that cannot be made.
 * @throws {WriteError} naming the level that failed and why.
 */
export function makeDirs(path: string): void {
  const full = resolve(path);
  const missing: string[] = [];
  for (let p = full; ; p = dirname(p)) {
    const dir = isDirectory(p);
    if (dir === true) break;
    if (dir === false) throw new WriteError(p, 'is a file, not a directory');
    missing.push(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (e) {
      if (code(e) === 'EEXIST' && isDirectory(p)) continue;
      throw new WriteError(p, `cannot create the directory (${fsReason(e)})`);
    }
  }
}

let tempCounter = 0;

/** A name beside `path` no other writer uses: this process's id and a counter. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${++tempCounter}`;
}

/** Writes `data` to a new file and flushes it to the disk before returning. */
export function writeFileDurable(path: string, data: Uint8Array | string): void {
  const fd = openSync(path, 'wx');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a directory's entries (a rename into it) to the disk; a no-op where the platform cannot. */
export function syncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * Default true: the data and the rename are flushed to the disk (fsync), so
   * the new file survives a power loss. false for files rewritten many times a
   * second and worthless after a crash (progress.json): still never seen half
   * written, without the cost of the flushes.
   */
  durable?: boolean;
}

/**
 * Writes through a temporary file and a rename, so a crash or a kill leaves
 * either the old file or the new one, never half of one. Refuses to replace a
 * directory; the temporary file is removed when the write fails.
 * @throws {WriteError} naming the path and the reason (permission, disk full...).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  if (path === '' || /[/\\]$/.test(path)) throw new WriteError(path || "''", 'expected a file name, got a directory path');
  if (isDirectory(path)) throw new WriteError(path, 'is a directory; give the path of a file inside it');
  makeDirs(dirname(path));
  const tmp = tempPathFor(path);
  try {
    if (options.durable === false) writeFileSync(tmp, data);
    else writeFileDurable(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof WriteError) throw e;
    throw new WriteError(path, `cannot write the file (${fsReason(e)})`);
  }
  if (options.durable !== false) syncDirectory(dirname(path));
}

/**
 * A file written piece by piece that appears whole or not at all: the pieces
 * go to a temporary file beside `path`, and {@link AtomicFileWriter.commit}
 * flushes it to the disk and renames it into place (as {@link writeFileAtomic}
 * does for data in memory). {@link AtomicFileWriter.abort} removes it.
 */
export interface AtomicFileWriter {
  readonly path: string;
  /** Appends text or bytes; resolves when the operating system has them (the caller's pace follows the disk's). */
  write(data: string | Uint8Array): Promise<void>;
  /** Flushes, closes and renames the file into place. */
  commit(): Promise<void>;
  /** Closes and removes the temporary file; `path` is left as it was. Safe to call after a failed write or commit. */
  abort(): Promise<void>;
}

/**
 * Opens an {@link AtomicFileWriter} for `path`, creating missing parent directories.
 * @throws {WriteError} for a directory path, or a temporary file that cannot be created; `write` and `commit` throw it too, naming `path`.
 */
export async function openAtomicFile(path: string): Promise<AtomicFileWriter> {
  if (path === '' || /[/\\]$/.test(path)) throw new WriteError(path || "''", 'expected a file name, got a directory path');
  if (isDirectory(path)) throw new WriteError(path, 'is a directory; give the path of a file inside it');
  makeDirs(dirname(path));
  const tmp = tempPathFor(path);
  const fail = (e: unknown): WriteError => (e instanceof WriteError ? e : new WriteError(path, `cannot write the file (${fsReason(e)})`));
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(tmp, 'wx');
  } catch (e) {
    throw fail(e);
  }
  const close = async (): Promise<void> => {
    const h = fh;
    fh = undefined;
    await h?.close();
  };
  return {
    path,
    async write(data) {
      if (!fh) throw new WriteError(path, 'written after commit or abort');
      try {
        const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        for (let done = 0; done < bytes.length;) done += (await fh.write(bytes, done, bytes.length - done)).bytesWritten;
      } catch (e) {
        throw fail(e);
      }
    },
    async commit() {
      if (!fh) throw new WriteError(path, 'committed after commit or abort');
      try {
        await fh.sync();
        await close();
        await rename(tmp, path);
      } catch (e) {
        throw fail(e);
      }
      syncDirectory(dirname(path));
    },
    async abort() {
      try {
        await close();
      } finally {
        await rm(tmp, { force: true });
      }
    },
  };
}

/** Whether a process with this id is running (on this machine). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return code(e) === 'EPERM';
  }
}
