import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';

// Benchmarks live in bench/ and are not shipped: the library (src/, all of
// which tsconfig.build.json compiles into dist/) must not reach into them.
const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Every module specifier of a TypeScript file: static imports and exports, dynamic import() and require(). */
function specifiersOf(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"]+)\1/g)) found.push(m[2]!);
  return found;
}

test('specifiersOf finds static, side-effect, dynamic and require specifiers', () => {
  const source = "import a from './a.js';\nexport { b } from \"../b.js\";\nimport './c.js';\nconst d = await import('../../bench/d.js');\nconst e = require('e');";
  assert.deepEqual(specifiersOf(source), ['./a.js', '../b.js', './c.js', '../../bench/d.js', 'e']);
});

test('nothing under src/ imports from bench/ or scripts/', () => {
  const offenders: string[] = [];
  for (const file of filesUnder(src).filter((f) => /\.(ts|tsx|js|mjs)$/.test(f))) {
    for (const spec of specifiersOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = relative(root, resolve(file, '..', spec));
      if (target === 'bench' || target.startsWith(`bench${sep}`) || target === 'scripts' || target.startsWith(`scripts${sep}`)) offenders.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('no file or folder named *bench* remains under src/', () => {
  const named = readdirSync(src, { withFileTypes: true, recursive: true })
    .filter((e) => /bench/i.test(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)));
  assert.deepEqual(named, []);
});

test('the published build compiles src/ only', () => {
  const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
  assert.deepEqual(build.include, ['src']);
});
