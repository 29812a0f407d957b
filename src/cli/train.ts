import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { mnist } from '../data/datasets.js';
import { Conv2D, MaxPool2D, UpSampling2D } from '../layers/index.js';
import { LayerAutoencoder } from '../models/layer-autoencoder.js';
import { PCA } from '../models/pca.js';
import { Adam } from '../optim/optimizers.js';
import { type ProgressEvent, Trainer } from '../train/trainer.js';
import { prepareOutputFolder } from './output-folder.js';

/** Options of `aekit train` (after parsing). */
export interface TrainCommandOptions {
  epochs: number;
  /** Training images taken from the start of the 60,000-image MNIST training split. */
  samples: number;
  /** Test images evaluated, from the start of the 10,000-image test split (default all). */
  testSamples: number;
  batchSize: number;
  lr: number;
  seed: number;
  out: string;
  /** ONNX Runtime intra-op threads; undefined: ONNX Runtime's choice (all cores). */
  threads?: number;
  loss: 'mse' | 'bce';
}

export const TRAIN_DEFAULTS: TrainCommandOptions = { epochs: 2, samples: 12000, testSamples: 10000, batchSize: 64, lr: 1e-3, seed: 1, out: 'runs/mnist-conv', loss: 'bce' };

/** Reconstruction metrics over a whole set, per pixel. */
export interface ReconstructionMetrics {
  /** Mean over all pixels of (x − x̂)². */
  mse: number;
  /** Mean over all pixels of −[x·ln p + (1−x)·ln(1−p)], p = x̂ clipped to [1e-7, 1 − 1e-7] (as Keras does). */
  bce: number;
  /** 10·log10(1 / mse): peak signal 1, from the pooled MSE. */
  psnr: number;
}

export interface TrainReport {
  options: TrainCommandOptions;
  /** Code values per image of the conv autoencoder (32×7×7). */
  codeSize: number;
  history: Record<string, number>[];
  trainSeconds: number;
  test: { images: number; conv: ReconstructionMetrics; pca: Record<string, ReconstructionMetrics> };
  files: string[];
}

const EPS = 1e-7;

/** Per-pixel MSE, BCE and PSNR of reconstructions `rec` against `x` (same length), accumulated in float64. */
export function reconstructionMetrics(x: Float32Array, rec: Float32Array): ReconstructionMetrics {
  if (x.length !== rec.length) throw new Error(`reconstructionMetrics: ${rec.length} reconstructed values for ${x.length} inputs`);
  let se = 0;
  let ce = 0;
  for (let i = 0; i < x.length; i++) {
    const t = x[i]!;
    const r = rec[i]!;
    se += (t - r) * (t - r);
    const p = Math.min(1 - EPS, Math.max(EPS, r));
    ce -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
  }
  const mse = se / x.length;
  return { mse, bce: ce / x.length, psnr: 10 * Math.log10(1 / mse) };
}

/**
 * The conv autoencoder of the speed benchmark (src/bench/workloads.ts,
 * convBenchModel): 3×3 same-padded convs with 32 filters and ReLU, max-pool 2
 * twice to a 32×7×7 code; conv + nearest upsampling twice back up, a 1-filter
 * sigmoid conv out. `loss` picks the training loss.
 */
export function mnistConvAutoencoder(loss: 'mse' | 'bce' = 'mse'): LayerAutoencoder {
  const conv = (filters: number, activation: 'relu' | 'sigmoid') => new Conv2D({ filters, kernelSize: 3, padding: 'same', activation });
  return new LayerAutoencoder({
    inputShape: [1, 28, 28],
    encoder: [conv(32, 'relu'), new MaxPool2D({ poolSize: 2 }), conv(32, 'relu'), new MaxPool2D({ poolSize: 2 })],
    decoder: [conv(32, 'relu'), new UpSampling2D({ size: 2 }), conv(32, 'relu'), new UpSampling2D({ size: 2 }), conv(1, 'sigmoid')],
    loss,
  });
}

export interface TrainIo {
  log: (line: string) => void;
  /** Show a cli-progress bar on stderr (default: when stderr is a terminal). */
  progress?: boolean;
}

const fmt = (v: number, digits = 5) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

/**
 * Trains the conv autoencoder on MNIST, evaluates it on the 10,000 test images
 * next to PCA fitted on the same training images, and writes the checkpoint,
 * the ONNX exports and metrics.json into `opts.out`. The output folder is
 * created and checked for writing before anything is trained.
 * @throws {Error} naming `--out` when the folder cannot be created or written.
 */
export async function runTrain(opts: TrainCommandOptions, io: TrainIo = { log: (l) => console.log(l) }): Promise<TrainReport> {
  const started = performance.now();
  const out = prepareOutputFolder(opts.out, '--out');
  const { log } = io;

  const train = mnist({ split: 'train', shape: 'image', limit: opts.samples });
  const test = mnist({ split: 'test', shape: 'image', limit: opts.testSamples });
  const model = mnistConvAutoencoder(opts.loss);
  const codeSize = model.codeShape.reduce((a, b) => a * b, 1);
  const trainer = Trainer.create(model, {
    optimizer: new Adam({ learningRate: opts.lr }),
    seed: opts.seed,
    session: opts.threads ? { threads: opts.threads } : undefined,
  });
  log(`aekit train: conv autoencoder on MNIST (code ${model.codeShape.join('×')} = ${codeSize} values, loss ${opts.loss}), ${train.shape[0]} training images, ` +
    `${opts.epochs} epoch${opts.epochs === 1 ? '' : 's'}, batch ${opts.batchSize}, Adam lr ${opts.lr}, seed ${opts.seed}, threads ${opts.threads ?? 'all'}`);

  const showBar = io.progress ?? Boolean(process.stderr.isTTY);
  const batches = Math.ceil(train.shape[0]! / opts.batchSize);
  let bar: cliProgress.SingleBar | undefined;
  const onProgress = (e: ProgressEvent) => {
    if (e.type === 'batch') {
      if (!showBar) return;
      if (!bar) {
        bar = new cliProgress.SingleBar({
          format: `epoch ${e.epoch}/${opts.epochs} |{bar}| {value}/{total} batches | loss {loss} | {rate} samples/s | ETA {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
          noTTYOutput: !process.stderr.isTTY,
          notTTYSchedule: 10000,
        }, cliProgress.Presets.shades_classic);
        bar.start(batches, 0, { loss: '-', rate: '-' });
      }
      bar.update(e.batch, { loss: fmt(e.loss), rate: Math.round(e.samplesPerSec) });
    } else {
      bar?.stop();
      bar = undefined;
      const m = e.metrics;
      log(`epoch ${e.epoch}/${opts.epochs}: loss ${fmt(m.loss ?? NaN)} (per pixel, ${opts.loss}), ${fmt(m.lossPerSample ?? NaN, 2)} per image, ${e.seconds.toFixed(1)} s`);
    }
  };
  let result;
  const t0 = performance.now();
  try {
    result = await trainer.fit(train, { epochs: opts.epochs, batchSize: opts.batchSize, seed: opts.seed, onProgress });
  } finally {
    bar?.stop();
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  if (result.stopReason) throw new Error(`training stopped: ${result.stopReason}`);

  const predicted = await trainer.predict(test.x, { batchSize: 500 });
  const reconstruction = predicted.reconstruction?.data as Float32Array | undefined;
  if (!reconstruction) throw new Error(`the model part 'model' returned no 'reconstruction' output (got ${Object.keys(predicted).join(', ')})`);
  const conv = reconstructionMetrics(test.x, reconstruction);

  // PCA on the same training images; k=32 and k=64 from one fit.
  const flatTrain = { x: train.x, shape: [train.shape[0]!, 784] };
  const flatTest = { x: test.x, shape: [test.shape[0]!, 784] };
  const pca64 = PCA.fit(flatTrain, { components: 64 });
  const pca: Record<string, ReconstructionMetrics> = {};
  for (const k of [32, 64]) pca[`k${k}`] = reconstructionMetrics(test.x, pca64.truncate(k).reconstruct(flatTest));

  const files = ['checkpoint', 'model.onnx', 'encoder.onnx', 'decoder.onnx', 'metrics.json'].map((f) => join(out, f));
  trainer.saveCheckpoint(join(out, 'checkpoint'));
  for (const part of ['model', 'encoder', 'decoder']) trainer.exportOnnx(join(out, `${part}.onnx`), part);
  const report: TrainReport = {
    options: opts, codeSize, history: result.history as Record<string, number>[], trainSeconds,
    test: { images: test.shape[0]!, conv, pca }, files,
  };
  writeFileSync(join(out, 'metrics.json'), `${JSON.stringify(report, null, 2)}\n`);

  const row = (name: string, m: ReconstructionMetrics) =>
    `  ${name.padEnd(34)} ${fmt(m.mse).padStart(8)}  ${fmt(m.bce).padStart(8)}  ${m.psnr.toFixed(2).padStart(6)}`;
  log('');
  log(`MNIST test set, ${test.shape[0]} images, per pixel (BCE clips reconstructions to [1e-7, 1-1e-7]; PSNR = 10·log10(1/MSE)):`);
  log(`  ${'model'.padEnd(34)} ${'MSE'.padStart(8)}  ${'BCE'.padStart(8)}  ${'PSNR dB'.padStart(6)}`);
  log(row(`conv AE (code ${codeSize})`, conv));
  log(row(`PCA k=32 (fit on ${train.shape[0]} images)`, pca.k32!));
  log(row(`PCA k=64 (fit on ${train.shape[0]} images)`, pca.k64!));
  const better = conv.mse < pca.k64!.mse ? 'below PCA k=64 and k=32' : conv.mse < pca.k32!.mse ? 'below PCA k=32, above PCA k=64' : 'above PCA k=32';
  log(`The conv code holds ${codeSize} values per image, more than PCA k=64 (the larger PCA code compared); conv AE test MSE is ${better}.`);
  log(`Wrote ${files.map((f) => f.slice(out.length + 1)).join(', ')} to ${out} (training ${trainSeconds.toFixed(1)} s, total ${((performance.now() - started) / 1000).toFixed(1)} s).`);
  return report;
}

function intIn(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^[+]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`}, got '${value}'.`);
    }
    return n;
  };
}

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got '${value}'.`);
    return n;
  };
}

function folderPath(name: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${name} must be a folder path, got ''.`);
    return value;
  };
}

/** The `aekit train` command; `main.ts` registers it with `program.addCommand(trainCommand())`. */
export function trainCommand(io?: TrainIo): Command {
  const d = TRAIN_DEFAULTS;
  return new Command('train')
    .description('train the conv autoencoder on the bundled MNIST, print test metrics next to PCA, save the checkpoint and ONNX exports')
    .addOption(new Option('--epochs <n>', 'training epochs').default(d.epochs).argParser(intIn('--epochs', 1)))
    .addOption(new Option('--samples <n>', 'training images, from the start of the 60,000-image training split').default(d.samples).argParser(intIn('--samples', 1, 60000)))
    .addOption(new Option('--test-samples <n>', 'test images evaluated, from the start of the 10,000-image test split').default(d.testSamples).argParser(intIn('--test-samples', 1, 10000)))
    .addOption(new Option('--batch-size <n>', 'batch size').default(d.batchSize).argParser(intIn('--batch-size', 1)))
    .addOption(new Option('--lr <rate>', 'Adam learning rate').default(d.lr).argParser(positiveNumber('--lr')))
    .addOption(new Option('--seed <n>', 'seed of initialization and shuffling').default(d.seed).argParser(intIn('--seed', 0, 2 ** 31 - 1)))
    .addOption(new Option('--loss <loss>', 'training loss, per pixel (bce as in the Keras conv AE reference; with mse the sigmoid output can collapse to blank images on short runs)').choices(['mse', 'bce']).default(d.loss))
    .addOption(new Option('--out <dir>', 'output directory (checkpoint/, model.onnx, encoder.onnx, decoder.onnx, metrics.json)').default(d.out).argParser(folderPath('--out')))
    .addOption(new Option('--threads <n>', 'ONNX Runtime threads per op (default: all cores)').argParser(intIn('--threads', 1, 1024)))
    .action(async (opts: TrainCommandOptions) => {
      await runTrain({ ...opts }, io);
    });
}
