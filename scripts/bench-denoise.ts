/**
 * Denoising benchmark (issue 12): `npm run bench:denoise -- [--quick] [--json]`
 * MNIST test images with Gaussian noise of factor 0.3, 0.5 and 0.7 (clipped
 * to [0, 1]), denoised by aekit's model trained at each factor and, in the
 * same run, by the noisy input, PCA's k = 64 projection, a 3×3 median filter
 * and a Gaussian blur with its best σ. With --json the last stdout line is
 * `{ psnr: { "0.3": dB, "0.5": dB, "0.7": dB }, baselines: { name: { same keys } }, ssim, goal, protocol }`.
 */
import { Command, InvalidArgumentError } from 'commander';
import { DENOISERS, type DenoiserKind, formatDenoiseTable, runDenoiseBenchmark } from '../src/tasks/denoise-bench.js';

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${value}'`);
    return n;
  };
}

function factors(value: string): number[] {
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((f) => !(f > 0 && f <= 2))) throw new InvalidArgumentError(`--noise must be a comma-separated list of factors in (0, 2], got '${value}'`);
  return list;
}

const program = new Command('bench:denoise')
  .description('Denoising of MNIST with Gaussian noise 0.3/0.5/0.7: aekit vs the noisy input, PCA k=64, a 3×3 median filter and the best Gaussian blur')
  .option('--quick', 'one epoch on 2,000 training images, 500 test images (smoke test)', false)
  .option('--json', 'print one JSON object { psnr, baselines, ssim, goal, protocol } on the last line', false)
  .option('--seed <n>', 'seed of initialization, shuffling and the test noise', integer('--seed', 0), 1)
  .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all cores)', integer('--threads', 1))
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
const opts = program.opts<{
  quick: boolean; json: boolean; seed: number; threads?: number; epochs?: number; trainSamples?: number; testSamples?: number; noise?: number[]; model?: DenoiserKind;
  filters?: number[]; convsPerLevel?: number; bottleneck?: number; learningRate?: number;
}>();

// With --json the last stdout line must be the JSON object, so progress goes to stderr.
const log = (line: string) => (opts.json ? console.error(line) : console.log(line));

try {
  const result = await runDenoiseBenchmark({
    quick: opts.quick, seed: opts.seed, threads: opts.threads, epochs: opts.epochs, trainSamples: opts.trainSamples, testSamples: opts.testSamples,
    noiseFactors: opts.noise, model: opts.model, learningRate: opts.learningRate, unet: { filters: opts.filters, convsPerLevel: opts.convsPerLevel, bottleneck: opts.bottleneck }, log,
  });
  log('');
  log(formatDenoiseTable(result));
  log(`\n${(result.protocol.seconds as { total: number }).total.toFixed(0)} s in all`);
  if (opts.json) {
    const ssim = Object.fromEntries(Object.entries(result.quality).map(([m, byFactor]) => [m, Object.fromEntries(Object.entries(byFactor).map(([f, q]) => [f, q.ssim]))]));
    console.log(JSON.stringify({ psnr: result.psnr, baselines: result.baselines, ssim, blurSigma: result.blurSigma, goal: result.goal, protocol: result.protocol }));
  }
} catch (e) {
  console.error(`bench:denoise: ${(e as Error).message}`);
  process.exitCode = 1;
}
