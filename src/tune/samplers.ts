/**
 * Samplers of trial parameters: random search, and the Tree-structured
 * Parzen Estimator (TPE) of Bergstra, Bardenet, Bengio and Kégl, "Algorithms
 * for Hyper-Parameter Optimization" (NeurIPS 2011), written from the paper.
 *
 * Both are deterministic: trial n of a study with seed s draws from its own
 * generator seeded by (s, n), and TPE looks only at the trials finished
 * before it, so a study's journal and seed fix every trial's parameters
 * whichever worker samples them.
 *
 * The TPE variant, exactly:
 * - Univariate (independent per parameter), as in the paper.
 * - Startup: the first `startupTrials` (default 10) trials, counted as
 *   finished trials with a value, are sampled at random.
 * - Split: finished trials are ranked by objective (best first; pruned and
 *   failed trials rank after every complete one); the best
 *   n_good = min(max(1, ceil(γ·n)), complete trials) with γ = 0.15 (the
 *   paper's experiments; hyperopt's default is 0.25) form the "good"
 *   group l, every other trial the "bad" group g.
 * - Numeric spaces are modelled in an internal coordinate: the value for
 *   `uniform`, its logarithm for `logUniform` and log-scaled `int`, and for
 *   an `int` the value on [low − 0.5, high + 0.5] (rounded back), so each
 *   integer owns a unit interval.
 * - Parzen estimator (hyperopt's adaptive Parzen estimator): a mixture of
 *   normals truncated to the space's bounds, one per observation plus a prior
 *   component at the middle of the space with σ = its width, all of equal
 *   weight. Each observation's σ is the larger distance to its neighbours
 *   when the observations and the prior's centre are sorted (the bounds
 *   standing in for missing neighbours), clipped to [width / min(100, 1 + n),
 *   width] for n observations.
 * - Categorical (`choice`) spaces: category probabilities proportional to
 *   the group's counts plus 1 (a uniform prior of weight 1 per category).
 * - Candidates: 24 draws from l; the one with the largest log l(x) − log g(x)
 *   is taken (the expected-improvement criterion of the paper).
 */
import { erf } from '../anomaly/erf.js';
import { Rng } from '../data/random.js';
import { type ParamSpec, type Params, type SamplerName, type SearchParam } from './space.js';

/** A finished or running trial as a sampler sees it. */
export interface Observation {
  params: Params;
  state: 'complete' | 'pruned' | 'failed';
  /** The objective, oriented so that lower is better (a maximized objective negated); complete trials only. */
  loss?: number;
}

/** Samples the parameters of trial `number` given the trials finished before it. */
export interface Sampler {
  readonly name: SamplerName;
  sample(space: readonly SearchParam[], history: readonly Observation[], number: number): Params;
}

/** TPE's settings; defaults in the module comment. */
export interface TpeOptions {
  startupTrials?: number;
  gamma?: number;
  candidates?: number;
}

/** The generator of trial `number` of a study seeded `seed`. */
export function trialRng(seed: number, number: number): Rng {
  return new Rng(((seed >>> 0) ^ Math.imul(number + 1, 0x9e3779b1)) >>> 0);
}

/** A value drawn uniformly from a space (log-uniformly for log spaces). */
export function sampleUniform(spec: ParamSpec, rng: Rng): unknown {
  switch (spec.kind) {
    case 'choice': return spec.values[rng.int(spec.values.length)];
    case 'uniform': return spec.low + rng.float() * (spec.high - spec.low);
    case 'logUniform': return Math.exp(Math.log(spec.low) + rng.float() * (Math.log(spec.high) - Math.log(spec.low)));
    case 'int': {
      if (!spec.log) return spec.low + rng.int(spec.high - spec.low + 1);
      const [lo, hi] = bounds(spec);
      return fromInternal(spec, lo + rng.float() * (hi - lo));
    }
  }
}

/** Random search: every parameter drawn independently and uniformly (log-uniformly for log spaces). */
export class RandomSampler implements Sampler {
  readonly name = 'random' as const;
  constructor(private readonly seed = 0) {}

  sample(space: readonly SearchParam[], _history: readonly Observation[], number: number): Params {
    const rng = trialRng(this.seed, number);
    return Object.fromEntries(space.map((p) => [p.name, sampleUniform(p.spec, rng)]));
  }
}

type NumericSpec = Exclude<ParamSpec, { kind: 'choice' }>;

/** The internal coordinate's bounds of a numeric space. */
function bounds(spec: NumericSpec): [number, number] {
  if (spec.kind === 'uniform') return [spec.low, spec.high];
  if (spec.kind === 'logUniform') return [Math.log(spec.low), Math.log(spec.high)];
  return spec.log ? [Math.log(spec.low - 0.5), Math.log(spec.high + 0.5)] : [spec.low - 0.5, spec.high + 0.5];
}

function toInternal(spec: NumericSpec, v: number): number {
  return spec.kind === 'logUniform' || (spec.kind === 'int' && spec.log) ? Math.log(v) : v;
}

function fromInternal(spec: NumericSpec, x: number): number {
  const v = spec.kind === 'logUniform' || (spec.kind === 'int' && spec.log) ? Math.exp(x) : x;
  if (spec.kind !== 'int') return Math.min(spec.high, Math.max(spec.low, v));
  return Math.min(spec.high, Math.max(spec.low, Math.round(v)));
}

const SQRT2 = Math.SQRT2;
const normalCdf = (z: number) => 0.5 * (1 + erf(z / SQRT2));

/** A mixture of truncated normals (see the module comment). */
class Parzen {
  readonly mus: number[];
  readonly sigmas: number[];
  private readonly mass: number[];

  constructor(observations: readonly number[], readonly lo: number, readonly hi: number) {
    const width = hi - lo;
    const prior = (lo + hi) / 2;
    const points = [...observations, prior].map((x, i) => ({ x, prior: i === observations.length })).sort((a, b) => a.x - b.x);
    const minSigma = width / Math.min(100, 1 + observations.length);
    this.mus = points.map((p) => p.x);
    this.sigmas = points.map((p, i) => {
      if (p.prior) return width;
      const left = p.x - (i > 0 ? points[i - 1]!.x : lo);
      const right = (i < points.length - 1 ? points[i + 1]!.x : hi) - p.x;
      return Math.min(width, Math.max(minSigma, left, right));
    });
    this.mass = this.mus.map((m, i) => Math.max(1e-12, normalCdf((hi - m) / this.sigmas[i]!) - normalCdf((lo - m) / this.sigmas[i]!)));
  }

  sample(rng: Rng): number {
    const i = rng.int(this.mus.length);
    for (let t = 0; t < 100; t++) {
      const x = this.mus[i]! + this.sigmas[i]! * rng.normal();
      if (x >= this.lo && x <= this.hi) return x;
    }
    return Math.min(this.hi, Math.max(this.lo, this.mus[i]!));
  }

  logDensity(x: number): number {
    let p = 0;
    for (let i = 0; i < this.mus.length; i++) {
      const z = (x - this.mus[i]!) / this.sigmas[i]!;
      p += Math.exp(-0.5 * z * z) / (this.sigmas[i]! * Math.sqrt(2 * Math.PI) * this.mass[i]!);
    }
    return Math.log(p / this.mus.length + 1e-300);
  }
}

/** Index of a choice value among the space's values (JSON equality, so arrays and objects compare by content). */
function choiceIndex(values: readonly unknown[], v: unknown): number {
  const s = JSON.stringify(v);
  return values.findIndex((x) => JSON.stringify(x) === s);
}

/** The Tree-structured Parzen Estimator; the exact variant is in the module comment. */
export class TpeSampler implements Sampler {
  readonly name = 'tpe' as const;
  private readonly random: RandomSampler;
  private readonly startupTrials: number;
  private readonly gamma: number;
  private readonly candidates: number;

  constructor(private readonly seed = 0, options: TpeOptions = {}) {
    this.random = new RandomSampler(seed);
    this.startupTrials = options.startupTrials ?? 10;
    this.gamma = options.gamma ?? 0.15;
    this.candidates = options.candidates ?? 24;
  }

  sample(space: readonly SearchParam[], history: readonly Observation[], number: number): Params {
    const complete = history.filter((h) => h.state === 'complete' && Number.isFinite(h.loss)).sort((a, b) => a.loss! - b.loss!);
    if (complete.length < this.startupTrials) return this.random.sample(space, history, number);
    const rest = history.filter((h) => !complete.includes(h));
    const nGood = Math.min(complete.length, Math.max(1, Math.ceil(this.gamma * (complete.length + rest.length))));
    const good = complete.slice(0, nGood);
    const bad = [...complete.slice(nGood), ...rest];
    const rng = trialRng(this.seed, number);
    const out: Params = {};
    for (const p of space) {
      const usable = (list: readonly Observation[]) => list.filter((h) => Object.hasOwn(h.params, p.name));
      out[p.name] = p.spec.kind === 'choice'
        ? this.sampleChoice(p.spec.values, usable(good).map((h) => h.params[p.name]), usable(bad).map((h) => h.params[p.name]), rng)
        : this.sampleNumeric(p.spec, usable(good).map((h) => h.params[p.name] as number), usable(bad).map((h) => h.params[p.name] as number), rng);
    }
    return out;
  }

  private sampleNumeric(spec: NumericSpec, good: number[], bad: number[], rng: Rng): number {
    const [lo, hi] = bounds(spec);
    const l = new Parzen(good.map((v) => toInternal(spec, v)), lo, hi);
    const g = new Parzen(bad.map((v) => toInternal(spec, v)), lo, hi);
    let best = l.sample(rng);
    let bestScore = -Infinity;
    for (let c = 0; c < this.candidates; c++) {
      const x = c === 0 ? best : l.sample(rng);
      const score = l.logDensity(x) - g.logDensity(x);
      if (score > bestScore) {
        best = x;
        bestScore = score;
      }
    }
    return fromInternal(spec, best);
  }

  private sampleChoice(values: readonly unknown[], good: unknown[], bad: unknown[], rng: Rng): unknown {
    const probs = (list: unknown[]) => {
      const counts = values.map(() => 1);
      for (const v of list) {
        const i = choiceIndex(values, v);
        if (i >= 0) counts[i]! += 1;
      }
      const total = counts.reduce((a, b) => a + b, 0);
      return counts.map((c) => c / total);
    };
    const l = probs(good);
    const g = probs(bad);
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < this.candidates; c++) {
      let u = rng.float();
      let i = 0;
      while (i < l.length - 1 && u >= l[i]!) u -= l[i++]!;
      const score = Math.log(l[i]!) - Math.log(g[i]!);
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    return values[best];
  }
}

/** The sampler a study's settings name. */
export function makeSampler(name: SamplerName, seed: number, options: TpeOptions = {}): Sampler {
  return name === 'random' ? new RandomSampler(seed) : new TpeSampler(seed, options);
}
