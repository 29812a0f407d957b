/** The aekit package's own folder, from its sources (src/, under tsx) or its compiled files (dist/src/). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The aekit package's root folder (where package.json is): built assets (the
 * dashboard's dist/web, the CLI's bundle) live under it both when running
 * from source and from the package.
 */
export function packageRoot(): string {
  const here = fileURLToPath(import.meta.url);
  let dir = dirname(here);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${here}`);
    dir = up;
  }
}
