/** `aekit eval <run>`: the model's loss and reconstruction metrics on a data set. */
import { Command } from 'commander';
import { intIn } from '../args.js';
import { type Io, defaultIo } from '../io.js';
import { type RunDataFlags, openRunWithData, withRunData } from '../run-data-flags.js';
import { formatMetrics } from '../progress.js';
import { examplesHelp } from '../examples.js';

export interface EvalFlags extends RunDataFlags {
  batchSize: number;
  json?: boolean;
}

/** Evaluates a run's model; returns the metrics it printed. */
export async function runEvalCommand(path: string, flags: EvalFlags, io: Io = defaultIo()): Promise<Record<string, number>> {
  const run = await openRunWithData(path, flags);
  const { data, split } = run;
  const set = data.train;
  // One pass: the loss, and MSE and PSNR summed batch by batch (the model ran twice before).
  const { metrics: losses, reconstruction: rec } = await run.model.evaluateAndMeasure(set, { batchSize: flags.batchSize });
  const metrics = { samples: set.shape[0]!, ...losses, mse: rec.mse, psnr: rec.psnr, ...(data.unitRange ? { bce: rec.bce } : {}) };
  if (flags.json) io.out(JSON.stringify(metrics));
  else {
    // The sample count is a count, not a measurement: printed whole, not to four digits.
    const { samples, ...measured } = metrics;
    io.log(`${run.model.className} on ${split === 'given' ? flags.data : `the run's ${split} set`}: samples ${samples} · ${formatMetrics(measured)}`);
  }
  return metrics;
}

export function evalCommand(io?: Io): Command {
  return withRunData(new Command('eval'), 'evaluate on')
    .description("evaluate a trained model: its loss, and reconstruction MSE/PSNR (per value)")
    .option('--batch-size <n>', 'batch size', intIn('--batch-size', 1), 256)
    .option('--json', 'print the metrics as one JSON object')
    .addHelpText('after', examplesHelp('aekit eval runs/conv-mnist-1', 'aekit eval runs/dense-table-1 --data new.csv --json'))
    .action(async (path: string, flags: EvalFlags) => {
      await runEvalCommand(path, flags, io);
    });
}
