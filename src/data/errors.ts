/**
 * Where in a file a problem was found. Parsers fill in whichever of these make
 * sense for the format: binary formats give a byte offset, text formats a line
 * (1-based) and a field (column name or 1-based index), JSON a path such as `[3][2]`.
 */
export interface DataLocation {
  /** Byte offset from the start of the file (binary formats, JSON syntax errors). */
  offset?: number;
  /** 1-based line number (CSV). */
  line?: number;
  /** Column name or 1-based column number (CSV), array path (JSON), entry name (NPZ). */
  field?: string | number;
}

/**
 * The one error type that every parser in `aekit/data` throws for bad input.
 *
 * The message always starts with the file name and the location, e.g.
 * `mnist.idx: byte 4: declared 60000 items of 784 bytes but file has 1000 bytes after the header`,
 * so that a user sees what to fix without reading a stack trace. The same facts
 * are available as properties for programs that want to react to them.
 */
export class DataFormatError extends Error {
  override readonly name = 'DataFormatError';
  /** File name (or a label such as `<buffer>` when parsing bytes in memory). */
  readonly file: string;
  readonly offset?: number;
  readonly line?: number;
  readonly field?: string | number;
  /** The problem alone, without the file/location prefix. */
  readonly reason: string;

  constructor(file: string, where: DataLocation, reason: string) {
    super(`${file}: ${describeLocation(where)}${reason}`);
    this.file = file;
    this.reason = reason;
    if (where.offset !== undefined) this.offset = where.offset;
    if (where.line !== undefined) this.line = where.line;
    if (where.field !== undefined) this.field = where.field;
  }
}

function describeLocation(where: DataLocation): string {
  const parts: string[] = [];
  if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.field !== undefined) {
    parts.push(typeof where.field === 'number' ? `field ${where.field}` : `field ${JSON.stringify(where.field)}`);
  }
  if (where.offset !== undefined) parts.push(`byte ${where.offset}`);
  return parts.length > 0 ? parts.join(', ') + ': ' : '';
}

/**
 * Turns an I/O failure (missing file, permission) into a DataFormatError so that
 * callers have one error type to catch; the original error is kept as `cause`.
 */
export function ioError(file: string, err: unknown): DataFormatError {
  const code = (err as { code?: string } | null)?.code;
  const msg = code === 'ENOENT' ? 'file not found'
    : code === 'EISDIR' ? 'is a directory, expected a file'
    : code === 'ENOTDIR' ? 'not a directory'
    : code === 'ELOOP' ? 'cannot be read: too many levels of symbolic links (a symlink loop?)'
    : code === 'EACCES' || code === 'EPERM' ? 'cannot be read: permission denied'
    : code === 'ENAMETOOLONG' ? 'cannot be read: the path is too long'
    : `cannot be read (${(err as Error)?.message ?? String(err)})`;
  const e = new DataFormatError(file, {}, msg);
  (e as { cause?: unknown }).cause = err;
  return e;
}

/**
 * The error for a file with no samples in it (a CSV with a header and no rows,
 * an .npy whose first axis is 0) when it is used to train or evaluate. Every
 * such path throws this one message, `<file>: holds no samples`, rather than
 * training on nothing or returning NaN metrics.
 */
export function noSamplesError(file: string): DataFormatError {
  return new DataFormatError(file, {}, 'holds no samples');
}
