/**
 * Named models for `aekit train --model <name>`: each gives a full model config
 * (the JSON `modelFromConfig` takes) for the data's sample shape, so a run
 * folder always records the exact model, and `--config` can start from
 * `aekit train --model conv --print-config`.
 */
import { ConfigError } from '../config/validate.js';
import { type KindDefaults, hiddenWidth } from './data-kinds.js';
import { recurrentPresetConfig } from '../models/recurrent.js';
import { TRANSFORMER_PRESET } from '../models/transformer.js';

/** Names accepted by `--model`. */
export const MODEL_PRESETS = ['dense', 'deep', 'linear', 'sparse', 'denoising', 'contractive', 'conv', 'conv-denoising', 'unet-denoising', 'mae', 'transformer', 'vae', 'conv-vae', 'aae', 'aae-mixture', 'lstm', 'gru', 'conv1d', 'text-ae', 'text-vae', 'text-transformer', 'speech-denoiser'] as const;
export type ModelPreset = (typeof MODEL_PRESETS)[number];

export interface PresetOptions {
  /** Code size (the latent dimension). Default per preset. */
  latent?: number;
  /** Reconstruction loss; default: the data kind's (see data-kinds.ts), 'bce' without one. */
  loss?: 'mse' | 'bce' | 'mae';
  /** Gaussian noise std of the denoising presets (the corruption during training). Default 0.5. */
  noise?: number;
  /** The speech denoiser: input SNR range [lo, hi] in dB of its training mixtures. Default [−2.5, 12.5]. */
  noiseSnr?: [number, number];
  /** The speech denoiser: the noise it trains on. Default both. */
  noiseTypes?: ('white' | 'babble')[];
}

/** The presets of sentence models, which only text data trains. */
const TEXT_PRESETS: ReadonlySet<ModelPreset> = new Set(['text-ae', 'text-vae', 'text-transformer']);

/** One-line descriptions for `--help`. */
export const PRESET_HELP: Record<ModelPreset, string> = {
  dense: 'one hidden layer each way: d-128-latent(32)',
  deep: 'd-256-128-latent(32), ELU',
  linear: 'linear encoder and decoder (spans the PCA subspace), MSE, latent 32',
  sparse: 'dense with an L1 activity penalty 1e-4 on the code',
  denoising: 'dense trained on Gaussian-corrupted inputs (noise 0.5) to reconstruct clean ones',
  contractive: 'dense with the contractive penalty 1e-4·‖∂h/∂x‖²',
  conv: 'images: 3×3 convs [32, 32] with max pooling and transposed-conv decoder, dense code (latent 32)',
  'conv-denoising': 'conv trained on Gaussian-corrupted images (noise 0.5), no dense bottleneck',
  'unet-denoising': 'images: U-Net [16, 32], two 3×3 convs per level, skip connections, trained on Gaussian-corrupted images (noise 0.5); the best denoiser',
  mae: 'images: masked autoencoder, a 4×4 grid of patches, 75 % hidden per step, 4 Transformer blocks of width latent (64), 2-block decoder; codes for features',
  transformer: 'sequences [T, F] or images (one token per row): Transformer encoder (2 blocks, width 64, 4 heads) pooled by a learned query to the code (latent 16; images 32), decoder of 2 blocks whose position queries attend to it',
  vae: 'variational, dense 512-256 encoder, latent 2 (a picture of the latent space)',
  'conv-vae': 'variational, conv encoder [32, 64], latent 2',
  aae: 'adversarial autoencoder: dense 200-200 tanh encoder, latent 8, a discriminator [256, 256] pushing the codes to N(0, I) (bench:adversarial\'s model)',
  'aae-mixture': 'adversarial autoencoder, dense 128 encoder, 2-D code pushed to a mixture of 10 Gaussians, one per class, by a discriminator [64, 64] that also reads each sample\'s label (prior.labelledFraction: the semi-supervised case); bench:aae-mixture\'s model and training',
  lstm: 'sequences [T, F]: LSTM encoder (latent 64 units), 64-unit LSTM decoder started from the code, in reverse',
  gru: 'sequences [T, F]: GRU encoder (latent 64 units), 64-unit GRU decoder started from the code, in reverse',
  conv1d: 'sequences [T, F]: Conv1D [32, 16] (kernel 5) with max pooling by 2, dense code (latent 16), mirrored decoder with upsampling; any T',
  'text-ae': 'sentences (a .txt file, one per line): embedding 64, GRU 128 encoder → code (latent 16) → GRU 128 decoder with teacher forcing',
  'text-transformer': 'sentences: the transformer preset on word embeddings (width 64), code latent 16, all words decoded at once from the code',
  'text-vae': 'sentences: text-ae as a VAE (Bowman et al.): word dropout 0.25, KL weight annealed to 1 over the first half of training',
  'speech-denoiser': 'a folder of .wav speech: complex-mask U-Net [8, 16, 32] with STFT and inverse STFT in the graph, −SI-SDR loss, trained on fresh white/babble noise (--noise-snr, --noise-type); bench:audio\'s denoiser',
};

/** The speech denoiser's model config (`ComplexMaskDenoiser`, src/tasks/complex-mask-denoise.ts): bench:audio's. */
export const SPEECH_DENOISER_CONFIG = { className: 'ComplexMaskDenoiser', segment: 3968, nFft: 256, hop: 128, filters: [8, 16, 32], compression: 0.3, rms: 0.1 } as const;

/**
 * The model config of a preset for samples of `sampleShape`. `defaults`, the
 * data kind's (see {@link kindDefaults}), fill what `options` leaves open:
 * loss, code size, code activation and hidden widths; without them the
 * presets keep their image defaults (BCE, the widths of PRESET_HELP).
 * @throws {ConfigError} when the preset does not fit the data (e.g. conv on flat vectors).
 */
export function presetConfig(name: string, sampleShape: readonly number[], options: PresetOptions = {}, defaults?: KindDefaults): Record<string, unknown> {
  if (!(MODEL_PRESETS as readonly string[]).includes(name)) {
    throw new ConfigError('--model', `unknown model '${name}'; expected one of ${MODEL_PRESETS.join(', ')} (or a model config file with --config)`);
  }
  const preset = name as ModelPreset;
  const inputShape = [...sampleShape];
  const loss = options.loss ?? defaults?.loss ?? 'bce';
  // Waveforms lie in [-1, 1]: clipping the corrupted input to [0, 1] would cut off their lower half.
  const noise = { type: 'gaussian', std: options.noise ?? 0.5, clip: defaults?.kind !== 'audio' };
  const latent = (fallback: number) => options.latent ?? defaults?.latent ?? fallback;
  // Hidden widths and code activation of the dense presets, as the data kind wants them.
  const code = latent(32);
  const width = (w: number) => hiddenWidth(w, defaults, code);
  const codeActivation = defaults?.codeActivation ? { codeActivation: defaults.codeActivation } : {};
  const needImage = () => {
    if (inputShape.length !== 3) {
      throw new ConfigError('--model', `'${preset}' needs images [channels, height, width]; the data's samples have shape [${inputShape.join(', ')}] (use --shape, or a dense model)`);
    }
    const [, h, w] = inputShape as [number, number, number];
    if (h % 4 !== 0 || w % 4 !== 0) throw new ConfigError('--model', `'${preset}' halves the image twice; height and width must be multiples of 4, got ${h}×${w}`);
  };
  if (preset === 'speech-denoiser') {
    if (defaults?.kind !== 'audio') throw new ConfigError('--model', `'speech-denoiser' needs speech: a folder of .wav files (--data <folder>); the data's samples have shape [${inputShape.join(', ')}]`);
    return { ...SPEECH_DENOISER_CONFIG, filters: [...SPEECH_DENOISER_CONFIG.filters] };
  }
  const text = TEXT_PRESETS.has(preset);
  if (defaults?.kind === 'text' && !text) throw new ConfigError('--model', `'${preset}' does not read sentences; a .txt file of sentences trains text-ae, text-vae or text-transformer`);
  if (text && (defaults?.kind !== 'text' || !defaults.vocabulary)) throw new ConfigError('--model', `'${preset}' needs sentences: a .txt file with one sentence per line (the data's samples have shape [${inputShape.join(', ')}])`);
  const needSequence = () => {
    if (inputShape.length !== 2) throw new ConfigError('--model', `'${preset}' needs sequences [timesteps, features]; the data's samples have shape [${inputShape.join(', ')}] (use --shape)`);
  };
  switch (preset) {
    case 'dense': return { className: 'Autoencoder', inputShape, encoder: { sizes: [width(128), latent(32)], ...codeActivation }, loss };
    case 'deep': return { className: 'Autoencoder', inputShape, encoder: { sizes: [width(256), width(128), latent(32)], activation: 'elu', codeActivation: 'linear' }, loss };
    case 'linear': return { className: 'Autoencoder', inputShape, encoder: { sizes: [latent(32)] }, linear: true, loss: 'mse', outputActivation: 'linear' };
    case 'sparse': return { className: 'Autoencoder', inputShape, encoder: { sizes: [width(128), latent(32)], ...codeActivation }, loss, sparsity: { type: 'l1', coefficient: 1e-4 } };
    case 'denoising': return { className: 'Autoencoder', inputShape, encoder: { sizes: [hiddenWidth(256, defaults, latent(64)), latent(64)], ...codeActivation }, loss, noise };
    case 'contractive': return { className: 'Autoencoder', inputShape, encoder: { sizes: [latent(32)] }, loss, contractive: 1e-4 };
    case 'conv':
      needImage();
      return { className: 'ConvAutoencoder', inputShape, encoder: { filters: [32, 32], activation: 'elu' }, decoder: { upsample: 'transpose' }, latentDim: latent(32), loss };
    case 'conv-denoising':
      needImage();
      return { className: 'ConvAutoencoder', inputShape, encoder: { filters: [32, 32], activation: 'elu' }, decoder: { upsample: 'transpose' }, loss, noise };
    case 'unet-denoising':
      needImage();
      // bench:denoise's model: 21.21 dB at noise 0.5 after 40 epochs (docs/tasks.md).
      return { className: 'UNetAutoencoder', inputShape, encoder: { filters: [16, 32], convsPerLevel: 2, activation: 'elu' }, loss, noise };
    case 'mae': {
      needImage();
      // bench:attention's model (docs/attention.md): a 4×4 grid of patches (7×7 on 28×28 images).
      const d = options.latent ?? 64;
      if (d % 8 !== 0) throw new ConfigError('--latent', `'mae' needs a code size divisible by 8 (4 heads, also in the half-width decoder), got ${d}`);
      const [, h, w] = inputShape as [number, number, number];
      return {
        className: 'MaskedAutoencoder', inputShape, patchSize: [h / 4, w / 4], maskRatio: 0.75,
        encoder: { embedDim: d, depth: 4, numHeads: 4, mlpDim: 2 * d }, decoder: { embedDim: d / 2, depth: 2, numHeads: 4, mlpDim: d },
      };
    }
    case 'transformer': {
      if (inputShape.length !== 2 && inputShape.length !== 3) throw new ConfigError('--model', `'transformer' needs sequences [timesteps, features] or images [channels, height, width]; the data's samples have shape [${inputShape.join(', ')}] (use --shape)`);
      const image = inputShape.length === 3;
      return { className: 'TransformerAutoencoder', inputShape, ...TRANSFORMER_PRESET, latentDim: latent(image ? 32 : 16), loss: image ? loss : options.loss ?? defaults?.loss ?? 'mse' };
    }
    // The VAE keeps its 2-D code (a picture of the latent space) whatever the data kind.
    case 'vae': return { className: 'VariationalAutoencoder', inputShape, latentDim: options.latent ?? 2, encoder: { type: 'dense', sizes: [hiddenWidth(512, defaults, 2), hiddenWidth(256, defaults, 2)] } };
    case 'conv-vae':
      needImage();
      return { className: 'VariationalAutoencoder', inputShape, latentDim: options.latent ?? 2, encoder: { type: 'conv', filters: [32, 64] } };
    case 'aae':
      return { className: 'AdversarialAutoencoder', inputShape, latentDim: options.latent ?? 8, encoder: { sizes: [hiddenWidth(200, defaults, 8), hiddenWidth(200, defaults, 8)], activation: 'tanh' }, discriminator: { sizes: [256, 256] }, adversarialWeight: 2 };
    case 'aae-mixture':
      return {
        className: 'AdversarialAutoencoder', inputShape, latentDim: options.latent ?? 2, prior: { type: 'mixture', components: 10 },
        encoder: { sizes: [hiddenWidth(128, defaults, 2)] }, discriminator: { sizes: [64, 64] }, adversarialWeight: 30,
      };
    case 'lstm':
    case 'gru':
      needSequence();
      return recurrentPresetConfig(preset, inputShape, options.latent ?? 64, loss);
    case 'conv1d':
      needSequence();
      // The model of test/models/conv1d.test.ts: held-out MSE about 2 % of the variance of noisy sine windows
      // (random period, phase and amplitude) after 12 epochs at Adam 3e-3.
      return { className: 'Conv1DAutoencoder', inputShape, encoder: { filters: [32, 16], kernelSize: 5 }, latentDim: latent(16), loss };
    case 'text-ae':
    case 'text-vae':
    case 'text-transformer': {
      // bench:text's sizes (docs/text.md): small enough to train on two CPU cores in minutes.
      const vocabulary = [...defaults!.vocabulary!];
      const common = { className: 'SentenceAutoencoder', inputShape, vocabSize: vocabulary.length, embeddingDim: 64, units: 128, latentDim: options.latent ?? 16 };
      if (preset === 'text-ae') return { ...common, vocabulary };
      if (preset === 'text-transformer') return { className: 'TransformerAutoencoder', inputShape, vocabSize: vocabulary.length, ...TRANSFORMER_PRESET, latentDim: options.latent ?? 16, vocabulary };
      return { ...common, variational: true, wordDropout: 0.25, ...(defaults!.klAnnealSteps !== undefined ? { klAnnealSteps: defaults!.klAnnealSteps } : {}), vocabulary };
    }
  }
}
