/**
 * Training callbacks (src/train/callbacks.ts): early stopping and schedules as
 * callback objects, their configs, callbacks of one's own, and every step's
 * loss in the progress events.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SGD } from '../../src/optim/optimizers.js';
import {
  type BatchLogs, EarlyStoppingCallback, LearningRateScheduler, ReduceLrOnPlateau, type TrainingCallback, type TrainingContext, callbackFromConfig,
} from '../../src/train/callbacks.js';
import { type ProgressEvent, Trainer } from '../../src/train/trainer.js';
import { TinyAutoencoder, curveData } from './tiny-model.js';

const data = curveData(64);

describe('early stopping', () => {
  for (const worker of [true, false]) {
    it(`without validation data monitors 'loss' and says so (${worker ? 'worker' : 'inline'})`, async () => {
      // A zero learning rate and a fixed batch order: the loss is the same every epoch, so never better.
      const t = Trainer.create(new TinyAutoencoder(), { optimizer: new SGD({ learningRate: 0 }), seed: 1 });
      const r = await t.fit(data, { epochs: 10, batchSize: 16, shuffle: false, earlyStopping: { patience: 2 }, worker });
      assert.equal(r.epochs, 3, 'the first epoch sets the best, two more without improvement stop');
      assert.equal(r.stopReason, 'early stopping: loss did not improve for 2 epochs');
    });
  }

  it('as a callback object, restores the best weights and records where it stopped', async () => {
    const t = Trainer.create(new TinyAutoencoder(), { optimizer: new SGD({ learningRate: 0 }), seed: 1 });
    const before = Array.from(t.tensors['enc/w']!.data as Float32Array);
    const es = new EarlyStoppingCallback({ patience: 1 });
    const r = await t.fit(data, { epochs: 5, batchSize: 16, shuffle: false, callbacks: [es], worker: false });
    assert.equal(r.stopReason, 'early stopping: loss did not improve for 1 epochs');
    assert.equal(es.stoppedEpoch, 2);
    assert.equal(es.monitor, 'loss');
    assert.deepEqual(Array.from(t.tensors['enc/w']!.data as Float32Array), before);
  });
});

describe('callback configs', () => {
  it('round-trip through getConfig and callbackFromConfig', () => {
    const callbacks = [
      new EarlyStoppingCallback({ monitor: 'valLoss', patience: 3, minDelta: 0.01, restoreBest: false }),
      new LearningRateScheduler({ type: 'cosine', totalEpochs: 10, minLr: 0.001 }),
      new ReduceLrOnPlateau({ factor: 0.5, patience: 2, monitor: 'loss' }),
    ];
    for (const c of callbacks) {
      const config = c.getConfig();
      const back = callbackFromConfig(JSON.parse(JSON.stringify(config)));
      assert.equal(back.constructor, c.constructor);
      assert.deepEqual(back.getConfig!(), config);
    }
    assert.deepEqual(new ReduceLrOnPlateau({ patience: 2 }).getConfig(), { className: 'ReduceLrOnPlateau', patience: 2 });
  });

  it('reject an unknown class or a bad field, naming it', () => {
    assert.throws(() => callbackFromConfig({ className: 'ModelCheckpoint' }), /^ConfigError: callback\.className: expected one of EarlyStopping, LearningRateScheduler, ReduceLrOnPlateau, got "ModelCheckpoint"$/);
    assert.throws(() => callbackFromConfig({ className: 'EarlyStopping', patience: -1 }), /patience: expected a non-negative integer, got -1/);
    assert.throws(() => new ReduceLrOnPlateau({ factor: 2 }), /ReduceLrOnPlateau\.factor/);
  });
});

describe('learning-rate schedules as callbacks', () => {
  it('ReduceLrOnPlateau gives the same rates as fit.schedule reduceOnPlateau, and keeps its state across fits', async () => {
    const rates = async (how: 'schedule' | 'callback') => {
      const t = Trainer.create(new TinyAutoencoder(), { optimizer: new SGD({ learningRate: 1e-9 }), seed: 1 });
      const plateau = { factor: 0.5, patience: 1, monitor: 'loss' };
      const lrs: number[] = [];
      const opts = how === 'schedule' ? { schedule: { type: 'reduceOnPlateau' as const, ...plateau } } : { callbacks: [new ReduceLrOnPlateau(plateau)] };
      const onProgress = (e: ProgressEvent) => {
        if (e.type === 'epoch') lrs.push(e.lr);
      };
      await t.fit(data, { epochs: 3, batchSize: 16, shuffle: false, onProgress, ...opts });
      await t.fit(data, { epochs: 6, batchSize: 16, shuffle: false, onProgress, ...opts });
      return lrs;
    };
    const fromSchedule = await rates('schedule');
    assert.deepEqual(fromSchedule, [1e-9, 1e-9, 1e-9, 5e-10, 5e-10, 2.5e-10], 'the loss barely moves: halved after each two epochs without improvement');
    assert.deepEqual(await rates('callback'), fromSchedule);
  });

  it('fit.schedule and a schedule callback together are refused', async () => {
    const t = Trainer.create(new TinyAutoencoder(), { seed: 1 });
    await assert.rejects(t.fit(data, { schedule: { type: 'constant' }, callbacks: [new ReduceLrOnPlateau()] }), /^ConfigError: fit\.callbacks: holds a learning-rate schedule, and fit\.schedule gives another/);
  });
});

describe('callbacks of one\'s own', () => {
  /** Records every hook; stops training at the end of epoch `stopAt`. */
  class Recorder implements TrainingCallback {
    calls: string[] = [];
    steps: number[] = [];
    constructor(private readonly stopAt: number) {}
    onTrainBegin(ctx: TrainingContext) {
      this.calls.push(`begin lr=${ctx.learningRate} val=${ctx.hasValidation}`);
    }
    onEpochBegin(epoch: number) {
      this.calls.push(`epoch ${epoch}`);
    }
    onBatchEnd(logs: BatchLogs) {
      assert.ok(Number.isFinite(logs.loss));
      this.steps.push(logs.step);
    }
    onEpochEnd(epoch: number, metrics: Record<string, number>, ctx: TrainingContext) {
      this.calls.push(`end ${epoch} ${Object.keys(metrics).join(',')}`);
      if (epoch === this.stopAt) ctx.stopTraining('enough');
    }
    onTrainEnd() {
      this.calls.push('done');
    }
  }

  it('run inline by default, see every hook and step, and can stop training', async () => {
    const t = Trainer.create(new TinyAutoencoder(), { seed: 1, stepsPerExecution: 3 });
    const rec = new Recorder(2);
    const r = await t.fit(data, { epochs: 5, batchSize: 16, validationSplit: 0.25, callbacks: [rec] });
    assert.equal(r.stopReason, 'enough');
    assert.equal(r.epochs, 2);
    assert.deepEqual(rec.calls, ['begin lr=0.001 val=true', 'epoch 1', 'end 1 loss,msePerSample,valLoss,valMsePerSample', 'epoch 2', 'end 2 loss,msePerSample,valLoss,valMsePerSample', 'done']);
    assert.deepEqual(rec.steps, Array.from({ length: r.steps }, (_, i) => i + 1), 'onBatchEnd for every step, in order');
  });

  it('with worker: true are refused in one line naming the option', async () => {
    const t = Trainer.create(new TinyAutoencoder(), { seed: 1 });
    await assert.rejects(t.fit(data, { callbacks: [new Recorder(1)], worker: true }), /^ConfigError: fit\.worker: true, but fit\.callbacks\[0\] is a callback of your own/);
    await assert.rejects(t.fit(data, { callbacks: [{ onEpochEnd: 3 } as never] }), /fit\.callbacks\[0\]\.onEpochEnd: expected a function/);
  });
});

describe('progress events carry every step\'s loss', () => {
  for (const stepsPerExecution of [1, 4] as const) {
    it(`batch events' losses cover every step once, in order (${stepsPerExecution} steps per call)`, async () => {
      const t = Trainer.create(new TinyAutoencoder(), { seed: 2, stepsPerExecution });
      const steps: number[] = [];
      const losses: number[] = [];
      let events = 0;
      const r = await t.fit(curveData(640), {
        epochs: 2, batchSize: 8,
        onProgress: (e) => {
          if (e.type !== 'batch') return;
          events++;
          assert.equal(e.losses.at(-1), e.loss, 'the last of the losses is the event\'s loss');
          e.losses.forEach((loss, i) => steps.push(e.step - e.losses.length + 1 + i));
          losses.push(...e.losses);
        },
      });
      assert.equal(r.steps, 160);
      assert.deepEqual(steps, Array.from({ length: 160 }, (_, i) => i + 1));
      assert.ok(losses.every(Number.isFinite));
      if (stepsPerExecution === 4) assert.ok(events <= 40, `${events} events for 40 calls`);
    });
  }
});
