/**
 * The `cli` section of `npm run bench` (issue #29): how long a user waits for
 * the commands after `train`, wall clock from process start to exit, the CLI
 * run as users run it (the compiled `dist/`, through `node`).
 *
 * The saved run is what a new user trains first: `aekit train --model conv
 * --data mnist` (3×3 convs [32, 32], ELU, transposed-conv decoder, code 32),
 * here on 1,024 training samples for one epoch, since only the run's size and
 * shape matter for latency, not its quality. Its detector is fitted and saved
 * by an untimed `aekit detect` before the timings, so every timed `detect`
 * loads it as a user's second call would. Timed, in rounds (each round runs
 * every command once, so a slow minute hits all of them):
 *
 * - `encode1`, `detect1`: `aekit encode|detect <run> --samples 1` (one row of
 *   the run's test set);
 * - `encode10k`, `detect10k`: the same on `--samples 10000`;
 * - `eval10k`: `aekit eval <run>` on the run's test set, MNIST's 10,000 images.
 *
 * The median over the rounds is reported per command (`cli.<name>Ms`), every
 * round in `cli.runsMs`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCliBundle } from '../../src/cli/build-bundle.js';
import { quantile } from '../../src/eval/stats.js';

/** The timed commands, in the order of a round; keys of the JSON are `<name>Ms`. */
export const CLI_COMMANDS = ['encode1', 'detect1', 'encode10k', 'detect10k', 'eval10k'] as const;
export type CliCommand = (typeof CLI_COMMANDS)[number];

/** The arguments of a timed command against the run folder `run`, writing into `out`. */
export function cliArgs(command: CliCommand, run: string, out: string): string[] {
  switch (command) {
    case 'encode1': return ['encode', run, '--samples', '1', '--out', join(out, 'codes1.npy')];
    case 'encode10k': return ['encode', run, '--samples', '10000', '--out', join(out, 'codes10k.npy')];
    case 'detect1': return ['detect', run, '--samples', '1', '--json'];
    case 'detect10k': return ['detect', run, '--samples', '10000', '--json'];
    case 'eval10k': return ['eval', run, '--json'];
  }
}

/** The newest modification time (ms) of any file under `dir`. */
function newestUnder(dir: string): number {
  let newest = 0;
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const t = statSync(join(dir, f)).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/**
 * The compiled CLI's entry (`dist/src/cli/main.js`, which loads the bundle),
 * built as `npm run build` builds it (the compiler, then the bundle) when it
 * is missing or older than a source file, so the bench never times stale code.
 */
export async function compiledCli(root: string, log: (s: string) => void): Promise<string> {
  const entry = join(root, 'dist/src/cli/main.js');
  if (!existsSync(entry) || statSync(entry).mtimeMs < newestUnder(join(root, 'src'))) {
    log('cli: compiling the CLI (tsc -p tsconfig.build.json, then the bundle) ...');
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cli: the build failed:\n${r.stdout}${r.stderr}`);
    await buildCliBundle(join(root, 'dist/src'));
  }
  return entry;
}

/** Runs `node entry ...args`; returns the wall-clock milliseconds from spawn to exit. */
function timeCommand(entry: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`cli: aekit ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
  return ms;
}

export interface CliReport extends Record<`${CliCommand}Ms`, number> {
  /** Every round's milliseconds, by command. */
  runsMs: Record<CliCommand, number[]>;
  rounds: number;
  entry: string;
  run: string;
}

/**
 * Trains the saved run (untimed), fits its detector (untimed), then times
 * `rounds` rounds of the commands with the CLI at `entry`.
 */
export function cliLatency(entry: string, rounds: number, log: (s: string) => void): CliReport {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-bench-cli-'));
  try {
    const run = join(dir, 'run');
    log('cli: training the saved run (conv preset, 1,024 MNIST samples, 1 epoch) ...');
    timeCommand(entry, ['train', '--model', 'conv', '--data', 'mnist', '--samples', '1024', '--epochs', '1', '--seed', '1', '--out', run, '--no-figures']);
    timeCommand(entry, ['detect', run, '--samples', '1', '--json']);
    const runsMs = Object.fromEntries(CLI_COMMANDS.map((c) => [c, [] as number[]])) as Record<CliCommand, number[]>;
    for (let r = 0; r < rounds; r++) {
      for (const c of CLI_COMMANDS) runsMs[c].push(timeCommand(entry, cliArgs(c, run, dir)));
      log(`cli: round ${r + 1}/${rounds}: ${CLI_COMMANDS.map((c) => `${c} ${runsMs[c].at(-1)!.toFixed(0)} ms`).join(', ')}`);
    }
    const medians = Object.fromEntries(CLI_COMMANDS.map((c) => [`${c}Ms`, quantile(runsMs[c], 0.5)])) as Record<`${CliCommand}Ms`, number>;
    return { ...medians, runsMs, rounds, entry, run: 'conv preset (3×3 convs [32, 32], ELU, code 32) on MNIST, 1,024 samples, 1 epoch' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
