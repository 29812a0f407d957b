/** Learning-rate schedules, stepped once per epoch as PyTorch's schedulers are. */
import { ConfigError, didYouMean, numberIn, positiveInt, show } from '../config/validate.js';

export type ScheduleConfig =
  | { type: 'constant' }
  /** lr · γ^⌊epoch / stepSize⌋ */
  | { type: 'step'; stepSize: number; gamma: number }
  /** lr · γ^epoch */
  | { type: 'exponential'; gamma: number }
  /** minLr + (lr − minLr) · (1 + cos(π · epoch / totalEpochs)) / 2 */
  | { type: 'cosine'; totalEpochs: number; minLr?: number }
  /** Multiply by `factor` after `patience` epochs without improving the monitored metric by minDelta. */
  | { type: 'reduceOnPlateau'; factor?: number; patience?: number; minDelta?: number; minLr?: number; monitor?: string };

/** Serializable state of a schedule, kept in checkpoints. */
export interface ScheduleState {
  plateauLr?: number;
  best?: number;
  badEpochs?: number;
}

type FieldCheck = (v: unknown, path: string) => unknown;

const positive: FieldCheck = (v, p) => numberIn(v, p, 0, Infinity, { min: true, max: true });
const nonNegative: FieldCheck = (v, p) => numberIn(v, p, 0, Infinity, { max: true });
const nonNegativeInt: FieldCheck = (v, p) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConfigError(p, `expected a non-negative integer, got ${show(v)}`);
};
const nonEmptyString: FieldCheck = (v, p) => {
  if (typeof v !== 'string' || v === '') throw new ConfigError(p, `expected a non-empty string, got ${show(v)}`);
};

/** Each schedule type's fields (besides `type`) with their checks, and which of them are required. */
const SCHEDULE_FIELDS: Record<ScheduleConfig['type'], { checks: Record<string, FieldCheck>; required: string[] }> = {
  constant: { checks: {}, required: [] },
  step: { checks: { stepSize: positiveInt, gamma: positive }, required: ['stepSize', 'gamma'] },
  exponential: { checks: { gamma: positive }, required: ['gamma'] },
  cosine: { checks: { totalEpochs: positiveInt, minLr: nonNegative }, required: ['totalEpochs'] },
  reduceOnPlateau: {
    checks: { factor: (v, p) => numberIn(v, p, 0, 1, { min: true, max: true }), patience: nonNegativeInt, minDelta: nonNegative, minLr: nonNegative, monitor: nonEmptyString },
    required: [],
  },
};

/**
 * Checks a schedule config: a known `type`, the fields that type requires,
 * every field in range (gamma > 0, a positive integer stepSize/totalEpochs,
 * minLr ≥ 0, factor in (0, 1), ...), and no field of another type or a
 * misspelt one. `undefined` fields count as absent.
 * @param path names the config in messages, e.g. `fit.schedule`.
 * @throws {ConfigError} naming the field, e.g. `schedule.gamma: expected a number in (0, ∞), got -1`.
 */
export function checkScheduleConfig(v: unknown, path = 'schedule'): ScheduleConfig {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(path, `expected an object such as { type: 'cosine', totalEpochs: 10 }, got ${show(v)}`);
  const o = v as Record<string, unknown>;
  const types = Object.keys(SCHEDULE_FIELDS);
  if (typeof o.type !== 'string' || !Object.hasOwn(SCHEDULE_FIELDS, o.type)) {
    const what = typeof o.type === 'string' ? `unknown schedule '${o.type}'${didYouMean(o.type, types)}` : `expected a schedule type, got ${show(o.type)}`;
    throw new ConfigError(`${path}.type`, `${what}; expected ${types.join(', ')}`);
  }
  const type = o.type as ScheduleConfig['type'];
  const { checks, required } = SCHEDULE_FIELDS[type];
  const allowed = ['type', ...Object.keys(checks)];
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(`${path}.${key}`, `not a field of a '${type}' schedule${didYouMean(key, allowed)}; its fields: ${allowed.join(', ')}`);
    }
  }
  for (const key of required) if (o[key] === undefined) throw new ConfigError(`${path}.${key}`, `required for a '${type}' schedule`);
  for (const [key, check] of Object.entries(checks)) if (o[key] !== undefined) check(o[key], `${path}.${key}`);
  return o as ScheduleConfig;
}

/** Computes each epoch's learning rate from a base rate and a schedule. */
export class LearningRateSchedule {
  private state: ScheduleState = {};

  /**
   * @param baseLr the optimizer's learning rate, a finite number ≥ 0.
   * @param config checked with {@link checkScheduleConfig}.
   * @throws {ConfigError} for a bad base rate or schedule field, naming it.
   */
  constructor(
    readonly baseLr: number,
    readonly config: ScheduleConfig = { type: 'constant' },
  ) {
    if (typeof baseLr !== 'number' || !Number.isFinite(baseLr) || baseLr < 0) {
      throw new ConfigError('LearningRateSchedule.baseLr', `the base learning rate must be a finite number ≥ 0, got ${show(baseLr)}`);
    }
    checkScheduleConfig(config);
  }

  /** The learning rate for a 0-based epoch. */
  lrForEpoch(epoch: number): number {
    const c = this.config;
    switch (c.type) {
      case 'constant': return this.baseLr;
      case 'step': return this.baseLr * c.gamma ** Math.floor(epoch / c.stepSize);
      case 'exponential': return this.baseLr * c.gamma ** epoch;
      case 'cosine': {
        const min = c.minLr ?? 0;
        const t = Math.min(epoch, c.totalEpochs) / c.totalEpochs;
        return min + ((this.baseLr - min) * (1 + Math.cos(Math.PI * t))) / 2;
      }
      case 'reduceOnPlateau': return this.state.plateauLr ?? this.baseLr;
    }
  }

  /** Feeds an epoch's metrics (only reduce-on-plateau reacts). */
  onEpochEnd(metrics: Record<string, number>): void {
    const c = this.config;
    if (c.type !== 'reduceOnPlateau') return;
    const value = metrics[c.monitor ?? 'valLoss'] ?? metrics.loss;
    if (value === undefined || !Number.isFinite(value)) return;
    const best = this.state.best ?? Infinity;
    if (value < best - (c.minDelta ?? 1e-4)) {
      this.state.best = value;
      this.state.badEpochs = 0;
      return;
    }
    this.state.badEpochs = (this.state.badEpochs ?? 0) + 1;
    if (this.state.badEpochs > (c.patience ?? 10)) {
      this.state.plateauLr = Math.max((this.state.plateauLr ?? this.baseLr) * (c.factor ?? 0.1), c.minLr ?? 0);
      this.state.badEpochs = 0;
    }
  }

  getState(): ScheduleState {
    return { ...this.state };
  }

  setState(state: ScheduleState): void {
    this.state = { ...state };
  }
}
