import { type Graph, type Value } from '../graph/graph.js';
import { type DType } from '../graph/types.js';

/** Inputs an optimizer's in-graph update sees for one parameter. */
export interface UpdateArgs {
  param: Value;
  grad: Value;
  /** This parameter's slots (same shape as the parameter), by slot name. */
  slots: Record<string, Value>;
  /** Learning rate, a scalar graph input so schedules need no recompilation. */
  lr: Value;
  /** 1-based step count as a float scalar, for bias corrections. */
  step: Value;
}

export interface UpdateResult {
  param: Value;
  slots: Record<string, Value>;
}

/** JSON form of an optimizer. */
export interface OptimizerConfig {
  name: 'sgd' | 'rmsprop' | 'adam' | 'adamw';
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

/** Options of {@link SGD}. */
export interface SGDArgs {
  learningRate?: number;
  /** Momentum factor μ (0 disables it). */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0). */
  nesterov?: boolean;
  /** L2 penalty λ added to the gradient (coupled weight decay). */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent, PyTorch's formulation:
 * b ← μ·b + g; step = g + μ·b (Nesterov) or b; p ← p − lr·step.
 */
export class SGD implements Optimizer {
  readonly learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly slotNames: readonly string[];
  readonly elementwise = true;

  constructor(args: SGDArgs = {}) {
    this.learningRate = args.learningRate ?? 0.01;
    this.momentum = args.momentum ?? 0;
    this.nesterov = args.nesterov ?? false;
    this.weightDecay = args.weightDecay ?? 0;
    if (this.nesterov && this.momentum <= 0) throw new Error('SGD: nesterov needs momentum > 0');
    this.slotNames = this.momentum > 0 ? ['momentum'] : [];
  }

  update(g: Graph, { param, grad, slots, lr }: UpdateArgs): UpdateResult {
    const d = this.weightDecay ? g.add(grad, g.mul(param, this.weightDecay)) : grad;
    if (this.momentum <= 0) return { param: g.sub(param, g.mul(d, lr)), slots: {} };
    const buf = g.add(g.mul(slots.momentum!, this.momentum), d);
    const step = this.nesterov ? g.add(d, g.mul(buf, this.momentum)) : buf;
    return { param: g.sub(param, g.mul(step, lr)), slots: { momentum: buf } };
  }

  getConfig(): OptimizerConfig {
    return { name: 'sgd', learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }
}

/** Options of {@link RMSProp}. */
export interface RMSPropArgs {
  learningRate?: number;
  /** Decay ρ of the squared-gradient average. */
  rho?: number;
  epsilon?: number;
  momentum?: number;
}

/**
 * RMSProp, PyTorch's formulation: s ← ρ·s + (1 − ρ)·g²;
 * p ← p − lr·g / (√s + ε) (with momentum: b ← μ·b + g / (√s + ε); p ← p − lr·b).
 */
export class RMSProp implements Optimizer {
  readonly learningRate: number;
  readonly rho: number;
  readonly epsilon: number;
  readonly momentum: number;
  readonly slotNames: readonly string[];
  readonly elementwise = true;

  constructor(args: RMSPropArgs = {}) {
    this.learningRate = args.learningRate ?? 0.001;
    this.rho = args.rho ?? 0.9;
    this.epsilon = args.epsilon ?? 1e-7;
    this.momentum = args.momentum ?? 0;
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

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamArgs {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba): m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
 * p ← p − lr · m̂ / (√v̂ + ε) with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ).
 */
export class Adam implements Optimizer {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly slotNames: readonly string[] = ['m', 'v'];
  readonly elementwise = true;

  constructor(args: AdamArgs = {}) {
    this.learningRate = args.learningRate ?? 0.001;
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-8;
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

/**
 * AdamW (Loshchilov & Hutter): decoupled weight decay, p ← p − lr·λ·p, then
 * the Adam step.
 */
export class AdamW extends Adam {
  readonly weightDecay: number;

  constructor(args: AdamArgs & { weightDecay?: number } = {}) {
    super(args);
    this.weightDecay = args.weightDecay ?? 0.01;
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

/** Rebuilds an optimizer from its config, rejecting unknown names. */
export function optimizerFromConfig(config: OptimizerConfig): Optimizer {
  const { name, ...rest } = config;
  switch (name) {
    case 'sgd': return new SGD(rest as SGDArgs);
    case 'rmsprop': return new RMSProp(rest as RMSPropArgs);
    case 'adam': return new Adam(rest as AdamArgs);
    case 'adamw': return new AdamW(rest as AdamArgs & { weightDecay?: number });
  }
  throw new Error(`optimizer: unknown name '${String(name)}'; expected sgd, rmsprop, adam or adamw`);
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
