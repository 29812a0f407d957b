import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussianCodeStats, perplexity, tokenAccuracy } from '../../src/eval/language.js';

test('perplexity is exp of the NLL per token; a uniform model over V has perplexity V', () => {
  assert.ok(Math.abs(perplexity([3 * Math.log(7), 2 * Math.log(7)], 5) - 7) < 1e-9);
  assert.ok(Math.abs(perplexity(Math.log(2) * 4, 4) - 2) < 1e-12);
  assert.throws(() => perplexity(1, 0), /tokens must be positive/);
});

test('token accuracy counts real tokens only', () => {
  assert.equal(tokenAccuracy([5, 6, 2, 9], [5, 7, 2, 0]), 2 / 3);
  assert.throws(() => tokenAccuracy([1], [0]), /no real token/);
  // Ignored ids (here <unk> = 3 and <eos> = 2) are not scored: the words alone, 1 of 2.
  assert.equal(tokenAccuracy([5, 3, 2, 9, 0], [5, 3, 2, 8, 0], 0, [3, 2]), 1 / 2);
});

test('KL of the prior itself is 0; a unit is active when its mean varies', () => {
  // Two rows of d = 2: unit 0 has μ ±1 (variance 1), unit 1 has μ 0 and σ² = 1.
  const s = gaussianCodeStats([1, 0, -1, 0], [0, 0, 0, 0], 2);
  assert.equal(s.activeUnits, 1);
  assert.ok(Math.abs(s.kl - 0.5) < 1e-12, `KL ${s.kl}: ½ μ² per row`);
  assert.throws(() => gaussianCodeStats([1, 2, 3], [0, 0, 0], 2), /whole number of rows/);
});
