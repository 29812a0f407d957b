/**
 * Softmax classification: the cross-entropy objective and the outputs of a
 * classifier's inference part, shared by every classifier aekit trains (the
 * perceptual loss's {@link ImageClassifier}, the linear probe of src/eval).
 */
import { type Value } from '../graph/graph.js';

/**
 * Softmax cross-entropy from logits z [N, K] against one-hot (or soft)
 * targets t: loss = (1/N) Σ_n −Σ_k t_nk log_softmax(z_n)_k (ONNX LogSoftmax
 * subtracts max_k z_nk first, so no exp overflows); `accuracy` =
 * (1/N) Σ_n [Σ_k t_nk z_nk ≥ max_k z_nk], the fraction of samples whose
 * largest logit is the true class (ties count as correct).
 */
export function softmaxCrossEntropy(logits: Value, target: Value): { loss: Value; accuracy: Value } {
  const g = logits.graph;
  const loss = g.reduceMean(g.neg(g.reduceSum(g.mul(target, g.logSoftmax(logits, 1)), [1])), [0]);
  // With one-hot t, Σ_k t_k z_k is exactly the true class's logit (0·z adds exact zeros).
  const trueLogit = g.reduceSum(g.mul(target, logits), [1]);
  const wrong = g.cast(g.less(trueLogit, g.reduceMax(logits, [1])), 'float32');
  return { loss, accuracy: g.sub(1, g.reduceMean(wrong, [0])) };
}

/** A classifier's inference outputs from its logits [N, K]: `probabilities` (softmax) and `logits`. */
export function classifierOutputs(logits: Value): { probabilities: Value; logits: Value } {
  const g = logits.graph;
  return { probabilities: g.softmax(logits, 1), logits: g.identity(logits) };
}
