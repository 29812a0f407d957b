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
import { benchCommand, type CommonBenchOptions, integer, runBench } from './lib/cli.js';
import { formatEmbedTable, runEmbedBenchmark } from './embed/protocol.js';

const program = benchCommand('bench:embed', 'MNIST codes of size 2, 10 and 32 from aekit and PCA: 5-NN, linear probe, k-means accuracy and NMI', {
  quick: 'small models, 2 epochs on 3,000 training and 1,000 test images (smoke test)',
  json: 'print one JSON object on the last line',
  seed: 'seed of initialization, shuffling, augmentation and k-means',
})
  .option('--epochs <n>', "override the autoencoders' epochs (not the documented protocol)", integer('--epochs', 1))
  .option('--refine-epochs <n>', 'override the epochs of the neighbour-embedding refinements', integer('--refine-epochs', 1))
  .option('--dec', 'also refine the 10-D model with DEC and with DEC plus augmentation (slow)', false)
  .parse();
const opts = program.opts<CommonBenchOptions & { epochs?: number; refineEpochs?: number; dec: boolean }>();

await runBench('bench:embed', opts.json, (log) => runEmbedBenchmark({ quick: opts.quick, seed: opts.seed, threads: opts.threads, epochs: opts.epochs, refineEpochs: opts.refineEpochs, dec: opts.dec, log }), {
  table: formatEmbedTable,
  seconds: (r) => r.protocol.seconds as number,
  json: (r) => ({ ...r.summary, goals: r.goals, protocol: r.protocol }),
});
