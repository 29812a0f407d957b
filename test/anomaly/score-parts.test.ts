/**
 * scoreOneFromParts (what the dashboard's page computes from ONNX Runtime
 * Web's outputs) gives the detector's own scores, for every kind it covers,
 * and says which it cannot compute.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import { scoreOneFromParts } from '../../src/anomaly/score-parts.js';
import { type ScoreKind } from '../../src/anomaly/types.js';
import { Autoencoder } from '../../src/models/index.js';

const D = 10;
const rows = (n: number, seed: number) => Float32Array.from({ length: n * D }, (_, i) => 0.5 + 0.4 * Math.sin(seed + i * 0.37 + Math.floor(i / D) * 1.3));

describe('scoreOneFromParts', () => {
  it('equals AnomalyDetector.score for every kind it computes, with both metrics', async () => {
    const model = new Autoencoder({ inputShape: [D], encoder: { sizes: [8, 3] }, outputActivation: 'sigmoid', loss: 'bce' }).compile({ seed: 2 });
    const train = { x: rows(60, 1), shape: [60, D] };
    const probe = rows(4, 9);
    const rec = await model.reconstruct(probe);
    const codes = await model.encode(probe);
    const kinds: ScoreKind[] = ['reconstruction', 'mse', 'mae', 'bce', 'knn', 'center', 'combined'];
    for (const metric of ['euclidean', 'cosine'] as const) {
      for (const score of kinds) {
        const detector = await new AnomalyDetector(model, { score, metric, k: 3 }).fit(train, { train: false });
        const expected = await detector.score({ x: probe, shape: [4, D] });
        // The training codes as the page reads them from the saved detector.
        const trainCodes = score === 'knn' || score === 'combined' ? await model.encode(train.x) : null;
        for (let i = 0; i < 4; i++) {
          const got = scoreOneFromParts(detector.state(), { x: probe.subarray(i * D, (i + 1) * D), reconstruction: rec.subarray(i * D, (i + 1) * D), code: codes.subarray(i * 3, (i + 1) * 3), loss: model.loss }, trainCodes);
          // 'reconstruction' is the model's own loss, summed in float32 by ONNX Runtime; the rest is float64 either way.
          const tolerance = score === 'reconstruction' ? 1e-6 : 1e-9;
          assert.ok(Math.abs(got - expected[i]!) <= tolerance * (1 + Math.abs(expected[i]!)), `${score}/${metric} sample ${i}: ${got} vs ${expected[i]}`);
        }
      }
    }
  });

  it('names what it cannot compute without the model', () => {
    const state = { score: 'elbo' as const, combine: ['mse', 'knn'] as ScoreKind[], k: 5, metric: 'euclidean' as const, componentStats: {}, center: null, scaler: null };
    const parts = { x: [0], reconstruction: [0], code: [0], loss: 'mse' };
    assert.throws(() => scoreOneFromParts(state, parts, null), /'elbo' score cannot be computed in the page/);
    assert.throws(() => scoreOneFromParts({ ...state, score: 'knn' }, parts, null), /needs the detector's training codes/);
    assert.throws(() => scoreOneFromParts({ ...state, score: 'reconstruction' }, { ...parts, loss: 'huber' }, null), /'huber' loss cannot be computed/);
  });
});
