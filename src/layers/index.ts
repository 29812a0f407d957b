/**
 * Keras-like layers. Importing this module registers every layer class, so
 * `layerFromJSON` can rebuild any of them (and Sequential / TimeDistributed
 * children) from their configs.
 */
export * from './core.js';
export { LayerError, type Regularizer, weightPenalty, activityPenalty, windowLength } from './utils.js';
export { Activation, type ActivationArgs, type ActivationName, type ActivationSpec, ACTIVATION_NAMES, applyActivation, parseActivation } from './activations.js';
export { Dense, type DenseArgs } from './dense.js';
export { Embedding, type EmbeddingArgs } from './embedding.js';
export {
  Conv2D, type Conv2DArgs, Conv2DTranspose, type Conv2DTransposeArgs, MaxPool2D, AveragePool2D, type Pool2DArgs, UpSampling2D, type UpSampling2DArgs,
} from './conv.js';
export {
  Conv1D, type Conv1DArgs, Conv1DTranspose, type Conv1DTransposeArgs, MaxPool1D, AveragePool1D, type Pool1DArgs, UpSampling1D, type UpSampling1DArgs,
  Cropping1D, type Cropping1DArgs,
} from './conv1d.js';
export { Flatten, type FlattenArgs, Reshape, type ReshapeArgs, RepeatVector, type RepeatVectorArgs } from './reshaping.js';
export { Dropout, type DropoutArgs, BatchNormalization, type BatchNormalizationArgs, LayerNormalization, type LayerNormalizationArgs } from './normalization.js';
export {
  MultiHeadAttention, type MultiHeadAttentionArgs, type AttendOptions, type Attended, PositionalEmbedding, type PositionalEmbeddingArgs, sinusoidalTable,
  PatchEmbedding, type PatchEmbeddingArgs, patchify, unpatchify, TransformerBlock, type TransformerBlockArgs, type BlockOptions, type BlockOutput, keyPaddingMask, causalMask,
} from './attention.js';
export { LSTM, type LSTMArgs, GRU, type GRUArgs, type RecurrentArgs } from './recurrent.js';
export { TimeDistributed, type TimeDistributedArgs, Sequential, type SequentialArgs } from './wrappers.js';
export { type GraphStftOptions, graphIstft, graphStft, istftKernels, stftKernels } from './spectral.js';
