/**
 * Search spaces inside a run config (`aekit tune --config search.yaml`): any
 * field of a run config (src/runs/run-config.ts) may be a space instead of a
 * value, and a `tune:` section says what to optimize and for how long.
 *
 * ```yaml
 * model: { choice: [dense, deep] }          # the preset itself
 * preset: { latent: { int: [4, 32], log: true } }
 * data: { source: table.csv, labelColumn: label, validationSplit: 0.2 }
 * training:
 *   epochs: 10
 *   batchSize: { choice: [32, 64, 128] }
 *   optimizer: { name: adam, learningRate: { logUniform: [1.0e-4, 1.0e-2] } }
 * tune: { objective: rocAuc, trials: 30, sampler: tpe, seed: 0 }
 * ```
 *
 * A space is an object with one of the keys `uniform: [low, high]`,
 * `logUniform: [low, high]` (low > 0), `int: [low, high]` (with `log: true`
 * for a log-scaled integer) or `choice: [v1, v2, ...]` (any JSON values,
 * arrays included: `sizes: { choice: [[64, 32], [128, 64, 32]] }` searches
 * depth and widths together). A parameter is named by its field's path,
 * e.g. `training.optimizer.learningRate`. Any space may carry `default:`,
 * the value the plain config would use.
 *
 * Configurations to run before the sampler draws (Optuna's `enqueue_trial`):
 * `tune: { enqueueDefault: true }` makes trial 1 the config of every
 * parameter's `default:` (the untuned starting point), and `tune: { enqueue:
 * [{ training.optimizer.learningRate: 0.001, model: deep }, ...] }` names
 * trials by their parameters' values; a parameter an entry leaves out is
 * drawn by the sampler.
 */
import { ConfigError, bool, numberIn, objectOf, oneOf, positiveInt, show } from '../config/validate.js';
import { type RunConfig, parseRunConfig } from '../runs/run-config.js';

/** The kinds of search space. */
export const SPACE_KINDS = ['uniform', 'logUniform', 'int', 'choice'] as const;
export type SpaceKind = (typeof SPACE_KINDS)[number];

/** One parameter's space. */
export type ParamSpec =
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'logUniform'; low: number; high: number }
  | { kind: 'int'; low: number; high: number; log: boolean }
  | { kind: 'choice'; values: unknown[] };

/** A searched field: its dotted name, its path in the config, its space. */
export interface SearchParam {
  name: string;
  path: (string | number)[];
  spec: ParamSpec;
  /** The value the plain (untuned) config would use, from the space's `default:` key. */
  default?: unknown;
}

/** Values of the searched fields of one trial, by parameter name. */
export type Params = Record<string, unknown>;

/** The objectives a trial can report besides a per-epoch metric (`loss`, `valLoss`, ...). */
export const TASK_OBJECTIVES = ['rocAuc'] as const;

/** Pruners of unpromising trials (see src/tune/pruners.ts). */
export const PRUNERS = ['none', 'median', 'halving'] as const;
export type PrunerName = (typeof PRUNERS)[number];

/** Samplers (see src/tune/samplers.ts). */
export const SAMPLERS = ['tpe', 'random'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** The `tune:` section of a search config: what to optimize, how, and for how long. */
export interface TuneSettings {
  /**
   * `valLoss` (default), any other per-epoch metric the trainer reports
   * (`loss`, ...), or `rocAuc`: one-class ROC-AUC of the run's anomaly
   * detector on the validation split, whose 0/1 labels come from
   * `data.labelColumn` or an .npz file's `y` (1 = anomaly).
   */
  objective: string;
  /** Default: maximize for `rocAuc`, minimize for losses. */
  direction: 'minimize' | 'maximize';
  /** Trials in the study (default 20 when no `timeBudget` is given). */
  trials?: number;
  /** Seconds after which a tuner claims no new trial (the running ones finish). */
  timeBudget?: number;
  sampler: SamplerName;
  /** Seed of the samplers: the same seed and journal give the same parameters. */
  seed: number;
  /** TPE: trials sampled at random before the model takes over (default 10). */
  startupTrials: number;
  /** Default `median`; `none` for `rocAuc`, which is measured only after training (a pruner would watch `valLoss`, a proxy). */
  pruner: PrunerName;
  /**
   * Trials to run first, in order, before the sampler draws: entry i is
   * trial i + 1, its parameters by name (a parameter left out is drawn by
   * the sampler). From `tune.enqueueDefault` (the defaults, first) and
   * `tune.enqueue`. Enqueued trials count against the budget.
   */
  enqueue?: Params[];
}

/** A parsed search config: the space, the tune settings and the raw config the trials are cut from. */
export interface SearchConfig {
  params: SearchParam[];
  tune: TuneSettings;
  /** The run config with its spaces, `tune` removed. */
  base: Record<string, unknown>;
  /** The file, for messages. */
  file: string;
}

const TUNE_FIELDS = ['objective', 'direction', 'trials', 'timeBudget', 'sampler', 'seed', 'startupTrials', 'pruner', 'enqueue', 'enqueueDefault'] as const;

function isSpace(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && SPACE_KINDS.some((k) => Object.hasOwn(v, k));
}

function pair(v: unknown, path: string, check: (x: unknown, p: string) => number): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw new ConfigError(path, `expected [low, high], got ${show(v)}`);
  const low = check(v[0], `${path}[0]`);
  const high = check(v[1], `${path}[1]`);
  return [low, high];
}

const finite = (x: unknown, p: string): number => numberIn(x, p, -Infinity, Infinity);
const integer = (x: unknown, p: string): number => {
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) throw new ConfigError(p, `expected an integer, got ${show(x)}`);
  return x;
};

/** Checks one space object; `path` names it (`search.yaml.training.batchSize`). */
export function parseParamSpec(v: Record<string, unknown>, path: string): ParamSpec {
  const kinds = SPACE_KINDS.filter((k) => Object.hasOwn(v, k));
  if (kinds.length > 1) throw new ConfigError(path, `a search space has one kind; got ${kinds.join(' and ')}`);
  const kind = kinds[0]!;
  objectOf(v, path, kind === 'int' ? ['int', 'log', 'default'] : [kind, 'default'], 'key of a search space');
  const at = `${path}.${kind}`;
  if (kind === 'choice') {
    if (!Array.isArray(v.choice) || v.choice.length === 0) throw new ConfigError(at, `expected a non-empty list of values, got ${show(v.choice)}`);
    return { kind, values: v.choice as unknown[] };
  }
  const [low, high] = pair(v[kind], at, kind === 'int' ? integer : finite);
  if (kind === 'int' ? low > high : low >= high) throw new ConfigError(at, `expected low ${kind === 'int' ? '<=' : '<'} high, got [${low}, ${high}]`);
  const log = kind === 'logUniform' || (kind === 'int' && v.log !== undefined && (() => {
    if (typeof v.log !== 'boolean') throw new ConfigError(`${path}.log`, `expected true or false, got ${show(v.log)}`);
    return v.log;
  })());
  if (log && low <= 0) throw new ConfigError(at, `a log-scaled space needs low > 0, got [${low}, ${high}]`);
  return kind === 'int' ? { kind, low, high, log } : { kind, low, high };
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Checks that `value` lies in the space `spec` (ends included; an integer
 * for `int`; equal to one of the values, compared as JSON, for `choice`).
 * Returns the value as the space holds it.
 * @throws {ConfigError} at `path`, saying what the space allows.
 */
export function valueInSpace(spec: ParamSpec, value: unknown, path: string): unknown {
  if (spec.kind === 'choice') {
    const found = spec.values.find((c) => sameValue(c, value));
    if (found === undefined) throw new ConfigError(path, `expected one of the space's choices ${spec.values.map(show).join(', ')}, got ${show(value)}`);
    return structuredClone(found);
  }
  const range = `[${spec.low}, ${spec.high}]`;
  const integral = spec.kind === 'int';
  if (typeof value !== 'number' || !Number.isFinite(value) || (integral && !Number.isInteger(value)) || value < spec.low || value > spec.high) {
    throw new ConfigError(path, `expected ${integral ? 'an integer' : 'a number'} in the space's range ${range}, got ${show(value)}`);
  }
  return value;
}

function collect(v: unknown, path: (string | number)[], file: string, out: SearchParam[]): void {
  const where = `${file}${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
  if (isSpace(v)) {
    const spec = parseParamSpec(v, where);
    const param: SearchParam = { name: path.map(String).join('.'), path, spec };
    if (Object.hasOwn(v, 'default')) param.default = valueInSpace(spec, v.default, `${where}.default`);
    out.push(param);
    return;
  }
  if (Array.isArray(v)) v.forEach((x, i) => collect(x, [...path, i], file, out));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) collect(x, [...path, k], file, out);
}

/** The run config with `params` put in place of their spaces (a deep copy). */
export function substitute(base: Record<string, unknown>, space: readonly SearchParam[], params: Params): Record<string, unknown> {
  const raw = structuredClone(base);
  for (const p of space) {
    if (!Object.hasOwn(params, p.name)) throw new Error(`no value for search parameter ${p.name}`);
    let o = raw as Record<string | number, unknown>;
    for (const k of p.path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
    o[p.path.at(-1)!] = structuredClone(params[p.name]);
  }
  return raw;
}

/** The run config of one trial: spaces replaced by `params`, checked as `aekit train` checks a config. */
export function trialConfig(search: SearchConfig, params: Params): RunConfig {
  return parseRunConfig(substitute(search.base, search.params, params), search.file);
}

function parseTune(v: unknown, path: string): TuneSettings {
  const o = objectOf(v ?? {}, path, TUNE_FIELDS);
  const objective = o.objective === undefined ? 'valLoss' : o.objective;
  if (typeof objective !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(objective)) {
    throw new ConfigError(`${path}.objective`, `expected valLoss, loss, rocAuc or another per-epoch metric name, got ${show(objective)}`);
  }
  const direction = o.direction === undefined ? (objective === 'rocAuc' ? 'maximize' : 'minimize') : oneOf(o.direction, `${path}.direction`, ['minimize', 'maximize'] as const);
  const trials = o.trials === undefined ? (o.timeBudget === undefined ? 20 : undefined) : positiveInt(o.trials, `${path}.trials`);
  const timeBudget = o.timeBudget === undefined ? undefined : numberIn(o.timeBudget, `${path}.timeBudget`, 0, Infinity, { min: true, max: true });
  const seed = o.seed === undefined ? 0 : integer(o.seed, `${path}.seed`);
  return {
    objective, direction, ...(trials !== undefined ? { trials } : {}), ...(timeBudget !== undefined ? { timeBudget } : {}),
    sampler: o.sampler === undefined ? 'tpe' : oneOf(o.sampler, `${path}.sampler`, SAMPLERS),
    seed, startupTrials: o.startupTrials === undefined ? 10 : positiveInt(o.startupTrials, `${path}.startupTrials`),
    // rocAuc is measured once, after training: pruning would have to judge trials by a proxy (valLoss), so it is asked for, not default.
    pruner: o.pruner === undefined ? (objective === 'rocAuc' ? 'none' : 'median') : oneOf(o.pruner, `${path}.pruner`, PRUNERS),
  };
}

/**
 * The trials of `tune.enqueueDefault` and `tune.enqueue`, in that order,
 * each value checked against its parameter's space.
 */
function parseEnqueue(tune: Record<string, unknown> | undefined, path: string, params: readonly SearchParam[]): Params[] {
  const out: Params[] = [];
  if (tune?.enqueueDefault !== undefined && bool(tune.enqueueDefault, `${path}.enqueueDefault`)) {
    const missing = params.filter((p) => !Object.hasOwn(p, 'default'));
    if (missing.length) {
      throw new ConfigError(`${path}.enqueueDefault`, `the default trial needs a default: value in every search space; ${missing.map((p) => p.name).join(', ')} ${missing.length === 1 ? 'has' : 'have'} none (e.g. { logUniform: [1.0e-4, 1.0e-2], default: 2.0e-3 })`);
    }
    out.push(Object.fromEntries(params.map((p) => [p.name, structuredClone(p.default)])));
  }
  if (tune?.enqueue === undefined) return out;
  if (!Array.isArray(tune.enqueue)) throw new ConfigError(`${path}.enqueue`, `expected a list of trials, each { <parameter>: value, ... }, got ${show(tune.enqueue)}`);
  tune.enqueue.forEach((entry, i) => {
    const at = `${path}.enqueue[${i}]`;
    const o = objectOf(entry, at, params.map((p) => p.name), 'search parameter');
    if (Object.keys(o).length === 0) throw new ConfigError(at, `expected at least one search parameter (${params.map((p) => p.name).join(', ')})`);
    out.push(Object.fromEntries(params.filter((p) => Object.hasOwn(o, p.name)).map((p) => [p.name, valueInSpace(p.spec, o[p.name], `${at}.${p.name}`)])));
  });
  return out;
}

/** The values a space is checked at: its ends, and every choice. */
function probeValues(spec: ParamSpec): unknown[] {
  return spec.kind === 'choice' ? spec.values : [spec.low, spec.high];
}

/**
 * Reads a search config (a run config whose fields may be spaces, plus a
 * `tune:` section). Every space is checked, and so is the run config with
 * each parameter at each end of its space (each choice), so a space that
 * would give `aekit train` a bad value fails now, naming the field.
 * @param file the config file, for messages.
 * @throws {ConfigError} naming the field.
 */
export function parseSearchConfig(raw: unknown, file = 'config'): SearchConfig {
  const root = objectOf(raw, file, ['name', 'model', 'preset', 'data', 'training', 'tune']);
  const base = structuredClone(root);
  delete base.tune;
  if (isSpace(base.name)) throw new ConfigError(`${file}.name`, 'the run name cannot be searched (trials are named trial-0001, trial-0002, ... in the study folder)');
  const tune = parseTune(root.tune, `${file}.tune`);
  const params: SearchParam[] = [];
  collect(base, [], file, params);
  if (params.length === 0) throw new ConfigError(file, 'no search space: give at least one field as { uniform: [a, b] }, { logUniform: [a, b] }, { int: [a, b] } or { choice: [...] }');
  const enqueue = parseEnqueue(root.tune as Record<string, unknown> | undefined, `${file}.tune`, params);
  if (enqueue.length) tune.enqueue = enqueue;
  const search: SearchConfig = { params, tune, base, file };
  const first = Object.fromEntries(params.map((p) => [p.name, probeValues(p.spec)[0]]));
  // An enqueued trial's config must be one aekit train accepts too (left-out parameters at a probe value).
  enqueue.forEach((entry, i) => {
    try {
      trialConfig(search, { ...first, ...entry });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      throw new ConfigError(e.path, `${e.detail} (in the enqueued trial ${i + 1}: ${show(entry)})`);
    }
  });
  for (const p of params) {
    for (const value of probeValues(p.spec)) {
      const at = [p.name, value] as const;
      try {
        trialConfig(search, { ...first, [at[0]]: p.spec.kind === 'int' ? Math.round(value as number) : value });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        throw new ConfigError(e.path, `${e.detail} (with search parameter ${p.name} = ${show(value)})`);
      }
    }
  }
  if (tune.objective === 'valLoss' || tune.objective === 'rocAuc') {
    const split = (base.data as Record<string, unknown> | undefined)?.validationSplit;
    if (split === undefined || split === 0) throw new ConfigError(`${file}.data.validationSplit`, `the objective ${tune.objective} is measured on a validation split: set data.validationSplit (e.g. 0.2)`);
  }
  const data = base.data as Record<string, unknown>;
  if (tune.objective === 'rocAuc' && data.labelColumn === undefined && !(typeof data.source === 'string' && data.source.toLowerCase().endsWith('.npz'))) {
    throw new ConfigError(`${file}.data.labelColumn`, "the objective rocAuc needs 0/1 labels of the validation samples (1 = anomaly): set data.labelColumn (a CSV's label column), or give an .npz with labels 'y'");
  }
  return search;
}
