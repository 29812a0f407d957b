/**
 * Compression benchmark (issue 12): `npm run bench:compress -- [--quick] [--json]`
 * Rate–distortion on the 10,000 MNIST test images: aekit's compressed files at
 * several code sizes and bit depths, PCA codes through the same quantizer and
 * coder, JPEG qualities 10–90 (jpeg-js, whole files) and PNG (lossless). With
 * --json the last stdout line is `{ points: [{ method, setting, bytesPerImage, psnr }], goal, coders, protocol }`.
 */
import { Command, InvalidArgumentError } from 'commander';
import { formatCompressTable, runCompressBenchmark } from '../src/tasks/compress-bench.js';

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${value}'`);
    return n;
  };
}

const program = new Command('bench:compress')
  .description('Rate–distortion of aekit compression vs PCA codes, JPEG and PNG on the MNIST test images')
  .option('--quick', 'two small models, 2 epochs on 3,000 training images, 500 test images (smoke test)', false)
  .option('--json', 'print one JSON object { points, goal, coders, protocol } on the last line', false)
  .option('--seed <n>', 'seed of initialization and shuffling', integer('--seed', 0), 1)
  .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all cores)', integer('--threads', 1))
  .option('--epochs <n>', "override the models' epochs (not the documented protocol)", integer('--epochs', 1))
  .parse();
const opts = program.opts<{ quick: boolean; json: boolean; seed: number; threads?: number; epochs?: number }>();

// With --json the last stdout line must be the JSON object, so progress goes to stderr.
const log = (line: string) => (opts.json ? console.error(line) : console.log(line));

try {
  const result = await runCompressBenchmark({ quick: opts.quick, seed: opts.seed, threads: opts.threads, epochs: opts.epochs, log });
  log('');
  log(formatCompressTable(result));
  log(`\n${(result.protocol.seconds as { total: number }).total.toFixed(0)} s in all`);
  if (opts.json) console.log(JSON.stringify({ points: result.points, goal: result.goal, coders: result.coders, protocol: result.protocol }));
} catch (e) {
  console.error(`bench:compress: ${(e as Error).message}`);
  process.exitCode = 1;
}
