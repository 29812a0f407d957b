import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { METHODS, benchMae, formatAttentionTable, runAttentionBenchmark } from '../../bench/attention/protocol.js';
import { maeFigures, transformerFigures } from '../../bench/attention/figures.js';

describe('bench:attention protocol (a tiny slice)', () => {
  it('judges the MAE, the conv AE, PCA, pixels and the Transformer AE on both datasets with the issue\'s keys, and draws the MAE and Transformer AE figures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-attention-'));
    const result = await runAttentionBenchmark({
      trainSamples: 200, testSamples: 100, epochs: 1, code: 16, threads: 1,
      onMae: (name, model, test) => maeFigures(dir, name, model, test, () => {}),
      onTransformer: (name, model, test) => transformerFigures(dir, name, model, test, () => {}),
    });
    for (const name of ['mnist', 'fashion']) {
      assert.deepEqual(Object.keys(result.summary[name]!).sort(), [...METHODS].sort());
      for (const m of METHODS) {
        const s = result.summary[name]![m]!;
        for (const v of [s.linearProbe, s.knn5, s.knn5Other]) assert.ok(v >= 0 && v <= 100, `${name} ${m}: ${v}`);
      }
      // Chance is 10 %; 200 raw images already classify far better.
      assert.ok(result.summary[name]!.pixels!.knn5 > 40);
      for (const f of ['masked', 'attention', 'attention-weights']) assert.ok(existsSync(join(dir, `mae-${name}-${f}.png`)), f);
      for (const f of ['reconstructions', 'attention', 'attention-weights']) assert.ok(existsSync(join(dir, `transformer-${name}-${f}.png`)), f);
    }
    assert.equal(result.rows.find((r) => r.method === 'pca')!.code, 16);
    assert.equal(result.goals.length, 4, 'the goals compare the MAE with the other three, not the Transformer AE');
    assert.match(formatAttentionTable(result), /\| fashion \| mae \| 16 \|/);
    assert.match(String(result.protocol.knn), /cosine/);
  });

  it("builds the MAE variants: a spatial code splits the code size over the patches, or says why it cannot", () => {
    const m = benchMae(64, { pooling: 'spatial', maskRatio: 0.5, normPixelLoss: true, visibleLossWeight: 1 });
    assert.deepEqual([m.latentShape, m.patchCode, m.visiblePatches, m.normPixelLoss, m.visibleLossWeight], [[64], 4, 8, true, 1]);
    assert.equal(benchMae(64).getConfig().pooling, 'spatial', 'the default is the spatial code');
    const run1 = benchMae(64, { maskRatio: 0.75, pooling: 'mean', normPixelLoss: false, visibleLossWeight: 0 });
    assert.deepEqual([run1.latentShape, run1.visiblePatches, run1.countParams()], [[64], 4, 159633]);
    assert.throws(() => benchMae(64, { pooling: 'spatial', patchSize: 4 }), /64 values does not split evenly over 49 patches of 4×4/);
  });
});
