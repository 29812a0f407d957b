/**
 * The bundled CLI (src/cli/build-bundle.ts) does what the sources do: the same
 * codes, metrics and scores, every command listed, and each bundled module
 * still sees the `import.meta.url` of its compiled file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildCliBundle } from '../../src/cli/build-bundle.js';
import { COMMANDS } from '../../src/cli/command-table.js';
import { runEncodeCommand } from '../../src/cli/commands/encode.js';
import { runEvalCommand } from '../../src/cli/commands/eval.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { type Io } from '../../src/cli/io.js';
import { packageRoot } from '../../src/io/package-root.js';

function quietIo(): Io & { outs: string[] } {
  const outs: string[] = [];
  return { outs, log: () => {}, out: (l) => outs.push(l), tty: false };
}

describe('the bundled CLI', async () => {
  // Inside the package, so that the bundle finds the external packages in its node_modules as dist/ does.
  mkdirSync(join(packageRoot(), 'dist'), { recursive: true });
  const dist = mkdtempSync(join(packageRoot(), 'dist', '.bundle-test-'));
  const runs = mkdtempSync(join(tmpdir(), 'aekit-bundle-'));
  after(() => {
    rmSync(dist, { recursive: true, force: true });
    rmSync(runs, { recursive: true, force: true });
  });
  const entry = await buildCliBundle(join(dist, 'src'));
  const trained = (await runTrainCommand({ runs, model: 'dense', data: 'mnist', latent: 4, samples: 64, testSamples: 32, epochs: 1, batchSize: 32, figures: false }, quietIo()))!;
  const dir = trained.run.dir;
  const aekit = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(dist, 'src', 'cli', 'main.js'), ...args], { encoding: 'utf8', env: { ...process.env, AEKIT_CACHE_DIR: 'off' } });
    assert.equal(r.status, 0, `aekit ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  it('writes the same codes and prints the same metrics as the sources', async () => {
    aekit('encode', dir, '--samples', '5', '--out', join(runs, 'bundle.npy'));
    await runEncodeCommand(dir, { samples: 5, out: join(runs, 'source.npy') }, quietIo());
    assert.deepEqual(readFileSync(join(runs, 'bundle.npy')), readFileSync(join(runs, 'source.npy')));
    const printed = JSON.parse(aekit('eval', dir, '--json')) as Record<string, number>;
    assert.deepEqual(printed, await runEvalCommand(dir, { batchSize: 256 }, quietIo()));
  });

  it('lists every command in --help', () => {
    const help = aekit('--help');
    for (const [name] of COMMANDS) assert.match(help, new RegExp(`^  ${name}\\b`, 'm'), name);
  });

  it("gives each module its compiled file's URL: workers, createRequire and asset lookups resolve under dist/src", () => {
    const code = readdirSync(join(dist, 'src', 'cli', 'bundle')).map((f) => readFileSync(join(dist, 'src', 'cli', 'bundle', f), 'utf8')).join('\n');
    const rewritten = [...code.matchAll(/new URL\("([^"]+)", import\.meta\.url\)\.href/g)].map((m) => m[1]!);
    for (const file of ['../../train/worker-client.js', '../../data/datasets.js', '../../io/package-root.js']) assert.ok(rewritten.includes(file), file);
    // The only import.meta.url left bare: the rewritten ones and each file's own require (the banner).
    const bare = code.split('\n').filter((l) => l.includes('import.meta.url') && !/new URL\("[^"]+", import\.meta\.url\)/.test(l) && !l.includes('__aekitCreateRequire(import.meta.url)'));
    assert.deepEqual(bare, []);
    assert.ok(entry.endsWith(join('cli', 'bundle', 'main.js')));
  });
});
