/**
 * One worker of a Redis Streams consumer group that scores entries with a
 * detector: it reads batches (XREADGROUP), scores each batch in one call,
 * and for each entry writes `{id, score, flag}` to the output stream and
 * acknowledges the entry, both in one Lua script. docs/streams.md is the
 * user's guide; the choices that make it safe are these:
 *
 * - **Exactly one output per input id.** The script writes an entry's
 *   output and acknowledges it (XACK), and keeps the output only when XACK
 *   took the entry off the group's pending list (returned 1). An entry is in
 *   that list from its delivery until its first write, and nothing puts it
 *   back, so of two workers holding the same entry (a slow one, and the one
 *   that took it over with XAUTOCLAIM) exactly one keeps its write. A script runs without other
 *   commands in between and a killed client cannot stop it, so a worker
 *   killed at any instant leaves each entry either written and acknowledged
 *   or pending (and taken over later), and a script resent after a lost
 *   reply changes nothing. No dedupe keys: the pending list is the record,
 *   so nothing grows with the number of entries. It holds per group: two
 *   groups writing to one output stream would write each id twice.
 * - **At-least-once scoring.** A worker that dies holding entries leaves them
 *   pending; every worker runs XAUTOCLAIM now and then and scores the
 *   entries pending longer than `claimIdleMs`.
 * - **Bad entries never stop a worker.** An entry that is not a row goes to
 *   `<to>:errors` with the reason, in the same script, and is acknowledged.
 */
import { hostname } from 'node:os';
import type { RedisClientType } from '@redis/client';
import type { AnomalyDetector } from '../anomaly/detector.js';
import type { Scaler } from '../data/preprocess.js';
import { decodeEntryRow, type RowLayout } from './entry-row.js';
import { parseRedisStreamUrl } from './redis-url.js';

/** What scores rows: a detector's width, names, threshold and score function. */
export interface RowScorer extends RowLayout {
  /** Flag = score above this. */
  threshold: number;
  /** Scores `n` rows of `width` values (row-major), as `AnomalyDetector.score` does. */
  score(x: Float32Array, n: number): Promise<Float64Array>;
}

/**
 * A detector as a {@link RowScorer}: rows scored by `detector.score` in one
 * call per batch, flagged above its threshold. `scaler`: a run's, applied to
 * the rows first, as `aekit detect <run> --data` does.
 */
export function detectorScorer(detector: AnomalyDetector, scaler?: Scaler): RowScorer {
  const sampleShape = detector.sampleShape;
  return {
    width: sampleShape.reduce((a, b) => a * b, 1),
    names: detector.featureNames,
    threshold: detector.threshold,
    score: (x, n) => {
      const shape = [n, ...sampleShape];
      return detector.score({ x: scaler ? scaler.transform({ x, shape }) : x, shape });
    },
  };
}

/** Options of {@link runRedisDetectWorker}. */
export interface RedisWorkerOptions {
  /** The input: `redis://[user:password@]host[:port]/<stream>[?db=n]`. */
  from: string;
  /** Consumer group; created (with the stream, if missing) at `startId` when it does not exist. */
  group: string;
  /** Output stream on the same server; bad entries go to `<to>:errors`. */
  to: string;
  /** This worker's name in the group; default `<hostname>-<pid>`. Reuse a name to take back a restarted worker's pending entries at once. */
  consumer?: string;
  /** Entries per read and per scoring call; default 1024. */
  batchSize?: number;
  /** How long one read waits for new entries, in ms; default 2000. Also bounds how late a stop is noticed. */
  blockMs?: number;
  /** Entries pending this long (ms) with another consumer are taken over; default 30,000. */
  claimIdleMs?: number;
  /** Where a group created here starts: `0` (default) scores the stream from its first entry, `$` only entries added after. */
  startId?: string;
  /** How long to wait for Redis, at start-up and after a lost connection, in ms; default 10,000. */
  waitMs?: number;
  /** Aborting it stops the worker after the batch in flight. */
  signal?: AbortSignal;
  /** Lines for people (start, take-overs, bad entries, stop). */
  log?: (line: string) => void;
}

/** What a worker did, returned when it stops. */
export interface RedisWorkerStats {
  consumer: string;
  /** Entries scored and written. */
  written: number;
  /** Entries sent to the dead-letter stream. */
  deadLettered: number;
  /** Entries already written by another worker when this one finished them (it had been taken over). */
  alreadyDone: number;
  /** Entries taken over from other consumers (XAUTOCLAIM). */
  claimed: number;
  /** Flagged among `written`. */
  flagged: number;
}

/** Redis unreachable or lost; the message names the URL (password hidden). The CLI ends on it with exit code 1. */
export class StreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamError';
  }
}

/** Defaults of {@link RedisWorkerOptions}. */
export const REDIS_WORKER_DEFAULTS = { batchSize: 1024, blockMs: 2000, claimIdleMs: 30_000, startId: '0', waitMs: 10_000 } as const;

/** The dead-letter stream of an output stream. */
export const errorsStream = (to: string): string => `${to}:errors`;

/** Bad entries listed one by one in the log; the rest are counted. */
const BAD_LISTED = 20;
/** The dead-letter copy of a bad entry's fields is cut at this many characters. */
const FIELDS_KEPT = 1000;

/**
 * KEYS: input, output, dead-letter stream. ARGV: group, then 4 values per
 * entry: id, kind (`s` scored: score, flag; `e` bad: reason, fields; `d` gone
 * from the stream: reason, ''). Each entry is written, then acknowledged;
 * when XACK finds it already acknowledged (another worker wrote it), the
 * write is deleted again, unseen: nothing runs between the two. Written
 * first because Redis does not undo a script's earlier commands when a later
 * one fails (out of memory, a key of another type, no permission): a refused
 * write leaves its entry pending, where an acknowledgement first would have
 * lost it. `d` entries are not acknowledged: XAUTOCLAIM has already removed
 * them from the pending list, and reports each to one caller.
 * Returns the counts written, dead-lettered, already done, and flagged among written.
 */
const WRITE_AND_ACK = `
local written, dead, done, flagged = 0, 0, 0, 0
for i = 2, #ARGV, 4 do
  local id, kind = ARGV[i], ARGV[i + 1]
  local key, fields
  if kind == 's' then
    key, fields = KEYS[2], {'id', id, 'score', ARGV[i + 2], 'flag', ARGV[i + 3]}
  else
    key, fields = KEYS[3], {'id', id, 'reason', ARGV[i + 2], 'fields', ARGV[i + 3]}
  end
  local out = redis.call('XADD', key, '*', unpack(fields))
  if kind ~= 'd' and redis.call('XACK', KEYS[1], ARGV[1], id) == 0 then
    redis.call('XDEL', key, out)
    done = done + 1
  elseif kind == 's' then
    written = written + 1
    if ARGV[i + 3] == '1' then flagged = flagged + 1 end
  else
    dead = dead + 1
  end
end
return {written, dead, done, flagged}
`;

/** An entry as RESP2 gives it: id and flat fields (null: deleted from the stream while pending). */
type Entry = [string, string[] | null];

type Client = RedisClientType<{}, {}, {}, 2, {}>;

/**
 * Runs one worker until `signal` aborts (then returns after the batch in
 * flight) or Redis stays unreachable longer than `waitMs`.
 * @throws {StreamError} when Redis cannot be reached or is lost, naming the URL.
 */
export async function runRedisDetectWorker(scorer: RowScorer, options: RedisWorkerOptions): Promise<RedisWorkerStats> {
  const o = { ...REDIS_WORKER_DEFAULTS, ...options };
  const log = o.log ?? (() => {});
  const url = parseRedisStreamUrl(o.from);
  // Loaded here, not at the top: the client takes about a second to load on a busy machine, and every
  // `aekit` command imports this module through `aekit detect`.
  const { createClient, ErrorReply, ReconnectStrategyError } = await import('@redis/client');
  const consumer = o.consumer ?? `${hostname()}-${process.pid}`;
  const input = url.stream;
  const keys = [input, o.to, errorsStream(o.to)];
  const stats: RedisWorkerStats = { consumer, written: 0, deadLettered: 0, alreadyDone: 0, claimed: 0, flagged: 0 };

  // The outage clock: reconnection gives up once Redis has been away for waitMs.
  let downSince: number | undefined;
  let lastCause = '';
  const reconnectStrategy = (retries: number, cause: Error): number | Error => {
    downSince ??= Date.now();
    lastCause = reasonOf(cause);
    const left = o.waitMs - (Date.now() - downSince);
    if (left <= 0) return new StreamError(`cannot reach Redis at ${url.shown} (${lastCause}; gave up after ${retries + 1} tries in ${((Date.now() - downSince) / 1000).toFixed(1)} s)`);
    // The last try lands when the wait is over, not a back-off step past it.
    return Math.min(50 * 2 ** retries, 1000, left);
  };
  const options2 = { url: url.server, RESP: 2 as const, socket: { reconnectStrategy, connectTimeout: Math.max(500, Math.min(o.waitMs, 5000)) } };
  const client: Client = createClient(options2);
  // A second connection only to interrupt the first one's blocking read when stopping.
  const control: Client = createClient(options2);
  let reconnected = false;
  let readerId: number | undefined;
  let ready = 0;
  client.on('error', () => {}); // reported through reconnectStrategy and the failing command
  control.on('error', () => {});
  client.on('ready', () => {
    downSince = undefined;
    readerId = undefined;
    // Replies lost with the old connection may have delivered entries to us: read our pending list again.
    if (ready++ > 0) reconnected = true;
  });
  control.on('ready', () => { downSince = undefined; });

  const lost = (e: unknown): Error => {
    if (e instanceof ErrorReply) return e;
    if (e instanceof StreamError) return e;
    const inner = e instanceof ReconnectStrategyError ? e.originalError : undefined;
    if (inner instanceof StreamError) return inner;
    return new StreamError(`lost Redis at ${url.shown} (${lastCause || reasonOf(e)}) and could not reconnect within ${(o.waitMs / 1000).toFixed(1)} s`);
  };
  /** Runs a command, again after a dropped connection (every command here is safe to repeat) until Redis is back or the wait is over. */
  const send = async <T>(c: Client, args: string[]): Promise<T> => {
    const since = Date.now();
    for (;;) {
      try {
        return await c.sendCommand<T>(args);
      } catch (e) {
        if (e instanceof ErrorReply || !c.isOpen || Date.now() - since > o.waitMs) throw lost(e);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };

  try {
    try {
      await Promise.all([client.connect(), control.connect()]);
    } catch (e) {
      throw lost(e);
    }
    /** Creates the group (and the stream) unless it exists; true when it was created. */
    const createGroup = async (): Promise<boolean> => {
      try {
        await send(client, ['XGROUP', 'CREATE', input, o.group, o.startId, 'MKSTREAM']);
        return true;
      } catch (e) {
        if (e instanceof ErrorReply && e.message.startsWith('BUSYGROUP')) return false;
        throw e;
      }
    };
    if (await createGroup()) log(`created group ${o.group} of ${input} at ${o.startId}`);
    let sha = await send<string>(client, ['SCRIPT', 'LOAD', WRITE_AND_ACK]);
    log(`worker ${consumer} of group ${o.group}: ${url.shown} → ${o.to} (bad entries → ${errorsStream(o.to)}); batches of ${o.batchSize}, take-over after ${o.claimIdleMs} ms idle`);

    const width = scorer.width;
    const x = new Float32Array(o.batchSize * width);
    /** Scores, writes and acknowledges a batch; `gone`: ids XAUTOCLAIM found deleted from the stream. */
    const finish = async (entries: Entry[], gone: string[] = []): Promise<void> => {
      const args: string[] = [];
      const good: string[] = [];
      for (const [id, fields] of entries) {
        if (fields === null) { gone.push(id); continue; }
        const why = decodeEntryRow(fields, scorer, x, good.length * width);
        if (why === undefined) { good.push(id); continue; }
        if (stats.deadLettered + (args.length >> 2) < BAD_LISTED) log(`bad entry ${id}: ${why}`);
        args.push(id, 'e', why, fieldsText(fields));
      }
      for (const id of gone) args.push(id, 'd', 'deleted from the stream before it was scored', '');
      if (good.length) {
        const scores = await scorer.score(x.subarray(0, good.length * width), good.length);
        for (let i = 0; i < good.length; i++) {
          const s = scores[i]!;
          const flag = s > scorer.threshold ? 1 : 0;
          // String(s): the shortest decimal that reads back as the same double.
          args.push(good[i]!, 's', String(s), String(flag));
        }
      }
      if (!args.length) return;
      let counts: [number, number, number, number];
      try {
        counts = await send(client, ['EVALSHA', sha, String(keys.length), ...keys, o.group, ...args]);
      } catch (e) {
        // The server lost its script cache (a restart): load it again.
        if (!(e instanceof ErrorReply && e.message.startsWith('NOSCRIPT'))) throw e;
        sha = await send<string>(client, ['SCRIPT', 'LOAD', WRITE_AND_ACK]);
        counts = await send(client, ['EVALSHA', sha, String(keys.length), ...keys, o.group, ...args]);
      }
      stats.written += counts[0];
      stats.deadLettered += counts[1];
      stats.alreadyDone += counts[2];
      stats.flagged += counts[3];
    };

    /** Our own pending entries (after a restart under the same name, or a lost reply): read from id 0 until none is left. */
    const finishOwnPending = async (): Promise<void> => {
      let after = '0';
      for (;;) {
        const entries = streamEntries(await send(client, ['XREADGROUP', 'GROUP', o.group, consumer, 'COUNT', String(o.batchSize), 'STREAMS', input, after]));
        if (!entries.length) return;
        await finish(entries);
        after = entries.at(-1)![0];
      }
    };

    /** One pass of XAUTOCLAIM over the pending list: entries idle longer than claimIdleMs become ours and are finished. */
    const takeOver = async (): Promise<void> => {
      let cursor = '0-0';
      let taken = 0;
      do {
        const [next, entries, deleted] = await send<[string, Entry[], string[] | undefined]>(client,
          ['XAUTOCLAIM', input, o.group, consumer, String(o.claimIdleMs), cursor, 'COUNT', String(o.batchSize)]);
        cursor = next;
        const live = entries.filter((e): e is Entry => e !== null);
        taken += live.length + (deleted?.length ?? 0);
        if (live.length || deleted?.length) await finish(live, deleted ?? []);
      } while (cursor !== '0-0' && !o.signal?.aborted);
      if (taken) log(`took over ${taken} entries pending over ${o.claimIdleMs} ms`);
      stats.claimed += taken;
    };

    await finishOwnPending();
    const claimEvery = Math.max(100, Math.floor(o.claimIdleMs / 2));
    let nextClaim = 0;
    let reading = false;
    const stop = (): void => {
      // A blocked read returns as if it timed out (no entry is delivered), so the loop sees the stop at once.
      const unblock = async (): Promise<void> => {
        while (reading) {
          if (readerId !== undefined) await control.sendCommand(['CLIENT', 'UNBLOCK', String(readerId), 'TIMEOUT']).catch(() => undefined);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      void unblock();
    };
    o.signal?.addEventListener('abort', stop, { once: true });
    try {
      while (!o.signal?.aborted) {
        try {
          if (reconnected) { reconnected = false; await finishOwnPending(); }
          if (Date.now() >= nextClaim) {
            await takeOver();
            nextClaim = Date.now() + claimEvery;
          }
          readerId ??= await send<number>(client, ['CLIENT', 'ID']);
          if (o.signal?.aborted) break;
          reading = true;
          let reply: unknown;
          try {
            reply = await send(client, ['XREADGROUP', 'GROUP', o.group, consumer, 'COUNT', String(o.batchSize), 'BLOCK', String(o.blockMs), 'STREAMS', input, '>']);
          } finally {
            reading = false;
          }
          const entries = streamEntries(reply);
          if (entries.length) await finish(entries);
        } catch (e) {
          // Redis restarted without its data, or someone destroyed the group: make it again and go on.
          if (!(e instanceof ErrorReply && e.message.startsWith('NOGROUP'))) throw e;
          if (await createGroup()) log(`group ${o.group} of ${input} was gone (destroyed, or Redis restarted without its data): created it again at ${o.startId}`);
        }
      }
    } finally {
      o.signal?.removeEventListener('abort', stop);
    }
    log(`worker ${consumer} stopped: ${stats.written} entries scored and written (${stats.flagged} flagged), ${stats.deadLettered} bad${stats.deadLettered > BAD_LISTED ? ` (the first ${BAD_LISTED} listed above)` : ''}, ${stats.claimed} taken over, ${stats.alreadyDone} already written by another worker`);
    return stats;
  } catch (e) {
    // A refusal by Redis (a key of another type, out of memory, no permission) is the user's to fix.
    if (!(e instanceof ErrorReply)) throw e;
    throw new StreamError(`Redis at ${url.shown}: ${e.message}${e.message.startsWith('WRONGTYPE') ? ` (are ${input}, ${o.to} and ${errorsStream(o.to)} streams, or new keys?)` : ''}`);
  } finally {
    client.destroy();
    control.destroy();
  }
}

/** The entries of an XREADGROUP reply (RESP2: `[[stream, [[id, fields], …]]]`, or null after a timeout). */
function streamEntries(reply: unknown): Entry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  return (reply[0] as [string, Entry[]])[1];
}

/** A bad entry's fields for the dead-letter stream, as a JSON object (cut when long). */
function fieldsText(fields: readonly string[]): string {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) o[fields[i]!] = fields[i + 1]!;
  const text = JSON.stringify(o);
  return text.length > FIELDS_KEPT ? `${text.slice(0, FIELDS_KEPT)}…` : text;
}

function reasonOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { errors?: unknown[] };
  // Node's AggregateError (IPv4 and IPv6 both refused) carries the codes in its parts.
  const code = err?.code ?? (err?.errors?.[0] as NodeJS.ErrnoException | undefined)?.code;
  return code ?? err?.message ?? String(e);
}
