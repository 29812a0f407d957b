import { type ActivationName } from '../layers/activations.js';
import { type Layer } from '../layers/core.js';
import { Conv1D, Conv1DTranspose, Cropping1D, MaxPool1D, UpSampling1D } from '../layers/conv1d.js';
import { Dense } from '../layers/dense.js';
import { Flatten, Reshape } from '../layers/reshaping.js';
import { Sequential } from '../layers/wrappers.js';
import {
  StackedAutoencoderModel, COMMON_FIELDS, type CommonConfig, fieldsOf, parseCommon, registerModel,
} from './base.js';
import { ConfigError, activationName, objectOf, oneOf, opt, positiveInt, positiveInts, req } from './config.js';

/** Config of a 1-D convolutional autoencoder (also its constructor's argument). */
export interface Conv1DAutoencoderConfig extends CommonConfig {
  /** [window, channels]: steps, then channels (channels last), as RecurrentAutoencoder and TimeSeriesDetector take them. */
  inputShape: number[];
  encoder: {
    /** Filters per level; each level halves the length (rounding up), e.g. [32, 16]. */
    filters: number[];
    /** Kernel length of every convolution. Default 5. */
    kernelSize?: number;
    /** Default 'relu'. */
    activation?: ActivationName;
    /**
     * 'pool': Conv1D (stride 1) then MaxPool1D(2, 'same') (default);
     * 'stride': Conv1D with stride 2 (Keras' timeseries anomaly detection example).
     */
    downsample?: 'pool' | 'stride';
  };
  decoder?: {
    /** Filters per decoder level, one per encoder level. Default: the encoder's filters reversed. */
    filters?: number[];
    /**
     * How a decoder level doubles the length: 'nearest' (Conv1D then
     * UpSampling1D(2), the default with `downsample: 'pool'`) or 'transpose'
     * (a stride-2 Conv1DTranspose, the default with `downsample: 'stride'`).
     */
    upsample?: 'nearest' | 'transpose';
  };
  /**
   * Size of the dense code: the last feature map is flattened to it and
   * expanded back. Default 16. `null`: no dense layers; the code is the last
   * feature map, [⌈window / 2^L⌉, filters_L].
   */
  latentDim?: number | null;
}

/**
 * Convolutional autoencoder for windows of a time series, [window, channels]
 * (NLC). Each encoder level is a 'same' Conv1D with the level's filters and
 * kernel, then max pooling by 2 (or one stride-2 Conv1D); with `latentDim`
 * (default 16) a Dense layer makes the code from the flattened feature map.
 * The decoder mirrors it: Dense and Reshape back to the feature map, then per
 * level a Conv1D and nearest UpSampling1D(2) (or one stride-2
 * Conv1DTranspose), and a last linear 'same' Conv1D back to the channels,
 * then the output activation (default linear, with MSE).
 *
 * Any window length works: each level halves the length rounding up (the
 * pooling or strided convolution pads at the end), the decoder doubles back
 * to ⌈window / 2^L⌉ · 2^L ≥ window steps, and a Cropping1D (`decoder_crop`)
 * cuts the extra steps off the end before the output convolution. Windows that
 * are multiples of 2^L need no padding or cropping.
 *
 * ```ts
 * const model = new Conv1DAutoencoder({ inputShape: [50, 2], encoder: { filters: [32, 16] } }); // code [16]
 * const det = new TimeSeriesDetector(model, { window: 50, stride: 5 });
 * ```
 */
export class Conv1DAutoencoder extends StackedAutoencoderModel {
  readonly className = 'Conv1DAutoencoder';
  readonly filters: number[];
  readonly decoderFilters: number[];
  readonly kernelSize: number;
  readonly activation: ActivationName;
  readonly downsample: 'pool' | 'stride';
  readonly upsample: 'nearest' | 'transpose';
  /** Size of the dense code; null when the code is the last feature map. */
  readonly latentDim: number | null;
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly latentShape: number[];

  constructor(config: Conv1DAutoencoderConfig) {
    const c = fieldsOf(config, [...COMMON_FIELDS, 'encoder', 'decoder', 'latentDim']);
    const common = parseCommon(c, 'config');
    super(common);
    if (this.inputShape.length !== 2) throw new ConfigError('config.inputShape', `a 1-D convolutional autoencoder expects [window, channels], got [${this.inputShape}]`);
    const [window, channels] = this.inputShape as [number, number];
    const enc = objectOf(req(c, 'encoder', 'config', (v) => v), 'config.encoder', ['filters', 'kernelSize', 'activation', 'downsample']);
    if (common.sparsity?.type === 'kl') throw new ConfigError('config.sparsity', "KL sparsity needs a code in (0, 1); a convolutional code is not; use type 'l1'");
    const filters = req(enc, 'filters', 'config.encoder', positiveInts);
    const kernelSize = opt(enc, 'kernelSize', 'config.encoder', positiveInt, 5);
    const activation = opt(enc, 'activation', 'config.encoder', activationName, 'relu');
    const downsample = opt(enc, 'downsample', 'config.encoder', (v, p) => oneOf(v, p, ['pool', 'stride'] as const), 'pool');
    const dec = c.decoder === undefined ? {} : objectOf(c.decoder, 'config.decoder', ['filters', 'upsample']);
    const upsample = opt(dec, 'upsample', 'config.decoder', (v, p) => oneOf(v, p, ['nearest', 'transpose'] as const), downsample === 'pool' ? 'nearest' : 'transpose');
    const decoderFilters = opt(dec, 'filters', 'config.decoder', positiveInts, [...filters].reverse());
    if (decoderFilters.length !== filters.length) {
      throw new ConfigError('config.decoder.filters', `expected ${filters.length} entries (one per encoder level, each doubling the length back), got ${decoderFilters.length}`);
    }
    const latentDim = c.latentDim === null ? null : opt(c, 'latentDim', 'config', positiveInt, 16);
    this.filters = filters;
    this.decoderFilters = decoderFilters;
    this.kernelSize = kernelSize;
    this.activation = activation;
    this.downsample = downsample;
    this.upsample = upsample;
    this.latentDim = latentDim;

    const k = kernelSize;
    // Each level halves the length, rounding up ('same' pooling and strided convs pad at the end).
    let steps = window;
    const encLayers: Layer[] = [];
    filters.forEach((f, i) => {
      if (downsample === 'pool') {
        encLayers.push(new Conv1D({ name: `encoder_conv_${i}`, filters: f, kernelSize: k, padding: 'same', activation }));
        encLayers.push(new MaxPool1D({ name: `encoder_pool_${i}`, poolSize: 2, padding: 'same' }));
      } else {
        encLayers.push(new Conv1D({ name: `encoder_conv_${i}`, filters: f, kernelSize: k, strides: 2, padding: 'same', activation }));
      }
      steps = Math.ceil(steps / 2);
    });
    const fL = filters[filters.length - 1]!;
    const decLayers: Layer[] = [];
    if (latentDim !== null) {
      encLayers.push(new Flatten({ name: 'encoder_flatten' }), new Dense({ name: 'encoder_code', units: latentDim }));
      decLayers.push(new Dense({ name: 'decoder_dense', units: steps * fL, activation }), new Reshape({ name: 'decoder_reshape', targetShape: [steps, fL] }));
    }
    decoderFilters.forEach((f, i) => {
      if (upsample === 'nearest') {
        decLayers.push(new Conv1D({ name: `decoder_conv_${i}`, filters: f, kernelSize: k, padding: 'same', activation }));
        decLayers.push(new UpSampling1D({ name: `decoder_up_${i}`, size: 2 }));
      } else {
        decLayers.push(new Conv1DTranspose({ name: `decoder_deconv_${i}`, filters: f, kernelSize: k, strides: 2, padding: 'same', activation }));
      }
    });
    const extra = steps * 2 ** filters.length - window;
    if (extra > 0) decLayers.push(new Cropping1D({ name: 'decoder_crop', cropping: [0, extra] }));
    decLayers.push(new Conv1D({ name: 'decoder_output', filters: channels, kernelSize: k, padding: 'same' }));
    this.encoder = new Sequential({ name: 'encoder', layers: encLayers });
    this.decoder = new Sequential({ name: 'decoder', layers: decLayers });
    this.latentShape = latentDim !== null ? [latentDim] : [steps, fL];
  }

  protected ownConfig(): Record<string, unknown> {
    return {
      encoder: { filters: [...this.filters], kernelSize: this.kernelSize, activation: this.activation, downsample: this.downsample },
      decoder: { filters: [...this.decoderFilters], upsample: this.upsample },
      latentDim: this.latentDim,
    };
  }
}

registerModel('Conv1DAutoencoder', (c) => new Conv1DAutoencoder(c as unknown as Conv1DAutoencoderConfig));
