/**
 * The supervised and semi-supervised adversarial autoencoder (Makhzani et al.
 * 2015) on MNIST: a 2-D code pushed to a mixture of 10 Gaussians, one per
 * digit, the discriminator reading each code with its label state. Three
 * models of the same architecture (the `aae-mixture` preset's), same seed and
 * steps:
 *
 * - `supervised`: every training label goes to the discriminator;
 * - `semi`: 10 % of them (`labelledFraction` 0.1, evenly spread), the rest
 *   unlabelled, each labelled image repeated 9 times per epoch
 *   (`labelledRepeats`: half of every epoch labelled), for fewer epochs so
 *   that every model takes the same number of steps;
 * - `plain`: the same model with adversarial weight 0 (an autoencoder with a
 *   2-D code; its discriminator trains but moves nothing): the reference.
 *
 * Measured on the test images, per model:
 * - `componentAccuracy`: the code's most likely mixture component is its
 *   digit (the prior as a classifier; chance level for `plain`);
 * - `knn5`: 5-NN accuracy of the test codes against the codes of the 10 % of
 *   training images whose labels the semi-supervised model saw (the same for
 *   every model, so `semi` uses no label the others lack);
 * - `sampleAccuracy`: 100 decoded draws of each class's component, judged by
 *   the bench's MNIST classifier (bench/adversarial's): the fraction it calls
 *   the component's digit.
 */
import { mnist } from '../../src/data/datasets.js';
import { classificationAccuracy, knnAccuracy } from '../../src/eval/features.js';
import { writeFileAtomic } from '../../src/io/files.js';
import { AdversarialAutoencoder, type AdversarialAutoencoderConfig } from '../../src/models/aae.js';
import { keepsLabel, mostLikelyComponent } from '../../src/models/mixture-prior.js';
import { presetConfig } from '../../src/runs/presets.js';
import { MIXTURE_AAE_TRAINING } from '../../src/runs/run-config.js';
import { optimizerFromConfig, type OptimizerConfig } from '../../src/optim/optimizers.js';
import { imageGridPng } from '../../src/viz/images.js';
import { latentScatterPng } from '../../src/viz/figures.js';
import { type MnistSliceOptions, resolveSlice } from '../lib/run-options.js';
import { trainMnistClassifier } from './protocol.js';

export const DEFAULTS = { trainSamples: 60000, epochs: 10, classifierEpochs: 2, classifierSamples: 10000, perClass: 100 } as const;
export const QUICK = { trainSamples: 2000, testSamples: 500, epochs: 3, classifierEpochs: 1, classifierSamples: 2000, perClass: 20 } as const;
export const SEMI_FRACTION = 0.1;
export const SEMI_REPEATS = 9;
const MODELS = ['supervised', 'semi', 'plain'] as const;
type Kind = (typeof MODELS)[number];

export interface MixtureBenchOptions extends MnistSliceOptions {
  epochs?: number;
  /** Write the latent-space and per-class sample PNGs here. */
  figures?: string;
}

export interface MixtureScores {
  componentAccuracy: number;
  knn5: number;
  sampleAccuracy: number;
}

export type MixtureBenchResult = Record<Kind, MixtureScores> & { classifierAccuracy: number; protocol: Record<string, unknown> };

/** The benchmark's model: the `aae-mixture` preset, with `labelledFraction`, `labelledRepeats` and the adversarial weight set. */
export function mixtureConfig(labelledFraction: number, adversarialWeight?: number, labelledRepeats = 1): AdversarialAutoencoderConfig {
  const preset = presetConfig('aae-mixture', [784]) as unknown as AdversarialAutoencoderConfig & { prior: object };
  return { ...preset, prior: { ...preset.prior, labelledFraction, labelledRepeats } as AdversarialAutoencoderConfig['prior'], ...(adversarialWeight !== undefined ? { adversarialWeight } : {}) };
}


/** Runs the benchmark; see the module's TSDoc. */
export async function runMixtureBenchmark(options: MixtureBenchOptions = {}): Promise<MixtureBenchResult> {
  const { log, quick, seed, session, trainSamples, testSamples } = resolveSlice({ ...options, trainSamples: options.trainSamples ?? (options.quick ? undefined : DEFAULTS.trainSamples) }, QUICK);
  const plan = quick ? QUICK : DEFAULTS;
  const epochs = options.epochs ?? plan.epochs;
  const t0 = performance.now();
  const train = mnist({ limit: trainSamples });
  const test = mnist({ split: 'test', limit: testSamples });
  const n = train.shape[0]!;
  const nTest = test.shape[0]!;
  const batchSize = MIXTURE_AAE_TRAINING.batchSize;
  log(`aae-mixture: ${n} training and ${nTest} test MNIST images; ${epochs} epochs per model, batch ${batchSize}, seed ${seed}; semi-supervised: ${SEMI_FRACTION * 100} % of the labels, each labelled image ${SEMI_REPEATS} times per epoch`);
  const { classifier, accuracy } = await trainMnistClassifier(train, test, { samples: Math.min(n, plan.classifierSamples), epochs: plan.classifierEpochs, seed, session, log });

  // The images whose labels the semi-supervised model sees.
  const reference = Array.from({ length: n }, (_, i) => i).filter((i) => keepsLabel(i, SEMI_FRACTION));
  const semiEpochs = Math.max(1, Math.round((epochs * n) / (n + (SEMI_REPEATS - 1) * reference.length)));
  const out = {} as Record<Kind, MixtureScores>;
  for (const kind of MODELS) {
    const t = performance.now();
    const model = new AdversarialAutoencoder(mixtureConfig(kind === 'semi' ? SEMI_FRACTION : 1, kind === 'plain' ? 0 : undefined, kind === 'semi' ? SEMI_REPEATS : 1)).compile({
      optimizer: optimizerFromConfig(MIXTURE_AAE_TRAINING.optimizer as OptimizerConfig),
      discriminatorOptimizer: optimizerFromConfig(MIXTURE_AAE_TRAINING.discriminatorOptimizer as OptimizerConfig), seed, session,
    });
    // The repeats make the semi-supervised epoch longer: fewer epochs keep every model at the same number of steps.
    const e = kind === 'semi' ? semiEpochs : epochs;
    const r = await model.fit({ x: train.x, shape: [n, 784], labels: train.labels! }, { epochs: e, batchSize, seed });
    if (r.stopReason) throw new Error(`${kind}: training stopped: ${r.stopReason}`);
    const last = r.history.at(-1)!;
    log(`  ${kind}: ${e} epochs in ${((performance.now() - t) / 1000).toFixed(0)} s; ${Object.entries(last).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
    const mixture = model.mixture!;
    const codes = await model.encode(test.x);
    const trainCodes = await model.encode(train.x);
    const refCodes = new Float32Array(reference.length * 2);
    reference.forEach((i, j) => refCodes.set(trainCodes.subarray(2 * i, 2 * i + 2), 2 * j));
    const knn5 = knnAccuracy({ x: refCodes, shape: [reference.length, 2], labels: Int32Array.from(reference, (i) => train.labels![i]!) }, { x: codes, shape: [nTest, 2], labels: test.labels! }, { k: 5 });
    const componentAccuracy = classificationAccuracy(mostLikelyComponent(mixture, codes), test.labels!);
    const perClass = plan.perClass;
    const images = new Float32Array(10 * perClass * 784);
    for (let c = 0; c < 10; c++) images.set(await model.sample(perClass, { seed: seed + c, label: c }), c * perClass * 784);
    const judged = await classifier.predictClasses(images, { batchSize: 500 });
    const sampleAccuracy = classificationAccuracy(judged, Int32Array.from({ length: 10 * perClass }, (_, i) => Math.floor(i / perClass)));
    out[kind] = { componentAccuracy, knn5, sampleAccuracy };
    log(`  ${kind}: component accuracy ${(componentAccuracy * 100).toFixed(2)} %, 5-NN ${(knn5 * 100).toFixed(2)} %, class-conditional samples judged right ${(sampleAccuracy * 100).toFixed(2)} %`);
    if (options.figures) {
      const shown = Math.min(nTest, 5000);
      writeFileAtomic(`${options.figures}/aae-mixture-latent-${kind}.png`, await latentScatterPng(
        { codes: codes.subarray(0, shown * 2), dim: 2, labels: test.labels!.subarray(0, shown) },
        { title: `${kind === 'plain' ? 'Autoencoder (adversarial weight 0)' : `AAE, mixture prior, ${kind === 'semi' ? `${SEMI_FRACTION * 100} % of the labels` : 'all labels'}`}: ${shown} test codes by digit` },
      ));
      const grid = new Float32Array(10 * 10 * 784);
      for (let c = 0; c < 10; c++) grid.set(images.subarray(c * perClass * 784, (c * perClass + 10) * 784), c * 10 * 784);
      writeFileAtomic(`${options.figures}/aae-mixture-samples-${kind}.png`, imageGridPng(grid, {
        imageShape: [28, 28], columns: 10, rowTitles: Array.from({ length: 10 }, (_, c) => String(c)), title: `${kind}: draws of each digit's component (one row per digit), ${e} epochs`,
      }));
    }
  }
  return {
    ...out,
    classifierAccuracy: accuracy,
    protocol: {
      quick, seed, trainSamples: n, testSamples: nTest, epochs, batchSize, semiFraction: SEMI_FRACTION, semiRepeats: SEMI_REPEATS, semiEpochs, knnReference: reference.length, samplesPerClass: plan.perClass,
      model: mixtureConfig(1), optimizer: MIXTURE_AAE_TRAINING.optimizer, discriminatorOptimizer: MIXTURE_AAE_TRAINING.discriminatorOptimizer, seconds: (performance.now() - t0) / 1000,
    },
  };
}

/** A Markdown table of the scores. */
export function formatMixtureTable(r: MixtureBenchResult): string {
  const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
  const rows = MODELS.map((k) => `| ${k} | ${pct(r[k].componentAccuracy)} | ${pct(r[k].knn5)} | ${pct(r[k].sampleAccuracy)} |`);
  return ['| model | component accuracy | 5-NN (10 % labelled reference) | class-conditional samples judged right |', '| --- | ---: | ---: | ---: |', ...rows, '', `classifier test accuracy ${pct(r.classifierAccuracy)}`].join('\n');
}
