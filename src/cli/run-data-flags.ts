/**
 * The `<run>` argument, the data flags and --threads of the commands that
 * apply a run's model to data (eval, encode, reconstruct, detect...), declared
 * once so that every command words and checks them the same way.
 */
import { type Command, Option } from 'commander';
import { type OpenedRun, dataForRun, openRun } from '../runs/open-run.js';
import { intIn } from './args.js';

/** How `--help` describes a `<run>` argument. */
export const RUN_ARGUMENT_HELP = 'a run folder (runs/<name>) or a checkpoint directory';

/** The flags every command that applies a run's model to data takes. */
export interface RunDataFlags {
  data?: string;
  samples?: number;
  labelColumn?: string;
  threads?: number;
}

/** Adds --data, --samples and --label-column; `verb` says what the command does to the data. */
export function withDataFlags(command: Command, verb: string): Command {
  return command
    .option('--data <source>', `data to ${verb} (default: the run's test set)`)
    .option('--samples <n>', 'use the first n samples', intIn('--samples', 1))
    .option('--label-column <column>', 'CSV: the label column, excluded from the features');
}

/** --threads: ONNX Runtime's intra-op threads (a new Option for each command: commander keeps state in it). */
export function threadsOption(): Option {
  return new Option('--threads <n>', 'ONNX Runtime threads per op (default: one per physical core; with serve --workers, one per worker)').argParser(intIn('--threads', 1, 1024));
}

/** Adds the `<run>` argument and the shared data flags (--data, --samples, --label-column, --threads) to a command. */
export function withRunData(command: Command, verb: string): Command {
  return withDataFlags(command.argument('<run>', RUN_ARGUMENT_HELP), verb).addOption(threadsOption());
}

/** Opens a run and loads the data its flags name (see {@link dataForRun}). */
export async function openRunWithData(path: string, flags: RunDataFlags): Promise<OpenedRun & Awaited<ReturnType<typeof dataForRun>>> {
  const run = openRun(path, flags.threads);
  const loaded = await dataForRun(run, flags.data, { ...(flags.samples ? { samples: flags.samples } : {}), ...(flags.labelColumn !== undefined ? { labelColumn: flags.labelColumn } : {}) });
  return { ...run, ...loaded };
}
