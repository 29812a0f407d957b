import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Dense } from '../../src/layers/dense.js';
import { Autoencoder, LayerAutoencoder } from '../../src/models/index.js';
import { arr, digits } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-front-end-'));

describe('LayerAutoencoder front end', () => {
  const build = () => new LayerAutoencoder({
    inputShape: [784],
    encoder: [new Dense({ units: 16, activation: 'relu' }), new Dense({ units: 4, activation: 'relu' })],
    decoder: [new Dense({ units: 16, activation: 'relu' }), new Dense({ units: 784 })],
    loss: 'bceWithLogits',
  });

  it('saves and loads: same config, codes, reconstructions, errors, and training resumes', async () => {
    const data = digits(64);
    const model = build().compile({ seed: 3 });
    await model.fit(data, { epochs: 2, batchSize: 32 });
    const dir = tmp();
    model.save(dir);
    const loaded = LayerAutoencoder.load(dir);
    assert.deepEqual(loaded.getConfig(), model.getConfig());
    assert.equal(loaded.loss, 'bceWithLogits');
    assert.ok(loaded.trained);
    assert.deepEqual(arr(await loaded.encode(data.x)), arr(await model.encode(data.x)));
    assert.deepEqual(arr(await loaded.reconstruct(data.x)), arr(await model.reconstruct(data.x)));
    const errors = await loaded.reconstructionError(data);
    assert.equal(errors.length, 64);
    assert.deepEqual(arr(errors), arr(await model.reconstructionError(data.x)));
    const more = await loaded.fit(data, { epochs: 3, batchSize: 32 });
    assert.equal(more.epochs, 3, 'a loaded model resumes at its saved epoch');
  });

  it('a wrong loss in a saved config is a config error naming the field', () => {
    assert.throws(() => LayerAutoencoder.fromConfig({ ...build().getConfig(), loss: 'huber' }), /config\.loss/);
  });
});

describe('inference API (runPart, encode, weights)', () => {
  it('takes a Float32Array or { x, shape }, any batch size, same results', async () => {
    const data = digits(40);
    const model = new Autoencoder({ inputShape: [784], encoder: { sizes: [8, 3] } }).compile({ seed: 1 });
    assert.equal(model.trained, false);
    const whole = await model.encode(data.x);
    assert.equal(whole.length, 40 * 3);
    assert.deepEqual(arr(await model.encode(data, { batchSize: 7 })), arr(whole));
    const parts = await model.runPart('encoder', data);
    assert.deepEqual(Object.keys(parts), ['code']);
    assert.deepEqual(arr(parts.code!), arr(whole));
    await assert.rejects(model.encode([1, 2] as never), /expected a Float32Array .* got a plain Array/);
  });

  it('weights are copies; setWeights replaces them and checks names and shapes', async () => {
    const data = digits(8);
    const a = new Autoencoder({ inputShape: [784], encoder: { sizes: [8, 3] } }).compile({ seed: 1 });
    const b = new Autoencoder({ inputShape: [784], encoder: { sizes: [8, 3] } }).compile({ seed: 2 });
    assert.notDeepEqual(arr(await a.encode(data.x)), arr(await b.encode(data.x)));
    const w = a.weights();
    const first = Object.keys(w)[0]!;
    (w[first]!.data as Float32Array)[0] = 1e6;
    assert.notEqual((a.weights()[first]!.data as Float32Array)[0], 1e6, 'weights() returns copies');
    b.setWeights(a.weights());
    assert.deepEqual(arr(await b.encode(data.x)), arr(await a.encode(data.x)));
    assert.throws(() => b.setWeights({ nope: w[first]! }), /has no weight 'nope'/);
    assert.throws(() => b.setWeights({ [first]: { dtype: 'float32', shape: [1], data: new Float32Array(1) } }), /has shape/);
  });
});
