/**
 * Generation benchmark (issue 12): the test negative log-likelihood of a VAE
 * and of an IWAE (k = 5) on dynamically binarized MNIST, estimated with
 * k = 5000 importance samples (Burda, Grosse & Salakhutdinov 2016), against
 * training time. Both models have Burda et al.'s one-stochastic-layer
 * architecture: 784-200-200-50 with tanh hidden layers, a 50-d Gaussian
 * latent and a Bernoulli decoder 50-200-200-784. Each trains for the same
 * wall-clock budget; the estimate is taken at evenly spaced points of it
 * (evaluation time not counted). `bench/generate.ts` is the command line.
 *
 * Dynamic binarization: every epoch the training images are binarized anew,
 * each pixel 1 with its intensity as the probability; the test images are
 * binarized once from the seed. Deviations from the paper, for a
 * time-limited CPU run: batch 100 instead of 20, and Adam at 1e-3 throughout
 * instead of their 3^i-epoch passes with a decaying learning rate.
 */
import { mnist } from '../../src/data/datasets.js';
import { VariationalAutoencoder, type VariationalAutoencoderConfig } from '../../src/models/vae.js';
import { Adam } from '../../src/optim/optimizers.js';
import { type MnistSliceOptions, resolveSlice } from '../lib/run-options.js';
import { binarize, importanceSampledNll, negativeElbo } from '../../src/tasks/generate.js';

/** Burda et al.'s test NLL for this architecture, nats: VAE and IWAE (k = 5), Table 1. */
export const PAPER_NLL = { vae: 86.76, iwae5: 85.54 } as const;
/** The goal: the VAE within 3 nats of the paper, and the IWAE below the VAE trained for the same time. */
export const GOAL_MARGIN = 3;
export const LEARNING_RATE = 1e-3;
export const BATCH_SIZE = 100;
/** Importance samples of the IWAE objective and of the evaluation. */
export const TRAIN_SAMPLES_IWAE = 5;
export const EVAL_SAMPLES = 5000;
/** The slice and budget of `--quick`. */
export const QUICK = { trainSamples: 2000, testSamples: 50, minutes: 0.25, evalSamples: 200, evals: 2 } as const;

/** The model config of the benchmark; `importanceSamples` 1 is the VAE. */
export function generativeModelConfig(importanceSamples: number): VariationalAutoencoderConfig {
  return { inputShape: [784], latentDim: 50, encoder: { type: 'dense', sizes: [200, 200], activation: 'tanh' }, importanceSamples };
}

/** Options of {@link runGenerateBenchmark}; `quick` runs {@link QUICK}. */
export interface GenerateBenchOptions extends MnistSliceOptions {
  /** Training minutes per model (default 120; quick 0.25). */
  minutes?: number;
  /** Estimates along the way, evenly spaced in training time, the last at the end (default 4; quick 2). */
  evals?: number;
  /** Importance samples of the estimate (default 5000). */
  evalSamples?: number;
}

/** One estimate on the curve. */
export interface CurvePoint {
  model: 'vae' | 'iwae';
  /** Training time so far, wall-clock minutes. */
  minutes: number;
  /**
   * Processor time of the training so far (every thread of this process),
   * minutes: on a shared machine, a fairer measure of the work each model got.
   */
  cpuMinutes: number;
  epochs: number;
  /** Importance-sampled test NLL, nats. */
  nll: number;
}

export interface GenerateBenchResult {
  /** The final estimates, nats: the `--json` object's keys with `minutes` (training minutes per model). */
  vaeNll: number;
  iwaeNll: number;
  minutes: number;
  curve: CurvePoint[];
  /** The final negative ELBO on the test images (one draw per image, exact KL), nats. */
  negativeElbo: { vae: number; iwae: number };
  goal: { vaeWithin3: boolean; iwaeBelowVae: boolean };
  protocol: Record<string, unknown>;
}

/** Runs the benchmark; see the module's TSDoc. */
export async function runGenerateBenchmark(options: GenerateBenchOptions = {}): Promise<GenerateBenchResult> {
  const { log, quick, seed, session, trainSamples, testSamples } = resolveSlice(options, QUICK);
  const minutes = options.minutes ?? (quick ? QUICK.minutes : 120);
  const evals = options.evals ?? (quick ? QUICK.evals : 4);
  const evalSamples = options.evalSamples ?? (quick ? QUICK.evalSamples : EVAL_SAMPLES);
  if (!(minutes > 0 && Number.isFinite(minutes))) throw new Error(`minutes must be a positive number, got ${minutes}`);
  for (const [name, v] of [['evals', evals], ['trainSamples', trainSamples], ['testSamples', testSamples], ['evalSamples', evalSamples]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${name} must be a positive integer, got ${v}`);
  }
  const t0 = performance.now();
  const train = mnist({ limit: trainSamples });
  const n = train.shape[0]!;
  const testX = binarize(mnist({ split: 'test', limit: testSamples }).x, seed + 104729);
  const nTest = testX.length / 784;
  log(`generation: ${n} training images (binarized anew each epoch), ${nTest} test images (binarized once); 784-200-200-50 tanh; ${minutes} training minutes per model; NLL with k = ${evalSamples} at ${evals} points; batch ${BATCH_SIZE}, Adam ${LEARNING_RATE}, seed ${seed}`);
  const curve: CurvePoint[] = [];
  const finals: Record<'vae' | 'iwae', { nll: number; elbo: number; epochs: number }> = {} as never;
  for (const kind of ['vae', 'iwae'] as const) {
    const model = new VariationalAutoencoder(generativeModelConfig(kind === 'vae' ? 1 : TRAIN_SAMPLES_IWAE));
    model.compile({ optimizer: new Adam({ learningRate: LEARNING_RATE, epsilon: 1e-4 }), seed, session });
    const budget = minutes * 60;
    let trained = 0;
    let cpu = 0;
    let epochs = 0;
    let nextEval = 1;
    const estimate = async () => {
      const t = performance.now();
      const nll = (await importanceSampledNll(model, testX, { samples: evalSamples, seed, threads: options.threads })).nll;
      curve.push({ model: kind, minutes: trained / 60, cpuMinutes: cpu / 60, epochs, nll });
      log(`  ${kind}: ${(trained / 60).toFixed(2)} min, ${epochs} epochs: test NLL ≈ ${nll.toFixed(2)} (k = ${evalSamples}, ${((performance.now() - t) / 1000).toFixed(0)} s to estimate)`);
      return nll;
    };
    let last = NaN;
    while (trained < budget) {
      const t = performance.now();
      const c = process.cpuUsage();
      const x = binarize(train.x, seed * 100003 + epochs);
      const fit = await model.fit({ x, shape: [n, 784] }, { epochs: epochs + 1, batchSize: BATCH_SIZE, seed });
      if (fit.stopReason) throw new Error(`${kind}: training stopped: ${fit.stopReason}`);
      trained += (performance.now() - t) / 1000;
      const used = process.cpuUsage(c);
      cpu += (used.user + used.system) / 1e6;
      epochs++;
      const loss = model.trainer.history.at(-1)?.loss;
      log(`  ${kind} epoch ${epochs}: loss ${loss?.toFixed(2)}, ${(trained / 60).toFixed(2)} of ${minutes} min`);
      if (trained >= (budget * nextEval) / evals && trained < budget) {
        last = await estimate();
        while (trained >= (budget * nextEval) / evals) nextEval++;
      }
    }
    last = await estimate();
    const elbo = (await negativeElbo(model, testX, { samples: 1, seed, threads: options.threads })).nll;
    finals[kind] = { nll: last, elbo, epochs };
    log(`  ${kind}: final test NLL ≈ ${last.toFixed(2)}, negative ELBO ${elbo.toFixed(2)}, after ${epochs} epochs`);
  }
  return {
    vaeNll: finals.vae.nll,
    iwaeNll: finals.iwae.nll,
    minutes,
    curve,
    negativeElbo: { vae: finals.vae.elbo, iwae: finals.iwae.elbo },
    goal: { vaeWithin3: finals.vae.nll <= PAPER_NLL.vae + GOAL_MARGIN, iwaeBelowVae: finals.iwae.nll < finals.vae.nll },
    protocol: {
      quick, seed, trainSamples: n, testSamples: nTest, evalSamples, evals, batchSize: BATCH_SIZE, learningRate: LEARNING_RATE, adamEpsilon: 1e-4,
      iwaeSamples: TRAIN_SAMPLES_IWAE, epochs: { vae: finals.vae.epochs, iwae: finals.iwae.epochs }, seconds: (performance.now() - t0) / 1000,
    },
  };
}

/** A Markdown table of the curve, then the goal. */
export function formatGenerateTable(result: GenerateBenchResult): string {
  const lines = ['| model | training minutes | CPU minutes | epochs | test NLL (nats) |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const p of result.curve) lines.push(`| ${p.model === 'vae' ? 'VAE' : `IWAE (k = ${TRAIN_SAMPLES_IWAE})`} | ${p.minutes.toFixed(2)} | ${p.cpuMinutes.toFixed(2)} | ${p.epochs} | ${p.nll.toFixed(2)} |`);
  lines.push(`| Burda et al. VAE / IWAE (k = 5), 3280 passes | – | – | 3280 | ${PAPER_NLL.vae} / ${PAPER_NLL.iwae5} |`);
  const g = result.goal;
  lines.push('', `Negative ELBO on the same test images: VAE ${result.negativeElbo.vae.toFixed(2)}, IWAE ${result.negativeElbo.iwae.toFixed(2)}.`);
  lines.push(`Goal: VAE within ${GOAL_MARGIN} nats of ${PAPER_NLL.vae} (≤ ${(PAPER_NLL.vae + GOAL_MARGIN).toFixed(2)}): ${g.vaeWithin3 ? 'met' : 'NOT met'} (${result.vaeNll.toFixed(2)}); IWAE below the VAE trained for the same time: ${g.iwaeBelowVae ? 'met' : 'NOT met'} (${result.iwaeNll.toFixed(2)}).`);
  return lines.join('\n');
}
