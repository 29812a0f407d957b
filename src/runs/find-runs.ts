/**
 * Finding run folders: the folders holding a run.json under a runs folder,
 * at the top level and one level down (where `aekit demo` keeps its VAE run),
 * and the trial run folders of the tuning studies there (`<study>/trials/*`,
 * a study being a folder with a `journal.jsonl`, see src/tune/journal.ts).
 * Used by the dashboard and `aekit runs`.
 */
import { type Dirent, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The file that makes a folder a tuning study. */
export const STUDY_JOURNAL = 'journal.jsonl';

/** Folders of `dir` (not symlinks: a link out of the runs folder is never followed, nor hidden folders), by name. */
function subfolders(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  // Dirent.isDirectory() is false for a symlink.
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
}

/** Visits the folders at the top level of `root` and one level down, with their ids ('a', 'a/b'). */
function visitTwoLevels(root: string, visit: (path: string, id: string) => void): void {
  for (const a of subfolders(root)) {
    visit(join(root, a), a);
    for (const b of subfolders(join(root, a))) visit(join(root, a, b), `${a}/${b}`);
  }
}

/** Run folders under `root` (a folder holding run.json; not following symlinks), as ids; a study's trials as `<study>/trials/<trial>`. */
export function findRuns(root: string): string[] {
  const found: string[] = [];
  visitTwoLevels(root, (path, id) => {
    if (existsSync(join(path, 'run.json'))) found.push(id);
    if (!existsSync(join(path, STUDY_JOURNAL))) return;
    for (const t of subfolders(join(path, 'trials'))) if (existsSync(join(path, 'trials', t, 'run.json'))) found.push(`${id}/trials/${t}`);
  });
  return found.sort();
}

/** Tuning study folders under `root` (a folder holding journal.jsonl), at the top level and one level down, as ids. */
export function findStudies(root: string): string[] {
  const found: string[] = [];
  visitTwoLevels(root, (path, id) => {
    if (existsSync(join(path, STUDY_JOURNAL))) found.push(id);
  });
  return found.sort();
}
