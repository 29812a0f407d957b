/** Where a command writes: lines for people (`log`, stderr-free), results for pipes (`out`), and whether to draw progress bars. */
export interface Io {
  /** Progress and messages. */
  log: (line: string) => void;
  /** Results meant for other programs (e.g. --print-config, --json). */
  out: (line: string) => void;
  /** Draw a progress bar (default: when stderr is a terminal). */
  tty?: boolean;
}

/** stdout for both, a bar when stderr is a terminal. */
export function defaultIo(): Io {
  return { log: (l) => console.log(l), out: (l) => console.log(l), tty: Boolean(process.stderr.isTTY) };
}
