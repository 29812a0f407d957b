import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MinMaxScaler, scalerFromJSON, StandardScaler, type ScalerJSON } from '../../src/data/index.js';

const x = { x: Float32Array.of(0, 1, 2, 4, 4, 9), shape: [3, 2] };
const minmax = new MinMaxScaler().fit(x).toJSON();
const zscore = new StandardScaler().fit(x).toJSON();

/** A saved scaler with one field replaced. */
const edit = (j: ScalerJSON, field: string, v: unknown) => ({ ...j, [field]: v }) as ScalerJSON;

test('a damaged saved scaler is refused naming the field, not failing inside the arithmetic', () => {
  const cases: [ScalerJSON, RegExp][] = [
    [edit(minmax, 'sampleShape', undefined), /minmax scaler JSON: sampleShape must be a non-empty array of positive integers, got undefined/],
    [edit(minmax, 'sampleShape', [2.5]), /sampleShape must be a non-empty array of positive integers, got \[2\.5\]/],
    [edit(minmax, 'min', 'abc'), /minmax scaler JSON: min must be an array of 2 numbers \(one per feature\), got "abc"/],
    [edit(minmax, 'max', [1]), /max must be an array of 2 numbers \(one per feature\), got 1 values/],
    [edit(minmax, 'min', [0, null]), /min\[1\] must be a finite number, got null/],
    [edit(minmax, 'max', [0, 0]), /max\[0\] = 0 is below min\[0\] = 0|max\[1\] = 0 is below min\[1\] = 1/],
    [edit(minmax, 'axis', 'pixel'), /axis must be 'feature' or 'global', got "pixel"/],
    [edit(minmax, 'clip', 'yes'), /clip must be true or false, got "yes"/],
    [edit(minmax, 'count', 0), /count must be a positive integer, got 0/],
    [edit(zscore, 'std', [1, -1]), /zscore scaler JSON: std\[1\] = -1 is negative/],
    [edit(zscore, 'mean', undefined), /zscore scaler JSON: mean must be an array of 2 numbers/],
    [edit(zscore, 'count', 1.5), /zscore scaler JSON: count must be a positive integer, got 1\.5/],
    [null as unknown as ScalerJSON, /scaler JSON: expected an object with kind 'minmax' or 'zscore' .*got null/],
  ];
  for (const [j, message] of cases) assert.throws(() => scalerFromJSON(j), (e: Error) => e instanceof RangeError && message.test(e.message), JSON.stringify(j));
});

test('saved scalers still round-trip, global axis included', () => {
  for (const j of [minmax, zscore, new MinMaxScaler({ axis: 'global', clip: true }).fit(x).toJSON(), new StandardScaler({ axis: 'global' }).fit(x).toJSON()]) {
    const r = scalerFromJSON(JSON.parse(JSON.stringify(j)));
    assert.deepEqual(r.toJSON(), j);
    assert.deepEqual(Array.from(r.transform(x)), Array.from(scalerFromJSON(j).transform(x)));
  }
});
