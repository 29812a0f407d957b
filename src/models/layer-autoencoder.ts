import { type Value } from '../graph/graph.js';
import { type GraphBuildContext, type Layer } from '../layers/core.js';
import { Sequential } from '../layers/wrappers.js';
import { type LossTerms, binaryCrossEntropy, binaryCrossEntropyWithLogits, mae, mse } from '../losses/index.js';
import { type ModelPart, type TrainableModel } from '../train/model.js';

/** Reconstruction losses a layer autoencoder can train with. */
export type ReconstructionLoss = 'mse' | 'mae' | 'bce' | 'bceWithLogits';

export interface LayerAutoencoderArgs {
  /** Per-sample input shape, e.g. [784] or [1, 28, 28] (NCHW). */
  inputShape: number[];
  encoder: Layer[];
  decoder: Layer[];
  /** Default 'mse'. 'bceWithLogits' expects the decoder to end without a sigmoid; outputs then apply it. */
  loss?: ReconstructionLoss;
}

/**
 * An autoencoder from two stacks of layers. The training loss is reported per
 * pixel (mean over all elements, key `loss`) and per sample (sum over
 * features, batch mean, key `lossPerSample`).
 */
export class LayerAutoencoder implements TrainableModel {
  readonly inputShape: number[];
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly loss: ReconstructionLoss;

  constructor(args: LayerAutoencoderArgs) {
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

  private reconstructionTerms(raw: Value, target: Value): LossTerms {
    switch (this.loss) {
      case 'mse': return mse(raw, target);
      case 'mae': return mae(raw, target);
      case 'bce': return binaryCrossEntropy(raw, target);
      case 'bceWithLogits': return binaryCrossEntropyWithLogits(raw, target);
    }
  }

  buildObjective(ctx: GraphBuildContext, x: Value, target: Value) {
    const raw = this.decoder.call(ctx, this.encoder.call(ctx, x));
    const terms = this.reconstructionTerms(raw, target);
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
    };
  }

  getConfig(): Record<string, unknown> {
    return { className: 'LayerAutoencoder', inputShape: this.inputShape, encoder: this.encoder.toJSON(), decoder: this.decoder.toJSON(), loss: this.loss };
  }
}
