import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Dense } from '../../src/layers/index.js';
import { Autoencoder, LayerAutoencoder } from '../../src/models/index.js';
import { Trainer } from '../../src/train/trainer.js';
import { TinyAutoencoder, curveData } from './tiny-model.js';

const data = curveData(32);

describe('numeric options are checked at the API', () => {
  const t = Trainer.create(new TinyAutoencoder());
  for (const batchSize of [0, -1, 2.5, NaN, '8']) {
    it(`predict and evaluate reject batchSize ${String(batchSize)} (no spin, no runtime error)`, async () => {
      await assert.rejects(t.predict(data.x, { batchSize: batchSize as number }), /predict\.batchSize: expected a positive integer/);
      await assert.rejects(t.evaluate(data, { batchSize: batchSize as number }), /evaluate\.batchSize: expected a positive integer/);
      await assert.rejects(t.fit(data, { batchSize: batchSize as number }), /fit\.batchSize: expected a positive integer/);
    });
  }
  for (const epochs of [-1, NaN, 1.5, '2']) {
    it(`fit rejects epochs ${String(epochs)}`, async () => {
      await assert.rejects(t.fit(data, { epochs: epochs as number, worker: false }), /fit\.epochs: expected a non-negative integer/);
    });
  }
  it('fit rejects bad nested options: validationSplit, schedule fields, early stopping', async () => {
    await assert.rejects(t.fit(data, { validationSplit: 1 }), /fit\.validationSplit: expected a number in \(0, 1\)/);
    await assert.rejects(t.fit(data, { schedule: { type: 'step', gamma: 0.5 } as never }), /fit\.schedule\.stepSize: required/);
    await assert.rejects(t.fit(data, { schedule: { type: 'cosine', totalEpochs: 0 } }), /fit\.schedule\.totalEpochs: expected a positive integer/);
    await assert.rejects(t.fit(data, { earlyStopping: { patience: -2 } }), /fit\.earlyStopping\.patience/);
  });
});

describe('unknown option keys are errors naming the key and the allowed ones', () => {
  it('compile, Trainer.create, fit, predict, evaluate, session', async () => {
    const m = new Autoencoder({ inputShape: [8], encoder: { sizes: [3] } });
    assert.throws(() => m.compile({ learningrate: 0.1 } as never), /compile\.learningrate: unknown option; allowed options: optimizer, seed, clipNorm, session/);
    assert.throws(() => m.compile({ session: { thread: 2 } } as never), /compile\.session\.thread: unknown option; allowed options: threads,/);
    assert.throws(() => Trainer.create(new TinyAutoencoder(), { seeed: 1 } as never), /Trainer\.create\.seeed: unknown option/);
    const t = Trainer.create(new TinyAutoencoder());
    await assert.rejects(t.fit(data, { epoch: 3 } as never), /fit\.epoch: unknown option; allowed options: epochs, batchSize/);
    await assert.rejects(t.predict(data.x, { parts: 'encoder' } as never), /predict\.parts: unknown option; allowed options: part, batchSize/);
    await assert.rejects(t.evaluate(data, { batch_size: 4 } as never), /evaluate\.batch_size: unknown option/);
  });
});

describe('inference inputs', () => {
  const m = new Autoencoder({ inputShape: [8], encoder: { sizes: [3] } });
  it('encode rejects NaN input, naming the sample and element', async () => {
    const x = new Float32Array(data.x);
    x[13] = NaN;
    await assert.rejects(m.encode(x), /encoder input: sample 1 holds NaN at element 5/);
    x[13] = Infinity;
    await assert.rejects(m.reconstruct(x), /model input: sample 1 holds Infinity/);
  });
  it('predict finds a NaN in a later batch by its sample number, and takes finite values whose sum overflows', async () => {
    const t = Trainer.create(new Autoencoder({ inputShape: [8], encoder: { sizes: [3] } }), { seed: 1 });
    const x = new Float32Array(10 * 8).fill(0.5);
    x[7 * 8 + 2] = -Infinity;
    await assert.rejects(t.predict(x, { part: 'encoder', batchSize: 3 }), /encoder input: sample 7 holds -Infinity at element 2/);
    x[7 * 8 + 2] = Infinity;
    x[7 * 8 + 3] = -Infinity; // a sum of NaN
    await assert.rejects(t.predict(x, { part: 'encoder', batchSize: 4 }), /encoder input: sample 7 holds Infinity at element 2/);
    x.fill(3e38, 0, 16); // finite, but Σ over the first batch is +∞ in float32
    x[7 * 8 + 2] = 0.5;
    x[7 * 8 + 3] = 0.5;
    const out = await t.predict(x, { part: 'model', batchSize: 3 });
    assert.deepEqual(Object.keys(out), ['reconstruction'], 'the input check\'s sum is not among the outputs');
    assert.equal(out.reconstruction!.shape[0], 10);
  });
  it('an empty input or a plain Array gets a message saying what was expected', async () => {
    await assert.rejects(m.encode(new Float32Array(0)), /encoder input: no samples \(an empty array\)/);
    await assert.rejects(m.encode([0.1, 0.2] as never), /expected a Float32Array .* got a plain Array \(wrap it: new Float32Array\(values\)\)/);
    await assert.rejects(m.fit({ x: [1, 2] as never, shape: [1, 8] }), /training data: expected a Float32Array/);
    await assert.rejects(m.encode(new Float32Array(12)), /12 values are not a whole number of samples of shape \[8\]/);
  });
  it('exportOnnx onto a directory is refused and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-export-'));
    mkdirSync(join(dir, 'out'));
    assert.throws(() => m.exportOnnx(join(dir, 'out')), /out: is a directory; give the path of a file inside it/);
    assert.throws(() => m.exportOnnx(join(dir, 'out') + '/'), /expected a file name, got a directory path/);
    assert.deepEqual(readdirSync(dir), ['out']);
    assert.deepEqual(readdirSync(join(dir, 'out')), []);
  });
  it('a layer too large to hold is named with its size, not "Invalid typed array length"', () => {
    const huge = new LayerAutoencoder({ inputShape: [784], encoder: [new Dense({ units: 2e9 })], decoder: [new Dense({ units: 784 })] });
    assert.throws(() => Trainer.create(huge), /parameter .*\/kernel of shape \[784, 2000000000\] would hold 1\.57e\+12 values \(5841\.3 GiB\); one tensor holds at most 2147483647 values/);
  });
});

describe('fit({ signal })', () => {
  for (const worker of [true, false]) {
    it(`an aborted signal stops training after the current step (${worker ? 'worker' : 'inline'})`, async () => {
      const t = Trainer.create(new TinyAutoencoder(), { seed: 1 });
      const controller = new AbortController();
      let batches = 0;
      const r = await t.fit(curveData(2048), {
        epochs: 50, batchSize: 8, worker,
        onProgress: (e) => { if (e.type === 'batch' && ++batches === 1) controller.abort(); },
        signal: controller.signal,
      });
      assert.equal(r.stopReason, 'stopped by request');
      assert.ok(r.epochs < 50, `stopped at epoch ${r.epochs}`);
    });
  }
  it('rejects a signal that is not an AbortSignal', async () => {
    await assert.rejects(Trainer.create(new TinyAutoencoder()).fit(data, { signal: {} as never }), /fit\.signal: expected an AbortSignal/);
  });
});

describe('a stop mid-epoch resumes exactly', () => {
  // Inline, the loop polls the signal once per call into ONNX Runtime: with a
  // fixed number of steps per call, the stop lands on a known batch.
  const cases: { worker: boolean; stepsPerExecution?: number }[] = [{ worker: false, stepsPerExecution: 1 }, { worker: false, stepsPerExecution: 3 }, { worker: true }];
  for (const { worker, stepsPerExecution } of cases) {
    it(`stopped in epoch 2, saved, resumed in a new trainer: same weights and history as an uninterrupted run (${worker ? 'worker' : `inline, ${stepsPerExecution} steps per call`})`, async () => {
      // A worker gets the stop as a message a few steps after the abort: its epochs must outlast that.
      const train = curveData(worker ? 8192 : 512);
      const straight = Trainer.create(new TinyAutoencoder(), { seed: 9 });
      await straight.fit(train, { epochs: 3, batchSize: 16, worker: false, validationSplit: 0.25 });
      const t = Trainer.create(new TinyAutoencoder(), { seed: 9, stepsPerExecution });
      const controller = new AbortController();
      // 24 batches an epoch: stop at batch 7 of epoch 2.
      let polls = 0;
      const callsPerEpoch = 24 / (stepsPerExecution ?? 1);
      if (!worker) Object.defineProperty(controller.signal, 'aborted', { get: () => ++polls > callsPerEpoch + 6 / (stepsPerExecution ?? 1) });
      const r = await t.fit(train, {
        epochs: 3, batchSize: 16, worker, validationSplit: 0.25, signal: controller.signal,
        onProgress: (e) => { if (worker && e.type === 'epoch' && e.epoch === 1) controller.abort(); },
      });
      if (!worker) assert.equal((t as unknown as { progress: { partialEpoch?: { batch: number } } }).progress.partialEpoch?.batch, 6);
      assert.equal(r.stopReason, 'stopped by request');
      assert.equal(r.epochs, 1);
      const dir = join(mkdtempSync(join(tmpdir(), 'aekit-partial-')), 'ckpt');
      t.saveCheckpoint(dir);
      const resumed = Trainer.resume(dir, new TinyAutoencoder());
      await resumed.fit(train, { epochs: 3, batchSize: 16, worker: false, validationSplit: 0.25 });
      assert.deepEqual(resumed.history, straight.history);
      for (const k of Object.keys(straight.tensors)) assert.deepEqual(Array.from(resumed.tensors[k]!.data as Float32Array), Array.from(straight.tensors[k]!.data as Float32Array), k);
    });
  }
});

describe('more bad calls named at the API', () => {
  it('fit(null), Trainer.create of a non-model, exportOnnx without a path', async () => {
    const m = new Autoencoder({ inputShape: [8], encoder: { sizes: [3] } });
    await assert.rejects(m.fit(null as never), /fit: expected data \{ x: Float32Array, shape: \[n, \.\.\.\] \} \(a Dataset\) or a streamSource\(\.\.\.\), got null/);
    await assert.rejects(m.evaluate(undefined as never), /evaluate: expected data/);
    assert.throws(() => Trainer.create({} as never), /Trainer\.create: expected a model .* lacks inputShape \(positive integers\), buildObjective\(\), parts\(\), getConfig\(\)/);
    assert.throws(() => m.exportOnnx(5 as never), /exportOnnx: expected the path of the \.onnx file to write, got 5/);
  });
  it("a monitored metric the run does not report (Keras' 'val_loss') is an error, not a silent no-op", async () => {
    const t = Trainer.create(new TinyAutoencoder());
    await assert.rejects(t.fit(data, { validationSplit: 0.25, earlyStopping: { monitor: 'val_loss' } }), /fit\.earlyStopping\.monitor: 'val_loss' is not a metric of this run; its metrics are loss, .*valLoss/);
    await assert.rejects(t.fit(data, { earlyStopping: { monitor: 'valLoss' } }), /'valLoss' is not a metric of this run \(validation metrics need validationSplit or validationData\)/);
    await assert.rejects(t.fit(data, { schedule: { type: 'reduceOnPlateau', monitor: 'mse' } }), /fit\.schedule\.monitor: 'mse' is not a metric/);
    const ok = await t.fit(data, { epochs: 1, validationSplit: 0.25, earlyStopping: { monitor: 'valLoss' }, worker: false });
    assert.equal(ok.epochs, 1);
  });
});
