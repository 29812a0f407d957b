/**
 * `redis://[user:password@]host[:port]/<stream>[?db=n]`: where a worker reads.
 * The path is the stream's name, not the database number a plain Redis URL
 * carries there, because the stream is what a worker is pointed at; the
 * database moves to `?db=`. `rediss://` is TLS.
 */
import { UsageError } from '../runs/errors.js';

/** A parsed stream URL. */
export interface RedisStreamUrl {
  /** What the Redis client connects to (credentials, host, port, database). */
  server: string;
  /** The stream's key. */
  stream: string;
  /** The URL for messages: the password replaced by `***`. */
  shown: string;
}

/**
 * Parses a stream URL (or, for `aekit tune --storage`, a study URL: the path
 * names the study instead of a stream).
 * @param flag the flag that gave the URL, for messages.
 * @param what what the path names, for messages.
 * @throws {UsageError} naming the URL (password hidden) and what is wrong.
 */
export function parseRedisStreamUrl(text: string, flag = '--from', what = 'stream'): RedisStreamUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected redis://host:6379/<${what}>`);
  }
  if (url.password) url.password = '***';
  const shown = url.href;
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UsageError(`${flag} ${shown}: expected a redis:// or rediss:// URL, like redis://host:6379/<${what}>`);
  const stream = decodeURIComponent(url.pathname.slice(1));
  if (stream === '') throw new UsageError(`${flag} ${shown}: name the ${what} after the host, like redis://host:6379/<${what}>`);
  const db = url.searchParams.get('db');
  if (db !== null && !/^\d+$/.test(db)) throw new UsageError(`${flag} ${shown}: ?db= must be a database number, got ${JSON.stringify(db)}`);
  const extra = [...url.searchParams.keys()].filter((k) => k !== 'db');
  if (extra.length) throw new UsageError(`${flag} ${shown}: unknown parameter ${extra.map((k) => JSON.stringify(k)).join(', ')} (only ?db=<n>)`);
  const server = new URL(text);
  server.pathname = db !== null ? `/${db}` : '';
  server.search = '';
  return { server: server.href, stream, shown };
}
