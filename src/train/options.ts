/**
 * Checks of the options objects the training API takes. Each rejects an
 * unknown key (naming it and the allowed ones) and a value of the wrong kind
 * (naming the option and what was expected), before any thread or session is
 * started: a typo such as `{ device: 'webgpu' }` must not be ignored silently.
 */
import { ConfigError, bool, numberIn, objectOf, oneOf, positiveInt, show } from '../config/validate.js';
import { checkScheduleConfig } from '../optim/schedules.js';

function nonNegativeInt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConfigError(path, `expected a non-negative integer, got ${show(v)}`);
  return v;
}

function safeInt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ConfigError(path, `expected an integer, got ${show(v)}`);
  return v;
}

function nonEmptyString(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '') throw new ConfigError(path, `expected a non-empty string, got ${show(v)}`);
  return v;
}

function fn(v: unknown, path: string): void {
  if (typeof v !== 'function') throw new ConfigError(path, `expected a function, got ${show(v)}`);
}

type Checks = Record<string, (v: unknown, path: string) => unknown>;

/** Checks each present key of `v` with its check; unknown keys are errors. `undefined` values count as absent. */
function checkObject(v: unknown, path: string, checks: Checks): void {
  if (v === undefined) return;
  const o = objectOf(v, path, Object.keys(checks), 'option');
  for (const [key, check] of Object.entries(checks)) if (o[key] !== undefined) check(o[key], `${path}.${key}`);
}

/** ONNX Runtime session options ({@link SessionOptions}). */
export function checkSessionOptions(v: unknown, path: string): void {
  checkObject(v, path, {
    threads: positiveInt,
    optimization: (x, p) => oneOf(x, p, ['disabled', 'basic', 'extended', 'all']),
    profilePrefix: nonEmptyString,
    executionProviders: (x, p) => {
      if (!Array.isArray(x) || x.length === 0) throw new ConfigError(p, `expected a non-empty array of provider names, got ${show(x)}`);
      x.forEach((name, i) => nonEmptyString(name, `${p}[${i}]`));
    },
    logLevel: (x, p) => oneOf(x, p, ['verbose', 'info', 'warning', 'error', 'fatal']),
    spinning: bool,
    nchwc: bool,
    device: (x, p) => oneOf(x, p, ['cpu', 'webgpu', 'auto']),
  });
  const o = v as { device?: unknown; executionProviders?: unknown } | undefined;
  if (o?.device !== undefined && o.executionProviders !== undefined) {
    throw new ConfigError(`${path}.device`, `give either 'device' or 'executionProviders', not both (device ${show(o.device)} picks the providers itself)`);
  }
}

function checkOptimizer(x: unknown, p: string): void {
  if (typeof x !== 'object' || x === null || typeof (x as { getConfig?: unknown }).getConfig !== 'function') {
    throw new ConfigError(p, `expected an optimizer (new Adam(), new SGD(), ...), got ${show(x)}`);
  }
}

/** Options of `Trainer.create` and a model's `compile`. */
export function checkTrainerOptions(v: unknown, path: string): void {
  checkObject(v, path, {
    optimizer: checkOptimizer,
    seed: safeInt,
    clipNorm: (x, p) => numberIn(x, p, 0, Infinity, { min: true, max: true }),
    session: checkSessionOptions,
    stepsPerExecution: checkStepsPerExecution,
    discriminatorOptimizer: checkOptimizer,
  });
}

function checkStepsPerExecution(v: unknown, path: string): void {
  if (v !== 'auto' && !(typeof v === 'number' && Number.isInteger(v) && v >= 1)) throw new ConfigError(path, `expected 'auto' or a positive integer, got ${show(v)}`);
}

/** Options of `Trainer.resume` and `load`: the session and steps per call (optimizer and seed come from the checkpoint). */
export function checkResumeOptions(v: unknown, path: string): void {
  checkObject(v, path, { session: checkSessionOptions, stepsPerExecution: checkStepsPerExecution });
}

/** The `earlyStopping` option and {@link EarlyStoppingCallback}'s fields. */
export function checkEarlyStopping(v: unknown, path: string): void {
  checkObject(v, path, {
    monitor: nonEmptyString,
    patience: nonNegativeInt,
    minDelta: (x, p) => numberIn(x, p, 0, Infinity, { max: true }),
    restoreBest: bool,
  });
}

const CALLBACK_HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;

/** The `callbacks` option: an array of objects with at least one hook, each a function. */
function checkCallbacks(v: unknown, path: string): void {
  if (!Array.isArray(v)) throw new ConfigError(path, `expected an array of callbacks (e.g. [new EarlyStoppingCallback({ patience: 3 })]), got ${show(v)}`);
  v.forEach((c: unknown, i) => {
    if (typeof c !== 'object' || c === null) throw new ConfigError(`${path}[${i}]`, `expected a callback object, got ${show(c)}`);
    const hooks = c as Record<string, unknown>;
    for (const hook of CALLBACK_HOOKS) {
      if (hooks[hook] !== undefined && typeof hooks[hook] !== 'function') throw new ConfigError(`${path}[${i}].${hook}`, `expected a function, got ${show(hooks[hook])}`);
    }
    if (!CALLBACK_HOOKS.some((hook) => typeof hooks[hook] === 'function')) throw new ConfigError(`${path}[${i}]`, `has none of the hooks ${CALLBACK_HOOKS.join(', ')}`);
  });
}

/** Options of `fit`; data sets are checked against the model separately. */
export function checkFitOptions(v: unknown, path = 'fit'): void {
  checkObject(v, path, {
    epochs: nonNegativeInt,
    batchSize: positiveInt,
    validationSplit: (x, p) => numberIn(x, p, 0, 1, { min: true, max: true }),
    validationData: (x, p) => {
      if (typeof x !== 'object' || x === null) throw new ConfigError(p, `expected arrays { x, shape } or a streamSource(...), got ${show(x)}`);
    },
    shuffle: bool,
    seed: safeInt,
    schedule: (x, p) => checkScheduleConfig(x, p),
    earlyStopping: checkEarlyStopping,
    callbacks: checkCallbacks,
    onProgress: fn,
    checkpointDir: nonEmptyString,
    worker: bool,
    onNonFinite: (x, p) => oneOf(x, p, ['stop', 'throw']),
    snapshotWeights: bool,
    signal: (x, p) => {
      if (!(x instanceof AbortSignal)) throw new ConfigError(p, `expected an AbortSignal (new AbortController().signal), got ${show(x)}`);
    },
  });
}

/** Options of `evaluate`. */
export function checkEvaluateOptions(v: unknown, path = 'evaluate'): void {
  checkObject(v, path, { batchSize: positiveInt });
}

/** Options of `predict`. */
export function checkPredictOptions(v: unknown, path = 'predict'): void {
  checkObject(v, path, {
    part: nonEmptyString, batchSize: positiveInt,
    tensors: (x, p) => {
      if (typeof x !== 'object' || x === null) throw new ConfigError(p, `expected tensors by name (e.g. an epoch event's e.tensors), got ${show(x)}`);
    },
  });
}
