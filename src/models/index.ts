/**
 * The autoencoder family. Importing this module registers every model class,
 * so `modelFromConfig` and `AutoencoderModel.load` can rebuild any of them.
 */
export * from './base.js';
export { ConfigError } from './config.js';
export { Autoencoder, type AutoencoderConfig } from './dense.js';
export { LayerAutoencoder, type LayerAutoencoderArgs, type ReconstructionLoss } from './layer-autoencoder.js';
export { ConvAutoencoder, type ConvAutoencoderConfig } from './conv.js';
export { Conv1DAutoencoder, type Conv1DAutoencoderConfig } from './conv1d.js';
export { UNetAutoencoder, type UNetAutoencoderConfig } from './unet.js';
export { RecurrentAutoencoder, type RecurrentAutoencoderConfig } from './recurrent.js';
export { SentenceAutoencoder, type SentenceAutoencoderConfig } from './sentence.js';
export { VariationalAutoencoder, type VariationalAutoencoderConfig, type VaeDenseEncoder, type VaeConvEncoder } from './vae.js';
export { AdversarialAutoencoder, type AdversarialAutoencoderConfig, type CodeDiscriminatorConfig, type LabelledData } from './aae.js';
export { type MixturePriorConfig, type PriorConfig, mostLikelyComponent } from './mixture-prior.js';
export { ImageClassifier, type ImageClassifierConfig, type ClassifierData } from './classifier.js';
export { MaskedAutoencoder, type MaskedAutoencoderConfig, type MaeStackConfig } from './mae.js';
export { TransformerAutoencoder, type TransformerAutoencoderConfig, type SequenceKind } from './transformer.js';
export { PCA, type PcaData, type PcaFitOptions } from './pca.js';
