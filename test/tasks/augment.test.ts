import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomAffine } from '../../src/tasks/augment.js';

/** A 9×9 image with a 3×3 block of ones in the centre, and its centre of mass. */
const blob = () => Float32Array.from({ length: 81 }, (_, i) => (Math.abs(Math.floor(i / 9) - 4) <= 1 && Math.abs((i % 9) - 4) <= 1 ? 1 : 0));
const centre = (x: Float32Array) => {
  let m = 0;
  let r = 0;
  let c = 0;
  x.forEach((v, i) => {
    m += v;
    r += v * Math.floor(i / 9);
    c += v * (i % 9);
  });
  return { mass: m, row: r / m, col: c / m };
};

describe('randomAffine', () => {
  it('is the identity without shift and rotation', () => {
    const x = Float32Array.from({ length: 2 * 81 }, (_, i) => (i * 37) % 11 / 10);
    assert.deepEqual(randomAffine(x, { height: 9, width: 9, shift: 0, rotation: 0 }), x);
  });

  it('moves a centred blob by at most the shift and keeps its mass; the same seed gives the same images', () => {
    const x = new Float32Array(81 * 20);
    for (let i = 0; i < 20; i++) x.set(blob(), i * 81);
    const out = randomAffine(x, { height: 9, width: 9, shift: 0.2, rotation: 0, seed: 3 });
    let moved = 0;
    for (let i = 0; i < 20; i++) {
      const c = centre(out.subarray(i * 81, (i + 1) * 81));
      assert.ok(Math.abs(c.mass - 9) < 1e-4, `image ${i}: mass ${c.mass}`);
      assert.ok(Math.abs(c.row - 4) <= 0.2 * 9 + 1e-6 && Math.abs(c.col - 4) <= 0.2 * 9 + 1e-6, `image ${i}: centre ${c.row}, ${c.col}`);
      if (Math.abs(c.row - 4) > 0.1) moved++;
    }
    assert.ok(moved > 10, 'most images move');
    assert.deepEqual(randomAffine(x, { height: 9, width: 9, shift: 0.2, rotation: 0, seed: 3 }), out);
    assert.notDeepEqual(randomAffine(x, { height: 9, width: 9, shift: 0.2, rotation: 0, seed: 4 }), out);
  });

  it('rotates about the centre: a centred blob keeps its centre', () => {
    const out = randomAffine(blob(), { height: 9, width: 9, shift: 0, rotation: 30, seed: 1 });
    const c = centre(out);
    assert.ok(Math.abs(c.row - 4) < 1e-6 && Math.abs(c.col - 4) < 1e-6, `centre ${c.row}, ${c.col}`);
  });

  it('rejects bad sizes and ranges', () => {
    assert.throws(() => randomAffine(new Float32Array(10), { height: 3, width: 3 }), /10 values are not a whole number of 3×3 images/);
    assert.throws(() => randomAffine(new Float32Array(9), { height: 3, width: 3, shift: 1 }), /shift must be in \[0, 1\)/);
    assert.throws(() => randomAffine(new Float32Array(9), { height: 0, width: 3 }), /positive integers/);
  });
});
