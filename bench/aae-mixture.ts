/**
 * Supervised and semi-supervised adversarial autoencoder on MNIST (issue 27):
 * `npm run bench:aae-mixture -- [--quick] [--json] [--figures DIR]`.
 * A 2-D code pushed to a mixture of 10 Gaussians, one per digit, with all
 * labels, with 10 % of them, and without the adversarial term; see
 * bench/adversarial/mixture.ts. With --json the last stdout line is
 * `{ supervised: { componentAccuracy, knn5, sampleAccuracy }, semi: {...}, plain: {...}, classifierAccuracy, protocol }`.
 */
import { mkdirSync } from 'node:fs';
import { benchCommand, type CommonBenchOptions, integer, runBench } from './lib/cli.js';
import { formatMixtureTable, runMixtureBenchmark } from './adversarial/mixture.js';

const program = benchCommand('bench:aae-mixture', 'MNIST codes of a mixture-prior AAE with all, 10 % and no labels: component accuracy, 5-NN, class-conditional samples judged by a classifier', {
  quick: '2,000 training and 500 test images, 3 epochs (smoke test)',
  json: 'print one JSON object { supervised, semi, plain, ... } on the last line',
  seed: 'seed of initialization, shuffling, the graphs\' random ops and the prior draws',
})
  .option('--epochs <n>', 'epochs of each model (default 10)', integer('--epochs', 1))
  .option('--train-samples <n>', 'training images (default all 60,000)', integer('--train-samples', 10))
  .option('--test-samples <n>', 'test images (default 10,000)', integer('--test-samples', 10))
  .option('--figures <dir>', 'write the latent-space and per-digit sample PNGs here')
  .parse();
const opts = program.opts<CommonBenchOptions & { epochs?: number; trainSamples?: number; testSamples?: number; figures?: string }>();
if (opts.figures) mkdirSync(opts.figures, { recursive: true });

await runBench('bench:aae-mixture', opts.json, (log) => runMixtureBenchmark({
  quick: opts.quick, seed: opts.seed, threads: opts.threads, log, epochs: opts.epochs, trainSamples: opts.trainSamples, testSamples: opts.testSamples, figures: opts.figures,
}), {
  table: formatMixtureTable,
  seconds: (r) => r.protocol.seconds as number,
  json: (r) => r,
});
