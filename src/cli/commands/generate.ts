/** `aekit generate <run>`: new images from a VAE: prior samples, a latent grid, a traversal, or an interpolation. */
import { Command, Option } from 'commander';
import { AdversarialAutoencoder } from '../../models/aae.js';
import { VariationalAutoencoder } from '../../models/vae.js';
import { UsageError } from '../../runs/errors.js';
import { intIn } from '../args.js';
import { type Io, defaultIo } from '../io.js';
import { type OpenedRun, dataForRun, openRun } from '../../runs/open-run.js';
import { type SentenceModel, asSentenceModel, rowsToSentences, sampleSentences, sentenceRows } from '../../runs/text-run.js';
import { type GeneratedImages, interpolate, latentGrid, latentTraversal, sample, writeGeneratedPng } from '../../tasks/generate.js';
import { encodeNpy } from '../../data/npy.js';
import { writeFileAtomic } from '../../io/files.js';
import { examplesHelp } from '../examples.js';
import { threadsOption } from '../run-data-flags.js';

export interface GenerateFlags {
  kind: 'samples' | 'grid' | 'traverse' | 'interpolate';
  /** How many samples; default 64 images, 10 sentences. */
  n?: number;
  seed: number;
  /** Samples of an AdversarialAutoencoder with a mixture prior: draws of this class's component. */
  label?: number;
  dims?: string;
  from?: number;
  to?: number;
  steps: number;
  png?: string;
  out?: string;
  threads?: number;
  /** Text: interpolate between the codes of these two sentences (instead of --from/--to). */
  between?: string[];
  /** Text: decode greedily (the most likely word each step) instead of drawing words. */
  greedy?: boolean;
}

/**
 * Sentences from a text run: prior samples of a sentence VAE, or the decoded
 * points between two sentences' codes (of either model), printed one per line
 * and, with --out, written to a text file.
 */
async function generateSentences(path: string, model: SentenceModel, run: OpenedRun, flags: GenerateFlags, io: Io): Promise<number[]> {
  if (flags.png) throw new UsageError('--png draws images; a text run prints its sentences (and --out sentences.txt writes them)');
  let lines: string[];
  if (flags.kind === 'samples') {
    if (!model.variational) throw new UsageError(`${path} holds a sentence autoencoder without a prior: sampling needs a sentence VAE (aekit train --data sentences.txt --model text-vae); --kind interpolate works for both`);
    const n = flags.n ?? 10;
    lines = await sampleSentences(model, n, { seed: flags.seed, greedy: flags.greedy === true, where: path });
    io.log(`${n} sentences from the prior N(0, I), ${flags.greedy ? 'decoded greedily' : 'words drawn from the decoder'} (seed ${flags.seed}):`);
  } else if (flags.kind === 'interpolate') {
    let ends: Float32Array;
    if (flags.between) {
      if (flags.between.length !== 2) throw new UsageError(`--between takes two sentences, got ${flags.between.length}`);
      ends = sentenceRows(flags.between, model, '--between');
    } else {
      if (flags.from === undefined || flags.to === undefined) throw new UsageError('--kind interpolate needs two sentences: --between "first sentence" "second sentence", or --from i --to j (indices of the run\'s test sentences)');
      const { data } = await dataForRun(run, undefined);
      const set = data.train;
      for (const [flag, i] of [['--from', flags.from], ['--to', flags.to]] as const) {
        if (i >= set.shape[0]!) throw new UsageError(`${flag} ${i}: the run's test set has ${set.shape[0]} sentences`);
      }
      const t = model.steps;
      ends = new Float32Array(2 * t);
      ends.set(set.x.subarray(flags.from * t, (flags.from + 1) * t), 0);
      ends.set(set.x.subarray(flags.to * t, (flags.to + 1) * t), t);
    }
    const codes = await model.encode(ends);
    const k = model.latentDim;
    const decoded = rowsToSentences(await model.interpolate(codes.slice(0, k), codes.slice(k), flags.steps), model, path);
    const [a, b] = rowsToSentences(ends, model, path);
    lines = decoded;
    io.log(`From "${a}" to "${b}": greedy decoding of ${flags.steps} evenly spaced codes${model.variational ? ' (the means μ)' : ''}:`);
  } else {
    throw new UsageError(`--kind ${flags.kind} lays out images; a text run generates --kind samples or interpolate`);
  }
  // One sentence a line and nothing else, so the output pipes into other tools.
  for (const l of lines) io.out(l);
  if (flags.out) {
    writeFileAtomic(flags.out, `${lines.join('\n')}\n`);
    io.log(`Wrote ${lines.length} sentences to ${flags.out}`);
  }
  return [lines.length];
}

/** Generates and writes the images; returns their shape. */
export async function runGenerateCommand(path: string, flags: GenerateFlags, io: Io = defaultIo()): Promise<number[]> {
  const run = openRun(path, flags.threads);
  const sentences = asSentenceModel(run.model);
  if (sentences) return generateSentences(path, sentences, run, flags, io);
  if (flags.between) throw new UsageError('--between takes two sentences, for a text run; images interpolate with --from i --to j');
  if (!flags.png && !flags.out) throw new UsageError('say where to write: --png grid.png and/or --out images.npy');
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
      if (flags.label !== undefined && !(model instanceof AdversarialAutoencoder && model.mixture)) throw new UsageError(`--label picks a component of a mixture prior; ${path} holds a model whose prior is N(0, I) (train one with --model aae-mixture)`);
      generated = await sample(model, flags.n ?? 64, { seed: flags.seed, ...(flags.label !== undefined ? { label: flags.label } : {}) });
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
    .description('generate with a variational autoencoder: images (prior samples, the latent grid, traversals, interpolations) or, from a text run, sentences')
    .argument('<run>', 'a run folder (or checkpoint) of a VariationalAutoencoder')
    .addOption(new Option('--kind <kind>', 'what to generate').choices(['samples', 'grid', 'traverse', 'interpolate']).default('samples'))
    .option('--n <n>', 'samples: how many (default 64 images, 10 sentences)', intIn('--n', 1, 10000))
    .option('--seed <n>', 'samples: seed of the draws', intIn('--seed', 0), 0)
    .option('--label <c>', 'samples of a mixture-prior AAE (aae-mixture): draws of class c\'s component', intIn('--label', 0))
    .option('--steps <n>', 'grid, traverse, interpolate: images per row', intIn('--steps', 2, 100), 10)
    .option('--dims <list>', 'traverse: one or two latent dimensions numbered from 1 (z1, z2, …), e.g. 1 or 1,2')
    .option('--from <i>', 'interpolate: index of the first test sample', intIn('--from', 0))
    .option('--to <j>', 'interpolate: index of the last test sample', intIn('--to', 0))
    .option('--between <sentences...>', 'text, interpolate: two sentences, e.g. --between "the cat sat ." "a dog ran ."')
    .option('--greedy', 'text, samples: decode each code greedily instead of drawing its words')
    .option('--png <file>', 'the images as one PNG grid')
    .option('--out <file>', 'the images as NPY; a text run\'s sentences as a text file, one per line')
    .addOption(threadsOption())
    .addHelpText('after', examplesHelp('aekit generate runs/vae-mnist-1 --n 64 --png samples.png', 'aekit generate runs/vae-mnist-1 --kind interpolate --from 0 --to 1 --png morph.png', 'aekit generate runs/text-vae-sentences-1 --n 10', 'aekit generate runs/text-vae-sentences-1 --kind interpolate --between "the cat sat ." "a dog ran ."'))
    .action(async (path: string, flags: GenerateFlags) => {
      await runGenerateCommand(path, flags, io);
    });
}
