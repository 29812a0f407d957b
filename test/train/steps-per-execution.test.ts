import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeNpy, streamSource } from '../../src/data/index.js';
import { ImageClassifier } from '../../src/models/classifier.js';
import { Adam, SGD } from '../../src/optim/optimizers.js';
import { chunkedStep } from '../../src/train/chunk.js';
import { buildStep, nextName } from '../../src/train/step.js';
import { type FitOptions, Trainer, type TrainerOptions } from '../../src/train/trainer.js';
import { type TrainableModel } from '../../src/train/model.js';
import { TinyAutoencoder, curveData } from './tiny-model.js';

const arrays = (t: Record<string, { data: ArrayLike<number | bigint> }>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Array.from(v.data as ArrayLike<number>)]));

const dir = mkdtempSync(join(tmpdir(), 'aekit-steps-per-call-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Data = Parameters<Trainer['fit']>[0];

/** Trains a fresh model with each setting and returns weights, history and stop reason per setting. */
async function trainEach(model: () => TrainableModel, options: TrainerOptions, data: Data, fit: FitOptions, settings: TrainerOptions['stepsPerExecution'][]) {
  const runs = [];
  for (const stepsPerExecution of settings) {
    const t = Trainer.create(model(), { ...options, stepsPerExecution });
    const r = await t.fit(data, { worker: false, ...fit });
    runs.push({ stepsPerExecution, tensors: arrays(t.tensors), history: r.history, stopReason: r.stopReason, steps: r.steps });
  }
  return runs;
}

function assertSameRuns(runs: Awaited<ReturnType<typeof trainEach>>): void {
  const [first, ...rest] = runs;
  for (const r of rest) {
    const what = `stepsPerExecution ${String(r.stepsPerExecution)} vs ${String(first!.stepsPerExecution)}`;
    assert.equal(r.stopReason, first!.stopReason, what);
    assert.equal(r.steps, first!.steps, what);
    assert.deepEqual(r.history, first!.history, what);
    assert.deepEqual(r.tensors, first!.tensors, what);
  }
}

describe('several steps per call into ONNX Runtime (stepsPerExecution)', () => {
  // 150 samples in batches of 16: 9 full batches and a short one of 6 per epoch.
  const data = curveData(150);
  const fit: FitOptions = { epochs: 3, batchSize: 16, validationSplit: 0.2 };

  it('gives the very same weights, history and step count as one step per call (Adam, shuffled, a short last batch)', async () => {
    assertSameRuns(await trainEach(() => new TinyAutoencoder(), { seed: 4 }, data, fit, [1, 4, 'auto', 64]));
  });

  it('the same with dropout (the random draws continue from step to step alike) and with SGD (no step counter input)', async () => {
    assertSameRuns(await trainEach(() => new TinyAutoencoder(3, 0.3), { seed: 5 }, data, fit, [1, 3, 'auto']));
    assertSameRuns(await trainEach(() => new TinyAutoencoder(), { seed: 6, optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }) }, data, fit, [1, 5]));
  });

  it('the same for a model trained on targets other than its input (a classifier)', async () => {
    const n = 40;
    const x = new Float32Array(n * 16).map((_, i) => ((i * 37) % 11) / 11);
    const target = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) target[i * 2 + (i % 2)] = 1;
    const model = () => new ImageClassifier({ inputShape: [1, 4, 4], filters: [2], hidden: [], numClasses: 2 });
    assertSameRuns(await trainEach(model, { seed: 2 }, { x, shape: [n, 1, 4, 4], target, targetShape: [n, 2] } as Data, { epochs: 2, batchSize: 8 }, [1, 3, 'auto']));
  });

  it('the same reading a file stream, whose batches are gathered into calls as they arrive', async () => {
    const path = join(dir, 'curve.npy');
    writeFileSync(path, encodeNpy({ shape: [150, 8], data: data.x }));
    assertSameRuns(await trainEach(() => new TinyAutoencoder(), { seed: 7 }, streamSource(path, { shuffleBuffer: 32 }), { epochs: 2, batchSize: 16 }, [1, 4, 'auto']));
  });

  it('a non-finite step inside a call stops there, naming that step, and keeps the weights from before it', async () => {
    // Sample 85 (batch 6 of 10, unshuffled) overflows the squared error to +∞.
    const poisoned = curveData(150);
    poisoned.x.fill(1e30, 85 * 8, 86 * 8);
    const runs = await trainEach(() => new TinyAutoencoder(), { seed: 8 }, poisoned, { epochs: 2, batchSize: 16, shuffle: false }, [1, 4, 8, 'auto']);
    assert.match(runs[0]!.stopReason ?? '', /^non-finite loss \(loss Infinity\) at epoch 1, step 6 of 10; kept the weights from before that step$/);
    assert.equal(runs[0]!.steps, 5);
    assertSameRuns(runs);
  });

  it('rejects a count that is not a positive integer or auto', () => {
    for (const bad of [0, 1.5, -2, 'fast', null]) {
      assert.throws(() => Trainer.create(new TinyAutoencoder(), { stepsPerExecution: bad as never }), /Trainer\.create\.stepsPerExecution: expected 'auto' or a positive integer, got/);
    }
    assert.throws(() => Trainer.resume(dir, new TinyAutoencoder(), { stepsPerExecution: 0 }), /resume\.stepsPerExecution: expected 'auto' or a positive integer, got 0/);
  });

  it('chunkedStep names a step input or output it cannot find', () => {
    const art = buildStep(new TinyAutoencoder(), { optimizer: new Adam() });
    const spec = { carried: ['packed:params'], next: nextName, perStep: ['x'], counter: 'step', perStepOutputs: ['loss'], stopUnlessFinite: ['loss'] };
    assert.throws(() => chunkedStep(art.train.bytes, { ...spec, perStep: ['image'] }), /chunkedStep: the step graph has no input 'image'/);
    assert.throws(() => chunkedStep(art.train.bytes, { ...spec, perStepOutputs: ['accuracy'] }), /chunkedStep: the step graph has no output 'accuracy'/);
    assert.throws(() => chunkedStep(art.train.bytes, { ...spec, stopUnlessFinite: ['nonFiniteCheck'] }), /'nonFiniteCheck' must be a per-step output to stop on/);
  });
});
