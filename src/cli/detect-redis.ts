/**
 * `aekit detect <detector> --from redis://host:6379/<stream> --group g --to out`:
 * the process becomes one worker of a consumer group, scoring entries with
 * the run's or saved detector until SIGINT or SIGTERM (src/stream/redis-worker.ts,
 * docs/streams.md). The detector is chosen as `aekit detect` chooses it
 * (src/cli/commands/detect.ts), and scored as its file stream scores rows,
 * so a score equals the one `aekit detect <detector> --data rows.csv` prints.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { type AnomalyDetector } from '../anomaly/detector.js';
import { type ScalerJSON, scalerFromJSON } from '../data/preprocess.js';
import { UsageError } from '../runs/errors.js';
import { REDIS_WORKER_DEFAULTS, type RedisWorkerStats, detectorScorer, runRedisDetectWorker } from '../stream/redis-worker.js';
import { intIn } from './args.js';
import type { DetectFlags, DetectOutcome } from './commands/detect.js';
import { type Io } from './io.js';

/** The flags of a stream worker (besides --batch-size, which it shares with file streams). */
export interface DetectRedisFlags {
  /** `redis://[user:password@]host[:port]/<stream>[?db=n]`. */
  from?: string;
  group?: string;
  to?: string;
  consumer?: string;
  blockMs?: number;
  claimIdleMs?: number;
  startId?: string;
  waitMs?: number;
}

/** What a worker reports when it stops: `samples` counts the entries it scored and wrote. */
export interface DetectRedisOutcome extends DetectOutcome {
  stream: RedisWorkerStats;
}

/** Flags of `aekit detect` that have no meaning for a worker (it reads entries and writes a stream). */
const NOT_WITH_FROM: Array<[keyof DetectFlags, string]> = [
  ['data', '--data'], ['out', '--out'], ['png', '--png'], ['save', '--save'], ['explain', '--explain'], ['anomalyLabels', '--anomaly-labels'],
  ['labelColumn', '--label-column'], ['idColumn', '--id-column'], ['samples', '--samples'], ['skipBadRows', '--skip-bad-rows'], ['format', '--format'],
  ['fitOn', '--fit-on'], ['mergeGap', '--merge-gap'], ['score', '--score'], ['contamination', '--contamination'],
];

function streamId(value: string): string {
  if (!/^(\$|\d+(-\d+)?)$/.test(value)) throw new InvalidArgumentError(`--start-id must be 0, $ or an entry id like 1700000000000-0, got '${value}'.`);
  return value;
}

/** Adds the stream worker's flags to `aekit detect`. */
export function withRedisFlags(command: Command): Command {
  const ms = (name: string, min: number) => intIn(name, min, 2 ** 31 - 1);
  return command
    .option('--from <url>', 'be one worker of a Redis consumer group: score the entries of redis://host:6379/<stream> (with --group and --to)')
    .option('--group <name>', '--from: the consumer group (created, with the stream, when missing)')
    .option('--to <stream>', '--from: the stream of {id, score, flag} entries written; bad entries go to <to>:errors')
    .option('--consumer <name>', "--from: this worker's name in the group (default <hostname>-<pid>)")
    .option('--block-ms <ms>', `--from: how long a read waits for new entries (default ${REDIS_WORKER_DEFAULTS.blockMs})`, ms('--block-ms', 1))
    .option('--claim-idle-ms <ms>', `--from: take over entries another worker has held this long (default ${REDIS_WORKER_DEFAULTS.claimIdleMs})`, ms('--claim-idle-ms', 1))
    .option('--start-id <id>', '--from: where a group created now starts: 0, the first entry (default), $, new entries only, or an entry id', streamId)
    .option('--wait-ms <ms>', `--from: how long to wait for Redis at start and after a lost connection (default ${REDIS_WORKER_DEFAULTS.waitMs})`, ms('--wait-ms', 0))
    .addHelpText('after', [
      '',
      'With --from the process is one worker of a Redis Streams consumer group, until SIGINT or SIGTERM (it',
      'finishes the batch in flight, then exits 0). An entry holds one row: a field row (1.5,2,0.25 or',
      '[1.5,2,0.25]) or one field per feature name. Each is scored, written to --to as {id, score, flag} and',
      'acknowledged in one step, once per id however many workers run; entries a dead worker held are taken',
      'over after --claim-idle-ms. See docs/streams.md.',
    ].join('\n'));
}

/**
 * Runs a stream worker with `detector` until SIGINT or SIGTERM (a second one
 * exits at once with code 130; the entries in flight stay pending and are
 * taken over by another worker). `runScaler`: a run's scaler, applied to each
 * row before its detector scores it.
 * @throws {UsageError} for missing or contradicting flags.
 * @throws {StreamError} when Redis cannot be reached or is lost.
 */
export async function runDetectRedis(detector: AnomalyDetector, which: string, flags: DetectFlags, io: Io, runScaler?: ScalerJSON): Promise<DetectRedisOutcome> {
  const bad = NOT_WITH_FROM.filter(([k]) => flags[k] !== undefined && flags[k] !== false).map(([, f]) => f);
  if (bad.length) throw new UsageError(`--from reads its rows from the stream and writes scores to --to: drop ${bad.join(', ')}`);
  if (!flags.group) throw new UsageError('--from: name the consumer group with --group');
  if (!flags.to) throw new UsageError('--from: name the output stream with --to');
  // A run's detector scores data in the units its model was trained in, as `aekit detect <run> --data` feeds it.
  const scorer = detectorScorer(detector, runScaler ? scalerFromJSON(runScaler) : undefined);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) process.exit(130);
    io.log(`${signal}: stopping after the batch in flight (again to stop at once)`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let stats: RedisWorkerStats;
  try {
    io.log(`detector: ${which}`);
    stats = await runRedisDetectWorker(scorer, {
      from: flags.from!, group: flags.group, to: flags.to, signal: stop.signal, log: io.log,
      ...(flags.consumer !== undefined ? { consumer: flags.consumer } : {}),
      ...(flags.batchSize !== undefined ? { batchSize: flags.batchSize } : {}),
      ...(flags.blockMs !== undefined ? { blockMs: flags.blockMs } : {}),
      ...(flags.claimIdleMs !== undefined ? { claimIdleMs: flags.claimIdleMs } : {}),
      ...(flags.startId !== undefined ? { startId: flags.startId } : {}),
      ...(flags.waitMs !== undefined ? { waitMs: flags.waitMs } : {}),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const outcome: DetectRedisOutcome = { score: detector.scoreKind, threshold: detector.threshold, flagged: stats.flagged, samples: stats.written, stream: stats };
  if (flags.json) io.out(JSON.stringify(outcome));
  return outcome;
}
