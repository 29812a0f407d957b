/**
 * Adversarial benchmark (issue 27): `npm run bench:adversarial -- [--quick] [--json] [--figures DIR]`
 * Fréchet distance in the feature space of aekit's own MNIST classifier (a
 * stand-in for FID, not comparable with published FIDs) of samples of an
 * adversarial autoencoder, a VAE and an IWAE of the same size, and of
 * reconstructions with pixel loss alone vs pixel + adversarial loss (with their
 * pixel MSE). With --json the last stdout line is
 * `{ fd: { samples: { aae, vae, iwae }, reconstructions: { pixel, adversarial } }, mse: { pixel, adversarial }, ... }`.
 */
import { mkdirSync } from 'node:fs';
import { benchCommand, type CommonBenchOptions, integer, positive, runBench } from './lib/cli.js';
import { formatAdversarialTable, runAdversarialBenchmark } from './adversarial/protocol.js';

const program = benchCommand('bench:adversarial', 'Fréchet distance (aekit classifier features) of AAE, VAE and IWAE samples, and of reconstructions with pixel vs pixel + adversarial loss', {
  quick: '3,000 training and 500 test images, 2 epochs, 500 samples (smoke test)',
  json: 'print one JSON object { fd: { samples, reconstructions }, mse, ... } on the last line',
  seed: 'seed of initialization, shuffling, the graphs\' random ops and the prior draws',
})
  .option('--epochs <n>', 'epochs of each generative model (default 9)', integer('--epochs', 1))
  .option('--recon-epochs <n>', 'epochs of each reconstruction autoencoder (default 3)', integer('--recon-epochs', 1))
  .option('--classifier-epochs <n>', 'epochs of the feature classifier (default 2)', integer('--classifier-epochs', 1))
  .option('--classifier-samples <n>', 'training images of the feature classifier (default 10,000)', integer('--classifier-samples', 2))
  .option('--samples <n>', 'generated samples per model (default 10,000)', integer('--samples', 2))
  .option('--adversarial-weight <x>', 'λ of the adversarial reconstruction loss (default 0.001)', positive('--adversarial-weight'))
  .option('--train-samples <n>', 'training images (default 15,000, the first ones)', integer('--train-samples', 2))
  .option('--test-samples <n>', 'test images (default 10,000)', integer('--test-samples', 4))
  .option('--figures <dir>', 'write the sample, interpolation and reconstruction PNGs here')
  .parse();
const opts = program.opts<CommonBenchOptions & { epochs?: number; reconEpochs?: number; classifierEpochs?: number; classifierSamples?: number; samples?: number; adversarialWeight?: number; trainSamples?: number; testSamples?: number; figures?: string }>();
if (opts.figures) mkdirSync(opts.figures, { recursive: true });

await runBench('bench:adversarial', opts.json, (log) => runAdversarialBenchmark({
  quick: opts.quick, seed: opts.seed, threads: opts.threads, log, epochs: opts.epochs, reconEpochs: opts.reconEpochs, classifierEpochs: opts.classifierEpochs, classifierSamples: opts.classifierSamples,
  samples: opts.samples, adversarialWeight: opts.adversarialWeight, trainSamples: opts.trainSamples, testSamples: opts.testSamples, figures: opts.figures,
}), {
  table: formatAdversarialTable,
  seconds: (r) => r.protocol.seconds as number,
  json: (r) => r,
});
