/**
 * How the dashboard starts Node scripts of aekit in child processes (a run's
 * analysis, `aekit train` from the page): the compiled `.js` next to this
 * file in the package, or the `.ts` source through tsx when the dashboard
 * itself runs from source (development, tests).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../io/package-root.js';

const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith('.ts');

/** The command line that runs `relative` (a path from src/dashboard, e.g. '../cli/main.ts'), and its arguments. */
export function nodeScript(relative: string, args: readonly string[]): { command: string; args: string[] } {
  const file = join(dirname(here), fromSource ? relative : relative.replace(/\.ts$/, '.js'));
  // tsx is resolved from here, not from the child's working directory.
  const loader = fromSource ? ['--import', import.meta.resolve('tsx')] : [];
  return { command: process.execPath, args: [...loader, file, ...args] };
}

/** Where `npm run build:web` puts the dashboard's front end. */
export function defaultAssetsDir(): string {
  return join(packageRoot(), 'dist', 'web');
}
