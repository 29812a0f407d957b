/**
 * The optimizers' and LearningRateSchedule's arguments are checked before use:
 * unknown keys (with a close match), a non-object, NaN shown as NaN, and every
 * schedule field including the base rate.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/validate.js';
import { Adam, AdamW, RMSProp, SGD } from '../../src/optim/optimizers.js';
import { LearningRateSchedule, checkScheduleConfig, type ScheduleConfig } from '../../src/optim/schedules.js';

const any = (v: unknown) => v as never;

/** Asserts a ConfigError whose message matches every pattern. */
function rejects(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

describe('optimizer args', () => {
  it('reject unknown keys, naming the key, a close match and the allowed ones', () => {
    rejects(() => new Adam(any({ lr: 0.1 })), /^Adam\.lr: unknown option \(did you mean 'learningRate'\?\); allowed options: learningRate, beta1, beta2, epsilon$/);
    rejects(() => new SGD(any({ learningRate: 0.1, momentun: 0.9 })), /SGD\.momentun: unknown option \(did you mean 'momentum'\?\)/, /nesterov, weightDecay/);
    rejects(() => new RMSProp(any({ alpha: 0.9 })), /RMSProp\.alpha: unknown option; allowed options: learningRate, rho, epsilon, momentum/);
    // AdamW accepts weightDecay; Adam does not (it has no weight decay at all).
    rejects(() => new Adam(any({ weightDecay: 0.01 })), /Adam\.weightDecay: unknown option/);
    rejects(() => new AdamW(any({ weight_decay: 0.01 })), /AdamW\.weight_decay: unknown option \(did you mean 'weightDecay'\?\)/);
    assert.equal(new AdamW({ weightDecay: 0.05, learningRate: 0.01 }).weightDecay, 0.05);
  });

  it('reject args that are not an object', () => {
    rejects(() => new SGD(any(null)), /^SGD: options must be an object \(or left out\) with options learningRate, momentum, nesterov, weightDecay; got null$/);
    rejects(() => new Adam(any(0.01)), /^Adam: options must be an object .*; got number 0\.01$/);
    rejects(() => new AdamW(any([0.01])), /^AdamW: .*got an array$/);
    rejects(() => new RMSProp(any('fast')), /^RMSProp: .*got string "fast"$/);
    assert.equal(new SGD().learningRate, 1e-3);
    assert.equal(new SGD(undefined).learningRate, 1e-3);
  });

  it('show NaN and Infinity as such', () => {
    rejects(() => new Adam({ beta2: NaN }), /^Adam: beta2 must be a number in \[0, 1\), got NaN$/);
    rejects(() => new SGD({ learningRate: Infinity }), /got Infinity$/);
    rejects(() => new RMSProp({ epsilon: -Infinity }), /epsilon .*got -Infinity$/);
    rejects(() => new AdamW({ weightDecay: NaN }), /AdamW: weightDecay .*got NaN$/);
  });
});

describe('LearningRateSchedule', () => {
  it('checks the base rate', () => {
    for (const lr of [NaN, -0.1, Infinity, any('0.1'), any(undefined)]) {
      rejects(() => new LearningRateSchedule(lr), /^LearningRateSchedule\.baseLr: the base learning rate must be a finite number ≥ 0, got /);
    }
    rejects(() => new LearningRateSchedule(NaN), /got NaN$/);
    assert.equal(new LearningRateSchedule(0).lrForEpoch(3), 0);
  });

  it('checks every field of every schedule type', () => {
    const bad: [unknown, RegExp][] = [
      [null, /^schedule: expected an object/],
      [{ type: 'warp' }, /^schedule\.type: unknown schedule 'warp'; expected constant, step, exponential, cosine, reduceOnPlateau$/],
      [{ type: 'cosin', totalEpochs: 3 }, /unknown schedule 'cosin' \(did you mean 'cosine'\?\)/],
      [{}, /^schedule\.type: expected a schedule type, got undefined/],
      [{ type: 'step', gamma: 0.5 }, /^schedule\.stepSize: required for a 'step' schedule$/],
      [{ type: 'step', stepSize: 0, gamma: 0.5 }, /^schedule\.stepSize: expected a positive integer, got 0$/],
      [{ type: 'step', stepSize: 2, gamma: NaN }, /^schedule\.gamma: expected a number in \(0, ∞\), got NaN$/],
      [{ type: 'exponential' }, /^schedule\.gamma: required/],
      [{ type: 'exponential', gamma: -1 }, /^schedule\.gamma: expected a number in \(0, ∞\), got -1$/],
      [{ type: 'cosine', totalEpochs: 2.5 }, /^schedule\.totalEpochs: expected a positive integer, got 2\.5$/],
      [{ type: 'cosine', totalEpochs: 3, minLr: -1 }, /^schedule\.minLr: expected a number in \[0, ∞\), got -1$/],
      [{ type: 'cosine', totalEpochs: 3, minlr: 0 }, /^schedule\.minlr: not a field of a 'cosine' schedule \(did you mean 'minLr'\?\); its fields: type, totalEpochs, minLr$/],
      [{ type: 'constant', gamma: 0.5 }, /^schedule\.gamma: not a field of a 'constant' schedule; its fields: type$/],
      [{ type: 'reduceOnPlateau', factor: 1.5 }, /^schedule\.factor: expected a number in \(0, 1\), got 1\.5$/],
      [{ type: 'reduceOnPlateau', patience: -1 }, /^schedule\.patience: expected a non-negative integer, got -1$/],
      [{ type: 'reduceOnPlateau', minDelta: Infinity }, /^schedule\.minDelta: expected a number in \[0, ∞\), got Infinity$/],
      [{ type: 'reduceOnPlateau', monitor: '' }, /^schedule\.monitor: expected a non-empty string/],
    ];
    for (const [config, pattern] of bad) {
      rejects(() => new LearningRateSchedule(0.1, any(config)), pattern);
      rejects(() => checkScheduleConfig(config, 'schedule'), pattern);
    }
    rejects(() => checkScheduleConfig({ type: 'step', gamma: 0.5 }, 'fit.schedule'), /^fit\.schedule\.stepSize: required/);
  });

  it('accepts valid schedules, with undefined fields as absent', () => {
    const good: ScheduleConfig[] = [
      { type: 'constant' },
      { type: 'step', stepSize: 2, gamma: 0.5 },
      { type: 'exponential', gamma: 0.9 },
      { type: 'cosine', totalEpochs: 10, minLr: undefined },
      { type: 'reduceOnPlateau', factor: 0.5, patience: 0, minDelta: 0, minLr: 1e-5, monitor: 'loss' },
    ];
    for (const c of good) assert.ok(Number.isFinite(new LearningRateSchedule(0.1, c).lrForEpoch(1)), JSON.stringify(c));
  });
});
