/**
 * What the commands that start a server (`aekit dashboard`, `aekit serve`)
 * share: a failed listen in one line naming the flag, the warning when
 * `--host` opens the server to the network, and serving until Ctrl-C or
 * SIGTERM.
 */
import { isLoopbackHost } from '../io/http.js';
import { UsageError } from '../runs/errors.js';
import { type Io } from './io.js';

/** The flags of a command that listens. */
export interface ListenFlags {
  host: string;
  port: number;
}

/**
 * Runs `start` (which binds `flags.host`:`flags.port`), turning the errors of
 * a listen into a {@link UsageError} that names the flag. `inUse`: who may
 * already hold the port, for the message ("another dashboard or TensorBoard?").
 */
export async function listenOrExplain<T>(flags: ListenFlags, start: () => Promise<T>, inUse: string): Promise<T> {
  try {
    return await start();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`--port ${flags.port}: the port is in use (${inUse}); pass another --port, or --port 0 for any free one`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new UsageError(`--host ${flags.host}: no such interface on this machine (${code})`);
    if (code === 'EACCES') throw new UsageError(`--port ${flags.port}: permission denied (ports below 1024 need privileges)`);
    throw e;
  }
}

/**
 * Logs a warning when `host` is not a loopback address: neither server has a
 * login. `what`: the server ("the dashboard"); `exposes`: what anyone who can
 * reach it can do, as a sentence.
 */
export function warnIfExposed(io: Io, host: string, what: string, exposes: string): void {
  if (!isLoopbackHost(host)) io.log(`Warning: --host ${host} makes ${what} reachable from other machines on that network. It has no login: ${exposes}`);
}

/**
 * Serves until SIGINT (Ctrl-C) or SIGTERM, then awaits `close`. The handlers
 * go at the first signal, so a second one ends the process at once (the
 * usual way to cut a slow drain short).
 */
export function serveUntilSignal(io: Io, stopping: string, close: () => Promise<void>): Promise<void> {
  io.log('Press Ctrl-C to stop.');
  return new Promise<void>((resolve, reject) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.log(stopping);
      close().then(resolve, reject);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
