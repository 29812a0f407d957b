/** `aekit eval <run>`: the model's loss and reconstruction metrics on a data set. */
import { Command } from 'commander';
import { reconstructionMetrics } from '../../eval/reconstruction.js';
import { intIn } from '../args.js';
import { type Io, defaultIo } from '../io.js';
import { dataForRun, openRun } from '../open-run.js';
import { formatMetrics } from '../progress.js';

export interface EvalFlags {
  data?: string;
  samples?: number;
  labelColumn?: string;
  batchSize: number;
  threads?: number;
  json?: boolean;
}

/** Evaluates a run's model; returns the metrics it printed. */
export async function runEvalCommand(path: string, flags: EvalFlags, io: Io = defaultIo()): Promise<Record<string, number>> {
  const run = openRun(path, flags.threads);
  const { data, split } = await dataForRun(run, flags.data, { ...(flags.samples ? { samples: flags.samples } : {}), ...(flags.labelColumn !== undefined ? { labelColumn: flags.labelColumn } : {}) });
  const set = data.train;
  const losses = await run.model.evaluate(set, { batchSize: flags.batchSize });
  const rec = reconstructionMetrics(set.x, await run.model.reconstruct(set.x));
  const metrics = { samples: set.shape[0]!, ...losses, mse: rec.mse, psnr: rec.psnr, ...(data.unitRange ? { bce: rec.bce } : {}) };
  if (flags.json) io.out(JSON.stringify(metrics));
  else io.log(`${run.model.className} on ${split === 'given' ? flags.data : `the run's ${split} set`} (${set.shape[0]} samples): ${formatMetrics(metrics)}`);
  return metrics;
}

export function evalCommand(io?: Io): Command {
  return new Command('eval')
    .description("evaluate a trained model: its loss, and reconstruction MSE/PSNR (per value)")
    .argument('<run>', 'a run folder (runs/<name>) or a checkpoint directory')
    .option('--data <source>', "data to evaluate on (default: the run's test set)")
    .option('--samples <n>', 'use the first n samples', intIn('--samples', 1))
    .option('--label-column <column>', 'CSV: the label column, excluded from the features')
    .option('--batch-size <n>', 'batch size', intIn('--batch-size', 1), 256)
    .option('--threads <n>', 'ONNX Runtime threads per op', intIn('--threads', 1, 1024))
    .option('--json', 'print the metrics as one JSON object')
    .addHelpText('after', '\nExample:\n  aekit eval runs/conv-mnist-1\n  aekit eval runs/dense-table-1 --data new.csv --json')
    .action(async (path: string, flags: EvalFlags) => {
      await runEvalCommand(path, flags, io);
    });
}
