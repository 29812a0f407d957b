import { mkdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';

/** Why a file-system call failed, in a few words plus the error code. */
function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory', EACCES: 'permission denied', EPERM: 'operation not permitted',
    EROFS: 'read-only file system', ENOTDIR: 'a part of the path is a file, not a folder', ENOSPC: 'no space left on the device',
  };
  return code ? `${words[code] ?? err.message} (${code})` : String(err?.message ?? e);
}

/** Temporary files aekit puts into an output folder for a moment (write checks, run claims). */
const OWN_TEMPORARY_PREFIX = '.aekit-';

/** Whether a folder entry is one of aekit's own short-lived files rather than something the user put there. */
export function isOwnTemporaryFile(name: string): boolean {
  return name.startsWith(OWN_TEMPORARY_PREFIX);
}

/**
 * Makes sure `path` is a folder this process can write into, creating it and
 * any missing parents, and returns its absolute path. Meant to run before
 * training, so that a bad output path fails in milliseconds rather than after
 * the last epoch.
 *
 * Parents are created one at a time, not with `mkdirSync(..., { recursive: true })`:
 * on a file system that refuses new folders while reporting them missing
 * (procfs, e.g. `/proc/x`), Node's recursive mkdir retries forever at 100% CPU.
 * @param option how the user gave the path, for messages (e.g. `--out`).
 * @throws {UsageError} for an empty path, a path through a file, or a folder that
 *   cannot be created or written, naming the option, the path and the reason.
 */
export function prepareOutputFolder(path: string, option = '--out'): string {
  return prepare(path, option).abs;
}

/**
 * Checks that {@link prepareOutputFolder} would succeed, without leaving
 * anything behind: the folders it had to create are removed again. For a
 * check before work that may still fail (a config read later), so that a
 * rejected command leaves no empty folder.
 * @throws {UsageError} as prepareOutputFolder does.
 */
export function checkOutputFolder(path: string, option = '--out'): void {
  const { created } = prepare(path, option);
  for (const dir of created.reverse()) {
    try {
      rmdirSync(dir); // only while empty: another process may have started using it meanwhile
    } catch {
      break;
    }
  }
}

function prepare(path: string, option: string): { abs: string; created: string[] } {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new UsageError(`${option}: expected a folder path, got ${JSON.stringify(path)}`);
  }
  const abs = resolve(path);
  const what = `${option} ${path}`;
  const missing: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    let st;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch (e) {
      throw new UsageError(`${what}: cannot use ${p}: ${reason(e)}`);
    }
    if (st?.isDirectory()) break;
    if (st) throw new UsageError(`${what}: ${p} is a file, not a folder`);
    if (dirname(p) === p) throw new UsageError(`${what}: the root ${p} does not exist`);
    missing.push(p);
  }
  const created: string[] = [];
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
      created.push(dir);
    } catch (e) {
      // Another process may have created it in the meantime; a folder is all we need.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
      throw new UsageError(`${what}: cannot create the folder ${dir}: ${reason(e)}`);
    }
  }
  // Permission bits do not tell (root, read-only mounts, procfs): try a write.
  const probe = join(abs, `${OWN_TEMPORARY_PREFIX}write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
  } catch (e) {
    throw new UsageError(`${what}: cannot write into ${abs}: ${reason(e)}`);
  }
  rmSync(probe, { force: true });
  return { abs, created };
}
