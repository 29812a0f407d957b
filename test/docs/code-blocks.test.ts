import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractTsBlocks, typecheckBlocks } from './code-blocks.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

test('every ```ts block of README.md and docs/*.md type-checks against the package', () => {
  const blocks = docs.flatMap((file) => extractTsBlocks(readFileSync(join(root, file), 'utf8'), file));
  assert.ok(blocks.length >= 10, `expected the docs to hold TypeScript examples, found ${blocks.length}`);
  const errors = typecheckBlocks(blocks, root);
  assert.deepEqual(errors, [], `doc examples that do not compile:\n${errors.join('\n')}`);
});

test('a block that does not compile is reported with its doc file and line', () => {
  // No import of 'aekit' here: the block above already checks that mapping, and this program stays small.
  const markdown = ['# Title', '', '```ts', "import { join } from 'node:path';", 'const n: number = join;', '```', '',
    '  ```typescript', '  const ok: string = "fine";', '  ```', ''].join('\n');
  const blocks = extractTsBlocks(markdown, 'docs/example.md');
  assert.deepEqual(blocks.map((b) => b.line), [4, 9]);
  assert.equal(blocks[1].code, 'const ok: string = "fine";\n');
  const errors = typecheckBlocks(blocks, root);
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0], /^docs\/example\.md:5:7: TS2322: /);
});

test('an unclosed block is an error naming the file and line', () => {
  assert.throws(() => extractTsBlocks('text\n```ts\nconst a = 1;\n', 'README.md'), /^Error: README\.md:2: /);
});

test('README.md stays a short guide (at most 12,000 characters; details belong in docs/)', () => {
  const chars = [...readFileSync(join(root, 'README.md'), 'utf8')].length;
  assert.ok(chars <= 12000, `README.md has ${chars} characters`);
});
