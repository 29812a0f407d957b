import { type Value } from '../graph/graph.js';
import { type Shape } from '../graph/types.js';
import { type BuildContext, type Initializer, Layer, registerLayer } from './core.js';
import { argNames, checkLayerArgs, expectShape, initializerArg, layerError, positiveInt } from './utils.js';

export interface EmbeddingArgs {
  /** Vocabulary size V: ids run over [0, V). */
  inputDim: number;
  /** Width D of each embedding vector. */
  outputDim: number;
  /**
   * Table [V, D]. Default 'glorotUniform' (fans V and D; Keras draws
   * uniform(−0.05, 0.05), which aekit's initializers do not offer).
   */
  embeddingsInitializer?: Initializer;
  name?: string;
}

const EMBEDDING_ARGS = argNames<EmbeddingArgs>()(['inputDim', 'outputDim', 'embeddingsInitializer', 'name']);

/**
 * Maps integer ids to learned vectors, as Keras' Embedding: ids [N, ...]
 * (int64, int32, or float32 holding whole numbers, the dtype every aekit model
 * input has; cast to int64 here) → [N, ..., D], row id of the table.
 * One Gather; its gradient into the table is a scatter-add of the output
 * gradient at the ids (ONNX ScatterND with reduction 'add', see the Gather rule
 * in src/autodiff/rules.ts), so an id used k times in a batch gets the sum of
 * its k gradients. Ids outside [0, V) are an error at run time (ONNX Gather).
 * Parameter: `${name}/embeddings` [V, D].
 */
export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: Initializer;

  constructor(args: EmbeddingArgs) {
    super(checkLayerArgs('Embedding', args, EMBEDDING_ARGS).name, 'Embedding');
    this.inputDim = positiveInt(this, 'inputDim', args.inputDim);
    this.outputDim = positiveInt(this, 'outputDim', args.outputDim);
    this.embeddingsInitializer = initializerArg(this, 'embeddingsInitializer', args.embeddingsInitializer ?? 'glorotUniform');
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length < 1) throw layerError(this, 'expects ids of rank >= 1');
    return [...input, this.outputDim];
  }

  call(ctx: BuildContext, ids: Value): Value {
    const out = this.computeOutputShape(ids.shape);
    if (ids.dtype === 'bool') throw layerError(this, 'expects integer ids (int64, int32 or whole float32 values), got bool');
    const table = ctx.param(this.name, 'embeddings', [this.inputDim, this.outputDim], this.embeddingsInitializer);
    const idx = ids.dtype === 'int64' || ids.dtype === 'int32' ? ids : ctx.g.cast(ids, 'int64');
    return expectShape(this, ctx.g.gather(table, idx, 0), out);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, inputDim: this.inputDim, outputDim: this.outputDim, embeddingsInitializer: this.embeddingsInitializer };
  }
}

registerLayer('Embedding', (c) => new Embedding(c as unknown as EmbeddingArgs));
