/**
 * Samplers of trial parameters: random search, and the Tree-structured
 * Parzen Estimator (TPE) of Bergstra, Bardenet, Bengio and Kégl, "Algorithms
 * for Hyper-Parameter Optimization" (NeurIPS 2011), written from the paper,
 * by default with one joint density over all parameters (multivariate TPE,
 * as in Falkner et al. 2018, BOHB, and Optuna's `multivariate` option)
 * instead of one per parameter.
 *
 * Both are deterministic: trial n of a study with seed s draws from its own
 * generator seeded by (s, n), and TPE looks only at the trials finished
 * before it, so a study's journal and seed fix every trial's parameters
 * whichever worker samples them.
 *
 * The TPE variant, exactly (defaults in `TPE_DEFAULTS`):
 * - Startup: the first `startupTrials` (10) trials, counted as finished
 *   trials with a value, are sampled at random.
 * - Split: finished trials are ranked by objective (best first; pruned and
 *   failed trials rank after every complete one); the best
 *   n_good = min(max(1, ⌈γ·n⌉), complete trials) with γ = 0.15 (the
 *   paper's experiments; hyperopt's default is 0.25) form the "good"
 *   group l, every other trial the "bad" group g.
 * - Numeric spaces are modelled in an internal coordinate: the value for
 *   `uniform`, its logarithm for `logUniform` and log-scaled `int`, and for
 *   an `int` the value on [low − 0.5, high + 0.5] (rounded back), so each
 *   integer owns a unit interval.
 * - Joint density (`multivariate`, the default): a mixture of product
 *   kernels, one per trial of the group, plus a prior; see `JointParzen`.
 *   Numeric kernels are normals truncated to the space with Scott's-rule
 *   widths (`bandwidth: 'scott'`).
 * - Per-parameter densities (`multivariate: false`, the 2011 paper and
 *   hyperopt): numeric spaces by hyperopt's adaptive Parzen estimator, normals
 *   truncated to the space, one per observation plus a prior at the middle
 *   of the space with σ = its width, equal weights, each observation's σ by
 *   `neighbourSigmas`; `choice` spaces by category probabilities
 *   proportional to the group's counts plus 1.
 * - Candidates: 24 draws from l; the one with the largest l(x) / g(x) is
 *   taken (the expected-improvement criterion of the paper).
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

/**
 * Kernel widths along the joint density's numeric axes: 'neighbour', hyperopt's
 * gaps to the neighbouring observations; 'scott', Scott's rule σ = s·n^(−1/(D+4))
 * with s the observations' standard deviation; 'range', the same rule with s the
 * standard deviation of a uniform distribution over the space (width / √12).
 */
export type Bandwidth = 'neighbour' | 'scott' | 'range';

/** TPE's settings; defaults in `TPE_DEFAULTS`, the method in the module comment. */
export interface TpeOptions {
  /** Complete trials sampled at random before the model takes over. */
  startupTrials?: number;
  /** The good group's share of the finished trials (⌈γ·n⌉), or 'sqrt' for hyperopt's ⌈0.25·√n⌉. */
  gamma?: number | 'sqrt';
  /** Candidates drawn from l(x); the one with the largest l(x)/g(x) is taken. */
  candidates?: number;
  /** One joint density over all parameters (true), or one density per parameter as in Bergstra et al. 2011. */
  multivariate?: boolean;
  /** Kernel widths of the joint density's numeric axes (see `Bandwidth`). */
  bandwidth?: Bandwidth;
  /** Weight of the joint density's prior component (each observation weighs 1). */
  priorWeight?: number;
}

/** TPE's default settings. */
export const TPE_DEFAULTS: Readonly<Required<TpeOptions>> = { startupTrials: 10, gamma: 0.15, candidates: 24, multivariate: true, bandwidth: 'scott', priorWeight: 1 };

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
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const normalCdf = (z: number) => 0.5 * (1 + erf(z / SQRT2));

/** Probability mass of N(mu, sigma) on [lo, hi] (floored, so a far-off kernel keeps a finite density). */
function truncatedMass(mu: number, sigma: number, lo: number, hi: number): number {
  return Math.max(1e-12, normalCdf((hi - mu) / sigma) - normalCdf((lo - mu) / sigma));
}

/** A draw from N(mu, sigma) truncated to [lo, hi], by rejection (the mean itself after 100 misses). */
function sampleTruncated(mu: number, sigma: number, lo: number, hi: number, rng: Rng): number {
  for (let t = 0; t < 100; t++) {
    const x = mu + sigma * rng.normal();
    if (x >= lo && x <= hi) return x;
  }
  return Math.min(hi, Math.max(lo, mu));
}

/**
 * hyperopt's adaptive bandwidths: each observation's σ is the larger gap to
 * its neighbours among the sorted observations and the prior's centre (the
 * bounds standing in at the ends), clipped to [width / min(100, 1 + n), width].
 */
function neighbourSigmas(observations: readonly number[], lo: number, hi: number): number[] {
  const width = hi - lo;
  const minSigma = width / Math.min(100, 1 + observations.length);
  const sorted = [...observations, (lo + hi) / 2].map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x);
  const out = new Array<number>(observations.length);
  sorted.forEach((p, k) => {
    if (p.i === observations.length) return;
    const left = p.x - (k > 0 ? sorted[k - 1]!.x : lo);
    const right = (k < sorted.length - 1 ? sorted[k + 1]!.x : hi) - p.x;
    out[p.i] = Math.min(width, Math.max(minSigma, left, right));
  });
  return out;
}

/** A mixture of truncated normals (see the module comment). */
class Parzen {
  readonly mus: number[];
  readonly sigmas: number[];
  private readonly mass: number[];

  constructor(observations: readonly number[], readonly lo: number, readonly hi: number) {
    this.mus = [...observations, (lo + hi) / 2];
    this.sigmas = [...neighbourSigmas(observations, lo, hi), hi - lo];
    this.mass = this.mus.map((m, i) => truncatedMass(m, this.sigmas[i]!, lo, hi));
  }

  sample(rng: Rng): number {
    const i = rng.int(this.mus.length);
    return sampleTruncated(this.mus[i]!, this.sigmas[i]!, this.lo, this.hi, rng);
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

/** One axis of the joint density: a numeric space in its internal coordinate, or a choice's index. */
type Axis = { kind: 'numeric'; spec: NumericSpec; lo: number; hi: number } | { kind: 'choice'; values: readonly unknown[] };

function axisOf(spec: ParamSpec): Axis {
  if (spec.kind === 'choice') return { kind: 'choice', values: spec.values };
  const [lo, hi] = bounds(spec);
  return { kind: 'numeric', spec, lo, hi };
}

/** A trial's parameters as a point on the axes (undefined when a parameter is missing or not among its choices). */
function encode(space: readonly SearchParam[], axes: readonly Axis[], params: Params): number[] | undefined {
  const x: number[] = [];
  for (let d = 0; d < space.length; d++) {
    const name = space[d]!.name;
    if (!Object.hasOwn(params, name)) return undefined;
    const a = axes[d]!;
    const v = a.kind === 'choice' ? choiceIndex(a.values, params[name]) : toInternal(a.spec, params[name] as number);
    if (!Number.isFinite(v) || (a.kind === 'choice' && v < 0)) return undefined;
    x.push(v);
  }
  return x;
}

/**
 * A joint Parzen density over all parameters (multivariate TPE): a mixture
 * of product kernels, one per observation, plus a prior component, so a
 * parameter's good values stay tied to the values of the others they were
 * observed with.
 * - Numeric axis: a normal truncated to the space, centred on the observed
 *   value; σ by `bandwidth` (see `Bandwidth`; one observation alone has
 *   s = width under 'scott'), clipped to [width / min(100, 1 + n), width].
 *   Prior: centred in the space, σ = width.
 * - Choice axis with k values: the observed value with probability 1 − λ,
 *   each value with λ / k more, λ = k / (n + k), the smoothing for which a
 *   one-axis mixture gives each value a probability ∝ its count + 1. Prior:
 *   uniform.
 * Every observation has weight 1, the prior `priorWeight`.
 */
class JointParzen {
  private readonly weights: number[];
  private readonly sigmas: number[][];
  private readonly logMass: number[][];
  private readonly lambdas: number[];

  constructor(private readonly points: readonly number[][], private readonly axes: readonly Axis[], bandwidth: Bandwidth, priorWeight: number) {
    const n = points.length;
    const total = n + priorWeight;
    this.weights = [...points.map(() => 1 / total), priorWeight / total];
    this.lambdas = axes.map((a) => (a.kind === 'choice' ? a.values.length / (n + a.values.length) : 0));
    // sigmas[d][i]: component i's σ along axis d (the prior last).
    this.sigmas = axes.map((a, d) => {
      if (a.kind === 'choice') return [];
      const width = a.hi - a.lo;
      const xs = points.map((p) => p[d]!);
      if (bandwidth === 'neighbour') return [...neighbourSigmas(xs, a.lo, a.hi), width];
      const mean = xs.reduce((acc, v) => acc + v, 0) / Math.max(1, n);
      const sd = bandwidth === 'range' ? width / Math.sqrt(12) : n > 1 ? Math.sqrt(xs.reduce((acc, v) => acc + (v - mean) ** 2, 0) / (n - 1)) : width;
      const sigma = Math.min(width, Math.max(width / Math.min(100, 1 + n), sd * Math.max(1, n) ** (-1 / (axes.length + 4))));
      return [...xs.map(() => sigma), width];
    });
    this.logMass = axes.map((a, d) => (a.kind === 'choice' ? [] : this.sigmas[d]!.map((sg, i) => Math.log(truncatedMass(this.centre(i, d), sg, a.lo, a.hi)))));
  }

  /** Component i's centre along numeric axis d. */
  private centre(i: number, d: number): number {
    const a = this.axes[d] as Extract<Axis, { kind: 'numeric' }>;
    return i < this.points.length ? this.points[i]![d]! : (a.lo + a.hi) / 2;
  }

  sample(rng: Rng): number[] {
    let u = rng.float();
    let i = 0;
    while (i < this.weights.length - 1 && u >= this.weights[i]!) u -= this.weights[i++]!;
    const prior = i === this.points.length;
    return this.axes.map((a, d) => {
      if (a.kind === 'numeric') return sampleTruncated(this.centre(i, d), this.sigmas[d]![i]!, a.lo, a.hi, rng);
      const k = a.values.length;
      // rng is drawn from the same number of times either way, so candidates stay aligned.
      const keep = rng.float() >= this.lambdas[d]!;
      const other = rng.int(k);
      return prior || !keep ? other : this.points[i]![d]!;
    });
  }

  logDensity(x: readonly number[]): number {
    const logs = this.weights.map((w, i) => {
      let lp = Math.log(w);
      for (let d = 0; d < this.axes.length; d++) {
        const a = this.axes[d]!;
        if (a.kind === 'choice') {
          const k = a.values.length;
          if (i === this.points.length) lp -= Math.log(k);
          else lp += Math.log((x[d] === this.points[i]![d] ? 1 - this.lambdas[d]! : 0) + this.lambdas[d]! / k);
        } else {
          const sg = this.sigmas[d]![i]!;
          const z = (x[d]! - this.centre(i, d)) / sg;
          lp += -0.5 * z * z - Math.log(sg) - LOG_SQRT_2PI - this.logMass[d]![i]!;
        }
      }
      return lp;
    });
    const m = Math.max(...logs);
    return m + Math.log(logs.reduce((acc, v) => acc + Math.exp(v - m), 0));
  }
}

/** The Tree-structured Parzen Estimator; the exact variant is in the module comment. */
export class TpeSampler implements Sampler {
  readonly name = 'tpe' as const;
  private readonly random: RandomSampler;
  private readonly options: Required<TpeOptions>;

  /** @throws {Error} naming the option when a setting is out of range. */
  constructor(private readonly seed = 0, options: TpeOptions = {}) {
    this.random = new RandomSampler(seed);
    const o = { ...TPE_DEFAULTS, ...options };
    const bad = (field: string, expected: string, got: unknown) => new Error(`TpeSampler options.${field}: expected ${expected}, got ${JSON.stringify(got)}`);
    if (!Number.isInteger(o.startupTrials) || o.startupTrials < 0) throw bad('startupTrials', 'an integer >= 0', o.startupTrials);
    if (o.gamma !== 'sqrt' && !(o.gamma > 0 && o.gamma <= 1)) throw bad('gamma', "a fraction in (0, 1] or 'sqrt'", o.gamma);
    if (!Number.isInteger(o.candidates) || o.candidates < 1) throw bad('candidates', 'an integer >= 1', o.candidates);
    if (!(o.priorWeight > 0) || !Number.isFinite(o.priorWeight)) throw bad('priorWeight', 'a finite number > 0', o.priorWeight);
    if (!['neighbour', 'scott', 'range'].includes(o.bandwidth)) throw bad('bandwidth', "'neighbour', 'scott' or 'range'", o.bandwidth);
    this.options = o;
  }

  sample(space: readonly SearchParam[], history: readonly Observation[], number: number): Params {
    const complete = history.filter((h) => h.state === 'complete' && Number.isFinite(h.loss)).sort((a, b) => a.loss! - b.loss!);
    if (complete.length < this.options.startupTrials) return this.random.sample(space, history, number);
    const rest = history.filter((h) => !complete.includes(h));
    const nGood = Math.min(complete.length, Math.max(1, splitSize(this.options.gamma, complete.length + rest.length)));
    const good = complete.slice(0, nGood);
    const bad = [...complete.slice(nGood), ...rest];
    const rng = trialRng(this.seed, number);
    return this.options.multivariate ? this.sampleJoint(space, good, bad, rng) : this.sampleIndependent(space, good, bad, rng);
  }

  private sampleJoint(space: readonly SearchParam[], good: Observation[], bad: Observation[], rng: Rng): Params {
    const axes = space.map((p) => axisOf(p.spec));
    const points = (list: Observation[]) => list.map((h) => encode(space, axes, h.params)).filter((x): x is number[] => x !== undefined);
    const { bandwidth, priorWeight } = this.options;
    const l = new JointParzen(points(good), axes, bandwidth, priorWeight);
    const g = new JointParzen(points(bad), axes, bandwidth, priorWeight);
    let best: number[] = [];
    let bestScore = -Infinity;
    for (let c = 0; c < this.options.candidates; c++) {
      const x = l.sample(rng);
      const score = l.logDensity(x) - g.logDensity(x);
      if (score > bestScore) {
        best = x;
        bestScore = score;
      }
    }
    return Object.fromEntries(space.map((p, d) => {
      const a = axes[d]!;
      return [p.name, a.kind === 'choice' ? a.values[best[d]!] : fromInternal(a.spec, best[d]!)];
    }));
  }

  private sampleIndependent(space: readonly SearchParam[], good: Observation[], bad: Observation[], rng: Rng): Params {
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
    for (let c = 0; c < this.options.candidates; c++) {
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
    for (let c = 0; c < this.options.candidates; c++) {
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

/** Size of the good group among n finished trials: ⌈γ·n⌉ for a fraction γ, or hyperopt's ⌈0.25·√n⌉ for 'sqrt'. */
function splitSize(gamma: number | 'sqrt', n: number): number {
  return gamma === 'sqrt' ? Math.ceil(0.25 * Math.sqrt(n)) : Math.ceil(gamma * n);
}

/** The sampler a study's settings name. */
export function makeSampler(name: SamplerName, seed: number, options: TpeOptions = {}): Sampler {
  return name === 'random' ? new RandomSampler(seed) : new TpeSampler(seed, options);
}
