/**
 * Generation benchmark (issue 12): `npm run bench:generate -- [--minutes N] [--quick] [--json]`
 * Test NLL on dynamically binarized MNIST, estimated with k = 5000 importance
 * samples (Burda et al.), against training time, for a VAE and an IWAE (k = 5)
 * of the architecture 784-200-200-50 (tanh), each trained for the same
 * minutes. With --json the last stdout line is `{ vaeNll, iwaeNll, minutes, curve, negativeElbo, goal, protocol }`.
 */
import { benchCommand, type CommonBenchOptions, integer, positive, runBench } from './lib/cli.js';
import { formatGenerateTable, runGenerateBenchmark } from './generate/protocol.js';

const program = benchCommand('bench:generate', 'Test NLL (k = 5000 importance samples) of a VAE and an IWAE (k = 5) on dynamically binarized MNIST against training time', {
  quick: '15 s per model on 2,000 training images, 50 test images, k = 200 (smoke test)',
  json: 'print one JSON object { vaeNll, iwaeNll, minutes, ... } on the last line',
  seed: 'seed of initialization, shuffling, binarization and the estimates',
})
  .option('--minutes <n>', 'training minutes per model (default 120)', positive('--minutes'))
  .option('--evals <n>', 'NLL estimates per model, evenly spaced in training time (default 4)', integer('--evals', 1))
  .option('--train-samples <n>', 'training images (default 60,000)', integer('--train-samples', 1))
  .option('--test-samples <n>', 'test images scored (default 10,000)', integer('--test-samples', 1))
  .option('--eval-samples <n>', 'importance samples per test image (default 5000)', integer('--eval-samples', 1))
  .parse();
const opts = program.opts<CommonBenchOptions & { minutes?: number; evals?: number; trainSamples?: number; testSamples?: number; evalSamples?: number }>();

await runBench('bench:generate', opts.json, (log) => runGenerateBenchmark({
  quick: opts.quick, minutes: opts.minutes, evals: opts.evals, trainSamples: opts.trainSamples, testSamples: opts.testSamples,
  evalSamples: opts.evalSamples, seed: opts.seed, threads: opts.threads, log,
}), {
  table: formatGenerateTable,
  seconds: (r) => r.protocol.seconds as number,
  json: (r) => r,
});
