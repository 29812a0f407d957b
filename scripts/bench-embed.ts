/**
 * Embeddings benchmark (issue 12): `npm run bench:embed -- [--quick] [--json]`
 * MNIST codes of size 2, 10 and 32 from aekit's autoencoders and from PCA,
 * judged by 5-NN accuracy (test against train), a linear probe and k-means on
 * all 70,000 images (clustering accuracy, NMI), with the contrastive option
 * and the neighbour-embedding refinement (and with --dec, DEC) measured against
 * the same models without them. With --json the last stdout
 * line is `{ knn5: { "2", "10", "32" }, clusterAccuracy10, nmi10, pca: { same keys }, headline, variants, goals, protocol }`
 * (accuracies in %, NMI in [0, 1]).
 */
import { Command, InvalidArgumentError } from 'commander';
import { formatEmbedTable, runEmbedBenchmark } from '../src/tasks/embed-bench.js';

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${value}'`);
    return n;
  };
}

const program = new Command('bench:embed')
  .description('MNIST codes of size 2, 10 and 32 from aekit and PCA: 5-NN, linear probe, k-means accuracy and NMI')
  .option('--quick', 'small models, 2 epochs on 3,000 training and 1,000 test images (smoke test)', false)
  .option('--json', 'print one JSON object on the last line', false)
  .option('--seed <n>', 'seed of initialization, shuffling, augmentation and k-means', integer('--seed', 0), 1)
  .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all cores)', integer('--threads', 1))
  .option('--epochs <n>', "override the autoencoders' epochs (not the documented protocol)", integer('--epochs', 1))
  .option('--refine-epochs <n>', 'override the epochs of the neighbour-embedding refinements', integer('--refine-epochs', 1))
  .option('--dec', 'also refine the 10-D model with DEC and with DEC plus augmentation (slow)', false)
  .parse();
const opts = program.opts<{ quick: boolean; json: boolean; seed: number; threads?: number; epochs?: number; refineEpochs?: number; dec: boolean }>();

// With --json the last stdout line must be the JSON object, so progress goes to stderr.
const log = (line: string) => (opts.json ? console.error(line) : console.log(line));

try {
  const result = await runEmbedBenchmark({ quick: opts.quick, seed: opts.seed, threads: opts.threads, epochs: opts.epochs, refineEpochs: opts.refineEpochs, dec: opts.dec, log });
  log('');
  log(formatEmbedTable(result));
  log(`\n${(result.protocol.seconds as number).toFixed(0)} s in all`);
  if (opts.json) console.log(JSON.stringify({ ...result.summary, goals: result.goals, protocol: result.protocol }));
} catch (e) {
  console.error(`bench:embed: ${(e as Error).message}`);
  process.exitCode = 1;
}
