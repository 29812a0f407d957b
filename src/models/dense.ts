import { sizeOf } from '../graph/types.js';
import { type ActivationName } from '../layers/activations.js';
import { type Layer } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { Flatten, Reshape } from '../layers/reshaping.js';
import { Sequential } from '../layers/wrappers.js';
import {
  StackedAutoencoderModel, COMMON_FIELDS, type CommonConfig, fieldsOf, parseCommon, registerModel,
} from './base.js';
import { ConfigError, activationName, bool, objectOf, opt, positiveInts, req } from './config.js';

/** Config of a dense autoencoder (also its constructor's argument). */
export interface AutoencoderConfig extends CommonConfig {
  encoder: {
    /** Units of each encoder layer; the last is the code size, e.g. [128, 64, 32]. */
    sizes: number[];
    /** Hidden activation. Default 'relu' ('linear' when `linear`). */
    activation?: ActivationName;
    /** Activation of the code layer. Default: `activation`. */
    codeActivation?: ActivationName;
  };
  decoder?: {
    /** Hidden units of the decoder; the output layer (the input size) is added. Default: the encoder's hidden sizes reversed. */
    sizes?: number[];
    /** Default: the encoder's activation. */
    activation?: ActivationName;
  };
  /**
   * A linear autoencoder: one layer each way, no activations,
   * f(x) = Wx + b, g(z) = W′z + b′ (with MSE it spans the principal subspace).
   */
  linear?: boolean;
}

/**
 * Dense autoencoder: h = f(x) = σ_c(W_k … σ(W_1 x + b_1) … + b_k) with the
 * encoder sizes, and x̂ = a(W′_m … + b′_m) with the decoder sizes followed by a
 * layer back to the input size. A deep autoencoder just lists more sizes.
 * Inputs of rank > 1 are flattened, and reconstructions reshaped back.
 *
 * ```ts
 * const ae = new Autoencoder({ inputShape: [784], encoder: { sizes: [128, 32] }, loss: 'bce' });
 * await ae.fit(datasets.mnist({ limit: 1000 }), { epochs: 5 });
 * ```
 */
export class Autoencoder extends StackedAutoencoderModel {
  readonly className = 'Autoencoder';
  readonly encoderSizes: number[];
  readonly decoderSizes: number[];
  readonly activation: ActivationName;
  readonly codeActivation: ActivationName;
  readonly decoderActivation: ActivationName;
  readonly linear: boolean;
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly latentShape: number[];

  constructor(config: AutoencoderConfig) {
    const c = fieldsOf(config, [...COMMON_FIELDS, 'encoder', 'decoder', 'linear']);
    const linear = opt(c, 'linear', 'config', bool, false);
    const common = parseCommon(c, 'config');
    super(common);
    const enc = objectOf(req(c, 'encoder', 'config', (v) => v), 'config.encoder', ['sizes', 'activation', 'codeActivation']);
    const encoderSizes = req(enc, 'sizes', 'config.encoder', positiveInts);
    const dec = c.decoder === undefined ? {} : objectOf(c.decoder, 'config.decoder', ['sizes', 'activation']);
    const hiddenDefault = linear ? 'linear' : 'relu';
    const activation = opt(enc, 'activation', 'config.encoder', activationName, hiddenDefault);
    const codeActivation = opt(enc, 'codeActivation', 'config.encoder', activationName, activation);
    const decoderSizes = opt(dec, 'sizes', 'config.decoder', (v, p) => positiveInts(v, p, true), encoderSizes.slice(0, -1).reverse());
    const decoderActivation = opt(dec, 'activation', 'config.decoder', activationName, activation);
    if (linear) {
      if (encoderSizes.length !== 1) throw new ConfigError('config.encoder.sizes', `a linear autoencoder has one encoder layer, got ${encoderSizes.length} sizes [${encoderSizes}]`);
      if (decoderSizes.length !== 0) throw new ConfigError('config.decoder.sizes', `a linear autoencoder has no hidden decoder layers, got [${decoderSizes}]`);
      for (const [field, v] of [['encoder.activation', activation], ['encoder.codeActivation', codeActivation], ['outputActivation', common.outputActivation]] as const) {
        if (v !== 'linear') throw new ConfigError(`config.${field}`, `must be 'linear' when config.linear is true, got '${v}'`);
      }
    }
    if (common.sparsity?.type === 'kl' && codeActivation !== 'sigmoid') {
      throw new ConfigError('config.encoder.codeActivation', `KL sparsity needs a code in (0, 1), so 'sigmoid'; got '${codeActivation}'`);
    }
    this.encoderSizes = encoderSizes;
    this.decoderSizes = decoderSizes;
    this.activation = activation;
    this.codeActivation = codeActivation;
    this.decoderActivation = decoderActivation;
    this.linear = linear;
    const features = sizeOf(this.inputShape);
    const flat = this.inputShape.length > 1;
    // Explicit layer names: parameter names derive from them and must be the same in every rebuild (save/load).
    const encLayers: Layer[] = flat ? [new Flatten({ name: 'encoder_flatten' })] : [];
    encoderSizes.forEach((units, i) => encLayers.push(new Dense({ name: `encoder_${i}`, units, activation: i === encoderSizes.length - 1 ? codeActivation : activation })));
    const decLayers: Layer[] = decoderSizes.map((units, i) => new Dense({ name: `decoder_${i}`, units, activation: decoderActivation }));
    decLayers.push(new Dense({ name: 'decoder_output', units: features }));
    if (flat) decLayers.push(new Reshape({ name: 'decoder_reshape', targetShape: this.inputShape }));
    this.encoder = new Sequential({ name: 'encoder', layers: encLayers });
    this.decoder = new Sequential({ name: 'decoder', layers: decLayers });
    this.latentShape = [encoderSizes[encoderSizes.length - 1]!];
  }

  protected ownConfig(): Record<string, unknown> {
    return {
      encoder: { sizes: [...this.encoderSizes], activation: this.activation, codeActivation: this.codeActivation },
      decoder: { sizes: [...this.decoderSizes], activation: this.decoderActivation },
      linear: this.linear,
    };
  }
}

registerModel('Autoencoder', (c) => new Autoencoder(c as unknown as AutoencoderConfig));
