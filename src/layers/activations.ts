import { type Value } from '../graph/graph.js';
import { type Shape } from '../graph/types.js';
import { type BuildContext, Layer, registerLayer } from './core.js';
import { LayerError, argNames, checkLayerArgs, layerError, show } from './utils.js';

/**
 * Activation names:
 * - `linear`: x
 * - `relu`: max(0, x)
 * - `leakyRelu`: x if x > 0 else α·x (α default 0.3, as Keras' LeakyReLU layer)
 * - `elu`: x if x > 0 else α·(eˣ − 1) (α default 1)
 * - `sigmoid`: 1 / (1 + e⁻ˣ)
 * - `tanh`
 * - `softplus`: log(1 + eˣ)
 * - `softmax`: over the last axis
 * - `gelu`: x · Φ(x) = ½x(1 + erf(x/√2)), the exact GELU (Hendrycks & Gimpel), not the tanh approximation
 */
export type ActivationName = 'linear' | 'relu' | 'leakyRelu' | 'elu' | 'sigmoid' | 'tanh' | 'softplus' | 'softmax' | 'gelu';

/** An activation by name, or with its α (leakyRelu, elu). */
export type ActivationSpec = ActivationName | { name: ActivationName; alpha?: number };

export const ACTIVATION_NAMES: readonly ActivationName[] = ['linear', 'relu', 'leakyRelu', 'elu', 'sigmoid', 'tanh', 'softplus', 'softmax', 'gelu'];

/** Validates an activation argument; returns it normalized (a bare name unless α is given). */
export function parseActivation(spec: unknown, where: string): ActivationSpec {
  const name = typeof spec === 'string' ? spec : spec && typeof spec === 'object' ? (spec as { name?: unknown }).name : undefined;
  if (typeof name !== 'string' || !ACTIVATION_NAMES.includes(name as ActivationName)) {
    throw new LayerError(`${where}: unknown activation ${show(spec)}; known: ${ACTIVATION_NAMES.join(', ')}`);
  }
  if (typeof spec === 'string') return spec as ActivationName;
  const unknown = Object.keys(spec as object).find((k) => k !== 'name' && k !== 'alpha');
  if (unknown !== undefined) throw new LayerError(`${where}: unknown activation key '${unknown}'; allowed keys: name, alpha`);
  const alpha = (spec as { alpha?: unknown }).alpha;
  if (alpha === undefined) return name as ActivationName;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new LayerError(`${where}: activation alpha must be a finite number, got ${show(alpha)}`);
  return { name: name as ActivationName, alpha };
}

/** Applies an activation to a value. */
export function applyActivation(ctx: BuildContext, x: Value, spec: ActivationSpec): Value {
  const { g } = ctx;
  const name = typeof spec === 'string' ? spec : spec.name;
  const alpha = typeof spec === 'string' ? undefined : spec.alpha;
  switch (name) {
    case 'linear': return x;
    case 'relu': return g.relu(x);
    case 'leakyRelu': return g.leakyRelu(x, alpha ?? 0.3);
    case 'elu': return g.elu(x, alpha ?? 1);
    case 'sigmoid': return g.sigmoid(x);
    case 'tanh': return g.tanh(x);
    case 'softplus': return g.softplus(x);
    case 'softmax': return g.softmax(x, -1);
    case 'gelu': return g.gelu(x);
  }
}

export interface ActivationArgs {
  /** The function to apply elementwise (softmax: over the last axis). */
  activation: ActivationSpec;
  name?: string;
}

const ACTIVATION_ARGS = argNames<ActivationArgs>()(['activation', 'name']);

/** Applies an activation function; the output has the input's shape. */
export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: ActivationSpec;

  constructor(args: ActivationArgs) {
    super(checkLayerArgs('Activation', args, ACTIVATION_ARGS).name, 'Activation');
    this.activation = parseActivation(args.activation, `Activation '${this.name}'`);
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length < 1) throw layerError(this, `expects an input of rank >= 1, got a scalar`);
    return [...input];
  }

  call(ctx: BuildContext, x: Value): Value {
    this.computeOutputShape(x.shape);
    return applyActivation(ctx, x, this.activation);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, activation: this.activation };
  }
}

registerLayer('Activation', (c) => new Activation(c as unknown as ActivationArgs));
