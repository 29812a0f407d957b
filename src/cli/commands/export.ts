/** `aekit export <run>`: standalone ONNX models (weights baked in) for ONNX Runtime in any language or the browser. */
import { join } from 'node:path';
import { Command } from 'commander';
import { makeDirs } from '../../io/files.js';
import { UsageError } from '../../runs/errors.js';
import { type Io, defaultIo } from '../io.js';
import { openRun } from '../../runs/open-run.js';
import { examplesHelp } from '../examples.js';
import { RUN_ARGUMENT_HELP } from '../run-data-flags.js';

export interface ExportFlags {
  part?: string[];
  out: string;
}

/** Exports the asked parts (default all) into a folder, or one part to a .onnx file; returns the files written. */
export function runExportCommand(path: string, flags: ExportFlags, io: Io = defaultIo()): string[] {
  const run = openRun(path);
  const available = Object.keys(run.model.parts());
  const parts = flags.part?.length ? flags.part : available;
  for (const p of parts) if (!available.includes(p)) throw new UsageError(`--part ${p}: this model has parts ${available.join(', ')}`);
  let files: string[];
  if (flags.out.toLowerCase().endsWith('.onnx')) {
    if (parts.length !== 1) throw new UsageError(`--out ${flags.out} is one file: name one --part (${available.join(', ')}), or give a folder`);
    files = [flags.out];
  } else {
    makeDirs(flags.out);
    files = parts.map((p) => join(flags.out, `${p}.onnx`));
  }
  parts.forEach((p, i) => run.model.exportOnnx(files[i]!, p));
  const shapes = run.model.parts();
  for (const [i, p] of parts.entries()) io.log(`${files[i]}: ${p}, input x [N, ${shapes[p]!.inputShape.join(', ')}]`);
  return files;
}

export function exportCommand(io?: Io): Command {
  return new Command('export')
    .description('write standalone ONNX models (model, encoder, decoder, errors) with the weights baked in')
    .argument('<run>', RUN_ARGUMENT_HELP)
    .requiredOption('--out <path>', 'a folder (one <part>.onnx per part) or a .onnx file (one --part)')
    .option('--part <name...>', 'parts to export (default: all)')
    .addHelpText('after', examplesHelp('aekit export runs/conv-mnist-1 --out exported/', 'aekit export runs/conv-mnist-1 --part encoder --out encoder.onnx'))
    .action((path: string, flags: ExportFlags) => {
      runExportCommand(path, flags, io);
    });
}
