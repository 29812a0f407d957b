/**
 * The CLI and the dashboard are two faces over src/runs and never import each
 * other (DESIGN.md, "Layers of the system"). The one exception: the
 * `aekit dashboard` command starts the server. src/runs lies below both.
 * The scoring server (src/serve) is a third face: neither imports it but
 * `aekit serve`, and it imports neither.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Who may not import whom: files under `from` must not import files under `to`, except the listed files. */
const RULES = [
  { from: 'dashboard', to: 'cli', except: [] as string[] },
  { from: 'cli', to: 'dashboard', except: ['cli/commands/dashboard.ts'] },
  { from: 'runs', to: 'cli', except: [] },
  { from: 'runs', to: 'dashboard', except: [] },
  { from: 'serve', to: 'cli', except: [] },
  { from: 'serve', to: 'dashboard', except: [] },
  { from: 'dashboard', to: 'serve', except: [] },
  { from: 'cli', to: 'serve', except: ['cli/commands/serve.ts'] },
  { from: 'runs', to: 'serve', except: [] },
];

interface SourceFile {
  /** Path relative to src/, with '/' separators. */
  path: string;
  text: string;
}

/** Relative module specifiers of static imports, re-exports and dynamic imports. */
function specifiersOf(text: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s*['"]([^'"]+)['"]/gm];
  for (const re of patterns) for (const m of text.matchAll(re)) found.push(m[1]!);
  return found.filter((s) => s.startsWith('.'));
}

/** The imports that break a rule, as 'importer -> imported' (paths relative to src/). */
function layeringViolations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    for (const spec of specifiersOf(f.text)) {
      const target = relative(SRC, resolve(SRC, dirname(f.path), spec)).split(sep).join('/');
      for (const rule of RULES) {
        const under = (p: string, folder: string) => p === folder || p.startsWith(`${folder}/`);
        if (under(f.path, rule.from) && under(target, rule.to) && !rule.except.includes(f.path)) out.push(`${f.path} -> ${target}`);
      }
    }
  }
  return out;
}

function sourcesUnder(folder: string): SourceFile[] {
  return readdirSync(join(SRC, folder), { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('.ts'))
    .map((p) => {
      const path = `${folder}/${p.split(sep).join('/')}`;
      return { path, text: readFileSync(join(SRC, path), 'utf8') };
    });
}

test('the checker catches every kind of import across the two faces', () => {
  const files: SourceFile[] = [
    { path: 'dashboard/analysis.ts', text: "import { openRun } from '../cli/open-run.js';" },
    { path: 'dashboard/web/views/x.ts', text: "export { a } from '../../../cli/figures.js';" },
    { path: 'cli/commands/train.ts', text: "const m = await import('../../dashboard/progress-file.js');" },
    { path: 'cli/main.ts', text: "import type { Dashboard } from '../dashboard/server.js';" },
    { path: 'cli/commands/dashboard.ts', text: "const { startDashboard } = await import('../../dashboard/server.js');" },
    { path: 'dashboard/runs.ts', text: "import { readRunInfo } from '../runs/run-folder.js';" },
    { path: 'runs/open-run.ts', text: "import { intIn } from '../cli/args.js';" },
  ];
  assert.deepEqual(layeringViolations(files), [
    'dashboard/analysis.ts -> cli/open-run.js',
    'dashboard/web/views/x.ts -> cli/figures.js',
    'cli/commands/train.ts -> dashboard/progress-file.js',
    'cli/main.ts -> dashboard/server.js',
    'runs/open-run.ts -> cli/args.js',
  ]);
});

test('src/dashboard never imports src/cli, src/cli imports src/dashboard and src/serve only to start them, src/runs imports none, src/serve neither face', () => {
  const files = [...sourcesUnder('dashboard'), ...sourcesUnder('cli'), ...sourcesUnder('runs'), ...sourcesUnder('serve')];
  assert.ok(files.length > 30, `read only ${files.length} files`);
  assert.deepEqual(layeringViolations(files), []);
});
