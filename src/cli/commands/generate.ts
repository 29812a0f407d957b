/** `aekit generate <run>`: new images from a VAE: prior samples, a latent grid, a traversal, or an interpolation. */
import { Command, Option } from 'commander';
import { AdversarialAutoencoder } from '../../models/aae.js';
import { VariationalAutoencoder } from '../../models/vae.js';
import { UsageError } from '../../runs/errors.js';
import { intIn } from '../args.js';
import { type Io, defaultIo } from '../io.js';
import { dataForRun, openRun } from '../../runs/open-run.js';
import { type GeneratedImages, interpolate, latentGrid, latentTraversal, sample, writeGeneratedPng } from '../../tasks/generate.js';
import { encodeNpy } from '../../data/npy.js';
import { writeFileAtomic } from '../../io/files.js';
import { examplesHelp } from '../examples.js';
import { threadsOption } from '../run-data-flags.js';

export interface GenerateFlags {
  kind: 'samples' | 'grid' | 'traverse' | 'interpolate';
  n: number;
  seed: number;
  dims?: string;
  from?: number;
  to?: number;
  steps: number;
  png?: string;
  out?: string;
  threads?: number;
}

/** Generates and writes the images; returns their shape. */
export async function runGenerateCommand(path: string, flags: GenerateFlags, io: Io = defaultIo()): Promise<number[]> {
  if (!flags.png && !flags.out) throw new UsageError('say where to write: --png grid.png and/or --out images.npy');
  const run = openRun(path, flags.threads);
  const model = run.model;
  if (!(model instanceof VariationalAutoencoder || model instanceof AdversarialAutoencoder)) throw new UsageError(`${path} holds a ${model.className}; generation needs a VariationalAutoencoder or an AdversarialAutoencoder (their prior N(0, I) makes decoded codes new samples): aekit train --model vae (or aae)`);
  if (flags.kind === 'grid' && model.latentDim !== 2) throw new UsageError(`--kind grid decodes a 2-D latent plane; this model has latentDim ${model.latentDim}: use --kind traverse --dims 1,2`);
  if (flags.kind === 'traverse') {
    const dims = (flags.dims ?? '1').split(',').map((s) => s.trim());
    if (dims.length > 2 || dims.some((d) => !/^\d+$/.test(d) || Number(d) < 1 || Number(d) > model.latentDim)) throw new UsageError(`--dims ${flags.dims}: one or two latent dimensions in 1..${model.latentDim} (z1 is the first), comma-separated`);
  }
  let generated: GeneratedImages;
  switch (flags.kind) {
    case 'samples':
      generated = await sample(model, flags.n, { seed: flags.seed });
      break;
    case 'grid':
      generated = await latentGrid(model, { side: flags.steps });
      break;
    case 'traverse': {
      // The flag numbers dimensions from 1, as the figures do; latentTraversal takes indices.
      const dims = (flags.dims ?? '1').split(',').map((s) => Number(s.trim()) - 1);
      generated = await latentTraversal(model, { dims, steps: flags.steps });
      break;
    }
    case 'interpolate': {
      if (flags.from === undefined || flags.to === undefined) throw new UsageError('--kind interpolate needs --from i and --to j: indices of two samples of the run\'s test set');
      const { data } = await dataForRun(run, undefined);
      const set = data.train;
      const size = set.x.length / set.shape[0]!;
      for (const [flag, i] of [['--from', flags.from], ['--to', flags.to]] as const) {
        if (i >= set.shape[0]!) throw new UsageError(`${flag} ${i}: the run's test set has ${set.shape[0]} samples`);
      }
      generated = await interpolate(model, set.x.slice(flags.from * size, (flags.from + 1) * size), set.x.slice(flags.to * size, (flags.to + 1) * size), flags.steps);
      break;
    }
  }
  if (flags.png) writeGeneratedPng(flags.png, generated);
  if (flags.out) writeFileAtomic(flags.out, encodeNpy({ shape: generated.shape, data: generated.images }));
  io.log(`${generated.title}: wrote ${[flags.png, flags.out].filter(Boolean).join(' and ')}`);
  return generated.shape;
}

export function generateCommand(io?: Io): Command {
  return new Command('generate')
    .description('generate images with a variational autoencoder: prior samples, the latent grid, traversals, interpolations')
    .argument('<run>', 'a run folder (or checkpoint) of a VariationalAutoencoder')
    .addOption(new Option('--kind <kind>', 'what to generate').choices(['samples', 'grid', 'traverse', 'interpolate']).default('samples'))
    .option('--n <n>', 'samples: how many', intIn('--n', 1, 10000), 64)
    .option('--seed <n>', 'samples: seed of the draws', intIn('--seed', 0), 0)
    .option('--steps <n>', 'grid, traverse, interpolate: images per row', intIn('--steps', 2, 100), 10)
    .option('--dims <list>', 'traverse: one or two latent dimensions numbered from 1 (z1, z2, …), e.g. 1 or 1,2')
    .option('--from <i>', 'interpolate: index of the first test sample', intIn('--from', 0))
    .option('--to <j>', 'interpolate: index of the last test sample', intIn('--to', 0))
    .option('--png <file>', 'the images as one PNG grid')
    .option('--out <file>', 'the images as NPY')
    .addOption(threadsOption())
    .addHelpText('after', examplesHelp('aekit generate runs/vae-mnist-1 --n 64 --png samples.png', 'aekit generate runs/vae-mnist-1 --kind interpolate --from 0 --to 1 --png morph.png'))
    .action(async (path: string, flags: GenerateFlags) => {
      await runGenerateCommand(path, flags, io);
    });
}
