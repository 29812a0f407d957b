import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CODE_SIZES, formatEmbedTable, runEmbedBenchmark } from '../../bench/embed/protocol.js';

describe('bench:embed protocol (--quick)', () => {
  it('judges PCA and every aekit variant at each code size, and reports the issue\'s summary keys', async () => {
    const lines: string[] = [];
    const result = await runEmbedBenchmark({ quick: true, threads: 1, log: (l) => lines.push(l) });
    const rowsOf = (name: string) => result.rows.filter((r) => r.name === name).map((r) => r.code).sort((a, b) => a - b);
    assert.deepEqual(rowsOf('pca'), [...CODE_SIZES]);
    assert.deepEqual(rowsOf('ae'), [2, 10, 32]);
    assert.deepEqual(rowsOf('ae+contrastive'), [32]);
    assert.deepEqual(rowsOf('ae+neighbors'), [2, 10, 32]);
    for (const r of result.rows) {
      for (const v of [r.knn5, r.probe, r.clusterAccuracy]) assert.ok(v >= 0 && v <= 100, `${r.name} ${r.code}: ${v}`);
      assert.ok(r.nmi >= 0 && r.nmi <= 1);
    }
    // Chance on 10 classes is 10 %; even 2 epochs on a slice beat it with PCA's 32-D codes.
    assert.ok(result.rows.find((r) => r.name === 'pca' && r.code === 32)!.knn5 > 50);
    const s = result.summary;
    assert.deepEqual(Object.keys(s.knn5).sort(), ['10', '2', '32']);
    assert.deepEqual(Object.keys(s.pca.knn5).sort(), ['10', '2', '32']);
    for (const v of [s.clusterAccuracy10, s.nmi10, s.pca.clusterAccuracy10, s.pca.nmi10]) assert.ok(Number.isFinite(v));
    assert.equal(result.goals.length, 3);
    for (const g of result.goals) assert.equal(g.met, g.goal.includes('>=') ? g.value >= g.target : g.value > g.target);
    // The 10-D refinement sees test images too; the table marks it.
    assert.match(formatEmbedTable(result), /ae\+neighbors \*\s+10 /);
    assert.ok(lines.some((l) => l.includes('32-D refinement epoch 2/2')));
  });
});
