import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { Adam, AdamW, RMSProp, SGD } from '../../src/optim/optimizers.js';
import { firstNonFinite } from '../../src/data/dtype.js';
import { Trainer } from '../../src/train/trainer.js';
import { TinyAutoencoder, curveData } from './tiny-model.js';

const arrays = (t: Record<string, { data: ArrayLike<number | bigint> }>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Array.from(v.data as ArrayLike<number>)]));

describe('firstNonFinite', () => {
  it('finds the first NaN or ±Infinity at every position and length, and passes extreme finite values', () => {
    for (let n = 0; n <= 9; n++) {
      const finite = Float32Array.from({ length: n }, (_, i) => [3.4e38, -3.4e38, -0, 1e-45, 0.5][i % 5]!);
      assert.equal(firstNonFinite(finite), -1);
      for (let at = 0; at < n; at++) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const x = finite.slice();
          x[at] = bad;
          if (at + 1 < n) x[n - 1] = NaN;
          assert.equal(firstNonFinite(x), at, `n ${n}, ${bad} at ${at}`);
        }
      }
    }
  });
});

describe('trainer', () => {
  const data = curveData(512);

  for (const [name, optimizer] of [
    ['sgd+momentum', new SGD({ learningRate: 0.5, momentum: 0.9 })],
    ['nesterov', new SGD({ learningRate: 0.5, momentum: 0.9, nesterov: true })],
    ['rmsprop', new RMSProp({ learningRate: 0.01 })],
    ['adam', new Adam({ learningRate: 0.02 })],
    ['adamw', new AdamW({ learningRate: 0.02 })],
  ] as const) {
    it(`lowers the loss with ${name}`, async () => {
      const trainer = Trainer.create(new TinyAutoencoder(), { optimizer, seed: 3 });
      const before = await trainer.evaluate(data);
      const result = await trainer.fit(data, { epochs: 5, batchSize: 32, worker: false });
      assert.equal(result.history.length, 5);
      assert.ok(result.history[4]!.loss! < before.loss! * 0.7, `${name}: ${before.loss} -> ${result.history[4]!.loss}`);
    });
  }

  it('is deterministic for a seed, in a worker thread, with progress events', async () => {
    const run = async () => {
      const events: string[] = [];
      const trainer = Trainer.create(new TinyAutoencoder(), { seed: 11 });
      await trainer.fit(data, { epochs: 2, batchSize: 64, validationSplit: 0.25, onProgress: (e) => events.push(e.type) });
      return { tensors: arrays(trainer.tensors), history: trainer.history, events };
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(a.tensors, b.tensors);
    assert.deepEqual(a.history, b.history);
    assert.ok(a.events.includes('batch') && a.events.filter((e) => e === 'epoch').length === 2);
    assert.ok(typeof a.history[0]!.valLoss === 'number');
  });

  it('resumes from a checkpoint exactly where it stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-ckpt-'));
    const straight = Trainer.create(new TinyAutoencoder(), { seed: 5 });
    await straight.fit(data, { epochs: 4, batchSize: 32, worker: false });

    const first = Trainer.create(new TinyAutoencoder(), { seed: 5 });
    await first.fit(data, { epochs: 2, batchSize: 32, worker: false, checkpointDir: join(dir, 'ckpt') });
    assert.deepEqual(readdirSync(join(dir, 'ckpt')).sort(), ['checkpoint.json', 'optimizer.safetensors', 'weights.safetensors']);
    const resumed = Trainer.resume(join(dir, 'ckpt'), new TinyAutoencoder());
    await resumed.fit(data, { epochs: 4, batchSize: 32, worker: false });
    assert.deepEqual(arrays(resumed.tensors), arrays(straight.tensors));
    assert.equal(resumed.history.length, 4);
  });

  it('exports encoder, decoder and model to ONNX files that reproduce predict()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-export-'));
    const trainer = Trainer.create(new TinyAutoencoder(), { seed: 2 });
    await trainer.fit(data, { epochs: 1, batchSize: 64, worker: false });
    const sample = data.x.subarray(0, 5 * 8);
    for (const part of ['model', 'encoder']) {
      const path = join(dir, `${part}.onnx`);
      trainer.exportOnnx(path, part);
      const session = await RuntimeSession.create(new Uint8Array((await import('node:fs')).readFileSync(path)));
      assert.deepEqual(session.inputNames, ['x']);
      const fromFile = await session.run({ x: { dtype: 'float32', shape: [5, 8], data: sample } });
      const inProcess = await trainer.predict(sample, { part });
      for (const [name, t] of Object.entries(inProcess)) assert.deepEqual(Array.from(fromFile[name]!.data as Float32Array), Array.from(t.data as Float32Array));
    }
    const code = await trainer.predict(sample, { part: 'encoder' });
    const decoded = await trainer.predict(code.code!.data as Float32Array, { part: 'decoder' });
    const whole = await trainer.predict(sample);
    assert.deepEqual(Array.from(decoded.reconstruction!.data as Float32Array), Array.from(whole.reconstruction!.data as Float32Array));
  });

  it('keeps its predict and evaluate sessions: batch sizes, concurrent calls, new weights and a release all agree', async () => {
    const trainer = Trainer.create(new TinyAutoencoder(), { seed: 5 });
    const close = (a: Record<string, { data: ArrayLike<number | bigint> }>, b: Record<string, { data: ArrayLike<number | bigint> }>) => {
      const [x, y] = [arrays(a), arrays(b)];
      assert.deepEqual(Object.keys(x), Object.keys(y));
      for (const k of Object.keys(x)) x[k]!.forEach((v, i) => assert.ok(Math.abs(v - y[k]![i]!) < 1e-6, `${k}[${i}]: ${v} vs ${y[k]![i]}`));
    };
    const whole = await trainer.predict(data.x, { batchSize: 512 });
    // Two calls at once: the second gets a session of its own; outputs of earlier batches are not overwritten by later ones.
    const [small, mid] = await Promise.all([trainer.predict(data.x, { batchSize: 7 }), trainer.predict(data.x, { batchSize: 100 })]);
    close(small, whole);
    close(mid, whole);
    const before = (await trainer.evaluate(data)).loss!;
    await trainer.fit(data, { epochs: 2, batchSize: 32, worker: false });
    // The kept sessions run the weights of the moment, not those of their first call.
    assert.ok((await trainer.evaluate(data)).loss! < before);
    const after = await trainer.predict(data.x, { batchSize: 512 });
    assert.notDeepEqual(arrays(after), arrays(whole));
    await trainer.releaseSessions();
    close(await trainer.predict(data.x, { batchSize: 512 }), after);
  });

  it('stops on a non-finite update, naming the epoch and step and keeping the last good weights', async () => {
    const trainer = Trainer.create(new TinyAutoencoder(), { optimizer: new SGD({ learningRate: 0.5 }), seed: 1 });
    await trainer.fit(data, { epochs: 1, batchSize: 32, worker: false });
    const good = arrays(trainer.tensors);
    // From epoch 2 on the learning rate (0.5 · 1e300) is infinite in float32, which poisons the first update of that epoch.
    const result = await trainer.fit(data, { epochs: 3, batchSize: 32, worker: false, schedule: { type: 'step', stepSize: 1, gamma: 1e300 } });
    assert.match(result.stopReason ?? '', /non-finite .* at epoch 2, step 1 of 16/);
    assert.deepEqual(arrays(trainer.tensors), good);
  });

  it('rejects bad data with a clear message', async () => {
    const trainer = Trainer.create(new TinyAutoencoder());
    await assert.rejects(trainer.fit({ x: new Float32Array(10), shape: [2, 5] }), /shape \[2,5\] does not match the model input \[n, 8\]/);
    const bad = curveData(4);
    bad.x[9] = NaN;
    await assert.rejects(trainer.fit(bad), /sample 1 holds NaN at element 1/);
  });
});
