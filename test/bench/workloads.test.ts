import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BENCH_WORKLOADS, FORWARD_FLOPS_PER_SAMPLE, MIN_TRAIN_FLOPS_PER_SAMPLE, SCORING_PART, TRAIN_FLOPS_PER_SAMPLE, benchModel, ceilingRatio, hintonBenchModel, withScoring } from '../../bench/lib/workloads.js';
import { ceilingsOf } from '../../bench/speed/ceilings.js';
import { lastJsonObject } from '../../bench/speed/peers.js';
import { Trainer } from '../../src/train/trainer.js';

test('Hinton & Salakhutdinov workload: 784-1000-500-250-30, linear code, mirrored decoder, sigmoid output', () => {
  const m = hintonBenchModel();
  assert.deepEqual(m.codeShape, [30]);
  type Stack = { config: { layers: { config: { units: number; activation: string } }[] } };
  const config = m.getConfig() as { encoder: Stack; decoder: Stack };
  const describe = (s: Stack) => s.config.layers.map((l) => `${l.config.units}:${l.config.activation}`);
  assert.deepEqual(describe(config.encoder), ['1000:sigmoid', '500:sigmoid', '250:sigmoid', '30:linear']);
  assert.deepEqual(describe(config.decoder), ['250:sigmoid', '500:sigmoid', '1000:sigmoid', '784:sigmoid']);
  // 2 FLOPs per multiply-add, both halves: 2 · 2 · (784·1000 + 1000·500 + 500·250 + 250·30).
  assert.equal(FORWARD_FLOPS_PER_SAMPLE.hinton, 5_666_000);
  for (const w of BENCH_WORKLOADS) assert.equal(TRAIN_FLOPS_PER_SAMPLE[w], 3 * FORWARD_FLOPS_PER_SAMPLE[w]);
  assert.equal(TRAIN_FLOPS_PER_SAMPLE.dense, 1_327_104);
});

test('scoring part: codes and per-sample squared errors in one pass agree with the model\'s own parts', async () => {
  for (const w of ['dense', 'conv'] as const) {
    const model = benchModel(w);
    const trainer = Trainer.create(withScoring(model), { seed: 2, session: { threads: 1 } });
    const n = 3;
    const size = model.inputShape.reduce((a, b) => a * b, 1);
    const x = new Float32Array(n * size).map((_, i) => ((i * 37) % 101) / 100);
    const scored = await trainer.predict(x, { part: SCORING_PART, batchSize: 2 });
    const code = await trainer.predict(x, { part: 'encoder' });
    const recon = (await trainer.predict(x, { part: 'model' })).reconstruction!.data as Float32Array;
    assert.deepEqual(scored.code!.shape, code.code!.shape);
    // Batches of 2 against one of 3: the GEMM may sum in another order, so equal up to rounding.
    (code.code!.data as Float32Array).forEach((c, i) => assert.ok(Math.abs((scored.code!.data as Float32Array)[i]! - c) <= 1e-5 * Math.max(1, Math.abs(c)), `${w} code ${i}`));
    assert.deepEqual(scored.errors!.shape, [n]);
    for (let s = 0; s < n; s++) {
      let e = 0;
      for (let i = 0; i < size; i++) e += (recon[s * size + i]! - x[s * size + i]!) ** 2;
      assert.ok(Math.abs((scored.errors!.data as Float32Array)[s]! - e) <= 1e-4 * e, `${w} sample ${s}: ${(scored.errors!.data as Float32Array)[s]} vs ${e}`);
    }
  }
});

test('ceilings: unavoidable products at the peak over the peer\'s rate', () => {
  // Hinton: 2·(784·1000 + 1000·500 + 500·250 + 250·30) MACs forward; training skips the first layer's input gradient.
  assert.equal(MIN_TRAIN_FLOPS_PER_SAMPLE.hinton, 3 * 2 * 2 * 1_416_500 - 2 * 784_000);
  for (const w of BENCH_WORKLOADS) assert.ok(MIN_TRAIN_FLOPS_PER_SAMPLE[w] > 2 * FORWARD_FLOPS_PER_SAMPLE[w] && MIN_TRAIN_FLOPS_PER_SAMPLE[w] < TRAIN_FLOPS_PER_SAMPLE[w], w);
  assert.equal(ceilingRatio(100, 1e6, 50_000), 2, '100 GFLOP/s at 1 MFLOP a sample is 100k samples/s, twice a peer\'s 50k');
  assert.equal(ceilingRatio(100, 1e6, null), null);
  const report = {
    peakGflops: 100, peakGflops2Threads: 200,
    dense: { vsPytorch: 1.5, pytorchSamplesPerSec: 1e5, tfjsSamplesPerSec: null },
    inference: { dense: { vsPytorch: 1.2, pytorchSamplesPerSec: 2e5, tfjsSamplesPerSec: 1e4 } },
  };
  const text = `$ npm run bench -- --json\n{ a log line\n${JSON.stringify(report)}\n`;
  const c = ceilingsOf(lastJsonObject(text)!);
  assert.equal(c.dense!.peakGflops, 200, 'the higher of the two peaks');
  assert.equal(c.dense!.trainingVsPytorch, 1.5);
  assert.ok(Math.abs(c.dense!.trainingCeilingVsPytorch! - 200e9 / MIN_TRAIN_FLOPS_PER_SAMPLE.dense / 1e5) < 1e-9);
  assert.equal(c.dense!.trainingCeilingVsTfjs, null, 'no peer rate, no ceiling');
  assert.ok(Math.abs(c.dense!.inferenceCeilingVsTfjs! - 200e9 / FORWARD_FLOPS_PER_SAMPLE.dense / 1e4) < 1e-9);
  assert.equal(c.conv!.trainingCeilingVsPytorch, null, 'a workload missing from the report');
});
