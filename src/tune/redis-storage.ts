/**
 * A study journal in Redis (`aekit tune --storage redis://host:6379/<study>`),
 * for tuners on several machines: the records in the list
 * `aekit:tune:<study>:journal` (RPUSH, so appends are atomic and ordered),
 * the lock in `…:lock` (SET NX PX with a random token, released only by its
 * holder through a compare-and-delete script; it lapses after
 * {@link LOCK_MS} should its holder die), and each claimed trial's lease in
 * `…:lease:<trial>` holding the attempt id with an expiry the worker renews
 * (see src/tune/journal.ts for how claims and leases work together).
 */
import { randomBytes } from 'node:crypto';
import type { RedisClientType } from '@redis/client';
import { UsageError } from '../runs/errors.js';
import { parseRedisStreamUrl } from '../stream/redis-url.js';
import { type JournalRecord, type StudyStorage, LEASE_MS, parseJournal } from './journal.js';

/** How long the lock lasts when its holder dies without releasing it. */
export const LOCK_MS = 10_000;

type Client = RedisClientType<{}, {}, {}, 2, {}>;

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A study journal in Redis. */
export class RedisStorage implements StudyStorage {
  private constructor(private readonly client: Client, readonly where: string, private readonly prefix: string, private readonly leaseMs: number) {}

  /**
   * Connects to the study at `url` (`redis://[user:password@]host[:port]/<study>[?db=n]`).
   * @throws {UsageError} for a malformed URL, or when Redis cannot be reached.
   */
  static async open(url: string, leaseMs = LEASE_MS): Promise<RedisStorage> {
    const parsed = parseRedisStreamUrl(url, '--storage', 'study');
    // Loaded on use: most aekit commands never talk to Redis.
    const { createClient } = await import('@redis/client');
    const client: Client = createClient({ url: parsed.server, RESP: 2, socket: { reconnectStrategy: (retries: number) => (retries > 20 ? new Error(`${parsed.shown}: Redis unreachable`) : Math.min(1000, 50 * 2 ** retries)) } });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      client.destroy();
      throw new UsageError(`--storage ${parsed.shown}: cannot connect to Redis (${(e as Error).message})`);
    }
    return new RedisStorage(client, `${parsed.shown} (key aekit:tune:${parsed.stream}:journal)`, `aekit:tune:${parsed.stream}`, leaseMs);
  }

  async read(): Promise<JournalRecord[]> {
    const items = await this.client.sendCommand<string[]>(['LRANGE', `${this.prefix}:journal`, '0', '-1']);
    return parseJournal(items.join('\n'), this.where);
  }

  async append(record: JournalRecord): Promise<void> {
    await this.client.sendCommand(['RPUSH', `${this.prefix}:journal`, JSON.stringify(record)]);
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const token = randomBytes(8).toString('hex');
    const key = `${this.prefix}:lock`;
    for (let tries = 0; (await this.client.sendCommand<string | null>(['SET', key, token, 'NX', 'PX', String(LOCK_MS)])) !== 'OK'; tries++) {
      await sleep(Math.min(200, 5 + tries * 5));
    }
    try {
      return await fn();
    } finally {
      await this.client.sendCommand(['EVAL', RELEASE, '1', key, token]);
    }
  }

  async renewLease(trial: number, attempt: string): Promise<void> {
    await this.client.sendCommand(['SET', `${this.prefix}:lease:${trial}`, attempt, 'PX', String(this.leaseMs)]);
  }

  async holds(claim: Extract<JournalRecord, { type: 'claim' }>): Promise<boolean> {
    const lease = await this.client.sendCommand<string | null>(['GET', `${this.prefix}:lease:${claim.trial}`]);
    return lease === claim.attempt;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
