/**
 * An autoencoder from two stacks of layers given as objects (tfjs style), for
 * architectures the configurable models do not cover. It has the same
 * front end as the family (fit, encode, reconstruct, save/load...) and the
 * same reconstruction loss definition ({@link reconstructionLoss}).
 */
import { type Value } from '../graph/graph.js';
import { type GraphBuildContext, type Layer, type LayerJSON, layerFromJSON } from '../layers/core.js';
import { Sequential } from '../layers/wrappers.js';
import { type LossTerms, reconstructionLoss } from '../losses/index.js';
import { type ModelPart } from '../train/model.js';
import { ConfigError, objectOf, oneOf, opt, positiveInts, req } from './config.js';
import { type LoadOptions, ModelFrontEnd } from './front-end.js';

/**
 * Reconstruction losses a layer autoencoder can train with: those of the
 * family, plus 'bceWithLogits', which is 'bce' for a decoder that ends
 * without its sigmoid (the outputs apply it).
 */
export type ReconstructionLoss = 'mse' | 'mae' | 'bce' | 'bceWithLogits';

export interface LayerAutoencoderArgs {
  /** Per-sample input shape, e.g. [784] or [1, 28, 28] (NCHW). */
  inputShape: number[];
  encoder: Layer[];
  decoder: Layer[];
  /** Default 'mse'. 'bceWithLogits' expects the decoder to end without a sigmoid; outputs then apply it. */
  loss?: ReconstructionLoss;
}

const FIELDS = ['className', 'inputShape', 'encoder', 'decoder', 'loss'] as const;

/**
 * An autoencoder from two stacks of layers. The training loss is reported per
 * pixel (mean over all elements, key `loss`) and per sample (sum over
 * features, batch mean, key `lossPerSample`). Parts: `model`, `encoder`
 * (output `code`), `decoder` and `errors` (per-sample loss, shape [N]).
 */
export class LayerAutoencoder extends ModelFrontEnd {
  readonly className = 'LayerAutoencoder';
  readonly inputShape: number[];
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly loss: ReconstructionLoss;

  constructor(args: LayerAutoencoderArgs) {
    super();
    this.inputShape = [...args.inputShape];
    this.encoder = new Sequential({ name: 'encoder', layers: args.encoder });
    this.decoder = new Sequential({ name: 'decoder', layers: args.decoder });
    this.loss = args.loss ?? 'mse';
    const code = this.encoder.computeOutputShape(['N', ...this.inputShape]);
    const out = this.decoder.computeOutputShape(code);
    if (out.slice(1).join() !== this.inputShape.join()) {
      throw new Error(`decoder output [${out.slice(1)}] does not match the input shape [${this.inputShape}]`);
    }
  }

  /** Per-sample code shape. */
  get codeShape(): number[] {
    return this.encoder.computeOutputShape(['N', ...this.inputShape]).slice(1) as number[];
  }

  private reconstructionTerms(ctx: GraphBuildContext, raw: Value, target: Value): LossTerms {
    // The decoder's last layer applies its own activation, except with 'bceWithLogits', whose sigmoid is the output's.
    return this.loss === 'bceWithLogits' ? reconstructionLoss(ctx, 'bce', raw, target, 'sigmoid') : reconstructionLoss(ctx, this.loss, raw, target, 'linear');
  }

  buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value> } {
    const raw = this.decoder.call(ctx, this.encoder.call(ctx, x));
    const terms = this.reconstructionTerms(ctx, raw, target);
    return { loss: terms.perElement, metrics: { lossPerSample: terms.perSample } };
  }

  private output(ctx: GraphBuildContext, raw: Value): Value {
    return this.loss === 'bceWithLogits' ? ctx.g.sigmoid(raw) : raw;
  }

  parts(): Record<string, ModelPart> {
    return {
      model: { inputShape: this.inputShape, build: (ctx, x) => ({ reconstruction: this.output(ctx, this.decoder.call(ctx, this.encoder.call(ctx, x))) }) },
      encoder: { inputShape: this.inputShape, build: (ctx, x) => ({ code: this.encoder.call(ctx, x) }) },
      decoder: { inputShape: this.codeShape, build: (ctx, z) => ({ reconstruction: this.output(ctx, this.decoder.call(ctx, z)) }) },
      errors: { inputShape: this.inputShape, build: (ctx, x) => ({ errors: this.reconstructionTerms(ctx, this.decoder.call(ctx, this.encoder.call(ctx, x)), x).samples }) },
    };
  }

  getConfig(): Record<string, unknown> {
    return { className: 'LayerAutoencoder', inputShape: this.inputShape, encoder: this.encoder.toJSON(), decoder: this.decoder.toJSON(), loss: this.loss };
  }

  /** Rebuilds a layer autoencoder from its `getConfig()` (layers from their JSON form). */
  static fromConfig(config: unknown): LayerAutoencoder {
    const c = objectOf(config, 'config', FIELDS);
    if (c.className !== undefined && c.className !== 'LayerAutoencoder') throw new ConfigError('config.className', `expected 'LayerAutoencoder', got ${JSON.stringify(c.className)}`);
    const stack = (v: unknown, path: string): Layer[] => {
      let layer: Layer;
      try {
        layer = layerFromJSON(v as LayerJSON, path);
      } catch (e) {
        throw new ConfigError(path, (e as Error).message);
      }
      if (!(layer instanceof Sequential)) throw new ConfigError(path, `expected a Sequential, got a ${layer.className}`);
      return layer.layers;
    };
    return new LayerAutoencoder({
      inputShape: req(c, 'inputShape', 'config', positiveInts),
      encoder: req(c, 'encoder', 'config', stack),
      decoder: req(c, 'decoder', 'config', stack),
      loss: opt(c, 'loss', 'config', (v, p) => oneOf(v, p, ['mse', 'mae', 'bce', 'bceWithLogits'] as const), 'mse'),
    });
  }

  /** Loads a layer autoencoder saved with `save`: its config rebuilds the layers, the checkpoint restores weights and optimizer state. */
  static load(dir: string, options: LoadOptions = {}): LayerAutoencoder {
    return ModelFrontEnd.restore(dir, options, (config) => LayerAutoencoder.fromConfig(config));
  }
}
