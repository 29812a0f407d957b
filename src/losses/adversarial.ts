/**
 * The two losses of adversarial training on a discriminator's logits, shared
 * by the adversarial autoencoder (a discriminator on codes) and the
 * adversarial reconstruction loss (a discriminator on images).
 */
import { type Value } from '../graph/graph.js';
import { binaryCrossEntropyWithLogits } from './reconstruction.js';

/** The players' losses on one batch, and how often the discriminator is right. */
export interface GanLosses {
  /** BCE(D(real), 1) + BCE(D(fake), 0), each a batch mean. */
  discriminator: Value;
  /** The non-saturating generator loss BCE(D(fake), 1) = −mean log σ(D(fake)). */
  generator: Value;
  /** Fraction of real and fake samples (weighted alike) the discriminator classifies right (logit > 0 calls "real"). */
  accuracy: Value;
}

/**
 * The non-saturating GAN losses of Goodfellow et al. (2014) on discriminator
 * logits for a batch of real and a batch of generated ("fake") samples.
 * Each player differentiates only its own loss with respect to its own
 * parameters (src/train/step.ts), so nothing here needs a stop-gradient.
 */
export function ganLosses(real: Value, fake: Value): GanLosses {
  const g = real.graph;
  const bce = (logits: Value, label: 0 | 1) => binaryCrossEntropyWithLogits(logits, label ? g.onesLike(logits) : g.zerosLike(logits)).perElement;
  const hits = (logits: Value, label: 0 | 1) => g.reduceMean(g.cast(label ? g.greater(logits, 0) : g.less(logits, 0), 'float32'));
  return {
    discriminator: g.add(bce(real, 1), bce(fake, 0)),
    generator: bce(fake, 1),
    accuracy: g.mul(g.add(hits(real, 1), hits(fake, 0)), 0.5),
  };
}
