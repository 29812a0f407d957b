/**
 * The prior of an adversarial autoencoder's codes: N(0, I), or a mixture of K
 * Gaussians with one component per class for the supervised and
 * semi-supervised adversarial autoencoder (Makhzani et al. 2015, "Incorporating
 * label information in the adversarial regularization"). Here live the prior's
 * config, its geometry, its draws (in JavaScript for `sample`, in the graph for
 * training), the label rows the discriminator reads, and the
 * most-likely-component rule that turns codes into classes.
 */
import { Rng } from '../data/random.js';
import { type Value } from '../graph/graph.js';
import { ConfigError, numberIn, objectOf, oneOf, opt, positiveInt, req, show } from './config.js';

/**
 * A mixture of `components` Gaussians in the code space, one per class
 * (labels 0 … K−1). Component c has its mean at distance `radius` from the
 * origin at angle θ_c = 2πc / K in the plane of the first two code dimensions,
 * and standard deviation `std[0]` along that direction (radial) and `std[1]`
 * across it and along every code dimension past the second: in 2-D, K petals
 * around the origin, as in Makhzani et al.'s mixture of 10 2-D Gaussians, and
 * in k dimensions the same petals with a thin Gaussian in the other dimensions.
 */
export interface MixturePriorConfig {
  type: 'mixture';
  /** K: one component per class, so labels run from 0 to K − 1. */
  components: number;
  /** Distance of every component's mean from the origin. Default 4. */
  radius?: number;
  /** Standard deviations [radial, across] (see above). Default [1, 0.25]. */
  std?: [number, number];
  /**
   * Fraction of the labelled training samples whose label the discriminator
   * sees (the semi-supervised case); the others count as unlabelled. The
   * labelled ones are spread evenly over the data: sample i is labelled when
   * ⌊(i + 1)·f⌋ > ⌊i·f⌋, so the same samples are labelled at every `fit` and on
   * resume. Default 1 (every label is used: the supervised case).
   */
  labelledFraction?: number;
  /**
   * How many times each labelled sample appears in an epoch of `fit` (the
   * unlabelled ones once), so that more of each batch carries a label: with
   * `labelledFraction` 0.1, 9 makes half of every epoch labelled. Default 1.
   */
  labelledRepeats?: number;
}

/** The prior of an {@link AdversarialAutoencoder}'s codes. Default `{ type: 'gaussian' }`: N(0, I). */
export type PriorConfig = { type: 'gaussian' } | MixturePriorConfig;

/** A mixture prior with its defaults filled in, and its geometry for a code of `dim` values. */
export interface MixturePrior extends Required<MixturePriorConfig> {
  dim: number;
  /** Component means, [K, dim] row-major. */
  means: Float32Array;
  /** Per component the matrix A_c with z = m_c + A_c ε, ε ~ N(0, I): [K, dim, dim] row-major. */
  scales: Float32Array;
}

export type ResolvedPrior = { type: 'gaussian' } | MixturePrior;

/** Checks a `prior` config for a code of `dim` values (a mixture needs at least 2). */
export function parsePrior(v: unknown, path: string, dim: number): ResolvedPrior {
  if (v === undefined) return { type: 'gaussian' };
  const o = objectOf(v, path, ['type', 'components', 'radius', 'std', 'labelledFraction', 'labelledRepeats']);
  const type = oneOf(o.type, `${path}.type`, ['gaussian', 'mixture'] as const);
  if (type === 'gaussian') {
    const extra = Object.keys(o).find((k) => k !== 'type');
    if (extra) throw new ConfigError(`${path}.${extra}`, "only a 'mixture' prior takes this field");
    return { type };
  }
  if (dim < 2) throw new ConfigError(path, `a mixture prior needs a code of at least 2 values (its components lie in a plane), got latentDim ${dim}`);
  const components = req(o, 'components', path, (x, p) => {
    const k = positiveInt(x, p);
    if (k < 2) throw new ConfigError(p, `a mixture needs at least 2 components, got ${k}`);
    return k;
  });
  const radius = opt(o, 'radius', path, (x, p) => numberIn(x, p, 0, Infinity, { min: true }), 4);
  const std = opt<[number, number]>(o, 'std', path, (x, p): [number, number] => {
    if (!Array.isArray(x) || x.length !== 2) throw new ConfigError(p, `expected [radial, across], two standard deviations > 0, got ${show(x)}`);
    return [numberIn(x[0], `${p}[0]`, 0, Infinity, { min: true }), numberIn(x[1], `${p}[1]`, 0, Infinity, { min: true })];
  }, [1, 0.25]);
  const labelledFraction = opt(o, 'labelledFraction', path, (x, p) => numberIn(x, p, 0, 1), 1);
  const labelledRepeats = opt(o, 'labelledRepeats', path, positiveInt, 1);
  return { type, components, radius, std, labelledFraction, labelledRepeats, dim, ...mixtureGeometry(components, radius, std, dim) };
}

/** The config of a resolved prior (defaults explicit), as `getConfig` saves it. */
export function priorConfig(prior: ResolvedPrior): PriorConfig {
  if (prior.type === 'gaussian') return { type: 'gaussian' };
  return { type: 'mixture', components: prior.components, radius: prior.radius, std: [prior.std[0], prior.std[1]], labelledFraction: prior.labelledFraction, labelledRepeats: prior.labelledRepeats };
}

function mixtureGeometry(k: number, radius: number, std: [number, number], dim: number): { means: Float32Array; scales: Float32Array } {
  const means = new Float32Array(k * dim);
  const scales = new Float32Array(k * dim * dim);
  for (let c = 0; c < k; c++) {
    const theta = (2 * Math.PI * c) / k;
    const [cos, sin] = [Math.cos(theta), Math.sin(theta)];
    means[c * dim] = radius * cos;
    means[c * dim + 1] = radius * sin;
    const a = (i: number, j: number, v: number) => (scales[(c * dim + i) * dim + j] = v);
    // Column 0: the radial direction; column 1: the tangent; then the other axes.
    a(0, 0, std[0] * cos);
    a(1, 0, std[0] * sin);
    a(0, 1, -std[1] * sin);
    a(1, 1, std[1] * cos);
    for (let j = 2; j < dim; j++) a(j, j, std[1]);
  }
  return { means, scales };
}

/**
 * n codes drawn from the prior with a seeded generator: N(0, I), or the
 * mixture (each draw from a uniformly chosen component, or from component
 * `label` when given).
 */
export function drawPrior(prior: ResolvedPrior, dim: number, n: number, seed: number, label?: number): Float32Array {
  const rng = new Rng(seed);
  const z = new Float32Array(n * dim);
  if (prior.type === 'gaussian') {
    if (label !== undefined) throw new Error(`sample: a label picks a component of a mixture prior; this model's prior is N(0, I) (give prior: { type: 'mixture', ... })`);
    for (let i = 0; i < z.length; i++) z[i] = rng.normal();
    return z;
  }
  if (label !== undefined && !(Number.isInteger(label) && label >= 0 && label < prior.components)) {
    throw new Error(`sample: label must be an integer in [0, ${prior.components}) (one per mixture component), got ${show(label)}`);
  }
  const eps = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const c = label ?? rng.int(prior.components);
    for (let j = 0; j < dim; j++) eps[j] = rng.normal();
    for (let r = 0; r < dim; r++) {
      let v = prior.means[c * dim + r]!;
      for (let j = 0; j < dim; j++) v += prior.scales[(c * dim + r) * dim + j]! * eps[j]!;
      z[i * dim + r] = v;
    }
  }
  return z;
}

/**
 * Draws of the mixture in the graph, one per row of `labels` ([N, K + 1]: a
 * one-hot class, or a 1 in the last, "no label", column): a labelled row's
 * draw comes from its class's component, an unlabelled row's from a component
 * picked uniformly by ONNX Runtime's seeded RandomUniformLike (fresh every
 * step). `like` is a [N, dim] value that gives the batch its size. Built from
 * existing ops only (comparisons, MatMul); no gradient flows through it.
 */
export function mixtureDrawsGraph(prior: MixturePrior, labels: Value, like: Value): Value {
  const g = labels.graph;
  const k = prior.components;
  const dim = prior.dim;
  const classes = g.slice(labels, [0], [k], [1]);
  const unlabelled = g.slice(labels, [k], [k + 1], [1]);
  // A uniform component index u·K ∈ [0, K) as a one-hot row: [c ≤ u·K < c + 1] = [u·K < c + 1] − [u·K < c].
  const u = g.clip(g.mul(g.randomUniformLike(unlabelled), k), 0, k - 1e-3);
  const edge = (offset: number) => g.constant({ dtype: 'float32', shape: [1, k], data: Float32Array.from({ length: k }, (_, c) => c + offset) });
  const picked = g.sub(g.cast(g.less(u, edge(1)), 'float32'), g.cast(g.less(u, edge(0)), 'float32'));
  const onehot = g.add(classes, g.mul(unlabelled, picked));
  const means = g.matmul(onehot, g.constant({ dtype: 'float32', shape: [k, dim], data: prior.means }, 'mixture_means'));
  const scales = g.reshape(g.matmul(onehot, g.constant({ dtype: 'float32', shape: [k, dim * dim], data: prior.scales }, 'mixture_scales')), ['N', dim, dim]);
  const eps = g.reshape(g.randomNormalLike(like), ['N', 1, dim]);
  return g.add(means, g.reduceSum(g.mul(scales, eps), [2]));
}

/** Whether a `labelledFraction` f keeps the label of sample i: ⌊(i + 1)·f⌋ > ⌊i·f⌋ (evenly spread, f·n of n). */
export function keepsLabel(i: number, fraction: number): boolean {
  return Math.floor((i + 1) * fraction) > Math.floor(i * fraction);
}

/**
 * The label rows the discriminator reads, [n, K + 1]: class c as a one-hot
 * row, an unlabelled sample as a 1 in the last column. `labels` holds class
 * indices (−1: no label) or is absent (no sample labelled); `fraction` keeps
 * the labels of evenly spread samples only (see `labelledFraction`).
 */
export function labelRows(labels: ArrayLike<number> | undefined, n: number, k: number, fraction: number, what: string): Float32Array {
  if (labels !== undefined && labels.length !== n) throw new Error(`${what}: labels has ${labels.length} entries for ${n} samples`);
  const rows = new Float32Array(n * (k + 1));
  for (let i = 0; i < n; i++) {
    const c = labels?.[i] ?? -1;
    if (c !== -1 && !(Number.isInteger(c) && c >= 0 && c < k)) throw new Error(`${what}: labels[${i}] is ${show(c)}; expected a class in [0, ${k}) (one per mixture component) or -1 for no label`);
    const kept = c !== -1 && keepsLabel(i, fraction);
    rows[i * (k + 1) + (kept ? c : k)] = 1;
  }
  return rows;
}

/**
 * For each code the class of the mixture component under which it is most
 * likely (every component has the same covariance up to rotation, so this is
 * the smallest Mahalanobis distance): the prior's own classifier of codes.
 */
export function mostLikelyComponent(prior: MixturePrior, codes: Float32Array): Int32Array {
  const { dim, components: k } = prior;
  const n = codes.length / dim;
  if (!Number.isInteger(n)) throw new Error(`mostLikelyComponent: ${codes.length} values are not whole codes of ${dim}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let c = 0; c < k; c++) {
      let d2 = 0;
      for (let j = 0; j < dim; j++) {
        // Column j of A_c is s_j q_j with q_j a unit vector: its coordinate of Δ over s_j is (a_j · Δ) / s_j².
        let dot = 0;
        let norm2 = 0;
        for (let r = 0; r < dim; r++) {
          const a = prior.scales[(c * dim + r) * dim + j]!;
          dot += a * (codes[i * dim + r]! - prior.means[c * dim + r]!);
          norm2 += a * a;
        }
        d2 += (dot * dot) / (norm2 * norm2);
      }
      if (d2 < best) [best, out[i]] = [d2, c];
    }
  }
  return out;
}
