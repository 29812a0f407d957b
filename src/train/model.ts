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
   * evaluation (dropout off, running statistics).
   */
  buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value> };
  /** Inference parts; `predict` and ONNX export use them. Must include 'model'. */
  parts(): Record<string, ModelPart>;
  /** JSON config stored in checkpoints. */
  getConfig(): Record<string, unknown>;
}
