/**
 * Finding run folders: the folders holding a run.json under a runs folder,
 * at the top level and one level down (where `aekit demo` keeps its VAE run).
 * Used by the dashboard and `aekit runs`.
 */
import { type Dirent, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Run folders under `root` (a folder holding run.json; not following symlinks), as ids. */
export function findRuns(root: string): string[] {
  const found: string[] = [];
  const visit = (dir: string, prefix: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      // Dirent.isDirectory() is false for a symlink: a link out of the runs folder is never followed.
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const path = join(dir, e.name);
      const id = prefix ? `${prefix}/${e.name}` : e.name;
      if (existsSync(join(path, 'run.json'))) found.push(id);
      if (depth < 1) visit(path, id, depth + 1);
    }
  };
  visit(root, '', 0);
  return found.sort();
}
