/**
 * Adversarial benchmark (issue 27): generation and reconstruction quality
 * measured by a Fréchet distance (FD) in the feature space of aekit's own
 * MNIST classifier, a stand-in for FID that is not comparable with published
 * FIDs (those use Inception-v3 features of 299×299 colour images).
 *
 * 1. An {@link ImageClassifier} (conv [16, 32], dense 64) is trained on the
 *    first 10,000 MNIST training images; its 64 penultimate activations are the features.
 * 2. Samples: an adversarial autoencoder, a VAE and an IWAE (k = 5) of the same
 *    size (bench/generate's 784-200-200 tanh architecture, with an 8-d code
 *    as in Makhzani et al.'s MNIST AAE), each trained for the same epochs on the
 *    grey MNIST training images (the first 15,000 by default, 9 epochs, to keep a run
 *    within half an hour on a loaded 2-core machine) with a Bernoulli decoder
 *    (BCE), decode n prior
 *    draws z ~ N(0, I); FD between their features and the test images'.
 * 3. Reconstructions: one dense autoencoder (784-256-64-16, sigmoid output)
 *    trained on MSE alone and one on MSE + λ · adversarial loss (a conv image
 *    discriminator, `loss: { type: 'adversarial' }`), same seed and epochs;
 *    FD between the features of the reconstructed test images and of the
 *    test images themselves, and the pixel MSE of the reconstructions.
 *
 * Goals: the AAE's sample FD below the VAE's; the adversarial loss's
 * reconstruction FD below the pixel loss's at a pixel MSE at most 10 % higher.
 */
import { mnist } from '../../src/data/datasets.js';
import { type Dataset } from '../../src/data/types.js';
import { type SessionOptions } from '../../src/onnx/runtime.js';
import { frechetDistance } from '../../src/eval/frechet.js';
import { meanSquaredError } from '../../src/eval/image-quality.js';
import { writeFileAtomic } from '../../src/io/files.js';
import { AdversarialAutoencoder, type AdversarialAutoencoderConfig } from '../../src/models/aae.js';
import { type AutoencoderModel } from '../../src/models/base.js';
import { ImageClassifier } from '../../src/models/classifier.js';
import { Autoencoder, type AutoencoderConfig } from '../../src/models/dense.js';
import { VariationalAutoencoder } from '../../src/models/vae.js';
import { Adam } from '../../src/optim/optimizers.js';
import { interpolate, sample, writeGeneratedPng } from '../../src/tasks/generate.js';
import { imageGridPng } from '../../src/viz/images.js';
import { type MnistSliceOptions, resolveSlice } from '../lib/run-options.js';
import { TRAIN_SAMPLES_IWAE, generativeModelConfig } from '../generate/protocol.js';

export const LATENT_DIM = 8;
export const BATCH_SIZE = 100;
/** Defaults of a full run and of `--quick`. */
export const DEFAULTS = { trainSamples: 15000, epochs: 9, reconEpochs: 3, classifierEpochs: 2, classifierSamples: 10000, samples: 10000, adversarialWeight: 0.001 } as const;
export const QUICK = { trainSamples: 3000, testSamples: 500, epochs: 2, reconEpochs: 2, classifierEpochs: 1, classifierSamples: 3000, samples: 500 } as const;

export interface AdversarialBenchOptions extends MnistSliceOptions {
  /** Epochs of each generative model. */
  epochs?: number;
  /** Epochs of each reconstruction autoencoder. */
  reconEpochs?: number;
  classifierEpochs?: number;
  /** Training images of the feature classifier (the first ones; default 10,000). */
  classifierSamples?: number;
  /** Generated samples per model. */
  samples?: number;
  /** λ of the adversarial reconstruction loss. */
  adversarialWeight?: number;
  /** Write the figures (PNG) into this directory. */
  figures?: string;
}

export interface AdversarialBenchResult {
  fd: { samples: { aae: number; vae: number; iwae: number }; reconstructions: { pixel: number; adversarial: number } };
  mse: { pixel: number; adversarial: number };
  /** FD of a second half of the test images against the first: the floor sampling noise puts under any FD here. */
  fdTestHalves: number;
  classifierAccuracy: number;
  goal: { aaeBelowVae: boolean; adversarialSharper: boolean; mseWithin10Percent: boolean };
  protocol: Record<string, unknown>;
}

/** The three generative models' configs: bench/generate's architecture with an 8-d code. */
export function aaeConfig(): AdversarialAutoencoderConfig {
  return { inputShape: [784], latentDim: LATENT_DIM, encoder: { sizes: [200, 200], activation: 'tanh' }, discriminator: { sizes: [256, 256] }, adversarialWeight: 2 };
}

/** The dense autoencoders of the reconstruction comparison; `adversarialWeight` 0 is pixel loss alone. */
export function reconstructionConfig(adversarialWeight: number): AutoencoderConfig {
  const base: AutoencoderConfig = { inputShape: [784], encoder: { sizes: [256, 64, 16] }, outputActivation: 'sigmoid', loss: 'mse' };
  return adversarialWeight > 0 ? { ...base, loss: { type: 'adversarial', weight: adversarialWeight, base: 'mse', discriminator: { filters: [32, 64] } } } : base;
}

/**
 * The benches' MNIST classifier (conv [16, 32], dense 64), trained on the
 * first `samples` training images: a feature space for Fréchet distances and
 * a judge of generated digits. Returns it with its test accuracy.
 */
export async function trainMnistClassifier(train: Dataset, test: Dataset, o: { samples: number; epochs: number; seed: number; session: SessionOptions | undefined; log: (line: string) => void }): Promise<{ classifier: ImageClassifier; accuracy: number }> {
  const nc = o.samples;
  const nTest = test.shape[0]!;
  const classifier = new ImageClassifier({ inputShape: [1, 28, 28] }).compile({ optimizer: new Adam({ learningRate: 1e-3 }), seed: o.seed, session: o.session });
  await classifier.fit({ x: train.x.subarray(0, nc * 784), shape: [nc, 1, 28, 28], labels: train.labels!.subarray(0, nc) }, { epochs: o.epochs, batchSize: 64 });
  const accuracy = (await classifier.evaluate({ x: test.x, shape: [nTest, 1, 28, 28], labels: test.labels! })).accuracy!;
  o.log(`  classifier: ${o.epochs} epochs on ${nc} images, test accuracy ${(accuracy * 100).toFixed(2)} %`);
  return { classifier, accuracy };
}

/** Runs the benchmark; see the module's TSDoc. */
export async function runAdversarialBenchmark(options: AdversarialBenchOptions = {}): Promise<AdversarialBenchResult> {
  const { log, quick, seed, session, trainSamples, testSamples } = resolveSlice({ ...options, trainSamples: options.trainSamples ?? (options.quick ? undefined : DEFAULTS.trainSamples) }, QUICK);
  const pick = <K extends keyof typeof QUICK & keyof typeof DEFAULTS>(k: K, given: number | undefined) => given ?? (quick ? QUICK[k] : DEFAULTS[k]);
  const epochs = pick('epochs', options.epochs);
  const reconEpochs = pick('reconEpochs', options.reconEpochs);
  const classifierEpochs = pick('classifierEpochs', options.classifierEpochs);
  const nSamples = pick('samples', options.samples);
  const lambda = options.adversarialWeight ?? DEFAULTS.adversarialWeight;
  const t0 = performance.now();
  const train = mnist({ limit: trainSamples });
  const test = mnist({ split: 'test', limit: testSamples });
  const n = train.shape[0]!;
  const nTest = test.shape[0]!;
  log(`adversarial: ${n} training and ${nTest} test MNIST images; ${epochs} epochs per generative model, ${reconEpochs} per reconstruction model, batch ${BATCH_SIZE}, Adam, seed ${seed}; ${nSamples} samples per model; λ = ${lambda}`);

  const nc = Math.min(n, options.classifierSamples ?? (quick ? QUICK.classifierSamples : DEFAULTS.classifierSamples));
  const { classifier, accuracy } = await trainMnistClassifier(train, test, { samples: nc, epochs: classifierEpochs, seed, session, log });
  const features = async (x: Float32Array) => ({ x: await classifier.features(x, { batchSize: 500 }), shape: [x.length / 784, classifier.featureSize] });
  const testFeatures = await features(test.x);
  const half = Math.floor(nTest / 2);
  const fdTestHalves = frechetDistance(await features(test.x.subarray(0, half * 784)), await features(test.x.subarray(half * 784, 2 * half * 784)));
  log(`  FD between the two halves of the test images: ${fdTestHalves.toFixed(3)}`);

  const fit = async (name: string, model: AutoencoderModel, e: number) => {
    const t = performance.now();
    const r = await model.fit({ x: train.x, shape: [n, 784] }, { epochs: e, batchSize: BATCH_SIZE, seed });
    if (r.stopReason) throw new Error(`${name}: training stopped: ${r.stopReason}`);
    const last = r.history.at(-1)!;
    log(`  ${name}: ${e} epochs in ${((performance.now() - t) / 1000).toFixed(0)} s; ${Object.entries(last).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
  };
  const generative: Record<'aae' | 'vae' | 'iwae', AutoencoderModel> = {
    aae: new AdversarialAutoencoder(aaeConfig()).compile({ optimizer: new Adam({ learningRate: 1e-3 }), discriminatorOptimizer: new Adam({ learningRate: 2e-4 }), seed, session }),
    vae: new VariationalAutoencoder({ ...generativeModelConfig(1), latentDim: LATENT_DIM }).compile({ optimizer: new Adam({ learningRate: 1e-3 }), seed, session }),
    iwae: new VariationalAutoencoder({ ...generativeModelConfig(TRAIN_SAMPLES_IWAE), latentDim: LATENT_DIM }).compile({ optimizer: new Adam({ learningRate: 1e-3 }), seed, session }),
  };
  const fdSamples = { aae: NaN, vae: NaN, iwae: NaN };
  for (const kind of ['aae', 'vae', 'iwae'] as const) {
    const model = generative[kind];
    await fit(kind, model, epochs);
    const s = await sample(model, nSamples, { seed: seed + 7 });
    fdSamples[kind] = frechetDistance(await features(s.images), testFeatures);
    log(`  ${kind}: sample FD ${fdSamples[kind].toFixed(3)} (${nSamples} samples)`);
    if (options.figures) writeGeneratedPng(`${options.figures}/adversarial-samples-${kind}.png`, await sample(model, 64, { seed: seed + 7, columns: 8 }), { title: `${kind.toUpperCase()}: 64 decoded draws z ~ N(0, I), ${epochs} epochs`, columns: 8 });
  }
  if (options.figures) {
    const rows = await Promise.all([[0, 1], [2, 3], [4, 7]].map(([a, b]) => interpolate(generative.aae, test.x.subarray(a! * 784, (a! + 1) * 784), test.x.subarray(b! * 784, (b! + 1) * 784), 10)));
    const images = new Float32Array(rows.reduce((s, r) => s + r.images.length, 0));
    rows.reduce((o, r) => (images.set(r.images, o), o + r.images.length), 0);
    writeFileAtomic(`${options.figures}/adversarial-aae-interpolation.png`, imageGridPng(images, { imageShape: [28, 28], columns: 10, title: 'AAE: decoded codes on the segment between the codes of two test digits (rows: 3 pairs)' }));
  }

  const recon: Record<'pixel' | 'adversarial', { fd: number; mse: number; images: Float32Array }> = {} as never;
  for (const kind of ['pixel', 'adversarial'] as const) {
    const model = new Autoencoder(reconstructionConfig(kind === 'pixel' ? 0 : lambda)).compile({
      optimizer: new Adam({ learningRate: 1e-3 }), ...(kind === 'adversarial' ? { discriminatorOptimizer: new Adam({ learningRate: 2e-4 }) } : {}), seed, session,
    });
    await fit(`reconstruction ${kind}`, model, reconEpochs);
    const images = await model.reconstruct(test.x);
    recon[kind] = { fd: frechetDistance(await features(images), testFeatures), mse: meanSquaredError(images, test.x), images };
    log(`  reconstructions, ${kind} loss: FD ${recon[kind].fd.toFixed(3)}, pixel MSE ${recon[kind].mse.toFixed(5)}`);
  }
  if (options.figures) {
    const k = 12;
    const grid = new Float32Array(3 * k * 784);
    grid.set(test.x.subarray(0, k * 784));
    grid.set(recon.pixel.images.subarray(0, k * 784), k * 784);
    grid.set(recon.adversarial.images.subarray(0, k * 784), 2 * k * 784);
    writeFileAtomic(`${options.figures}/adversarial-reconstructions.png`, imageGridPng(grid, {
      imageShape: [28, 28], columns: k, rowTitles: ['test images', 'MSE only', `MSE + ${lambda} adv.`], title: `Reconstructions of the first ${k} test digits (784-256-64-16 dense AE, ${reconEpochs} epochs)`,
    }));
  }
  return {
    fd: { samples: fdSamples, reconstructions: { pixel: recon.pixel.fd, adversarial: recon.adversarial.fd } },
    mse: { pixel: recon.pixel.mse, adversarial: recon.adversarial.mse },
    fdTestHalves,
    classifierAccuracy: accuracy,
    goal: {
      aaeBelowVae: fdSamples.aae < fdSamples.vae,
      adversarialSharper: recon.adversarial.fd < recon.pixel.fd,
      mseWithin10Percent: recon.adversarial.mse <= 1.1 * recon.pixel.mse,
    },
    protocol: {
      quick, seed, trainSamples: n, testSamples: nTest, samples: nSamples, epochs, reconEpochs, classifierEpochs, classifierSamples: nc, batchSize: BATCH_SIZE, latentDim: LATENT_DIM,
      adversarialWeight: lambda, features: `ImageClassifier conv [16, 32] + dense 64: ${classifier.featureSize} features`, seconds: (performance.now() - t0) / 1000,
    },
  };
}

/** A Markdown table of the distances, then the goals. */
export function formatAdversarialTable(r: AdversarialBenchResult): string {
  const yes = (b: boolean) => (b ? 'met' : 'NOT met');
  return [
    '| what | model | Fréchet distance (classifier features) | pixel MSE |',
    '| --- | --- | ---: | ---: |',
    `| samples | AAE | ${r.fd.samples.aae.toFixed(3)} | |`,
    `| samples | VAE | ${r.fd.samples.vae.toFixed(3)} | |`,
    `| samples | IWAE (k = 5) | ${r.fd.samples.iwae.toFixed(3)} | |`,
    `| reconstructions | MSE only | ${r.fd.reconstructions.pixel.toFixed(3)} | ${r.mse.pixel.toFixed(5)} |`,
    `| reconstructions | MSE + adversarial | ${r.fd.reconstructions.adversarial.toFixed(3)} | ${r.mse.adversarial.toFixed(5)} |`,
    `| test half vs half | (floor) | ${r.fdTestHalves.toFixed(3)} | |`,
    '',
    `classifier test accuracy ${(r.classifierAccuracy * 100).toFixed(2)} %`,
    `goal AAE sample FD < VAE's: ${yes(r.goal.aaeBelowVae)}; adversarial reconstruction FD < pixel's: ${yes(r.goal.adversarialSharper)}, at MSE ≤ 1.1 × pixel's: ${yes(r.goal.mseWithin10Percent)}`,
  ].join('\n');
}
