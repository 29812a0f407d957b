import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MinMaxScaler, Rng, scalerFromJSON, StandardScaler } from '../../src/data/index.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `[${i}] ${a[i]} vs ${b[i]}`);
};

const data = { x: Float32Array.from([0, 10, 5, 2, 20, 5, 4, 30, 5]), shape: [3, 3] };

test('min-max per feature maps the training data to [0,1]; constant features to 0', () => {
  const s = new MinMaxScaler().fit(data);
  close(s.transform(data), [0, 0, 0, 0.5, 0.5, 0, 1, 1, 0]);
  close(s.inverseTransform({ x: s.transform(data), shape: data.shape }), data.x);
  // New data may fall outside [0,1] unless clipped.
  const fresh = { x: Float32Array.from([8, 0, 5]), shape: [1, 3] };
  close(s.transform(fresh), [2, -0.5, 0]);
  close(new MinMaxScaler({ clip: true }).fit(data).transform(fresh), [1, 0, 0]);
});

test('global min-max uses one range', () => {
  const s = new MinMaxScaler({ axis: 'global' }).fit(data);
  close(s.transform(data), Array.from(data.x, (v) => v / 30));
});

test('z-score per feature: mean 0, std 1 on the training data', () => {
  const s = new StandardScaler().fit(data);
  const y = s.transform(data);
  for (let j = 0; j < 2; j++) {
    const col = [y[j]!, y[3 + j]!, y[6 + j]!];
    close([col.reduce((a, b) => a + b) / 3], [0]);
    close([col.reduce((a, b) => a + b * b, 0) / 3], [1]);
  }
  close([y[2]!, y[5]!, y[8]!], [0, 0, 0]);
  close(s.inverseTransform({ x: y, shape: data.shape }), data.x, 1e-4);
});

test('partialFit over batches equals fit on everything', () => {
  const rng = new Rng(1);
  const x = Float32Array.from({ length: 1000 * 4 }, () => rng.normal() * 3 + 7);
  const all = { x, shape: [1000, 4] };
  for (const make of [() => new StandardScaler(), () => new MinMaxScaler(), () => new StandardScaler({ axis: 'global' })]) {
    const a = make().fit(all);
    const b = make();
    for (let i = 0; i < 1000; i += 137) {
      const m = Math.min(137, 1000 - i);
      b.partialFit({ x: x.subarray(i * 4, (i + m) * 4), shape: [m, 4] });
    }
    close(a.transform(all), b.transform(all), 1e-4);
  }
});

test('JSON round trip gives the same transform, and partialFit can continue', () => {
  for (const s of [new MinMaxScaler().fit(data), new StandardScaler().fit(data), new StandardScaler({ axis: 'global' }).fit(data)]) {
    const json = JSON.parse(JSON.stringify(s.toJSON()));
    const r = scalerFromJSON(json);
    close(r.transform(data), s.transform(data));
    close(r.inverseTransform(data), s.inverseTransform(data), 1e-4);
  }
  const half1 = { x: data.x.subarray(0, 3), shape: [1, 3] };
  const half2 = { x: data.x.subarray(3), shape: [2, 3] };
  const resumed = scalerFromJSON(new StandardScaler().fit(half1).partialFit({ x: half2.x.subarray(0, 3), shape: [1, 3] }).toJSON());
  resumed.partialFit({ x: half2.x.subarray(3), shape: [1, 3] });
  close(resumed.transform(data), new StandardScaler().fit(data).transform(data), 1e-5);
});

test('misuse is reported clearly', () => {
  assert.throws(() => new MinMaxScaler().transform(data), /not fitted/);
  const s = new StandardScaler().fit(data);
  assert.throws(() => s.transform({ x: new Float32Array(4), shape: [1, 4] }), /do not match the fitted shape/);
  assert.throws(() => scalerFromJSON({ kind: 'x' } as never), /unknown scaler kind/);
  assert.throws(() => scalerFromJSON({ ...s.toJSON(), mean: [1] }), /mean must be an array of 3 numbers/);
  const inPlace = Float32Array.from(data.x);
  s.transformInPlace({ x: inPlace, shape: data.shape });
  close(inPlace, s.transform(data));
});
