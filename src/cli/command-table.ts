/**
 * The CLI's commands by name, each with the import that makes it, so that
 * main.ts loads only the module of the command it runs: each pulls in a
 * different part of aekit (`encode` needs no training loop, figures or
 * server), and loading all of them cost every command its start-up time.
 */
import { type Command } from 'commander';

/** Every command, in the order `--help` lists them, with the import that makes it. */
export const COMMANDS: ReadonlyArray<[name: string, make: () => Promise<Command>]> = [
  ['demo', async () => (await import('./commands/demo.js')).demoCommand()],
  ['train', async () => (await import('./commands/train.js')).trainCommand()],
  ['tune', async () => (await import('./commands/tune.js')).tuneCommand()],
  ['eval', async () => (await import('./commands/eval.js')).evalCommand()],
  ['encode', async () => (await import('./commands/encode.js')).encodeCommand()],
  ['reconstruct', async () => (await import('./commands/reconstruct.js')).reconstructCommand()],
  ['detect', async () => (await import('./commands/detect.js')).detectCommand()],
  ['denoise', async () => (await import('./commands/denoise.js')).denoiseCommand()],
  ['generate', async () => (await import('./commands/generate.js')).generateCommand()],
  ['compress', async () => (await import('./commands/compress.js')).compressCommand()],
  ['decompress', async () => (await import('./commands/compress.js')).decompressCommand()],
  ['export', async () => (await import('./commands/export.js')).exportCommand()],
  ['summary', async () => (await import('./commands/summary.js')).summaryCommand()],
  ['ops', async () => (await import('./commands/ops.js')).opsCommand()],
  ['dashboard', async () => (await import('./commands/dashboard.js')).dashboardCommand()],
  ['serve', async () => (await import('./commands/serve.js')).serveCommand()],
  ['runs', async () => (await import('./commands/runs.js')).runsCommand()],
];
