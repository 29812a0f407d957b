/**
 * The command-line frame the `npm run bench:*` entries share: option parsers
 * whose errors name the option, the options every protocol run takes
 * (--quick, --json, --seed, --threads), and one runner that keeps stdout's
 * last line for the JSON object.
 */
import { Command, InvalidArgumentError } from 'commander';

/** Parses an integer option of at least `min` (and at most `max`), naming the option when it is not one. */
export function integer(name: string, min: number, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer ${range}, got '${value}'`);
    return n;
  };
}

/** Parses a finite number above 0, naming the option when it is not one. */
export function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got '${value}'`);
    return n;
  };
}

/** The options {@link benchCommand} adds, as `program.opts()` returns them. */
export interface CommonBenchOptions {
  quick: boolean;
  json: boolean;
  seed: number;
  threads?: number;
}

/** What each entry says about its shared options in `--help`. */
export interface CommonOptionHelp {
  /** What --quick runs. */
  quick: string;
  /** What --json prints on the last line. */
  json: string;
  /** What the seed seeds. */
  seed: string;
}

/** A commander program with --quick, --json, --seed (default 1) and --threads; the entry adds its own options and parses. */
export function benchCommand(name: string, description: string, help: CommonOptionHelp): Command {
  return new Command(name)
    .description(description)
    .option('--quick', help.quick, false)
    .option('--json', help.json, false)
    .option('--seed <n>', help.seed, integer('--seed', 0), 1)
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all cores)', integer('--threads', 1));
}

/** Progress lines: to stdout, or to stderr under --json so that the JSON object stays stdout's last line. */
export function progressLog(json: boolean): (line: string) => void {
  return (line: string) => (json ? console.error(line) : console.log(line));
}

/** How an entry presents its protocol's result. */
export interface BenchReport<R> {
  /** The markdown table printed after the run. */
  table(result: R): string;
  /** The run's total seconds, for the closing line. */
  seconds(result: R): number;
  /** The object printed as stdout's last line under --json. */
  json(result: R): unknown;
}

/**
 * Runs a protocol and prints its table, its total time and, under --json, its
 * JSON object; an error becomes one line `name: message` and exit status 1.
 */
export async function runBench<R>(name: string, json: boolean, run: (log: (line: string) => void) => Promise<R>, report: BenchReport<R>): Promise<void> {
  const log = progressLog(json);
  try {
    const result = await run(log);
    log('');
    log(report.table(result));
    log(`\n${report.seconds(result).toFixed(0)} s in all`);
    if (json) console.log(JSON.stringify(report.json(result)));
  } catch (e) {
    console.error(`${name}: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
