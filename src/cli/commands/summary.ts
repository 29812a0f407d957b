/** `aekit summary`: a model's layers, output shapes and parameter counts, from a run or before training. */
import { Command } from 'commander';
import { atConfigPath } from '../../config/validate.js';
import { modelFromConfig } from '../../models/index.js';
import { UsageError } from '../../runs/errors.js';
import { type Io, defaultIo } from '../io.js';
import { openRun } from '../../runs/open-run.js';
import { applyOverrides, readRunConfig } from '../../runs/run-config.js';
import { loadRunData } from '../../runs/run-data.js';
import { resolveModelConfig } from './train.js';
import { examplesHelp } from '../examples.js';
import { MODEL_PRESETS } from '../../runs/presets.js';

export interface SummaryFlags {
  model?: string;
  data?: string;
  config?: string;
  latent?: number;
}

/** Prints the summary table and returns it. */
export async function runSummaryCommand(path: string | undefined, flags: SummaryFlags, io: Io = defaultIo()): Promise<string> {
  let text: string;
  if (path) {
    if (flags.model || flags.config || flags.data) throw new UsageError('give a run folder, or --model/--config (with --data), not both');
    text = openRun(path).model.summary();
  } else {
    if (!flags.model && !flags.config) throw new UsageError('give a run folder, or a model with --model <preset> or --config <file>');
    const config = applyOverrides(flags.config ? readRunConfig(flags.config) : undefined, { ...(flags.model ? { model: flags.model } : {}), ...(flags.data ? { data: flags.data } : {}), ...(flags.latent ? { latent: flags.latent } : {}) });
    const data = await loadRunData({ ...config.data, samples: 1, testSamples: 1 });
    const file = flags.config ?? 'config';
    text = atConfigPath(`${file}.model`, () => modelFromConfig(resolveModelConfig(config, data, file))).summary();
  }
  io.out(text);
  return text;
}

export function summaryCommand(io?: Io): Command {
  return new Command('summary')
    .description("print a model's layers, output shapes and parameter counts")
    .argument('[run]', 'a run folder or checkpoint directory')
    .option('--model <preset>', `a model preset: ${MODEL_PRESETS.join(', ')}`)
    .option('--config <file>', 'a run config file')
    .option('--data <source>', 'the data the model is for (its sample shape), default mnist')
    .addHelpText('after', examplesHelp('aekit summary runs/conv-mnist-1', 'aekit summary --model conv --data fashion-mnist'))
    .action(async (path: string | undefined, flags: SummaryFlags) => {
      await runSummaryCommand(path, flags, io);
    });
}
