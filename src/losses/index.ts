/**
 * Losses and regularizers as graph-building functions: each takes values of a
 * graph and appends the nodes computing the loss to that graph.
 */
export { type LossTerms, lossTerms, sumPerSample, meanOverBatch } from './terms.js';
export {
  EPSILON, mse, mae, binaryCrossEntropy, binaryCrossEntropyWithLogits, klDivergenceGaussian, type LossName, reconstructionLoss,
} from './reconstruction.js';
export {
  type KlSparsityOptions,
  l1Penalty,
  l2Penalty,
  l1ActivityPenalty,
  klSparsityPenalty,
  contractivePenalty,
  contractivePenaltySigmoidDense,
} from './regularizers.js';
export { type UniformityOptions, uniformityPenalty } from './contrastive.js';
export { softmaxCrossEntropy, classifierOutputs, sequenceCrossEntropy, type SequenceCrossEntropy } from './classification.js';
export {
  PERCEPTUAL_PREFIX, FrozenContext, type PerceptualLossOptions, type PerceptualTerms, perceptualLoss, addTerms, scaleTerms,
} from './perceptual.js';
export { siSdrGraph } from './si-sdr.js';
export { type GanLosses, ganLosses } from './adversarial.js';
