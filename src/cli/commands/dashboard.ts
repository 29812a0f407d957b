/**
 * `aekit dashboard`: serves a local web page over the runs folder (see
 * src/dashboard): the runs and their loss curves, live training, the latent
 * space, anomalies, a model to try in the browser and a VAE's generations.
 */
import { existsSync, statSync } from 'node:fs';
import { Command } from 'commander';
import type { Dashboard } from '../../dashboard/server.js';
import { intIn } from '../args.js';
import { UsageError } from '../../runs/errors.js';
import { type Io, defaultIo } from '../io.js';
import { examplesHelp } from '../examples.js';
import { listenOrExplain, serveUntilSignal, warnIfExposed } from '../listen.js';

export interface DashboardFlags {
  runs: string;
  port: number;
  host: string;
  /** The built front end (tests; default: the package's). */
  assets?: string;
  /** Print the address and return at once instead of serving until Ctrl-C (tests). */
  detach?: boolean;
}

/**
 * Starts the dashboard and, unless `detach`, serves until Ctrl-C (which stops
 * trainings started from the page after they save a checkpoint).
 * @throws {UsageError} for a runs path that is a file, a port in use or a host that cannot be bound.
 */
export async function runDashboardCommand(flags: DashboardFlags, io: Io = defaultIo()): Promise<Dashboard> {
  if (existsSync(flags.runs) && !statSync(flags.runs).isDirectory()) throw new UsageError(`--runs ${flags.runs}: is a file; expected the folder of run folders (default runs)`);
  // Loaded here, not at the top: Fastify would slow the start of every other command.
  const { startDashboard } = await import('../../dashboard/server.js');
  let dashboard: Dashboard;
  try {
    dashboard = await listenOrExplain(flags, () => startDashboard({ runsDir: flags.runs, port: flags.port, host: flags.host, ...(flags.assets ? { assetsDir: flags.assets } : {}) }), 'another dashboard or TensorBoard?');
  } catch (e) {
    if (/front end is not built/.test((e as Error).message)) throw new UsageError((e as Error).message);
    throw e;
  }
  warnIfExposed(io, flags.host, 'the dashboard', 'anyone who can reach it can see your runs, download their models and data samples, and start trainings on this machine.');
  io.log(`aekit dashboard: ${dashboard.url} (runs in ${dashboard.runsDir}${existsSync(dashboard.runsDir) ? '' : ', not created yet: runs appear as aekit train writes them'})`);
  if (flags.detach) return dashboard;
  await serveUntilSignal(io, 'Stopping the dashboard...', () => dashboard.close());
  return dashboard;
}

/** The `aekit dashboard` command. */
export function dashboardCommand(io?: Io): Command {
  return new Command('dashboard')
    .description('a local web page over the run folders: live training, runs compared, latent space, anomalies, a model to try in the browser')
    .option('--runs <dir>', 'the folder of run folders', 'runs')
    .option('--port <n>', 'port (0: any free port)', intIn('--port', 0, 65535), 6006)
    .option('--host <address>', 'interface to listen on; anything but 127.0.0.1 opens the dashboard to other machines', '127.0.0.1')
    .addHelpText('after', examplesHelp('aekit dashboard', 'aekit dashboard --runs runs --port 6007', 'aekit train --model conv --data mnist --epochs 5   (in another terminal: watch it live)'))
    .action(async (flags: DashboardFlags) => {
      await runDashboardCommand(flags, io);
    });
}
