/**
 * The `aekit` command line. Every command reports a user's mistake in one
 * line with exit code 1 and an internal error with its stack and exit code 2
 * (see errors.ts).
 *
 * Only the module of the command named on the command line is loaded (see
 * command-table.ts); `--help`, `help` and an unknown name load them all, so
 * the help and commander's suggestions list every command.
 */
import { Command } from 'commander';
import { parserErrorLine } from './args.js';
import { reportError } from './exit.js';
import { COMMANDS } from './command-table.js';

async function main(): Promise<void> {
  const program = new Command();
  program
    .name('aekit')
    .description('Autoencoder toolkit: build, train and use autoencoders compiled to ONNX.')
    .version('0.1.0')
    .addHelpText('after', '\nStart with:\n  aekit demo\n  aekit train --model conv --data mnist --epochs 3\n  aekit eval runs/conv-mnist-1');
  // A bad command line ends like every other user error: one `aekit: …` line, exit code 1.
  const oneLine = (name: string) => ({ outputError: (text: string, write: (s: string) => void) => write(`${parserErrorLine(text, name)}\n`) });
  program.configureOutput(oneLine('aekit'));
  const named = COMMANDS.find(([name]) => name === process.argv[2]);
  const commands = await Promise.all((named ? [named] : COMMANDS).map(([, make]) => make()));
  for (const command of commands) program.addCommand(command.configureOutput(oneLine(`aekit ${command.name()}`)));
  await program.parseAsync(process.argv);
}

main().catch((e: unknown) => {
  process.exitCode = reportError(e);
});
