/**
 * Denoising benchmark (issue 12): `npm run bench:denoise -- [--quick] [--json]`
 * MNIST test images with Gaussian noise of factor 0.3, 0.5 and 0.7 (clipped
 * to [0, 1]), denoised by aekit's model trained at each factor and, in the
 * same run, by the noisy input, PCA's k = 64 projection, a 3×3 median filter
 * and a Gaussian blur with its best σ. With --json the last stdout line is
 * `{ psnr: { "0.3": dB, "0.5": dB, "0.7": dB }, baselines: { name: { same keys } }, ssim, goal, protocol }`.
 */
import { InvalidArgumentError } from 'commander';
import { benchCommand, type CommonBenchOptions, integer, runBench } from './lib/cli.js';
import { DENOISERS, type DenoiserKind, formatDenoiseTable, runDenoiseBenchmark } from './denoise/protocol.js';

function factors(value: string): number[] {
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((f) => !(f > 0 && f <= 2))) throw new InvalidArgumentError(`--noise must be a comma-separated list of factors in (0, 2], got '${value}'`);
  return list;
}

const program = benchCommand('bench:denoise', 'Denoising of MNIST with Gaussian noise 0.3/0.5/0.7: aekit vs the noisy input, PCA k=64, a 3×3 median filter and the best Gaussian blur', {
  quick: 'one epoch on 2,000 training images, 500 test images (smoke test)',
  json: 'print one JSON object { psnr, baselines, ssim, goal, protocol } on the last line',
  seed: 'seed of initialization, shuffling and the test noise',
})
  .option('--epochs <n>', 'epochs per model (default 40; quick: 1)', integer('--epochs', 1))
  .option('--train-samples <n>', 'training images (default 60,000)', integer('--train-samples', 1))
  .option('--test-samples <n>', 'test images (default 10,000)', integer('--test-samples', 1))
  .option('--noise <list>', 'noise factors (default 0.3,0.5,0.7)', factors)
  .option('--model <kind>', `aekit's denoiser: ${DENOISERS.join(' | ')} (default unet)`, (v: string) => {
    if (!(DENOISERS as readonly string[]).includes(v)) throw new InvalidArgumentError(`--model must be one of ${DENOISERS.join(', ')}, got '${v}'`);
    return v as DenoiserKind;
  })
  .option('--filters <list>', "the U-Net's filters per level (default 16,32)", (v: string) => {
    const list = v.split(',').map((s) => Number(s.trim()));
    if (list.some((f) => !Number.isInteger(f) || f < 1)) throw new InvalidArgumentError(`--filters must be a comma-separated list of positive integers, got '${v}'`);
    return list;
  })
  .option('--learning-rate <x>', "Adam's initial learning rate (default 0.005)", (v: string) => {
    const x = Number(v);
    if (!(x > 0 && x < 1)) throw new InvalidArgumentError(`--learning-rate must be a number in (0, 1), got '${v}'`);
    return x;
  })
  .option('--convs-per-level <n>', "the U-Net's convolutions per level (default 2)", integer('--convs-per-level', 1))
  .option('--bottleneck <n>', "the U-Net's code channels (default: the last level's filters)", integer('--bottleneck', 1))
  .parse();
const opts = program.opts<CommonBenchOptions & {
  epochs?: number; trainSamples?: number; testSamples?: number; noise?: number[]; model?: DenoiserKind;
  filters?: number[]; convsPerLevel?: number; bottleneck?: number; learningRate?: number;
}>();

await runBench('bench:denoise', opts.json, (log) => runDenoiseBenchmark({
  quick: opts.quick, seed: opts.seed, threads: opts.threads, epochs: opts.epochs, trainSamples: opts.trainSamples, testSamples: opts.testSamples,
  noiseFactors: opts.noise, model: opts.model, learningRate: opts.learningRate, unet: { filters: opts.filters, convsPerLevel: opts.convsPerLevel, bottleneck: opts.bottleneck }, log,
}), {
  table: formatDenoiseTable,
  seconds: (r) => (r.protocol.seconds as { total: number }).total,
  json: (r) => {
    const ssim = Object.fromEntries(Object.entries(r.quality).map(([m, byFactor]) => [m, Object.fromEntries(Object.entries(byFactor).map(([f, q]) => [f, q.ssim]))]));
    return { psnr: r.psnr, baselines: r.baselines, ssim, blurSigma: r.blurSigma, goal: r.goal, protocol: r.protocol };
  },
});
