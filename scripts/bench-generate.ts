/**
 * Generation benchmark (issue 12): `npm run bench:generate -- [--minutes N] [--quick] [--json]`
 * Test NLL on dynamically binarized MNIST, estimated with k = 5000 importance
 * samples (Burda et al.), against training time, for a VAE and an IWAE (k = 5)
 * of the architecture 784-200-200-50 (tanh), each trained for the same
 * minutes. With --json the last stdout line is `{ vaeNll, iwaeNll, minutes, curve, negativeElbo, goal, protocol }`.
 */
import { Command, InvalidArgumentError } from 'commander';
import { formatGenerateTable, runGenerateBenchmark } from '../src/tasks/generate-bench.js';

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${value}'`);
    return n;
  };
}

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !(n > 0 && Number.isFinite(n))) throw new InvalidArgumentError(`${name} must be a positive number, got '${value}'`);
    return n;
  };
}

const program = new Command('bench:generate')
  .description('Test NLL (k = 5000 importance samples) of a VAE and an IWAE (k = 5) on dynamically binarized MNIST against training time')
  .option('--quick', '15 s per model on 2,000 training images, 50 test images, k = 200 (smoke test)', false)
  .option('--json', 'print one JSON object { vaeNll, iwaeNll, minutes, ... } on the last line', false)
  .option('--minutes <n>', 'training minutes per model (default 120)', positive('--minutes'))
  .option('--evals <n>', 'NLL estimates per model, evenly spaced in training time (default 4)', integer('--evals', 1))
  .option('--train-samples <n>', 'training images (default 60,000)', integer('--train-samples', 1))
  .option('--test-samples <n>', 'test images scored (default 10,000)', integer('--test-samples', 1))
  .option('--eval-samples <n>', 'importance samples per test image (default 5000)', integer('--eval-samples', 1))
  .option('--seed <n>', 'seed of initialization, shuffling, binarization and the estimates', integer('--seed', 0), 1)
  .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all cores)', integer('--threads', 1))
  .parse();
const opts = program.opts<{ quick: boolean; json: boolean; minutes?: number; evals?: number; trainSamples?: number; testSamples?: number; evalSamples?: number; seed: number; threads?: number }>();

// With --json the last stdout line must be the JSON object, so progress goes to stderr.
const log = (line: string) => (opts.json ? console.error(line) : console.log(line));

try {
  const result = await runGenerateBenchmark({
    quick: opts.quick, minutes: opts.minutes, evals: opts.evals, trainSamples: opts.trainSamples, testSamples: opts.testSamples,
    evalSamples: opts.evalSamples, seed: opts.seed, threads: opts.threads, log,
  });
  log('');
  log(formatGenerateTable(result));
  log(`\n${(result.protocol.seconds as number).toFixed(0)} s in all`);
  if (opts.json) console.log(JSON.stringify(result));
} catch (e) {
  console.error(`bench:generate: ${(e as Error).message}`);
  process.exitCode = 1;
}
