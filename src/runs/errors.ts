/**
 * Which errors are the user's to fix: a bad flag, config field, file or path,
 * whose message names it in one line. The CLI ends on them with exit code 1
 * (see src/cli/exit.ts) and the dashboard answers them as a bad request;
 * anything else is an internal error (a bug in aekit).
 */
import { ConfigError } from '../config/validate.js';
import { DataFormatError } from '../data/errors.js';
import { WriteError } from '../io/files.js';
import { CheckpointError } from '../train/checkpoint.js';

/** A mistake in how a command was called, e.g. two flags that exclude each other. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Errors whose message tells the user what to fix. */
export function isUserError(e: unknown): boolean {
  return e instanceof UsageError || e instanceof ConfigError || e instanceof DataFormatError || e instanceof CheckpointError || e instanceof WriteError
    || (e instanceof Error && ['ConfigError', 'DataFormatError', 'CheckpointError', 'WriteError', 'UsageError', 'NonFiniteError', 'DeviceUnavailableError', 'AnomalyInputError', 'DetectorFileError', 'CompressedFileError', 'LayerError', 'StreamError'].includes(e.name));
}
