/**
 * Compression benchmark (issue 12): `npm run bench:compress -- [--quick] [--json]`
 * Rate–distortion on the 10,000 MNIST test images: aekit's compressed files at
 * several code sizes and bit depths, PCA codes through the same quantizer and
 * coder, JPEG qualities 10–90 (jpeg-js, whole files) and PNG (lossless), and
 * through sharp JPEG and PNG of one mosaic of all test images, WebP and AVIF
 * per image and as a mosaic (bench/compress/codecs.ts). With --json the last
 * stdout line is `{ points: [{ method, setting, bytesPerImage, psnr, ssim }], goal, coders, bytesAtPsnr, protocol }`.
 */
import { benchCommand, type CommonBenchOptions, integer, runBench } from './lib/cli.js';
import { formatCompressTable, runCompressBenchmark } from './compress/protocol.js';

const program = benchCommand('bench:compress', 'Rate–distortion of aekit compression vs PCA codes, JPEG, PNG, WebP and AVIF (per image and as one mosaic) on the MNIST test images', {
  quick: 'two small models, 2 epochs on 3,000 training images, 500 test images (smoke test)',
  json: 'print one JSON object { points, goal, coders, bytesAtPsnr, protocol } on the last line',
  seed: 'seed of initialization and shuffling',
})
  .option('--epochs <n>', "override the models' epochs (not the documented protocol)", integer('--epochs', 1))
  .option('--codecs-only', 'only the image codecs (no aekit or PCA training): minutes instead of most of an hour; compare with a saved full run', false)
  .parse();
const opts = program.opts<CommonBenchOptions & { epochs?: number; codecsOnly: boolean }>();
const skipModels = opts.codecsOnly ? { models: [], pcaComponents: [] } : {};

await runBench('bench:compress', opts.json, (log) => runCompressBenchmark({ quick: opts.quick, seed: opts.seed, threads: opts.threads, epochs: opts.epochs, log, ...skipModels }), {
  table: formatCompressTable,
  seconds: (r) => (r.protocol.seconds as { total: number }).total,
  json: (r) => ({ points: r.points, goal: r.goal, coders: r.coders, bytesAtPsnr: r.bytesAtPsnr, protocol: r.protocol }),
});
