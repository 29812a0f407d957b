import { type Value } from '../graph/graph.js';
import { type GraphBuildContext } from '../layers/core.js';

/** A part of a model that can be exported on its own (encoder, decoder, the whole autoencoder). */
export interface ModelPart {
  /** Per-sample input shape (no batch dim). */
  inputShape: number[];
  /** Adds the part's inference ops; returns named per-sample outputs. */
  build(ctx: GraphBuildContext, x: Value): Record<string, Value>;
}

/**
 * The second player of an adversarial model: a discriminator trained in the
 * same step as the model, on its own loss and with its own optimizer.
 */
export interface DiscriminatorObjective {
  /** The discriminator's loss, a scalar minimized over its own parameters only (reported as metric `discriminatorLoss`). */
  loss: Value;
  /** Whether the trainable parameter `name` belongs to the discriminator (the rest are the model's, the generator's). */
  owns(name: string): boolean;
}

/**
 * What the trainer needs from a model. Models (src/models) implement it; the
 * trainer knows nothing of layers.
 */
export interface TrainableModel {
  /** Per-sample input shape, without the batch dim, e.g. [784] or [1, 28, 28]. */
  readonly inputShape: number[];
  /** Per-sample target shape; omit when the target is the input (autoencoders). */
  readonly targetShape?: number[];
  /**
   * Adds the training objective for a batch: the loss (a scalar) and named
   * scalar metrics. With ctx.training false the same objective is built for
   * evaluation (dropout off, running statistics). An adversarial model also
   * returns its `discriminator`: the loss gradients update the model's own
   * parameters only, the discriminator's loss updates the discriminator's.
   */
  buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value>; discriminator?: DiscriminatorObjective };
  /** Inference parts; `predict` and ONNX export use them. Must include 'model'. */
  parts(): Record<string, ModelPart>;
  /** JSON config stored in checkpoints. */
  getConfig(): Record<string, unknown>;
}
