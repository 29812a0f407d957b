/**
 * Hand-written validation of configs and API options. Every check names the
 * offending field by its path from the root (`config.encoder.sizes[2]`,
 * `fit.batchSize`), so a mistake in a JSON file or a call can be found without
 * reading aekit's code. Plain functions rather than a schema library: cross-field
 * checks (sizes that must agree) need code anyway.
 */

/** A config that is malformed or inconsistent; `path` names the field, e.g. `config.encoder.sizes[2]`. */
export class ConfigError extends Error {
  /** The message without the path. */
  readonly detail: string;

  constructor(readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
    this.name = 'ConfigError';
    this.detail = detail;
  }
}

/**
 * Runs a check written for a config at its own root (a model config's
 * `config.encoder.filters[1]`) on a config nested in a bigger one, so that its
 * errors name the full path from the file: `run.yaml.model.encoder.filters[1]`.
 * @param path where the nested config sits, e.g. `run.yaml.model`.
 * @param root the root name the check uses in its paths (default `config`);
 *   errors on other paths are put under `path` whole.
 */
export function atConfigPath<T>(path: string, check: () => T, root = 'config'): T {
  try {
    return check();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const nested = e.path === root || e.path.startsWith(`${root}.`) || e.path.startsWith(`${root}[`);
    throw nested ? new ConfigError(`${path}${e.path.slice(root.length)}`, e.detail) : new ConfigError(path, e.message);
  }
}

/** A value as a short string for an error message. */
export const show = (v: unknown): string => {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
};

/** Checks `v` is a plain object whose keys are all in `allowed` (named `noun`s in the message); returns it. */
export function objectOf(v: unknown, path: string, allowed: readonly string[], noun = 'field'): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(path, `expected an object, got ${show(v)}`);
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) throw new ConfigError(`${path}.${key}`, `unknown ${noun}; allowed ${noun}s: ${allowed.join(', ')}`);
  }
  return v as Record<string, unknown>;
}

export function positiveInt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(path, `expected a positive integer, got ${show(v)}`);
  return v;
}

/** A finite number in [min, max] (or the open interval, per side, when asked). */
export function numberIn(v: unknown, path: string, min: number, max: number, open: { min?: boolean; max?: boolean } = {}): number {
  const lo = open.min ? `(${min}` : `[${min}`;
  const hi = open.max ? `${max})` : `${max}]`;
  const range = `${lo}, ${hi}`.replace('Infinity]', '∞)').replace('Infinity)', '∞)');
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(path, `expected a number in ${range}, got ${show(v)}`);
  if (v < min || v > max || (open.min && v === min) || (open.max && v === max)) throw new ConfigError(path, `expected a number in ${range}, got ${v}`);
  return v;
}

export function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(path, `expected true or false, got ${show(v)}`);
  return v;
}

export function oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !values.includes(v as T)) throw new ConfigError(path, `expected one of ${values.map((s) => `'${s}'`).join(', ')}, got ${show(v)}`);
  return v as T;
}

/** A non-empty (unless `allowEmpty`) array of positive integers. */
export function positiveInts(v: unknown, path: string, allowEmpty = false): number[] {
  if (!Array.isArray(v)) throw new ConfigError(path, `expected an array of positive integers, got ${show(v)}`);
  if (!allowEmpty && v.length === 0) throw new ConfigError(path, 'expected at least one entry, got []');
  return v.map((d, i) => positiveInt(d, `${path}[${i}]`));
}

/** Reads an optional field: `undefined` gives the default, anything else must pass `check`. */
export function opt<T>(obj: Record<string, unknown>, key: string, path: string, check: (v: unknown, path: string) => T, fallback: T): T {
  return obj[key] === undefined ? fallback : check(obj[key], `${path}.${key}`);
}

/** Reads a required field. */
export function req<T>(obj: Record<string, unknown>, key: string, path: string, check: (v: unknown, path: string) => T): T {
  if (obj[key] === undefined) throw new ConfigError(`${path}.${key}`, 'required field is missing');
  return check(obj[key], `${path}.${key}`);
}

/**
 * The names of an options interface's fields, as a list checked against the
 * interface when compiling: a name that is not a field does not compile, and
 * neither does a list that leaves a field out (the argument's type becomes
 * `never`), so a runtime check of unknown keys cannot drift from the
 * documented options.
 *
 * ```ts
 * const CSV_OPTIONS = argNames<CsvOptions>()(['delimiter', 'header', ...]);
 * ```
 */
export function argNames<T>() {
  return <const K extends readonly (keyof T & string)[]>(keys: [Exclude<keyof T, K[number]>] extends [never] ? K : never): readonly string[] => keys;
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment), for
 * "did you mean" hints on misspelt keys: `spilt` is one typo from `split`.
 */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, before[j - 2]! + 1);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** Common short forms whose full name is too far away for the edit distance to find. */
const ABBREVIATIONS: Record<string, string> = { lr: 'learningrate', wd: 'weightdecay', eps: 'epsilon', bs: 'batchsize' };

/**
 * The allowed key closest to a misspelt one (case-insensitive, snake_case
 * folded, a few usual abbreviations such as `lr` expanded), when it is close
 * enough to be a likely typo.
 */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
  const fold = (k: string) => k.toLowerCase().replace(/_/g, '');
  const folded = fold(key);
  const full = ABBREVIATIONS[folded];
  if (full !== undefined) {
    const hit = allowed.find((a) => fold(a) === full);
    if (hit !== undefined) return hit;
  }
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const a of allowed) {
    const d = editDistance(folded, fold(a));
    if (d < bestDistance) {
      best = a;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 4)) ? best : undefined;
}

/** ` (did you mean 'x'?)` when an allowed key is close to `key`, else the empty string. */
export function didYouMean(key: string, allowed: readonly string[]): string {
  const near = closestKey(key, allowed);
  return near === undefined ? '' : ` (did you mean '${near}'?)`;
}

/**
 * Checks the options argument of a function or constructor whose options are
 * all optional: `undefined` gives `{}`; anything else must be a plain object
 * (not null, an array or a function) whose keys are all in `allowed`, so that
 * a misspelt option fails at once instead of being ignored.
 * @param path what holds the options, e.g. `readCsv options` or `Adam`.
 * @throws {ConfigError} `Adam.lr: unknown option (did you mean 'learningRate'?); allowed options: learningRate, beta1, beta2, epsilon`
 */
export function optionsOf<T extends object>(v: T | undefined, path: string, allowed: readonly string[], noun = 'option'): T {
  if (v === undefined) return {} as T;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    const got = v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'function' ? 'a function' : `${typeof v} ${show(v)}`;
    throw new ConfigError(path, `${noun}s must be an object (or left out) with ${noun}s ${allowed.join(', ')}; got ${got}`);
  }
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) throw new ConfigError(`${path}.${key}`, `unknown ${noun}${didYouMean(key, allowed)}; allowed ${noun}s: ${allowed.join(', ')}`);
  }
  return v;
}
