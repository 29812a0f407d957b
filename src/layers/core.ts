import { Rng } from '../data/random.js';
import { type Graph, type Value } from '../graph/graph.js';
import { type Shape, type TensorData, formatShape, sizeOf } from '../graph/types.js';

/** Weight initializers; all draw from a seeded generator. */
export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'lecunNormal' | 'zeros' | 'ones';

/** An initializer by name, or a constant. */
export type Initializer = InitializerName | { constant: number };

/**
 * Fan-in and fan-out of a weight, as Keras computes them: dense [in, out];
 * conv [out, in, kH, kW] (fan = channels × receptive field); conv-transpose
 * [in, out, kH, kW].
 */
export function fans(shape: readonly number[], layout: 'dense' | 'conv' | 'convTranspose' = 'dense'): [number, number] {
  if (shape.length < 2) return [shape[0] ?? 1, shape[0] ?? 1];
  if (layout === 'dense') return [shape[0]!, shape[shape.length - 1]!];
  const receptive = sizeOf(shape.slice(2));
  const [a, b] = layout === 'conv' ? [shape[1]!, shape[0]!] : [shape[0]!, shape[1]!];
  return [a * receptive, b * receptive];
}

/**
 * Draws initial values. Glorot: limit √(6 / (fanIn + fanOut)) (uniform) or
 * σ = √(2 / (fanIn + fanOut)); He: √(6 / fanIn) or σ = √(2 / fanIn); LeCun:
 * σ = √(1 / fanIn). Normal variants are truncated at 2σ, as in Keras.
 */
export function initialize(init: Initializer, shape: readonly number[], fanPair: [number, number], rng: Rng): Float32Array {
  const n = sizeOf(shape);
  const out = new Float32Array(n);
  if (typeof init === 'object') return out.fill(init.constant);
  const [fanIn, fanOut] = fanPair;
  const truncatedNormal = (sigma: number) => {
    // Keras scales σ by 1/0.8796 so that the truncated distribution keeps the intended variance.
    const s = sigma / 0.8796256610342398;
    for (let i = 0; i < n; i++) {
      let v: number;
      do v = rng.normal();
      while (Math.abs(v) > 2);
      out[i] = v * s;
    }
  };
  const uniform = (limit: number) => {
    for (let i = 0; i < n; i++) out[i] = (rng.float() * 2 - 1) * limit;
  };
  switch (init) {
    case 'zeros': break;
    case 'ones': out.fill(1); break;
    case 'glorotUniform': uniform(Math.sqrt(6 / (fanIn + fanOut))); break;
    case 'glorotNormal': truncatedNormal(Math.sqrt(2 / (fanIn + fanOut))); break;
    case 'heUniform': uniform(Math.sqrt(6 / fanIn)); break;
    case 'heNormal': truncatedNormal(Math.sqrt(2 / fanIn)); break;
    case 'lecunNormal': truncatedNormal(Math.sqrt(1 / fanIn)); break;
  }
  return out;
}

/** What a layer may do while adding itself to a graph. */
export interface BuildContext {
  readonly g: Graph;
  /** True when building a training graph (dropout active, batch statistics, state updates). */
  readonly training: boolean;
  /** Declares a trainable parameter named `${layer}/${name}` and returns its graph value. */
  param(layer: string, name: string, shape: number[], init: Initializer, layout?: 'dense' | 'conv' | 'convTranspose'): Value;
  /** Declares non-trainable state (running statistics): fed like a parameter, never differentiated. */
  state(layer: string, name: string, shape: number[], init: Initializer): Value;
  /** In training graphs, `next` becomes the state's value after the step. */
  updateState(state: Value, next: Value): void;
  /** Adds a term (a scalar) to the training loss: activity and weight penalties. */
  addLoss(term: Value, label: string): void;
}

/**
 * The most values one parameter tensor may hold: 2^31 − 1, 8 GiB of float32,
 * the length ONNX Runtime and typed arrays handle everywhere aekit runs.
 */
export const MAX_TENSOR_VALUES = 2 ** 31 - 1;

/** Spec of one parameter or state tensor held by a model. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: Initializer;
  layout: 'dense' | 'conv' | 'convTranspose';
  trainable: boolean;
}

/**
 * The BuildContext used to build model graphs: it records parameter specs,
 * state updates and extra losses, so the trainer knows what to feed and what
 * each step returns.
 */
export class GraphBuildContext implements BuildContext {
  readonly specs: ParamSpec[] = [];
  readonly values = new Map<string, Value>();
  readonly stateUpdates = new Map<Value, Value>();
  readonly losses: { term: Value; label: string }[] = [];

  constructor(
    readonly g: Graph,
    readonly training: boolean,
  ) {}

  param(layer: string, name: string, shape: number[], init: Initializer, layout: ParamSpec['layout'] = 'dense'): Value {
    return this.declare(`${layer}/${name}`, shape, init, layout, true);
  }

  state(layer: string, name: string, shape: number[], init: Initializer): Value {
    return this.declare(`${layer}/${name}`, shape, init, 'dense', false);
  }

  updateState(state: Value, next: Value): void {
    if (!this.training) return;
    if (state.shape.join() !== next.shape.join()) throw new Error(`state ${state.name}: update of shape ${formatShape(next.shape)} does not match ${formatShape(state.shape)}`);
    this.stateUpdates.set(state, next);
  }

  addLoss(term: Value, label: string): void {
    if (term.shape.some((d) => d !== 1)) throw new Error(`loss term '${label}' must be a scalar, got shape ${formatShape(term.shape)}`);
    this.losses.push({ term, label });
  }

  private declare(full: string, shape: number[], init: Initializer, layout: ParamSpec['layout'], trainable: boolean): Value {
    const existing = this.values.get(full);
    if (existing) {
      if (existing.shape.join() !== shape.join()) throw new Error(`parameter ${full} is declared twice with shapes ${formatShape(existing.shape)} and ${formatShape(shape)}`);
      return existing;
    }
    const size = shape.reduce((a, d) => a * d, 1);
    if (size > MAX_TENSOR_VALUES) {
      throw new Error(`parameter ${full} of shape ${formatShape(shape)} would hold ${size.toExponential(2)} values (${(size * 4 / 2 ** 30).toFixed(1)} GiB); one tensor holds at most ${MAX_TENSOR_VALUES} values: use fewer units or filters`);
    }
    const v = this.g.param(full, shape);
    this.values.set(full, v);
    this.specs.push({ name: full, shape: [...shape], init, layout, trainable });
    return v;
  }

  /** Draws initial values for every declared tensor, in declaration order, from one seeded generator. */
  initialValues(seed: number): Map<string, TensorData> {
    return initialValues(this.specs, seed);
  }
}

/** Initial values for parameter specs, drawn in order from one seeded generator. */
export function initialValues(specs: readonly ParamSpec[], seed: number): Map<string, TensorData> {
  const rng = new Rng(seed);
  const out = new Map<string, TensorData>();
  for (const spec of specs) {
    out.set(spec.name, { dtype: 'float32', shape: spec.shape, data: initialize(spec.init, spec.shape, fans(spec.shape, spec.layout), rng) });
  }
  return out;
}

/** JSON form of a layer: its class name and its config. */
export interface LayerJSON {
  className: string;
  config: Record<string, unknown>;
}

/**
 * A layer, in the style of Keras: documented constructor args, an output-shape
 * computation that needs no graph, `call` adding its ops, and a config that
 * round-trips through JSON.
 */
export abstract class Layer {
  readonly name: string;
  private static counters = new Map<string, number>();

  constructor(name: string | undefined, className: string) {
    if (name) {
      this.name = name;
    } else {
      const base = className.replace(/^[A-Z]/, (c) => c.toLowerCase());
      const n = Layer.counters.get(base) ?? 0;
      Layer.counters.set(base, n + 1);
      this.name = n === 0 ? base : `${base}_${n}`;
    }
  }

  /** The registered class name used in configs. */
  abstract readonly className: string;
  /** Output shape for an input shape (batch dim included, possibly symbolic). Throws on incompatible input. */
  abstract computeOutputShape(input: Shape): Shape;
  /** Adds the layer's ops to the context's graph. */
  abstract call(ctx: BuildContext, x: Value): Value;
  /** JSON-serializable constructor args, name included. */
  abstract getConfig(): Record<string, unknown>;

  toJSON(): LayerJSON {
    return { className: this.className, config: this.getConfig() };
  }
}

type LayerFactory = (config: Record<string, unknown>) => Layer;
const registry = new Map<string, LayerFactory>();

/** Registers a layer class so configs can name it. */
export function registerLayer(className: string, factory: LayerFactory): void {
  registry.set(className, factory);
}

/** Rebuilds a layer from its JSON form; unknown class names are rejected. */
export function layerFromJSON(json: LayerJSON, where = 'layer'): Layer {
  if (!json || typeof json !== 'object' || typeof json.className !== 'string') {
    throw new Error(`${where}: expected {className, config}, got ${JSON.stringify(json)}`);
  }
  const factory = registry.get(json.className);
  if (!factory) throw new Error(`${where}: unknown layer class '${json.className}'; known: ${[...registry.keys()].sort().join(', ')}`);
  return factory(json.config ?? {});
}
