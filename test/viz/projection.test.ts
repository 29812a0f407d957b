import { test } from 'node:test';
import assert from 'node:assert/strict';
import { project2d } from '../../src/viz/projection.js';

/** n codes of `dim` values in 3 well-separated clusters along dimension 0 (plus small noise). */
function clusters(n: number, dim: number): { codes: Float32Array; label: number[] } {
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296) - 0.5;
  const codes = new Float32Array(n * dim);
  const label: number[] = [];
  for (let i = 0; i < n; i++) {
    label.push(i % 3);
    for (let j = 0; j < dim; j++) codes[i * dim + j] = (j === 0 ? 10 * (i % 3) : 0) + 0.3 * rnd();
  }
  return { codes, label };
}

test('a 2-D code is drawn as it is', async () => {
  const codes = Float32Array.from([1, 2, 3, 4]);
  const p = await project2d(codes, 2);
  assert.equal(p.method, 'identity');
  assert.deepEqual(Array.from(p.points), [1, 2, 3, 4]);
  assert.notEqual(p.points, codes, 'a copy');
  assert.deepEqual(p.axisNames, ['z1', 'z2']);
});

test('wider codes: PCA by default, first axis along the largest variance, named with its share', async () => {
  const { codes, label } = clusters(60, 8);
  const p = await project2d(codes, 8);
  assert.equal(p.method, 'pca');
  assert.equal(p.points.length, 120);
  assert.match(p.axisNames[0], /^PC1 \(9\d\.\d%\)$/);
  assert.match(p.description, /PCA of the 8-D code/);
  // The clusters lie along dimension 0, so PC1 orders them (up to sign) 10 apart.
  const mean = (k: number) => label.reduce((a, l, i) => a + (l === k ? p.points[2 * i]! : 0), 0) / 20;
  assert.ok(Math.abs(Math.abs(mean(1) - mean(0)) - 10) < 0.3);
  assert.ok(Math.abs(Math.abs(mean(2) - mean(1)) - 10) < 0.3);
});

test('UMAP: seeded (same seed, same points; another seed, other points), clusters stay apart', async () => {
  const { codes, label } = clusters(45, 6);
  const a = await project2d(codes, 6, { method: 'umap', seed: 3, nNeighbors: 8, nEpochs: 60 });
  const b = await project2d(codes, 6, { method: 'umap', seed: 3, nNeighbors: 8, nEpochs: 60 });
  const c = await project2d(codes, 6, { method: 'umap', seed: 4, nNeighbors: 8, nEpochs: 60 });
  assert.equal(a.method, 'umap');
  assert.deepEqual(a.points, b.points);
  assert.notDeepEqual(a.points, c.points);
  assert.ok(a.points.every(Number.isFinite));
  // Each point's nearest embedded neighbour has its label.
  let agree = 0;
  for (let i = 0; i < 45; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < 45; j++) {
      if (j === i) continue;
      const d = (a.points[2 * i]! - a.points[2 * j]!) ** 2 + (a.points[2 * i + 1]! - a.points[2 * j + 1]!) ** 2;
      if (d < bestD) [best, bestD] = [j, d];
    }
    if (label[best] === label[i]) agree++;
  }
  assert.ok(agree >= 43, `${agree}/45 nearest neighbours share the label`);
});

test('bad codes and options are named', async () => {
  await assert.rejects(project2d(new Float32Array(4), 1), /needs a code of at least 2 dimensions/);
  await assert.rejects(project2d(new Float32Array(5), 2), /5 values are not a whole number of 2-D codes/);
  await assert.rejects(project2d(Float32Array.from([0, NaN, 1, 1]), 2), /code 0 holds NaN at dimension 1/);
  await assert.rejects(project2d(new Float32Array(3), 3), /PCA needs at least 2 codes, got 1/);
  await assert.rejects(project2d(new Float32Array(6), 3, { method: 'umap' }), /UMAP needs at least 3 codes, got 2/);
  await assert.rejects(project2d(new Float32Array(6), 3, { method: 'tsne' as never }), /method must be 'auto', 'pca' or 'umap', got "tsne"/);
  await assert.rejects(project2d(new Float32Array(30), 3, { method: 'umap', seed: 0.5 }), /seed must be an integer/);
});
