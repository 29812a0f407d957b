import { type Value } from '../graph/graph.js';
import { type Dim, type Shape, formatShape, joinDim, splitDim } from '../graph/types.js';
import { type BuildContext, Layer, type LayerJSON, layerFromJSON, registerLayer } from './core.js';
import { LayerError, argNames, checkLayerArgs, expectShape, knownDim, layerError } from './utils.js';

const asLayer = (l: Layer | LayerJSON, where: string): Layer => (l instanceof Layer ? l : layerFromJSON(l, where));

export interface TimeDistributedArgs {
  /** The layer applied to every time step (a Layer or its JSON form), e.g. a Dense. */
  layer: Layer | LayerJSON;
  name?: string;
}

const TIME_DISTRIBUTED_ARGS = argNames<TimeDistributedArgs>()(['layer', 'name']);

/**
 * Applies one layer, with one set of weights, to every time step:
 * [N, T, ...rest] is reshaped to [N·T, ...rest] (a symbolic batch becomes the
 * merged symbol 'N*T'), the inner layer runs once on it (a Dense as a single
 * Gemm), and the result is reshaped back to [N, T, ...innerRest].
 */
export class TimeDistributed extends Layer {
  readonly className = 'TimeDistributed';
  readonly layer: Layer;

  constructor(args: TimeDistributedArgs) {
    super(checkLayerArgs('TimeDistributed', args, TIME_DISTRIBUTED_ARGS).name, 'TimeDistributed');
    if (!args.layer || typeof args.layer !== 'object') throw layerError(this, `layer must be a Layer or its JSON, got ${JSON.stringify(args.layer)}`);
    this.layer = asLayer(args.layer, `TimeDistributed '${this.name}'.layer`);
  }

  private merged(input: Shape): Dim[] {
    if (input.length < 3) throw layerError(this, `expects an input [N, T, ...] of rank >= 3, got ${formatShape(input)}`);
    const t = knownDim(this, input, 1, 'the time dim');
    const { base, factor } = splitDim(input[0]!);
    return [joinDim(base, factor * t), ...input.slice(2)];
  }

  computeOutputShape(input: Shape): Shape {
    const merged = this.merged(input);
    const inner = this.layer.computeOutputShape(merged);
    if (inner.length < 1 || inner[0] !== merged[0]) {
      throw layerError(this, `inner layer ${this.layer.className} '${this.layer.name}' changes the batch dim (${formatShape(merged)} → ${formatShape(inner)})`);
    }
    return [input[0]!, input[1]!, ...inner.slice(1)];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const { g } = ctx;
    const flat = g.reshape(x, [-1, ...x.shape.slice(2)]);
    const y = this.layer.call(ctx, flat);
    return expectShape(this, g.reshape(y, out), out);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, layer: this.layer.toJSON() };
  }
}

export interface SequentialArgs {
  /** Layers applied in order (Layer objects or their JSON forms); names must be distinct. */
  layers?: (Layer | LayerJSON)[];
  name?: string;
}

const SEQUENTIAL_ARGS = argNames<SequentialArgs>()(['layers', 'name']);

/**
 * A stack of layers, each feeding the next. Parameters keep their layers'
 * names (`${child}/kernel`), so child names must be unique in a model.
 * Its config lists the children's JSON.
 */
export class Sequential extends Layer {
  readonly className = 'Sequential';
  readonly layers: Layer[] = [];

  constructor(args?: SequentialArgs) {
    super((args = checkLayerArgs('Sequential', args, SEQUENTIAL_ARGS, true)).name, 'Sequential');
    if (args.layers !== undefined && !Array.isArray(args.layers)) throw layerError(this, `layers must be an array, got ${JSON.stringify(args.layers)}`);
    (args.layers ?? []).forEach((l, i) => this.add(asLayer(l, `Sequential '${this.name}'.layers[${i}]`)));
  }

  /** Appends a layer; returns this. */
  add(layer: Layer): this {
    if (!(layer instanceof Layer)) throw layerError(this, `add() expects a Layer, got ${JSON.stringify(layer)}`);
    if (this.layers.some((l) => l.name === layer.name)) throw layerError(this, `two layers are named '${layer.name}'; layer names must be unique`);
    this.layers.push(layer);
    return this;
  }

  /** Chains the children's output shapes; a child's error is prefixed with this container and the child's index. */
  computeOutputShape(input: Shape): Shape {
    return this.layers.reduce<Shape>((s, l, i) => {
      try {
        return l.computeOutputShape(s);
      } catch (e) {
        if (e instanceof LayerError) throw layerError(this, `layer ${i}: ${e.message}`);
        throw e;
      }
    }, input);
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    return expectShape(this, this.layers.reduce((v, l) => l.call(ctx, v), x), out);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, layers: this.layers.map((l) => l.toJSON()) };
  }
}

registerLayer('TimeDistributed', (c) => new TimeDistributed(c as unknown as TimeDistributedArgs));
registerLayer('Sequential', (c) => new Sequential(c as SequentialArgs));
