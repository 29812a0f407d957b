/**
 * Maps a URL path onto a file under one root folder, or refuses it. Every
 * file the dashboard serves goes through here: the runs folder holds a
 * user's data, and a page on another site must not read anything else
 * through the dashboard (`../`, its percent-encoded forms, a symlink that
 * points out of the folder).
 */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Why a path was refused: 403 for a path that tries to leave the root, 404 for one that is not there. */
export type PathRefusal = { status: 403 | 404; reason: string };

/** A file found under the root. */
export interface ResolvedFile {
  /** Its real path (symlinks resolved). */
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * Splits a URL path (still percent-encoded, as it came off the wire) into
 * clean segments, or refuses it: `..`, `.`, empty segments, backslashes, NUL
 * and other control characters, and anything that decodes to one of those
 * (`%2e%2e`, `%2f`, `%5c`, double encoding such as `%252e`).
 */
export function urlPathSegments(rawPath: string): string[] | PathRefusal {
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue; // leading slash, trailing slash
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { status: 403, reason: 'malformed percent-encoding' };
    }
    // A second decoding pass reveals %252e%252e: refuse anything still encoded.
    if (/%[0-9a-f]{2}/i.test(seg)) return { status: 403, reason: 'doubly encoded path' };
    if (seg === '.' || seg === '..') return { status: 403, reason: 'path leaves the folder' };
    if (/[/\\\0-\x1f\x7f]/.test(seg)) return { status: 403, reason: 'separator or control character inside a path segment' };
    segments.push(seg);
  }
  return segments;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The regular file that `segments` name under `root`, after resolving
 * symlinks: refused (403) when its real path lies outside the root's real
 * path, 404 when missing or not a regular file (directories are never
 * listed).
 */
export function resolveUnder(root: string, segments: readonly string[]): ResolvedFile | PathRefusal {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return { status: 404, reason: 'the folder does not exist' };
  }
  const candidate = resolve(realRoot, ...segments);
  // Cheap check before touching the disk (segments are clean, so this holds unless a bug slipped in).
  if (!isInside(realRoot, candidate)) return { status: 403, reason: 'path leaves the folder' };
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return { status: 404, reason: 'not found' };
  }
  if (!isInside(realRoot, real)) return { status: 403, reason: 'a symbolic link points out of the folder' };
  try {
    const st = statSync(real);
    if (!st.isFile()) return { status: 404, reason: 'not a file' };
    return { path: real, size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return { status: 404, reason: 'not found' };
  }
}

/** Whether a result is a refusal. */
export function isRefusal(r: unknown): r is PathRefusal {
  return typeof r === 'object' && r !== null && 'status' in r && 'reason' in r;
}

/**
 * Whether a run id (a path relative to the runs folder, e.g. `demo/vae`) is
 * well formed: clean segments only, so it can be joined to the runs folder
 * safely; symlinks are checked where the folder is opened.
 */
export function isCleanRunId(id: string): boolean {
  if (id.length === 0 || id.length > 500) return false;
  return id.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !/[\\\0-\x1f\x7f]/.test(s));
}
