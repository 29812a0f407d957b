import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/data/random.js';
import { knnAccuracy } from '../../src/eval/features.js';
import { Autoencoder } from '../../src/models/index.js';
import { NeighborEmbeddingModel, refineNeighbors } from '../../src/tasks/neighbor-embedding.js';
import { Trainer } from '../../src/train/trainer.js';

describe('NeighborEmbeddingModel', () => {
  it('computes the attraction and repulsion terms as the float64 formulas do', async () => {
    const ae = new Autoencoder({ inputShape: [2], encoder: { sizes: [2] }, linear: true });
    const scale = 0.5;
    const net = new NeighborEmbeddingModel(ae, scale, 3, 1e-3);
    const trainer = Trainer.create(net);
    trainer.tensors['encoder_0/kernel'] = { dtype: 'float32', shape: [2, 2], data: Float32Array.of(1, 0, 0, 1) };
    trainer.tensors['encoder_0/bias'] = { dtype: 'float32', shape: [2], data: Float32Array.of(0, 0) };
    const z = [[0.5, -1], [2, 0.25], [-0.75, 1]];
    const t = [[0.25, -0.5], [1, 1], [0, 0]];
    const d2 = (a: number[], b: number[]) => (a[0]! - b[0]!) ** 2 + (a[1]! - b[1]!) ** 2;
    const attraction = z.reduce((s, zi, i) => s + Math.log(1 + scale * d2(zi, t[i]!)), 0) / 3;
    let repulsion = 0;
    for (const a of z) for (const b of z) repulsion += Math.log(1 + 1 / (scale * d2(a, b) + 1e-3));
    repulsion /= 9;
    const m = await trainer.evaluate({ x: Float32Array.from(z.flat()), shape: [3, 2], target: Float32Array.from(t.flat()), targetShape: [3, 2] });
    assert.ok(Math.abs(m.attraction! - attraction) < 1e-5, `attraction ${m.attraction} vs ${attraction}`);
    assert.ok(Math.abs(m.repulsion! - repulsion) < 1e-4 * repulsion, `repulsion ${m.repulsion} vs ${repulsion}`);
    assert.ok(Math.abs(m.loss! - (attraction + 3 * repulsion)) < 1e-3, `loss ${m.loss}`);
  });
});

describe('refineNeighbors', () => {
  it('pulls neighbours together: a code that mixed the classes separates them after refinement on a clean graph', async () => {
    // Three classes that differ in 2 of 8 features; the other 6 are loud noise, so an untrained
    // encoder's 2-D code mixes the classes. The graph comes from the 2 informative features.
    const rng = new Rng(4);
    const n = 150;
    const x = new Float32Array(n * 8);
    const clean = new Float32Array(n * 2);
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      const angle = (2 * Math.PI * c) / 3 + 0.2 * rng.normal();
      clean.set([Math.cos(angle), Math.sin(angle)], i * 2);
      x.set([0.3 * Math.cos(angle), 0.3 * Math.sin(angle), ...Array.from({ length: 6 }, () => 0.4 * rng.normal())], i * 8);
      labels.push(c);
    }
    const ae = new Autoencoder({ inputShape: [8], encoder: { sizes: [32, 2], codeActivation: 'linear' } }).compile({ seed: 2 });
    const before = await ae.encode(x);
    const epochs: number[] = [];
    const r = await refineNeighbors(ae, { x, shape: [n, 8] }, { neighbors: 5, epochs: 40, batchSize: 25, learningRate: 1e-2, graph: { x: clean, shape: [n, 2] }, onEpoch: (e) => epochs.push(e.epoch) });
    assert.deepEqual(epochs, Array.from({ length: 40 }, (_, i) => i + 1));
    assert.equal(r.graph.length, n * 5);
    assert.ok(r.graph.every((j, idx) => j !== Math.floor(idx / 5)), 'no sample is its own neighbour');
    assert.ok(r.scale > 0);
    const after = await ae.encode(x);
    const set = (codes: Float32Array) => ({ x: codes, shape: [n, 2], labels });
    const [accBefore, accAfter] = [knnAccuracy(set(before), set(before)), knnAccuracy(set(after), set(after))];
    assert.ok(accBefore < 0.8 && accAfter > 0.9, `5-NN on the codes: ${accBefore} before, ${accAfter} after`);
  });

  it('checks its options', async () => {
    const ae = new Autoencoder({ inputShape: [2], encoder: { sizes: [2] } });
    const data = { x: Float32Array.from({ length: 8 }, (_, i) => i), shape: [4, 2] };
    await assert.rejects(refineNeighbors(ae, data, { neighbors: 4 }), /4 samples cannot have 4 neighbours each/);
    await assert.rejects(refineNeighbors(ae, data, { neighbors: 1, epochs: 0 }), /epochs must be a positive integer, got 0/);
    await assert.rejects(refineNeighbors(ae, data, { neighbors: 1, graph: { x: new Float32Array(3), shape: [3, 1] } }), /graph features have 3 rows for 4 samples/);
    await assert.rejects(refineNeighbors(ae, data, { neighbors: 1, augment: () => new Float32Array(3) }), /augment returned 3 values for 8/);
  });

  it('trains each epoch on augment(x, epoch)', async () => {
    const ae = new Autoencoder({ inputShape: [2], encoder: { sizes: [2] } });
    const data = { x: Float32Array.from({ length: 12 }, (_, i) => i / 12), shape: [6, 2] };
    const seen: number[] = [];
    await refineNeighbors(ae, data, { neighbors: 2, epochs: 3, augment: (x, e) => (seen.push(e), x.map((v) => v + 0.01)) });
    assert.deepEqual(seen, [0, 1, 2]);
  });
});
