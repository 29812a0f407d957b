/**
 * The `aekit` command line. Every command reports a user's mistake in one
 * line with exit code 1 and an internal error with its stack and exit code 2
 * (see errors.ts).
 */
import { Command } from 'commander';
import { compressCommand, decompressCommand } from './commands/compress.js';
import { dashboardCommand } from './commands/dashboard.js';
import { demoCommand } from './commands/demo.js';
import { denoiseCommand } from './commands/denoise.js';
import { detectCommand } from './commands/detect.js';
import { encodeCommand } from './commands/encode.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { generateCommand } from './commands/generate.js';
import { opsCommand } from './commands/ops.js';
import { reconstructCommand } from './commands/reconstruct.js';
import { runsCommand } from './commands/runs.js';
import { serveCommand } from './commands/serve.js';
import { summaryCommand } from './commands/summary.js';
import { trainCommand } from './commands/train.js';
import { tuneCommand } from './commands/tune.js';
import { parserErrorLine } from './args.js';
import { reportError } from './exit.js';

const program = new Command();
program
  .name('aekit')
  .description('Autoencoder toolkit: build, train and use autoencoders compiled to ONNX.')
  .version('0.1.0')
  .addHelpText('after', '\nStart with:\n  aekit demo\n  aekit train --model conv --data mnist --epochs 3\n  aekit eval runs/conv-mnist-1');
const commands = [
  demoCommand(), trainCommand(), tuneCommand(), evalCommand(), encodeCommand(), reconstructCommand(), detectCommand(),
  denoiseCommand(), generateCommand(), compressCommand(), decompressCommand(), exportCommand(), summaryCommand(), opsCommand(), dashboardCommand(),
  serveCommand(), runsCommand(),
];
// A bad command line ends like every other user error: one `aekit: …` line, exit code 1.
const oneLine = (name: string) => ({ outputError: (text: string, write: (s: string) => void) => write(`${parserErrorLine(text, name)}\n`) });
program.configureOutput(oneLine('aekit'));
for (const command of commands) {
  program.addCommand(command.configureOutput(oneLine(`aekit ${command.name()}`)));
}

program.parseAsync(process.argv).catch((e: unknown) => {
  process.exitCode = reportError(e);
});
