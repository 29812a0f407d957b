/**
 * A U-Net-style convolutional autoencoder: the conv autoencoder's levels with
 * skip connections from each encoder level to the decoder level of the same
 * resolution. Built for denoising, where the plain conv autoencoder must carry
 * every stroke's position through its 7×7 code and blurs edges; with skips the
 * decoder sees the full-resolution features and the code only has to say what
 * to keep.
 */
import { type Value } from '../graph/graph.js';
import { type ActivationName } from '../layers/activations.js';
import { type GraphBuildContext } from '../layers/core.js';
import { Conv2D, Conv2DTranspose, MaxPool2D } from '../layers/conv.js';
import { type ModelPart } from '../train/model.js';
import {
  AutoencoderModel, COMMON_FIELDS, type CommonConfig, type Encoded, type SummarySection, fieldsOf, parseCommon, registerModel,
} from './base.js';
import { oneOf, opt, positiveInt } from './config.js';
import { checkLevels, imageShape, parseConvEncoder } from './conv.js';

/** Config of a {@link UNetAutoencoder} (also its constructor's argument). */
export interface UNetAutoencoderConfig extends CommonConfig {
  /** [channels, height, width] (NCHW). */
  inputShape: number[];
  encoder: {
    /** Filters per level, e.g. [32, 64]; each level ends in 2×2 max pooling, halving H and W. */
    filters: number[];
    /** Square kernel size of every convolution. Default 3. */
    kernelSize?: number;
    /** Default 'relu'. */
    activation?: ActivationName;
    /**
     * 'same' convolutions at each resolution: in every encoder level, at the
     * bottleneck and in every decoder level after the merge. Default 1; the
     * original U-Net uses 2, which doubles the depth (and the receptive field)
     * at about twice the multiply-adds.
     */
    convsPerLevel?: number;
  };
  /** Filters of the convolution at the lowest resolution, whose output is the code. Default: the last level's filters. */
  bottleneck?: number;
  /**
   * How a decoder level merges the encoder's features of its resolution:
   * 'concat' stacks them with the upsampled ones along the channels (U-Net,
   * Ronneberger et al. 2015; the default); 'add' sums them (the symmetric skips
   * of RED-Net, Mao et al. 2016), which costs no extra convolution width.
   */
  skip?: 'concat' | 'add';
}

/**
 * U-Net-style autoencoder on NCHW images. Encoder level i: `convsPerLevel`
 * 'same' convolutions with filters[i] (the last one's output is the skip
 * s_i), then 2×2 max pooling. `convsPerLevel` 'same' convolutions with
 * `bottleneck` filters at H/2^L × W/2^L make the code. Decoder level i (from
 * the deepest up): a stride-2 transposed convolution to filters[i] channels,
 * merged with s_i (`skip`), then `convsPerLevel` 'same' convolutions with
 * filters[i]; a last 'same' convolution maps to the input channels, then the
 * output activation.
 *
 * Because the decoder reads the skips, it cannot decode a code alone: the
 * model has the parts 'model', 'encoder' and 'errors' but no 'decoder', and
 * `decode`, `sample` and `interpolate` throw. Everything else (training with
 * a noise option, `reconstruct`, `encode`, save/load, export) works as for
 * the other models.
 */
export class UNetAutoencoder extends AutoencoderModel {
  readonly className = 'UNetAutoencoder';
  readonly filters: number[];
  readonly kernelSize: number;
  readonly activation: ActivationName;
  readonly bottleneck: number;
  readonly skip: 'concat' | 'add';
  readonly convsPerLevel: number;
  readonly latentShape: number[];
  /** Per encoder level, its convolutions. */
  private readonly down: Conv2D[][];
  private readonly pools: MaxPool2D[];
  private readonly middle: Conv2D[];
  private readonly up: Conv2DTranspose[];
  /** Per decoder level, the convolutions after the merge. */
  private readonly merge: Conv2D[][];
  private readonly output: Conv2D;
  /** The skip tensors of each code built by `encodeGraph`, for the `decodeGraph` of the same graph. */
  private readonly skipsOf = new WeakMap<Value, Value[]>();

  constructor(config: UNetAutoencoderConfig) {
    const c = fieldsOf(config, [...COMMON_FIELDS, 'encoder', 'bottleneck', 'skip']);
    const common = parseCommon(c, 'config');
    super(common);
    const [channels, h, w] = imageShape(this.inputShape, 'a U-Net autoencoder');
    const { enc, filters, kernelSize, activation } = parseConvEncoder(c, common, ['convsPerLevel']);
    const convsPerLevel = opt(enc, 'convsPerLevel', 'config.encoder', positiveInt, 1);
    const [hc, wc] = checkLevels(h, w, filters.length, 'config.encoder.filters');
    const bottleneck = opt(c, 'bottleneck', 'config', positiveInt, filters[filters.length - 1]!);
    const skip = opt(c, 'skip', 'config', (v, p) => oneOf(v, p, ['concat', 'add'] as const), 'concat');
    this.filters = filters;
    this.kernelSize = kernelSize;
    this.activation = activation;
    this.bottleneck = bottleneck;
    this.skip = skip;
    this.convsPerLevel = convsPerLevel;
    this.latentShape = [bottleneck, hc, wc];
    const k = kernelSize;
    // The first convolution of a block keeps the name it had before blocks could be deeper, so saved one-conv models load.
    const block = (name: string, f: number) => Array.from({ length: convsPerLevel }, (_, j) =>
      new Conv2D({ name: j === 0 ? name : `${name}_${j}`, filters: f, kernelSize: k, padding: 'same', activation }));
    this.down = filters.map((f, i) => block(`encoder_conv_${i}`, f));
    this.pools = filters.map((_, i) => new MaxPool2D({ name: `encoder_pool_${i}`, poolSize: 2 }));
    this.middle = block('bottleneck_conv', bottleneck);
    this.up = filters.map((f, i) => new Conv2DTranspose({ name: `decoder_up_${i}`, filters: f, kernelSize: k, strides: 2, padding: 'same', activation }));
    this.merge = filters.map((f, i) => block(`decoder_conv_${i}`, f));
    this.output = new Conv2D({ name: 'decoder_output', filters: channels, kernelSize: k, padding: 'same' });
  }

  protected encodeGraph(ctx: GraphBuildContext, x: Value): Encoded {
    const skips: Value[] = [];
    let h = x;
    this.filters.forEach((_, i) => {
      h = applyAll(ctx, this.down[i]!, h);
      skips.push(h);
      h = this.pools[i]!.call(ctx, h);
    });
    const code = applyAll(ctx, this.middle, h);
    this.skipsOf.set(code, skips);
    return { code };
  }

  protected decodeGraph(ctx: GraphBuildContext, z: Value): Value {
    const skips = this.skipsOf.get(z);
    if (!skips) throw new Error(`${this.className}: the decoder reads the encoder's skip connections, so it cannot decode a code on its own`);
    let h = z;
    for (let i = this.filters.length - 1; i >= 0; i--) {
      const up = this.up[i]!.call(ctx, h);
      const merged = this.skip === 'concat' ? ctx.g.concat([up, skips[i]!], 1) : ctx.g.add(up, skips[i]!);
      h = applyAll(ctx, this.merge[i]!, merged);
    }
    return this.output.call(ctx, h);
  }

  /** 'model', 'encoder' and 'errors': no 'decoder', which would need the skips. */
  override parts(): Record<string, ModelPart> {
    const { decoder: _, ...rest } = super.parts();
    return rest;
  }

  /** Not available: the decoder needs the skip connections of an input, not only its code. */
  override decode(_z: Float32Array): Promise<Float32Array> {
    return Promise.reject(new Error(`${this.className}.decode: the decoder reads the encoder's skip connections, so a code alone cannot be decoded (no decode, sample or interpolate); use reconstruct(x)`));
  }

  protected summarySections(): SummarySection[] {
    const L = this.filters.length;
    const [c, h, w] = this.inputShape as [number, number, number];
    const encoderLayers = this.filters.flatMap((_, i) => [...this.down[i]!, this.pools[i]!]);
    const sections: SummarySection[] = [{ title: 'encoder', inputShape: ['N', c, h, w], layers: [...encoderLayers, ...this.middle] }];
    let shape: (number | string)[] = ['N', ...this.latentShape];
    for (let i = L - 1; i >= 0; i--) {
      const f = this.filters[i]!;
      const size = [h / 2 ** i, w / 2 ** i];
      sections.push({ title: 'decoder', inputShape: shape, layers: [this.up[i]!] });
      sections.push({ title: 'decoder', inputShape: ['N', this.skip === 'concat' ? 2 * f : f, ...size], layers: this.merge[i]! });
      shape = ['N', f, ...size];
    }
    sections.push({ title: 'decoder', inputShape: shape, layers: [this.output] });
    return sections;
  }

  protected ownConfig(): Record<string, unknown> {
    return {
      encoder: { filters: [...this.filters], kernelSize: this.kernelSize, activation: this.activation, convsPerLevel: this.convsPerLevel },
      bottleneck: this.bottleneck,
      skip: this.skip,
    };
  }
}

function applyAll(ctx: GraphBuildContext, convs: Conv2D[], x: Value): Value {
  return convs.reduce((h, conv) => conv.call(ctx, h), x);
}

registerModel('UNetAutoencoder', (c) => new UNetAutoencoder(c as unknown as UNetAutoencoderConfig));
