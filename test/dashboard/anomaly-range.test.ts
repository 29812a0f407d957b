/** The Anomalies view's slider range: the bulk of the scores, not one extreme (issue 24 #11). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sliderRange } from '../../src/dashboard/web/views/anomalies.js';

describe('sliderRange', () => {
  it('is not stretched by one extreme score, and still holds the threshold', () => {
    const scores = [...Array.from({ length: 1499 }, (_, i) => 10 + (i % 100) / 10), 4738];
    const [lo, hi] = sliderRange(scores, 15);
    assert.ok(lo >= 10 && lo < 10.2, `lo ${lo}`);
    assert.ok(hi > 19.5 && hi < 20, `hi ${hi}: the slider ends at the bulk, not at 4738`);
    assert.deepEqual(sliderRange(scores, 30), [lo, 30], 'a threshold beyond the bulk widens the range to it');
  });

  it('copes with equal, non-finite and missing scores', () => {
    assert.deepEqual(sliderRange([2, 2, 2], 2), [1, 3]);
    assert.deepEqual(sliderRange([NaN, Infinity], 0), [-1, 1]);
    const [lo, hi] = sliderRange([1, 2, NaN, 3], 2);
    assert.ok(lo < 2 && hi > 2);
  });
});
