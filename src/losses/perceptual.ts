/**
 * Perceptual (feature) loss: the distance between what a fixed, already
 * trained network "sees" in a prediction and in its target, rather than
 * between their raw values. The network enters the graph frozen: its weights
 * are declared as non-trainable tensors, so the optimizer never receives them
 * and a training step never writes them back.
 */
import { type Value } from '../graph/graph.js';
import { GraphBuildError } from '../graph/ops.js';
import { formatShape } from '../graph/types.js';
import { type BuildContext, type Initializer, type Layer } from '../layers/core.js';
import { mse } from './reconstruction.js';
import { type LossTerms } from './terms.js';

/** Default name prefix of a frozen network's tensors (`perceptual/conv_0/kernel`). */
export const PERCEPTUAL_PREFIX = 'perceptual';

/**
 * A {@link BuildContext} through which a network adds itself to another
 * model's graph with frozen weights: every parameter is declared on the outer
 * context as non-trainable state named `${prefix}/${layer}/${name}` (fed with
 * each step, never differentiated, never updated), the network runs in
 * inference mode (no dropout, running statistics), and its own regularizers
 * and state updates are dropped, since they are no part of the outer objective.
 */
export class FrozenContext implements BuildContext {
  readonly training = false;

  constructor(
    private readonly outer: BuildContext,
    readonly prefix: string = PERCEPTUAL_PREFIX,
  ) {}

  get g() {
    return this.outer.g;
  }

  param(layer: string, name: string, shape: number[], init: Initializer): Value {
    return this.outer.state(`${this.prefix}/${layer}`, name, shape, init);
  }

  state(layer: string, name: string, shape: number[], init: Initializer): Value {
    return this.outer.state(`${this.prefix}/${layer}`, name, shape, init);
  }

  updateState(): void {}

  addLoss(): void {}
}

/** Options of {@link perceptualLoss}. */
export interface PerceptualLossOptions {
  /** The feature network φ, as layers applied in order (e.g. a classifier's `Sequential.layers`). */
  network: readonly Layer[];
  /** Names of the layers of `network` whose outputs φ_l are compared; at least one. */
  layers: readonly string[];
  /** Prefix of the frozen tensors' names. Default {@link PERCEPTUAL_PREFIX}. */
  prefix?: string;
  /**
   * Per-sample shape the network takes, when it differs from the
   * prediction's but holds as many values (a flat [784] autoencoder judged by
   * a [1, 28, 28] image classifier): both inputs are reshaped to [N, ...inputShape].
   */
  inputShape?: readonly number[];
}

/** {@link LossTerms} summed over the compared layers, and each layer's own. */
export interface PerceptualTerms extends LossTerms {
  perLayer: Record<string, LossTerms>;
}

/**
 * Perceptual loss between a prediction ŷ and a target y [N, …]: with φ_l the
 * output of layer l of a fixed network φ and D_l its number of features per
 * sample, the elementwise loss of layer l is ℓ_l = (φ_l(ŷ) − φ_l(y))², and
 * - `perElement` = Σ_l (1/(N·D_l)) Σ_n Σ_f ℓ_l[n, f] (each layer's mean squared distance, summed over layers);
 * - `perSample` = Σ_l (1/N) Σ_n Σ_f ℓ_l[n, f];
 * - `samples[n]` = Σ_l Σ_f ℓ_l[n, f], shape [N].
 *
 * φ's weights are declared through a {@link FrozenContext} as non-trainable
 * tensors `${prefix}/${layer}/${name}` that the caller must feed with the
 * trained values; the network is only run up to the deepest compared layer.
 * Gradients flow through φ to ŷ (and to y, should the target depend on
 * parameters), never to φ's weights.
 */
export function perceptualLoss(ctx: BuildContext, prediction: Value, target: Value, options: PerceptualLossOptions): PerceptualTerms {
  const { network, layers, prefix = PERCEPTUAL_PREFIX, inputShape } = options;
  if (layers.length === 0) throw new GraphBuildError('perceptualLoss: no layers to compare');
  const names = network.map((l) => l.name);
  for (const name of layers) {
    if (!names.includes(name)) throw new GraphBuildError(`perceptualLoss: no layer '${name}' in the network; its layers: ${names.join(', ')}`);
  }
  if (new Set(layers).size !== layers.length) throw new GraphBuildError(`perceptualLoss: layers listed twice in [${layers.join(', ')}]`);
  if (prediction.shape.join() !== target.shape.join()) {
    throw new GraphBuildError(`perceptualLoss: shapes differ, ${formatShape(prediction.shape)} vs ${formatShape(target.shape)}`);
  }
  const frozen = new FrozenContext(ctx, prefix);
  const last = Math.max(...layers.map((n) => names.indexOf(n)));
  const features = (x: Value): Map<string, Value> => {
    let v = inputShape ? ctx.g.reshape(x, [x.shape[0]!, ...inputShape]) : x;
    const out = new Map<string, Value>();
    for (let i = 0; i <= last; i++) {
      v = network[i]!.call(frozen, v);
      out.set(network[i]!.name, v);
    }
    return out;
  };
  const fromPrediction = features(prediction);
  const fromTarget = features(target);
  const perLayer: Record<string, LossTerms> = {};
  let sum: LossTerms | undefined;
  for (const name of layers) {
    const t = mse(fromPrediction.get(name)!, fromTarget.get(name)!);
    perLayer[name] = t;
    sum = sum ? addTerms(sum, t) : t;
  }
  return { ...sum!, perLayer };
}

/** Reduction by reduction sum of two {@link LossTerms} of the same batch. */
export function addTerms(a: LossTerms, b: LossTerms): LossTerms {
  const g = a.perElement.graph;
  return { perElement: g.add(a.perElement, b.perElement), perSample: g.add(a.perSample, b.perSample), samples: g.add(a.samples, b.samples) };
}

/** Each reduction of `t` times `c` (no nodes when c is 1). */
export function scaleTerms(t: LossTerms, c: number): LossTerms {
  if (c === 1) return t;
  const g = t.perElement.graph;
  return { perElement: g.mul(t.perElement, c), perSample: g.mul(t.perSample, c), samples: g.mul(t.samples, c) };
}
