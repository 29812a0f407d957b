/**
 * Type-checks the TypeScript examples of the documentation: every ```ts or
 * ```typescript block of a Markdown file becomes its own ES module in a
 * temporary folder, `import ... from 'aekit'` resolves to src/index.ts, and one
 * TypeScript program checks them all, so a doc example that no longer matches
 * the API fails the test suite with the doc file and line named.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import ts from 'typescript';

/** One fenced TypeScript block of a Markdown file. */
export interface CodeBlock {
  /** The Markdown file, as it should appear in messages (e.g. docs/tasks.md). */
  file: string;
  /** 1-based line, in that file, of the block's first line of code. */
  line: number;
  code: string;
}

const OPENING = /^(\s*)```(ts|typescript)\s*$/;
const CLOSING = /^\s*```\s*$/;

/** The ```ts / ```typescript blocks of a Markdown text, with their indentation removed. */
export function extractTsBlocks(markdown: string, file: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const opening = OPENING.exec(lines[i]);
    if (!opening) continue;
    const indent = opening[1].length;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !CLOSING.test(lines[j])) body.push(lines[j++].slice(indent));
    if (j === lines.length) throw new Error(`${file}:${i + 1}: a \`\`\`${opening[2]} block is never closed`);
    blocks.push({ file, line: i + 2, code: body.join('\n') + '\n' });
    i = j;
  }
  return blocks;
}

/**
 * Type-checks every block as a separate module against the package's sources
 * and returns one message per error, `<doc file>:<line>:<column>: TS<code>:
 * <text>`; an empty array when all compile. Errors inside the package's own
 * sources are left to `npm run typecheck`.
 */
export function typecheckBlocks(blocks: CodeBlock[], repoRoot: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-doc-blocks-'));
  try {
    const byPath = new Map<string, CodeBlock>();
    blocks.forEach((block, index) => {
      // .mts: an ES module whatever package.json is (or is not) above the folder, so top-level await works.
      const path = join(dir, `${String(index).padStart(3, '0')}-${basename(block.file, '.md')}-${block.line}.mts`);
      writeFileSync(path, block.code);
      byPath.set(path, block);
    });
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [resolve(repoRoot, 'node_modules/@types')],
        paths: { aekit: [resolve(repoRoot, 'src/index.ts')] },
      },
      files: [...byPath.keys()],
    };
    const configPath = join(dir, 'tsconfig.json');
    writeFileSync(configPath, JSON.stringify(tsconfig, null, 2));
    const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
    });
    if (!parsed) throw new Error(`cannot read the generated ${configPath}`);
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
    // Diagnostics of the block files only: checking them resolves just the declarations they use, where
    // getPreEmitDiagnostics would type-check every source file of the package again.
    const diagnostics = [
      ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(),
      ...[...byPath.keys()].flatMap((path) => {
        const file = program.getSourceFile(path);
        if (!file) throw new Error(`${byPath.get(path)!.file}:${byPath.get(path)!.line}: the generated module was not compiled`);
        return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
      }),
    ];
    const messages: string[] = [];
    for (const d of diagnostics) {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const block = d.file ? byPath.get(resolve(d.file.fileName)) : undefined;
      if (!d.file) messages.push(`TS${d.code}: ${text}`);
      else if (block) {
        const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
        messages.push(`${block.file}:${block.line + line}:${character + 1}: TS${d.code}: ${text}`);
      }
    }
    return messages;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
