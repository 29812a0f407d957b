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

/** What {@link sequenceCrossEntropy} returns; every value counts real tokens only. */
export interface SequenceCrossEntropy {
  /** −log p(target token) at every position [N, T], 0 at padding. */
  perToken: Value;
  /** Σ_t over each sequence's real tokens [N]: −log p(sequence) under teacher forcing. */
  perSample: Value;
  /** Σ_n Σ_t (scalar). */
  total: Value;
  /** Real tokens in the batch, Σ mask (scalar). */
  tokens: Value;
  /** Σ_n Σ_t of −log p over Σ mask: the mean over real tokens (scalar), the loss a sequence model minimizes. */
  mean: Value;
  /** Real tokens whose largest logit is the target's (scalar count; ties count as correct). */
  correct: Value;
}

/**
 * Softmax cross-entropy over a vocabulary at every position of a batch of
 * sequences: logits z [N, T, V], target ids y [N, T] (whole numbers in
 * [0, V), any numeric dtype), mask m [N, T] (1 at real tokens, 0 at padding,
 * the logits' dtype):
 *
 *   ℓ_nt = −log_softmax(z_nt)_{y_nt} · m_nt,   mean = Σ ℓ / Σ m.
 *
 * Numerically stable: ONNX LogSoftmax subtracts max_v z_ntv first. The target
 * log-probability is read through a one-hot of the ids (Equal against 0 … V−1),
 * so the gradient is softmax − one-hot at real tokens and 0 at padding.
 */
export function sequenceCrossEntropy(logits: Value, targetIds: Value, mask: Value): SequenceCrossEntropy {
  const g = logits.graph;
  if (logits.rank !== 3 || typeof logits.shape[2] !== 'number') throw new Error(`sequenceCrossEntropy: logits must be [N, T, V] with V known, got [${logits.shape.join(', ')}]`);
  const v = logits.shape[2];
  const [n, t] = logits.shape as [string | number, number];
  for (const [what, value] of [['target ids', targetIds], ['mask', mask]] as const) {
    if (value.rank !== 2 || value.shape[0] !== n || value.shape[1] !== t) throw new Error(`sequenceCrossEntropy: ${what} must be [${n}, ${t}], got [${value.shape.join(', ')}]`);
  }
  const ids = targetIds.dtype === 'int64' ? targetIds : g.cast(targetIds, 'int64');
  const vocab = g.constant({ dtype: 'int64', shape: [v], data: BigInt64Array.from({ length: v }, (_, i) => BigInt(i)) });
  const oneHot = g.cast(g.equal(g.reshape(ids, [n, t, 1]), vocab), logits.dtype);
  const logP = g.reduceSum(g.mul(oneHot, g.logSoftmax(logits, -1)), [2]);
  const perToken = g.neg(g.mul(logP, mask));
  const perSample = g.reduceSum(perToken, [1]);
  const total = g.reduceSum(perSample);
  const tokens = g.reduceSum(mask);
  const trueLogit = g.reduceSum(g.mul(oneHot, logits), [2]);
  const beaten = g.cast(g.greater(g.reduceMax(logits, [2]), trueLogit), logits.dtype); // 1 where some other logit is larger
  const correct = g.reduceSum(g.mul(g.sub(1, beaten), mask));
  return { perToken, perSample, total, tokens, mean: g.div(total, tokens), correct };
}
