/** `aekit encode <run>`: codes of a data set, written as NPY or CSV (with labels when the data has them). */
import { Command } from 'commander';
import { encodeNpy } from '../../data/npy.js';
import { shapeSize } from '../../data/types.js';
import { writeFileAtomic } from '../../io/files.js';
import { UsageError } from '../../runs/errors.js';
import { type Io, defaultIo } from '../io.js';
import { type RunDataFlags, openRunWithData, withRunData } from '../run-data-flags.js';
import { examplesHelp } from '../examples.js';
import { asSentenceModel } from '../../runs/text-run.js';

export interface EncodeFlags extends RunDataFlags {
  out: string;
}

/** Codes as CSV: a header `z1,...,zk[,label]`, one row per sample. */
export function codesCsv(codes: Float32Array, k: number, labels?: Int32Array, labelNames?: string[]): string {
  const rows = [[...Array.from({ length: k }, (_, j) => `z${j + 1}`), ...(labels ? ['label'] : [])].join(',')];
  for (let i = 0; i * k < codes.length; i++) {
    const row = Array.from(codes.subarray(i * k, (i + 1) * k), (v) => String(v));
    if (labels) row.push(labelNames?.[labels[i]!] !== undefined ? JSON.stringify(labelNames[labels[i]!]) : String(labels[i]));
    rows.push(row.join(','));
  }
  return `${rows.join('\n')}\n`;
}

/** Encodes and writes the codes; returns their shape. */
export async function runEncodeCommand(path: string, flags: EncodeFlags, io: Io = defaultIo()): Promise<number[]> {
  const format = flags.out.toLowerCase().endsWith('.csv') ? 'csv' : flags.out.toLowerCase().endsWith('.npy') ? 'npy' : undefined;
  if (!format) throw new UsageError(`--out ${flags.out}: expected a .npy or .csv file name`);
  const run = await openRunWithData(path, flags);
  const data = run.data;
  const set = data.train;
  const codes = await run.model.encode(set.x);
  const k = shapeSize(run.model.latentShape);
  const shape = [set.shape[0]!, k];
  if (format === 'npy') {
    writeFileAtomic(flags.out, encodeNpy({ shape, data: codes }));
    if (set.labels) writeFileAtomic(flags.out.replace(/\.npy$/i, '.labels.npy'), encodeNpy({ shape: [set.labels.length], data: set.labels }));
  } else {
    writeFileAtomic(flags.out, codesCsv(codes, k, set.labels, set.labelNames));
  }
  io.log(`Wrote ${shape[0]} codes of ${k} values${run.model.className === 'VariationalAutoencoder' || asSentenceModel(run.model)?.variational ? ' (the means μ)' : ''} to ${flags.out}${format === 'npy' && set.labels ? ` and labels to ${flags.out.replace(/\.npy$/i, '.labels.npy')}` : set.labels ? ' with a label column' : ''}`);
  return shape;
}

export function encodeCommand(io?: Io): Command {
  return withRunData(new Command('encode'), 'encode')
    .description('write the codes (latent vectors) of a data set as NPY or CSV, with labels when it has them')
    .requiredOption('--out <file>', 'codes.npy or codes.csv')
    .addHelpText('after', examplesHelp('aekit encode runs/vae-mnist-1 --out codes.csv'))
    .action(async (path: string, flags: EncodeFlags) => {
      await runEncodeCommand(path, flags, io);
    });
}
