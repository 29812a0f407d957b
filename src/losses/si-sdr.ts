/**
 * Scale-invariant signal-to-distortion ratio in the graph (Le Roux et al.
 * 2019), the training objective of waveform-output denoisers; the same
 * definition as src/eval/audio-quality.ts's `siSdr` (no mean removal).
 */
import { type Value } from '../graph/graph.js';
import { requireSameShape } from './terms.js';

/**
 * Per-sample SI-SDR in dB, shape [N], of estimates ŝ against references s,
 * both [N, L]: α = ⟨ŝ, s⟩ / (‖s‖² + ε), SI-SDR = 10 log10((‖αs‖² + ε) / (‖ŝ − αs‖² + ε)).
 * ε (default 1e-8) keeps silent references and perfect estimates finite.
 * Its negative mean is the usual training loss.
 */
export function siSdrGraph(estimate: Value, reference: Value, epsilon = 1e-8): Value {
  requireSameShape('siSdrGraph', estimate, reference);
  const g = estimate.graph;
  const dot = g.reduceSum(g.mul(estimate, reference), [1], true);
  const energy = g.add(g.reduceSum(g.square(reference), [1], true), epsilon);
  const projection = g.mul(g.div(dot, energy), reference);
  const signal = g.add(g.reduceSum(g.square(projection), [1]), epsilon);
  const distortion = g.add(g.reduceSum(g.square(g.sub(estimate, projection)), [1]), epsilon);
  return g.mul(g.log(g.div(signal, distortion)), 10 / Math.LN10);
}
