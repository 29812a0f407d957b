/** `aekit reconstruct <run>`: reconstructions of a data set as NPY, and a picture of inputs above outputs. */
import { Command } from 'commander';
import { encodeNpy } from '../../data/npy.js';
import { writeFileAtomic } from '../../io/files.js';
import { reconstructionGridPng } from '../../viz/index.js';
import { UsageError } from '../../runs/errors.js';
import { imageShapeOf } from '../../viz/image-shape.js';
import { head } from '../figures.js';
import { type Io, defaultIo } from '../io.js';
import { type RunDataFlags, openRunWithData, withRunData } from '../run-data-flags.js';
import { examplesHelp } from '../examples.js';

export interface ReconstructFlags extends RunDataFlags {
  out?: string;
  png?: string;
}

/** Writes the reconstructions (NPY) and/or the picture (PNG); returns the files written. */
export async function runReconstructCommand(path: string, flags: ReconstructFlags, io: Io = defaultIo()): Promise<string[]> {
  if (!flags.out && !flags.png) throw new UsageError('say where to write: --out reconstructions.npy and/or --png grid.png');
  if (flags.out && !flags.out.toLowerCase().endsWith('.npy')) throw new UsageError(`--out ${flags.out}: expected a .npy file name`);
  if (flags.png && !flags.png.toLowerCase().endsWith('.png')) throw new UsageError(`--png ${flags.png}: expected a .png file name`);
  const run = await openRunWithData(path, flags);
  const data = run.data;
  const set = data.train;
  const files: string[] = [];
  if (flags.out) {
    const rec = await run.model.reconstruct(set.x);
    writeFileAtomic(flags.out, encodeNpy({ shape: set.shape, data: rec }));
    files.push(flags.out);
  }
  if (flags.png) {
    const imageShape = imageShapeOf(data.sampleShape);
    if (!imageShape) throw new UsageError(`--png: samples of shape [${data.sampleShape.join(', ')}] are not images`);
    const first = head(set, 20);
    const captions = first.labels ? Array.from(first.labels, (l) => set.labelNames?.[l] ?? String(l)) : undefined;
    writeFileAtomic(flags.png, reconstructionGridPng(first.x, await run.model.reconstruct(first.x), { imageShape, title: 'Inputs (top) and reconstructions', ...(captions ? { captions } : {}) }));
    files.push(flags.png);
  }
  io.log(`Wrote ${files.join(' and ')} (${set.shape[0]} samples${flags.png ? `; the picture shows the first ${Math.min(20, set.shape[0]!)}` : ''})`);
  return files;
}

export function reconstructCommand(io?: Io): Command {
  return withRunData(new Command('reconstruct'), 'reconstruct')
    .description('reconstruct a data set through the model: NPY of the outputs and/or a PNG of inputs above outputs')
    .option('--out <file>', 'reconstructions.npy, same shape as the input')
    .option('--png <file>', 'a picture of the first 20 inputs above their reconstructions')
    .addHelpText('after', examplesHelp('aekit reconstruct runs/conv-mnist-1 --png reconstructions.png'))
    .action(async (path: string, flags: ReconstructFlags) => {
      await runReconstructCommand(path, flags, io);
    });
}
