/** `aekit encode <run>`: codes of a data set, written as NPY or CSV (with labels when the data has them). */
import { Command } from 'commander';
import { encodeNpy } from '../../data/npy.js';
import { shapeSize } from '../../data/types.js';
import { writeFileAtomic } from '../../io/files.js';
import { UsageError } from '../errors.js';
import { intIn } from '../args.js';
import { type Io, defaultIo } from '../io.js';
import { dataForRun, openRun } from '../open-run.js';

export interface EncodeFlags {
  data?: string;
  samples?: number;
  labelColumn?: string;
  out: string;
  threads?: number;
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
  const run = openRun(path, flags.threads);
  const { data } = await dataForRun(run, flags.data, { ...(flags.samples ? { samples: flags.samples } : {}), ...(flags.labelColumn !== undefined ? { labelColumn: flags.labelColumn } : {}) });
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
  io.log(`Wrote ${shape[0]} codes of ${k} values${run.model.className === 'VariationalAutoencoder' ? ' (the means μ)' : ''} to ${flags.out}${format === 'npy' && set.labels ? ` and labels to ${flags.out.replace(/\.npy$/i, '.labels.npy')}` : set.labels ? ' with a label column' : ''}`);
  return shape;
}

export function encodeCommand(io?: Io): Command {
  return new Command('encode')
    .description('write the codes (latent vectors) of a data set as NPY or CSV')
    .argument('<run>', 'a run folder (runs/<name>) or a checkpoint directory')
    .requiredOption('--out <file>', 'codes.npy or codes.csv')
    .option('--data <source>', "data to encode (default: the run's test set)")
    .option('--samples <n>', 'use the first n samples', intIn('--samples', 1))
    .option('--label-column <column>', 'CSV: the label column, excluded from the features and written beside the codes')
    .option('--threads <n>', 'ONNX Runtime threads per op', intIn('--threads', 1, 1024))
    .addHelpText('after', '\nExample:\n  aekit encode runs/vae-mnist-1 --out codes.csv')
    .action(async (path: string, flags: EncodeFlags) => {
      await runEncodeCommand(path, flags, io);
    });
}
