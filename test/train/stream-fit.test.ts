import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataFormatError, StandardScaler, encodeNpy, streamSource } from '../../src/data/index.js';
import { Autoencoder } from '../../src/models/index.js';
import { Adam, SGD } from '../../src/optim/optimizers.js';
import { type ProgressEvent, Trainer } from '../../src/train/trainer.js';
import { TinyAutoencoder, curveData } from './tiny-model.js';

const arrays = (t: Record<string, { data: ArrayLike<number | bigint> }>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Array.from(v.data as ArrayLike<number>)]));

const dir = mkdtempSync(join(tmpdir(), 'aekit-stream-fit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes samples as CSV with a header; String() of a float32 value parses back to the same float32. */
function writeCsv(name: string, x: Float32Array, d: number, edit?: (lines: string[]) => void): string {
  const lines = [Array.from({ length: d }, (_, j) => `f${j}`).join(',')];
  for (let i = 0; i < x.length / d; i++) lines.push(Array.from(x.subarray(i * d, (i + 1) * d), String).join(','));
  edit?.(lines);
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

function writeNpy(name: string, shape: number[], x: Float32Array): string {
  const path = join(dir, name);
  writeFileSync(path, encodeNpy({ shape, data: x }));
  return path;
}

describe('training from a file stream', () => {
  const data = curveData(300);
  const npy = writeNpy('curve.npy', [300, 8], data.x);
  const csv = writeCsv('curve.csv', data.x, 8);

  it('lowers the loss reading an NPY file in a worker, with sample counts and ETA from the header', async () => {
    const trainer = Trainer.create(new TinyAutoencoder(), { optimizer: new Adam({ learningRate: 0.02 }), seed: 3 });
    const before = await trainer.evaluate(data);
    const events: ProgressEvent[] = [];
    const result = await trainer.fit(streamSource(npy, { shuffleBuffer: 64 }), { epochs: 5, batchSize: 32, onProgress: (e) => events.push(e) });
    assert.equal(result.history.length, 5);
    assert.equal(result.steps, 5 * Math.ceil(300 / 32));
    assert.ok(result.history[4]!.loss! < before.loss! * 0.7, `${before.loss} -> ${result.history[4]!.loss}`);
    const last = events.filter((e) => e.type === 'batch').at(-1)!;
    assert.ok(last.type === 'batch' && last.batches === 10 && last.samples === 300 && last.etaSeconds === 0);
  });

  it('lowers the loss reading a CSV file; the sample count is learnt in the first epoch', async () => {
    const trainer = Trainer.create(new TinyAutoencoder(), { optimizer: new Adam({ learningRate: 0.02 }), seed: 3 });
    const before = await trainer.evaluate(data);
    const batches: Extract<ProgressEvent, { type: 'batch' }>[] = [];
    const result = await trainer.fit(streamSource(csv), { epochs: 5, batchSize: 32, worker: false, onProgress: (e) => { if (e.type === 'batch') batches.push(e); } });
    assert.ok(result.history[4]!.loss! < before.loss! * 0.7, `${before.loss} -> ${result.history[4]!.loss}`);
    const first = batches.filter((e) => e.epoch === 1);
    const second = batches.filter((e) => e.epoch === 2);
    assert.ok(first.length > 0 && first.every((e) => e.batches === undefined && e.etaSeconds === undefined));
    assert.equal(first.at(-1)!.samples, 300);
    assert.ok(second.length > 0 && second.every((e) => e.batches === 10 && typeof e.etaSeconds === 'number'));
  });

  it('with shuffle off, gives the same weights and metrics as in-memory training (NPY and CSV, scaler, stream validation)', async () => {
    const scaler = new StandardScaler().fit(data);
    const scaled = { x: scaler.transform(data), shape: data.shape };
    const valIn = curveData(50, 7);
    const valPath = writeNpy('val.npy', [50, 8], valIn.x);
    const valScaled = { x: scaler.transform(valIn), shape: valIn.shape };
    const run = async (d: Parameters<Trainer['fit']>[0], val: Parameters<Trainer['fit']>[0], worker: boolean) => {
      const t = Trainer.create(new TinyAutoencoder(), { optimizer: new SGD({ learningRate: 0.3, momentum: 0.9 }), seed: 4 });
      const r = await t.fit(d, { epochs: 2, batchSize: 48, shuffle: false, validationData: val, worker });
      return { tensors: arrays(t.tensors), history: r.history };
    };
    const inMemory = await run(scaled, valScaled, false);
    assert.ok(typeof inMemory.history[1]!.valLoss === 'number');
    assert.deepEqual(await run(streamSource(npy, { scaler }), streamSource(valPath, { scaler }), false), inMemory);
    assert.deepEqual(await run(streamSource(csv, { scaler: scaler.toJSON() }), valScaled, true), inMemory);
  });

  it('shuffles reproducibly from the seed, and resumes from a checkpoint exactly', async () => {
    const src = streamSource(npy, { shuffleBuffer: 50, readBlock: 20 });
    const straight = Trainer.create(new TinyAutoencoder(), { seed: 5 });
    await straight.fit(src, { epochs: 4, batchSize: 32, worker: false });
    const again = Trainer.create(new TinyAutoencoder(), { seed: 5 });
    await again.fit(src, { epochs: 4, batchSize: 32, worker: false });
    assert.deepEqual(arrays(again.tensors), arrays(straight.tensors));
    const otherSeed = Trainer.create(new TinyAutoencoder(), { seed: 5 });
    await otherSeed.fit(src, { epochs: 4, batchSize: 32, worker: false, seed: 6 });
    assert.notDeepEqual(arrays(otherSeed.tensors), arrays(straight.tensors));
    const unshuffled = Trainer.create(new TinyAutoencoder(), { seed: 5 });
    await unshuffled.fit(src, { epochs: 4, batchSize: 32, worker: false, shuffle: false });
    assert.notDeepEqual(arrays(unshuffled.tensors), arrays(straight.tensors));

    const ckpt = join(dir, 'ckpt');
    const first = Trainer.create(new TinyAutoencoder(), { seed: 5 });
    await first.fit(src, { epochs: 2, batchSize: 32, worker: false, checkpointDir: ckpt });
    const resumed = Trainer.resume(ckpt, new TinyAutoencoder());
    await resumed.fit(src, { epochs: 4, batchSize: 32, worker: false });
    assert.deepEqual(arrays(resumed.tensors), arrays(straight.tensors));
    assert.equal(resumed.history.length, 4);
  });

  it('stops early on a stream validation metric that does not improve', async () => {
    // A zero learning rate never improves anything: stop after `patience` epochs.
    const trainer = Trainer.create(new TinyAutoencoder(), { optimizer: new SGD({ learningRate: 0 }), seed: 1 });
    const r = await trainer.fit(streamSource(npy), { epochs: 10, batchSize: 64, validationData: streamSource(csv), earlyStopping: { patience: 2 }, worker: false });
    assert.equal(r.history.length, 3);
    assert.match(r.stopReason ?? '', /early stopping: valLoss did not improve for 2 epochs/);
  });

  it('stops on a bad CSV cell or an NPY NaN with a DataFormatError naming the file and row, weights untouched', async () => {
    const badCsv = writeCsv('bad.csv', data.x, 8, (lines) => { lines[201] = lines[201]!.replace(/^[^,]*,/, '0.5,oops'); });
    const trainer = Trainer.create(new TinyAutoencoder(), { seed: 2 });
    const before = arrays(trainer.tensors);
    for (const worker of [true, false]) {
      await assert.rejects(trainer.fit(streamSource(badCsv), { epochs: 2, batchSize: 16, worker }), (e: unknown) => {
        assert.ok(e instanceof DataFormatError, String(e));
        assert.equal(e.file, 'bad.csv');
        assert.equal(e.line, 202);
        assert.equal(e.field, 'f1');
        assert.match(e.message, /^bad\.csv: line 202, field "f1": non-numeric value "oops/);
        return true;
      });
    }
    const x = data.x.slice();
    x[123 * 8 + 5] = NaN;
    const nanNpy = writeNpy('nan.npy', [300, 8], x);
    await assert.rejects(trainer.fit(streamSource(nanNpy), { epochs: 1, batchSize: 16 }), /^DataFormatError: nan\.npy: byte \d+: non-finite value NaN in sample 123, element 5/);
    assert.deepEqual(arrays(trainer.tensors), before);
  });

  it('rejects samples that do not fit the model before training, and reshapes them on request', async () => {
    const trainer = Trainer.create(new TinyAutoencoder(), { seed: 2 });
    const wide = writeNpy('wide.npy', [10, 10], new Float32Array(100));
    await assert.rejects(trainer.fit(streamSource(wide)), /wide\.npy: training data: samples have shape \[10\], the model input is \[8\]/);
    const grid = writeNpy('grid.npy', [300, 2, 4], data.x);
    await assert.rejects(trainer.fit(streamSource(grid)), /grid\.npy: .*shape \[2, 4\], the model input is \[8\]; pass sampleShape: \[8\]/);
    await assert.rejects(trainer.fit(streamSource(grid, { sampleShape: [3, 3] })), /sampleShape \[3, 3\] holds 9 values but a sample of the file holds 8/);
    const r = await trainer.fit(streamSource(grid, { sampleShape: [8] }), { epochs: 1, batchSize: 64, worker: false });
    assert.equal(r.steps, 5);
    await assert.rejects(trainer.fit(streamSource(csv, { scaler: new StandardScaler().fit({ x: new Float32Array(6), shape: [2, 3] }) })), /scaler was fitted on samples of shape \[3\], the file's samples have shape \[8\]/);
    await assert.rejects(trainer.fit(streamSource(npy), { validationSplit: 0.2 }), /validationSplit needs in-memory data/);
    assert.throws(() => streamSource(join(dir, 'x.bin')), /cannot tell the format of x\.bin/);
    assert.throws(() => streamSource(npy, { delimiter: ';' }), /option 'delimiter' does not apply to NPY files/);
    await assert.rejects(trainer.fit(streamSource(join(dir, 'missing.npy'))), /missing\.npy: file not found/);
  });

  it('AutoencoderModel.fit and evaluate take a file source', async () => {
    const model = new Autoencoder({ inputShape: [8], encoder: { sizes: [6, 3] }, outputActivation: 'sigmoid' });
    model.compile({ optimizer: new Adam({ learningRate: 0.02 }), seed: 1 });
    const before = await model.evaluate(streamSource(csv));
    const r = await model.fit(streamSource(npy), { epochs: 4, batchSize: 32 });
    const afterFit = await model.evaluate(streamSource(csv));
    assert.equal(r.epochs, 4);
    assert.ok(afterFit.loss! < before.loss!, `${before.loss} -> ${afterFit.loss}`);
    assert.deepEqual(afterFit, await model.evaluate(data));
  });
});

describe('file stream edge cases', () => {
  it('a CSV with a header and no rows is an error, not a NaN loss', async () => {
    const path = join(dir, 'header-only.csv');
    writeFileSync(path, 'a,b,c,d,e,f,g,h\n');
    const trainer = Trainer.create(new TinyAutoencoder(), { seed: 2 });
    await assert.rejects(trainer.fit(streamSource(path), { worker: false }), /header-only\.csv: holds no samples/);
  });
});
