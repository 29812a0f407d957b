import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatTable, runQualityBenchmark } from '../../bench/quality/protocol.js';

test('quality benchmark: a tiny run reports every asked model with its protocol', async () => {
  const lines: string[] = [];
  const seen: string[] = [];
  const results = await runQualityBenchmark({
    only: ['dense', 'sparse', 'vae', 'linear'], trainSamples: 512, testSamples: 256, epochs: 1, seed: 3,
    log: (l) => lines.push(l), onResult: (name) => seen.push(name),
  });
  assert.deepEqual(Object.keys(results), ['dense', 'linear', 'sparse', 'vae']);
  assert.deepEqual(seen, ['dense', 'linear', 'sparse', 'vae']);
  for (const r of Object.values(results)) {
    assert.ok(Number.isFinite(r.value), `${r.metric} is finite`);
    assert.equal(r.epochs, 1);
    assert.equal(r.seed, 3);
    assert.equal(r.trainSamples, 512);
    assert.equal(typeof r.goalMet, 'boolean');
  }
  // One epoch on 512 images is far from the references: the goals must read as not met.
  assert.equal(results.dense!.goalMet, false);
  assert.equal(results.vae!.goalMet, false);
  assert.ok(results.vae!.value > 105.6);
  // Sparse compares against its unregularized twin, trained in the same call.
  assert.equal(results.sparse!.reference! / results.sparse!.value, results.sparse!.details.activationRatio);
  assert.equal(lines.filter((l) => l.startsWith('  sparse (twin without L1) epoch 1/1')).length, 1);
  assert.equal(lines.filter((l) => l.startsWith('  sparse epoch 1/1')).length, 1);
  // The linear model is judged against PCA fitted in the same run, on the same images.
  assert.equal(results.linear!.reference, results.linear!.details.pcaMse);
  const table = formatTable(results);
  assert.equal(table.length, 5);
  assert.match(table[1]!, /^dense\s+test BCE per pixel/);
});

test('bench:quality rejects an unknown model name with the list of valid ones', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/quality.ts', '--only', 'dense,bogus'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown model 'bogus'; choose from dense, deep, conv/);
});

test('bench:quality checks --out before training and puts results.json inside a folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-quality-out-'));
  try {
    const notAFolder = join(dir, 'file');
    writeFileSync(notAFolder, 'x');
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'bench/quality.ts', '--only', 'linear', '--out', join(notAFolder, 'results.json')], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /cannot write results to .*file\/results\.json/);
    assert.doesNotMatch(bad.stdout + bad.stderr, /linear: /, 'no model was trained');
    const good = spawnSync(process.execPath, ['--import', 'tsx', 'bench/quality.ts', '--only', 'linear', '--quick', '--epochs', '1', '--out', dir], { encoding: 'utf8' });
    assert.equal(good.status, 0, good.stderr);
    const saved = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Record<string, { epochs: number }>;
    assert.deepEqual(Object.keys(saved), ['linear']);
    assert.equal(saved.linear!.epochs, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
