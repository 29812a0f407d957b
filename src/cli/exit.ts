/**
 * How the CLI ends: exit code 0 when done, 1 for a user's mistake (a bad flag,
 * config field, file or path, named in one line without a stack trace), 2 for
 * an internal error (a bug in aekit: the stack is printed to report it).
 */
import { CommanderError } from 'commander';
import { isUserError } from '../runs/errors.js';

export const EXIT_OK = 0;
export const EXIT_USER = 1;
export const EXIT_INTERNAL = 2;

/**
 * Reports an error the way the CLI ends on it and returns the exit code:
 * one line for user errors, the stack for internal ones.
 */
export function reportError(e: unknown, print: (line: string) => void = (l) => console.error(l)): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_USER; // commander printed it already
  if (isUserError(e)) {
    print(`aekit: ${(e as Error).message}`);
    return EXIT_USER;
  }
  const err = e as Error;
  print(`aekit: internal error: ${err?.message ?? String(e)}`);
  if (err?.stack) print(err.stack);
  print('This is a bug in aekit; please report it with the command you ran.');
  return EXIT_INTERNAL;
}
