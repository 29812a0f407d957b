import { type ActivationName } from '../layers/activations.js';
import { type Layer } from '../layers/core.js';
import { Conv2D, Conv2DTranspose, MaxPool2D, UpSampling2D } from '../layers/conv.js';
import { Dense } from '../layers/dense.js';
import { Flatten, Reshape } from '../layers/reshaping.js';
import { Sequential } from '../layers/wrappers.js';
import {
  StackedAutoencoderModel, COMMON_FIELDS, type CommonConfig, type ResolvedCommon, fieldsOf, parseCommon, registerModel,
} from './base.js';
import { ConfigError, activationName, objectOf, oneOf, opt, positiveInt, positiveInts, req } from './config.js';

/** Config of a convolutional autoencoder (also its constructor's argument). */
export interface ConvAutoencoderConfig extends CommonConfig {
  /** [channels, height, width] (NCHW). */
  inputShape: number[];
  encoder: {
    /** Filters per level; each level halves the height and width, e.g. [32, 16]. */
    filters: number[];
    /** Square kernel size. Default 3. */
    kernelSize?: number;
    /** Default 'relu'. */
    activation?: ActivationName;
    /**
     * 'pool': Conv2D (stride 1) then MaxPool2D(2), decoded by Conv2D then UpSampling2D(2) (default);
     * 'stride': Conv2D with stride 2, decoded by Conv2DTranspose with stride 2.
     */
    downsample?: 'pool' | 'stride';
  };
  decoder?: {
    /** Filters per decoder level, one per encoder level. Default: the encoder's filters reversed. */
    filters?: number[];
    /**
     * How a decoder level doubles the size: 'nearest' (Conv2D then nearest
     * UpSampling2D, the default with `downsample: 'pool'`) or 'transpose' (a
     * stride-2 Conv2DTranspose, the default with `downsample: 'stride'`; with
     * max pooling this is keras-io's convolutional autoencoder).
     */
    upsample?: 'nearest' | 'transpose';
  };
  /** Adds a dense bottleneck: the feature map is flattened to a code of this size (and expanded back). */
  latentDim?: number;
}

/** A 2-D input [C, H, W] from a shape, or a ConfigError on `config.inputShape`. */
export function imageShape(shape: number[], what: string): [number, number, number] {
  if (shape.length !== 3) throw new ConfigError('config.inputShape', `${what} expects [channels, height, width], got [${shape}]`);
  return shape as [number, number, number];
}

/**
 * The convolutional encoder fields a conv and a U-Net autoencoder share
 * (`filters`, `kernelSize` default 3, `activation` default 'relu'), with the
 * model's own extra fields allowed; also rejects KL sparsity, which needs a
 * code in (0, 1) that a convolutional code is not.
 */
export function parseConvEncoder(c: Record<string, unknown>, common: ResolvedCommon, extraFields: readonly string[]): { enc: Record<string, unknown>; filters: number[]; kernelSize: number; activation: ActivationName } {
  const enc = objectOf(req(c, 'encoder', 'config', (v) => v), 'config.encoder', ['filters', 'kernelSize', 'activation', ...extraFields]);
  if (common.sparsity?.type === 'kl') throw new ConfigError('config.sparsity', "KL sparsity needs a code in (0, 1); use a dense Autoencoder with codeActivation 'sigmoid', or type 'l1'");
  return {
    enc,
    filters: req(enc, 'filters', 'config.encoder', positiveInts),
    kernelSize: opt(enc, 'kernelSize', 'config.encoder', positiveInt, 3),
    activation: opt(enc, 'activation', 'config.encoder', activationName, 'relu'),
  };
}

/** Checks that `levels` halvings of H and W are exact, so the decoder's doublings land on the input size. */
export function checkLevels(h: number, w: number, levels: number, path: string): [number, number] {
  const f = 2 ** levels;
  if (h % f !== 0 || w % f !== 0) throw new ConfigError(path, `${levels} levels halve the size ${levels} times, so ${h}×${w} must be divisible by ${f}`);
  return [h / f, w / f];
}

/**
 * Convolutional autoencoder on NCHW images. Each encoder level is a 'same'
 * convolution with the level's filters followed by 2×2 max pooling (or one
 * stride-2 convolution); each decoder level mirrors it with a convolution and
 * 2× nearest upsampling, or a stride-2 transposed convolution (`decoder.upsample`); a last 'same' convolution maps back to
 * the input channels, then the output activation. With `latentDim`, a dense
 * layer makes a flat code of that size. Code shape: [f_L, H/2^L, W/2^L], or
 * [latentDim].
 */
export class ConvAutoencoder extends StackedAutoencoderModel {
  readonly className = 'ConvAutoencoder';
  readonly filters: number[];
  readonly decoderFilters: number[];
  readonly kernelSize: number;
  readonly activation: ActivationName;
  readonly downsample: 'pool' | 'stride';
  readonly upsample: 'nearest' | 'transpose';
  readonly latentDim?: number;
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly latentShape: number[];

  constructor(config: ConvAutoencoderConfig) {
    const c = fieldsOf(config, [...COMMON_FIELDS, 'encoder', 'decoder', 'latentDim']);
    const common = parseCommon(c, 'config');
    super(common);
    const [channels, h, w] = imageShape(this.inputShape, 'a convolutional autoencoder');
    const { enc, filters, kernelSize, activation } = parseConvEncoder(c, common, ['downsample']);
    const downsample = opt(enc, 'downsample', 'config.encoder', (v, p) => oneOf(v, p, ['pool', 'stride'] as const), 'pool');
    const dec = c.decoder === undefined ? {} : objectOf(c.decoder, 'config.decoder', ['filters', 'upsample']);
    const upsample = opt(dec, 'upsample', 'config.decoder', (v, p) => oneOf(v, p, ['nearest', 'transpose'] as const), downsample === 'pool' ? 'nearest' : 'transpose');
    const decoderFilters = opt(dec, 'filters', 'config.decoder', positiveInts, [...filters].reverse());
    if (decoderFilters.length !== filters.length) {
      throw new ConfigError('config.decoder.filters', `expected ${filters.length} entries (one per encoder level, each doubling the size back), got ${decoderFilters.length}`);
    }
    const [hc, wc] = checkLevels(h, w, filters.length, 'config.encoder.filters');
    const latentDim = opt(c, 'latentDim', 'config', positiveInt, undefined as number | undefined);
    this.filters = filters;
    this.decoderFilters = decoderFilters;
    this.kernelSize = kernelSize;
    this.activation = activation;
    this.downsample = downsample;
    this.upsample = upsample;
    this.latentDim = latentDim;

    const k = kernelSize;
    const encLayers: Layer[] = [];
    filters.forEach((f, i) => {
      if (downsample === 'pool') {
        encLayers.push(new Conv2D({ name: `encoder_conv_${i}`, filters: f, kernelSize: k, padding: 'same', activation }));
        encLayers.push(new MaxPool2D({ name: `encoder_pool_${i}`, poolSize: 2 }));
      } else {
        encLayers.push(new Conv2D({ name: `encoder_conv_${i}`, filters: f, kernelSize: k, strides: 2, padding: 'same', activation }));
      }
    });
    const fL = filters[filters.length - 1]!;
    const decLayers: Layer[] = [];
    if (latentDim !== undefined) {
      encLayers.push(new Flatten({ name: 'encoder_flatten' }), new Dense({ name: 'encoder_code', units: latentDim }));
      decLayers.push(new Dense({ name: 'decoder_dense', units: fL * hc * wc, activation }), new Reshape({ name: 'decoder_reshape', targetShape: [fL, hc, wc] }));
    }
    decoderFilters.forEach((f, i) => {
      if (upsample === 'nearest') {
        decLayers.push(new Conv2D({ name: `decoder_conv_${i}`, filters: f, kernelSize: k, padding: 'same', activation }));
        decLayers.push(new UpSampling2D({ name: `decoder_up_${i}`, size: 2 }));
      } else {
        decLayers.push(new Conv2DTranspose({ name: `decoder_deconv_${i}`, filters: f, kernelSize: k, strides: 2, padding: 'same', activation }));
      }
    });
    decLayers.push(new Conv2D({ name: 'decoder_output', filters: channels, kernelSize: k, padding: 'same' }));
    this.encoder = new Sequential({ name: 'encoder', layers: encLayers });
    this.decoder = new Sequential({ name: 'decoder', layers: decLayers });
    this.latentShape = latentDim !== undefined ? [latentDim] : [fL, hc, wc];
  }

  protected ownConfig(): Record<string, unknown> {
    return {
      encoder: { filters: [...this.filters], kernelSize: this.kernelSize, activation: this.activation, downsample: this.downsample },
      decoder: { filters: [...this.decoderFilters], upsample: this.upsample },
      ...(this.latentDim !== undefined ? { latentDim: this.latentDim } : {}),
    };
  }
}

registerModel('ConvAutoencoder', (c) => new ConvAutoencoder(c as unknown as ConvAutoencoderConfig));
