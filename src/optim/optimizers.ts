import { type Graph, type Value } from '../graph/graph.js';
import { type DType } from '../graph/types.js';
import { ConfigError, argNames, optionsOf, show } from '../config/validate.js';
import { type OptimizerName } from './names.js';

/** Inputs an optimizer's in-graph update sees for one parameter. */
export interface UpdateArgs {
  param: Value;
  grad: Value;
  /** This parameter's slots (same shape as the parameter), by slot name. */
  slots: Record<string, Value>;
  /** Learning rate, a scalar graph input so schedules need no recompilation. */
  lr: Value;
  /**
   * 1-based step count as a float32 scalar (exact up to 2²⁴), for bias
   * corrections; form anything sensitive to rounding from it in float64, as
   * {@link Adam} does.
   */
  step: Value;
}

export interface UpdateResult {
  param: Value;
  slots: Record<string, Value>;
}

/** JSON form of an optimizer. */
export interface OptimizerConfig {
  name: OptimizerName;
  learningRate: number;
  [key: string]: unknown;
}

/**
 * An optimizer whose update is part of the compiled training graph: one
 * session.run takes parameters and slots in and returns their new values.
 */
export interface Optimizer {
  readonly learningRate: number;
  /** Per-parameter state tensors, all initialized to zero. */
  readonly slotNames: readonly string[];
  /**
   * True when the update treats every element on its own (given the scalar lr and
   * step), so updating all parameters as one concatenated vector gives the same
   * numbers; the training step then fuses the update into one set of nodes.
   */
  readonly elementwise?: boolean;
  update(g: Graph, args: UpdateArgs): UpdateResult;
  getConfig(): OptimizerConfig;
}

/**
 * Reads one numeric option: `fallback` when absent, otherwise a finite number
 * in [min, max) (or [min, max] with `maxIncluded`), or a clear error naming
 * the optimizer and the option (NaN and ±Infinity shown as such).
 */
function option(owner: string, name: string, value: unknown, fallback: number, min: number, max = Infinity, maxIncluded = false): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && (maxIncluded ? value <= max : value < max);
  if (!ok) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}${maxIncluded ? ']' : ')'}`;
    throw new ConfigError(owner, `${name} must be a number ${range}, got ${show(value)}`);
  }
  return value;
}

/** Options of {@link SGD}; defaults are torch.optim.SGD's. */
export interface SGDArgs {
  /** Learning rate. Default 1e-3. */
  learningRate?: number;
  /** Momentum factor μ (0 disables it). Default 0. */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0). Default false. */
  nesterov?: boolean;
  /** L2 penalty λ added to the gradient (coupled weight decay). Default 0. */
  weightDecay?: number;
}

const SGD_ARGS = argNames<SGDArgs>()(['learningRate', 'momentum', 'nesterov', 'weightDecay']);

/**
 * Stochastic gradient descent, PyTorch's `torch.optim.SGD` (2.x) formula and
 * defaults (lr 1e-3, momentum 0, dampening 0, weight decay 0):
 * d = g + λ·p; b ← μ·b + d (b₁ = d); p ← p − lr·(d + μ·b) with Nesterov,
 * p ← p − lr·b without. Unlike Keras, the learning rate multiplies the whole
 * buffer, not each gradient as it enters it.
 */
export class SGD implements Optimizer {
  readonly learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly slotNames: readonly string[];
  readonly elementwise = true;

  constructor(args?: SGDArgs) {
    args = optionsOf(args, 'SGD', SGD_ARGS);
    this.learningRate = option('SGD', 'learningRate', args.learningRate, 1e-3, 0);
    this.momentum = option('SGD', 'momentum', args.momentum, 0, 0);
    this.weightDecay = option('SGD', 'weightDecay', args.weightDecay, 0, 0);
    if (args.nesterov !== undefined && typeof args.nesterov !== 'boolean') throw new ConfigError('SGD', `nesterov must be true or false, got ${show(args.nesterov)}`);
    this.nesterov = args.nesterov ?? false;
    if (this.nesterov && this.momentum <= 0) throw new ConfigError('SGD', 'nesterov needs momentum > 0');
    this.slotNames = this.momentum > 0 ? ['momentum'] : [];
  }

  update(g: Graph, { param, grad, slots, lr }: UpdateArgs): UpdateResult {
    const d = this.weightDecay ? g.add(grad, g.mul(param, this.weightDecay)) : grad;
    if (this.momentum <= 0) return { param: g.sub(param, g.mul(d, lr)), slots: {} };
    // The buffer starts at zero, so the first step's μ·0 + d is PyTorch's b₁ = d.
    const buf = g.add(g.mul(slots.momentum!, this.momentum), d);
    const step = this.nesterov ? g.add(d, g.mul(buf, this.momentum)) : buf;
    return { param: g.sub(param, g.mul(step, lr)), slots: { momentum: buf } };
  }

  getConfig(): OptimizerConfig {
    return { name: 'sgd', learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }
}

/** Options of {@link RMSProp}; defaults are torch.optim.RMSprop's. */
export interface RMSPropArgs {
  /** Learning rate. Default 1e-2. */
  learningRate?: number;
  /** Decay ρ of the squared-gradient average (PyTorch's `alpha`). Default 0.99. */
  rho?: number;
  /** Added to √s, outside the square root. Default 1e-8. */
  epsilon?: number;
  /** Momentum factor μ (0 disables it). Default 0. */
  momentum?: number;
}

const RMSPROP_ARGS = argNames<RMSPropArgs>()(['learningRate', 'rho', 'epsilon', 'momentum']);

/**
 * RMSProp, PyTorch's `torch.optim.RMSprop` formula and defaults (lr 1e-2,
 * alpha = ρ 0.99, eps 1e-8, momentum 0; not centered, no weight decay):
 * s ← ρ·s + (1 − ρ)·g²; p ← p − lr·g / (√s + ε); with momentum
 * b ← μ·b + g / (√s + ε), p ← p − lr·b.
 * Keras differs in both: ε inside the root (g / √(s + ε)) with ρ 0.9, ε 1e-7,
 * lr 1e-3; a config saved with explicit values keeps them.
 */
export class RMSProp implements Optimizer {
  readonly learningRate: number;
  readonly rho: number;
  readonly epsilon: number;
  readonly momentum: number;
  readonly slotNames: readonly string[];
  readonly elementwise = true;

  constructor(args?: RMSPropArgs) {
    args = optionsOf(args, 'RMSProp', RMSPROP_ARGS);
    this.learningRate = option('RMSProp', 'learningRate', args.learningRate, 1e-2, 0);
    this.rho = option('RMSProp', 'rho', args.rho, 0.99, 0, 1);
    this.epsilon = option('RMSProp', 'epsilon', args.epsilon, 1e-8, 0);
    this.momentum = option('RMSProp', 'momentum', args.momentum, 0, 0);
    this.slotNames = this.momentum > 0 ? ['square', 'momentum'] : ['square'];
  }

  update(g: Graph, { param, grad, slots, lr }: UpdateArgs): UpdateResult {
    const square = g.add(g.mul(slots.square!, this.rho), g.mul(g.square(grad), 1 - this.rho));
    const scaled = g.div(grad, g.add(g.sqrt(square), this.epsilon));
    if (this.momentum <= 0) return { param: g.sub(param, g.mul(scaled, lr)), slots: { square } };
    const momentum = g.add(g.mul(slots.momentum!, this.momentum), scaled);
    return { param: g.sub(param, g.mul(momentum, lr)), slots: { square, momentum } };
  }

  getConfig(): OptimizerConfig {
    return { name: 'rmsprop', learningRate: this.learningRate, rho: this.rho, epsilon: this.epsilon, momentum: this.momentum };
  }
}

/**
 * Adam's per-step scalars, lr / (1 − β₁ᵗ) and √(1 − β₂ᵗ), formed in float64
 * and rounded once to `dtype`. In float32, 1 − β₂ᵗ cancels: β₂ = 0.999 is
 * stored as 0.99900001287, so 1 − β₂ came out 1.3e-5 relatively too small and
 * early updates 4e-6 to 1e-5 too small. The step count fed as float32 is
 * exact up to 2²⁴ steps; past that its rounding (at most 2⁻²⁴ relative)
 * changes 1 − βᵗ by at most as much relatively, below float32 resolution.
 */
function adamScalars(g: Graph, beta1: number, beta2: number, lr: Value, step: Value, dtype: DType): { stepSize: Value; sqrtCorrection2: Value } {
  const t = g.cast(step, 'float64');
  const correction = (beta: number) => g.sub(1, g.pow(g.scalar(beta, 'float64'), t));
  const stepSize = g.div(g.cast(lr, 'float64'), correction(beta1));
  return { stepSize: g.cast(stepSize, dtype), sqrtCorrection2: g.cast(g.sqrt(correction(beta2)), dtype) };
}

/** Options of {@link Adam} and {@link AdamW}; defaults are torch.optim.Adam's. */
export interface AdamArgs {
  /** Learning rate. Default 1e-3. */
  learningRate?: number;
  /** Decay of the first-moment average. Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment average. Default 0.999. */
  beta2?: number;
  /** Added to √v̂, outside the square root. Default 1e-8 (Keras: 1e-7). */
  epsilon?: number;
}

const ADAM_ARGS = argNames<AdamArgs>()(['learningRate', 'beta1', 'beta2', 'epsilon']);
const ADAMW_ARGS = argNames<AdamWArgs>()(['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay']);

/**
 * Adam (Kingma & Ba), PyTorch's `torch.optim.Adam` formula and defaults
 * (lr 1e-3, betas (0.9, 0.999), eps 1e-8; no weight decay, no AMSGrad):
 * m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
 * p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε).
 * The bias corrections are formed in float64 from the step count, so they do
 * not cancel in float32 when β₂ is close to 1.
 */
export class Adam implements Optimizer {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly slotNames: readonly string[] = ['m', 'v'];
  readonly elementwise = true;

  constructor(args?: AdamArgs) {
    // AdamW passes its args through here, weightDecay included.
    const owner = new.target === Adam ? 'Adam' : 'AdamW';
    args = optionsOf(args, owner, owner === 'Adam' ? ADAM_ARGS : ADAMW_ARGS);
    this.learningRate = option(owner, 'learningRate', args.learningRate, 1e-3, 0);
    this.beta1 = option(owner, 'beta1', args.beta1, 0.9, 0, 1);
    this.beta2 = option(owner, 'beta2', args.beta2, 0.999, 0, 1);
    this.epsilon = option(owner, 'epsilon', args.epsilon, 1e-8, 0);
  }

  protected adamStep(g: Graph, { param, grad, slots, lr, step }: UpdateArgs): UpdateResult {
    const m = g.add(g.mul(slots.m!, this.beta1), g.mul(grad, 1 - this.beta1));
    const v = g.add(g.mul(slots.v!, this.beta2), g.mul(g.square(grad), 1 - this.beta2));
    // PyTorch's arrangement: step size lr / (1 − β₁ᵗ) and √(1 − β₂ᵗ) as scalars,
    // √v / √(1 − β₂ᵗ) + ε as the denominator (ε keeps its meaning).
    const { stepSize, sqrtCorrection2 } = adamScalars(g, this.beta1, this.beta2, lr, step, param.dtype);
    const denom = g.add(g.div(g.sqrt(v), sqrtCorrection2), this.epsilon);
    return { param: g.sub(param, g.mul(g.div(m, denom), stepSize)), slots: { m, v } };
  }

  update(g: Graph, args: UpdateArgs): UpdateResult {
    return this.adamStep(g, args);
  }

  getConfig(): OptimizerConfig {
    return { name: 'adam', learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** Options of {@link AdamW}: Adam's and the decoupled weight decay. */
export interface AdamWArgs extends AdamArgs {
  /** Decoupled weight decay λ: p ← p · (1 − lr·λ) before each Adam step. Default 1e-2. */
  weightDecay?: number;
}

/**
 * AdamW (Loshchilov & Hutter), PyTorch's `torch.optim.AdamW` formula and
 * defaults (Adam's, with weight decay λ = 1e-2): decoupled decay
 * p ← p · (1 − lr·λ), then the {@link Adam} step.
 */
export class AdamW extends Adam {
  readonly weightDecay: number;

  constructor(args?: AdamWArgs) {
    super(args);
    this.weightDecay = option('AdamW', 'weightDecay', args?.weightDecay, 1e-2, 0);
  }

  override update(g: Graph, args: UpdateArgs): UpdateResult {
    // p · (1 − lr·λ) with the factor formed in float64, as PyTorch does: one
    // multiply per element and one rounding of the factor.
    const factor = g.sub(1, g.mul(g.cast(args.lr, 'float64'), this.weightDecay));
    const decayed = g.mul(args.param, g.cast(factor, args.param.dtype));
    return this.adamStep(g, { ...args, param: decayed });
  }

  override getConfig(): OptimizerConfig {
    return { ...super.getConfig(), name: 'adamw', weightDecay: this.weightDecay };
  }
}

const CONFIG_FIELDS: Record<OptimizerConfig['name'], readonly string[]> = {
  sgd: SGD_ARGS,
  rmsprop: RMSPROP_ARGS,
  adam: ADAM_ARGS,
  adamw: ADAMW_ARGS,
};

/**
 * Rebuilds an optimizer from its config (as {@link Optimizer.getConfig} wrote
 * it), rejecting unknown names and fields. Fields a config omits take the
 * current defaults; saved configs carry every value, so they rebuild exactly.
 */
export function optimizerFromConfig(config: OptimizerConfig): Optimizer {
  if (typeof config !== 'object' || config === null) throw new ConfigError('optimizer', `expected a config object, got ${show(config)}`);
  const { name, ...rest } = config;
  const fields = Object.hasOwn(CONFIG_FIELDS, String(name)) ? CONFIG_FIELDS[name] : undefined;
  if (!fields) throw new ConfigError('optimizer', `unknown name '${String(name)}'; expected sgd, rmsprop, adam or adamw`);
  const unknown = Object.keys(rest).filter((k) => !fields.includes(k));
  if (unknown.length) throw new ConfigError(`optimizer ${name}`, `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; expected ${fields.join(', ')}`);
  switch (name) {
    case 'sgd': return new SGD(rest as SGDArgs);
    case 'rmsprop': return new RMSProp(rest as RMSPropArgs);
    case 'adam': return new Adam(rest as AdamArgs);
    case 'adamw': return new AdamW(rest as AdamWArgs);
  }
}

/**
 * Scales all gradients by min(1, maxNorm / ‖g‖) where ‖g‖ is the global L2
 * norm over every gradient, as torch.nn.utils.clip_grad_norm_ does.
 */
export function clipByGlobalNorm(g: Graph, grads: Value[], maxNorm: number): { grads: Value[]; norm: Value } {
  const squares = grads.map((d) => g.reduceSum(g.square(d)));
  const total = squares.reduce((a, b) => g.add(a, b));
  const norm = g.sqrt(total);
  const scale = g.clip(g.div(g.scalarLike(maxNorm, norm), g.add(norm, 1e-6)), 0, 1);
  return { grads: grads.map((d) => g.mul(d, scale)), norm };
}
