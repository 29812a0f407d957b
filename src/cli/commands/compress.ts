/** `aekit compress <run>` / `aekit decompress <run>`: data to a small file of quantized, entropy-coded codes, and back. */
import { Command, Option } from 'commander';
import { encodeNpy } from '../../data/npy.js';
import { reconstructionMetrics } from '../../eval/reconstruction.js';
import { writeFileAtomic } from '../../io/files.js';
import { compress, decompress } from '../../tasks/compress.js';
import { imageGridPng } from '../../viz/index.js';
import { UsageError } from '../../runs/errors.js';
import { intIn } from '../args.js';
import { imageShapeOf } from '../../viz/image-shape.js';
import { head } from '../figures.js';
import { type Io, defaultIo } from '../io.js';
import { openRun } from '../../runs/open-run.js';
import { openRunWithData, type RunDataFlags, threadsOption, withRunData } from '../run-data-flags.js';
import { examplesHelp } from '../examples.js';

export interface CompressFlags extends RunDataFlags {
  out: string;
  bits: number;
  coder: 'range' | 'deflate';
}

/** Compresses a data set with a run's encoder; prints the size and the quality of what decompress will give back. */
export async function runCompressCommand(path: string, flags: CompressFlags, io: Io = defaultIo()): Promise<{ fileBytes: number; bytesPerSample: number; psnr: number }> {
  const run = await openRunWithData(path, flags);
  const data = run.data;
  const set = data.train;
  const result = await compress(run.model, set, flags.out, { bits: flags.bits, coder: flags.coder });
  const quality = reconstructionMetrics(set.x, await run.model.decode(result.codes));
  const raw = set.x.length * 4;
  io.log(`Wrote ${flags.out}: ${set.shape[0]} samples in ${result.fileBytes.toLocaleString('en-US')} bytes (${result.bytesPerSample.toFixed(1)} bytes per sample, ${(raw / result.fileBytes).toFixed(0)}× smaller than float32); decompressed PSNR ${quality.psnr.toFixed(2)} dB, MSE ${quality.mse.toPrecision(4)}`);
  return { fileBytes: result.fileBytes, bytesPerSample: result.bytesPerSample, psnr: quality.psnr };
}

export interface DecompressFlags {
  out?: string;
  png?: string;
  threads?: number;
}

/** Decodes a compressed file with the run's model that made it. */
export async function runDecompressCommand(path: string, file: string, flags: DecompressFlags, io: Io = defaultIo()): Promise<number[]> {
  if (!flags.out && !flags.png) throw new UsageError('say where to write: --out data.npy and/or --png grid.png');
  const run = openRun(path, flags.threads);
  const decoded = await decompress(file, run.model);
  if (flags.out) writeFileAtomic(flags.out, encodeNpy({ shape: decoded.shape, data: decoded.x }));
  if (flags.png) {
    const imageShape = imageShapeOf(decoded.shape.slice(1));
    if (!imageShape) throw new UsageError(`--png: samples of shape [${decoded.shape.slice(1).join(', ')}] are not images`);
    const first = head({ x: decoded.x, shape: decoded.shape, description: file }, 40);
    writeFileAtomic(flags.png, imageGridPng(first.x, { imageShape, columns: 10, title: `Decompressed from ${file} (first ${first.shape[0]})` }));
  }
  io.log(`Decoded ${decoded.shape[0]} samples of shape [${decoded.shape.slice(1).join(', ')}] from ${file}${flags.out ? ` → ${flags.out}` : ''}${flags.png ? ` → ${flags.png}` : ''}`);
  return decoded.shape;
}

export function compressCommand(io?: Io): Command {
  return withRunData(new Command('compress'), 'compress')
    .description("compress a data set with a run's encoder: quantized, entropy-coded codes in one checked file")
    .requiredOption('--out <file>', 'the compressed file (e.g. digits.aez)')
    .option('--bits <n>', 'bits per code value, 1..8', intIn('--bits', 1, 8), 8)
    .addOption(new Option('--coder <coder>', 'entropy coder').choices(['range', 'deflate']).default('range'))
    .addHelpText('after', examplesHelp('aekit compress runs/conv-mnist-1 --out digits.aez --bits 6', 'aekit decompress runs/conv-mnist-1 digits.aez --png digits.png'))
    .action(async (path: string, flags: CompressFlags) => {
      await runCompressCommand(path, flags, io);
    });
}

export function decompressCommand(io?: Io): Command {
  return new Command('decompress')
    .description('decode a file made by aekit compress with the same run\'s model')
    .argument('<run>', 'the run folder (or checkpoint) whose model compressed the file')
    .argument('<file>', 'the compressed file')
    .option('--out <file>', 'the decoded samples as NPY')
    .option('--png <file>', 'a picture of the first decoded samples (images only)')
    .addOption(threadsOption())
    .addHelpText('after', examplesHelp('aekit decompress runs/conv-mnist-1 digits.aez --out digits.npy'))
    .action(async (path: string, file: string, flags: DecompressFlags) => {
      await runDecompressCommand(path, file, flags, io);
    });
}
