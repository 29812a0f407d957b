import { type Command } from 'commander';

/**
 * Ends a command's `--help` with example command lines (one per argument,
 * indented under an `Example:` heading), the way every aekit command does.
 */
export function withExamples(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExample:\n${lines.map((l) => `  ${l}`).join('\n')}`);
}
