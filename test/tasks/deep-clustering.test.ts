import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/data/random.js';
import { clusteringAccuracy } from '../../src/eval/clustering.js';
import { Autoencoder } from '../../src/models/index.js';
import { DeepClusteringModel, refineClusters, targetDistribution } from '../../src/tasks/deep-clustering.js';
import { Trainer } from '../../src/train/trainer.js';

/** Student-t soft assignments in float64: q_ij ∝ (1 + ‖z_i − μ_j‖²/α)^(−(α+1)/2). */
function softAssignments(z: number[][], centres: number[][], alpha: number): number[][] {
  return z.map((zi) => {
    const kernel = centres.map((mu) => (1 + mu.reduce((s, m, c) => s + (zi[c]! - m) ** 2, 0) / alpha) ** (-(alpha + 1) / 2));
    const total = kernel.reduce((a, b) => a + b, 0);
    return kernel.map((v) => v / total);
  });
}

/** A linear autoencoder whose encoder is the identity: codes equal inputs. */
function identityEncoder(): Autoencoder {
  const ae = new Autoencoder({ inputShape: [2], encoder: { sizes: [2] }, linear: true });
  const t = ae.trainer.tensors;
  t['encoder_0/kernel'] = { dtype: 'float32', shape: [2, 2], data: Float32Array.of(1, 0, 0, 1) };
  t['encoder_0/bias'] = { dtype: 'float32', shape: [2], data: Float32Array.of(0, 0) };
  return ae;
}

describe('DEC soft assignments and target', () => {
  it('targetDistribution squares q and divides by the cluster frequencies (hand-computed)', () => {
    // q rows (0.8, 0.2), (0.4, 0.6): f = (1.2, 0.8); q²/f = (0.5333, 0.05), (0.1333, 0.45).
    const p = targetDistribution(Float32Array.of(0.8, 0.2, 0.4, 0.6), 2);
    const r0 = [0.64 / 1.2, 0.04 / 0.8];
    const r1 = [0.16 / 1.2, 0.36 / 0.8];
    const expected = [r0[0]! / (r0[0]! + r0[1]!), r0[1]! / (r0[0]! + r0[1]!), r1[0]! / (r1[0]! + r1[1]!), r1[1]! / (r1[0]! + r1[1]!)];
    p.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `${i}: ${v} vs ${expected[i]}`));
  });

  it('the model computes Student-t q and KL(P ‖ Q) as the float64 formulas do', async () => {
    const z = [[0.5, -1], [2, 0.3], [-0.7, 0.9]];
    const centres = [[0, 0], [1.5, 0.5]];
    for (const alpha of [1, 3]) {
      const dec = new DeepClusteringModel(identityEncoder(), 2, alpha);
      const trainer = Trainer.create(dec);
      trainer.tensors['encoder_0/kernel'] = { dtype: 'float32', shape: [2, 2], data: Float32Array.of(1, 0, 0, 1) };
      trainer.tensors['encoder_0/bias'] = { dtype: 'float32', shape: [2], data: Float32Array.of(0, 0) };
      trainer.tensors['clusters/centres'] = { dtype: 'float32', shape: [2, 2], data: Float32Array.from(centres.flat()) };
      const x = Float32Array.from(z.flat());
      const q = (await trainer.predict(x)).q!.data as Float32Array;
      const expected = softAssignments(z, centres, alpha);
      q.forEach((v, i) => assert.ok(Math.abs(v - expected.flat()[i]!) < 1e-6, `alpha ${alpha}, q[${i}]: ${v} vs ${expected.flat()[i]}`));
      const p = [[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]];
      const kl = p.reduce((s, pi, i) => s + pi.reduce((t, pij, j) => t + pij * Math.log(pij / expected[i]![j]!), 0), 0) / 3;
      const m = await trainer.evaluate({ x, shape: [3, 2], target: Float32Array.from(p.flat()), targetShape: [3, 2] });
      assert.ok(Math.abs(m.kl! - kl) < 1e-6, `alpha ${alpha}: kl ${m.kl} vs ${kl}`);
    }
  });
});

describe('refineClusters', () => {
  it('refines a small autoencoder on two blobs, writes the encoder back and stops when assignments settle', async () => {
    const rng = new Rng(2);
    const n = 120;
    const x = new Float32Array(n * 6);
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = i % 2;
      for (let j = 0; j < 6; j++) x[i * 6 + j] = (c === 0 ? 0.2 : 0.8) + 0.1 * rng.normal() + (j % 2 ? 0.05 : 0);
      labels.push(c);
    }
    const ae = new Autoencoder({ inputShape: [6], encoder: { sizes: [8, 2], codeActivation: 'linear' } }).compile({ seed: 1 });
    await ae.fit({ x, shape: [n, 6] }, { epochs: 20, batchSize: 16, worker: false });
    const before = await ae.encode(x);
    const epochs: number[] = [];
    const r = await refineClusters(ae, { x, shape: [n, 6] }, { clusters: 2, epochs: 5, learningRate: 1e-2, batchSize: 32, onEpoch: (e) => epochs.push(e.epoch) });
    assert.equal(r.assignments.length, n);
    assert.equal(r.centres.length, 4);
    assert.equal(clusteringAccuracy(labels, r.assignments).accuracy, 1);
    assert.ok(r.epochs >= 1 && r.epochs <= 5);
    assert.deepEqual(epochs, Array.from({ length: r.epochs }, (_, i) => i + 1));
    const after = await ae.encode(x);
    assert.notDeepEqual(Array.from(after), Array.from(before), 'the refined encoder is written back into the model');
  });

  it('checks its options', async () => {
    const ae = new Autoencoder({ inputShape: [2], encoder: { sizes: [2] } });
    const data = { x: new Float32Array(8), shape: [4, 2] };
    await assert.rejects(refineClusters(ae, data, { clusters: 1 }), /clusters must be an integer >= 2, got 1/);
    await assert.rejects(refineClusters(ae, data, { clusters: 5 }), /4 samples cannot form 5 clusters/);
    await assert.rejects(refineClusters(ae, data, { clusters: 2, tolerance: 1 }), /tolerance must be in \[0, 1\)/);
    await assert.rejects(refineClusters(ae, data, { clusters: 2, reconstructionWeight: -1 }), /reconstructionWeight must be a number >= 0/);
  });
});
