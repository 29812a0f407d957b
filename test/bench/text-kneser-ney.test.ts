import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KneserNeyTrigram, discounts, rowsToSentences } from '../../bench/text/kneser-ney.js';

// ids: 0 pad, 1 bos, 2 eos, 3 unk, 4… words
const TRAIN = [[4, 5, 6, 2], [4, 5, 7, 2], [4, 8, 6, 2], [5, 6, 2], [9, 4, 5, 6, 2], [7, 7, 2]];
const V = 10;

test('every conditional distribution sums to 1 over the predictable ids, seen and unseen contexts alike', () => {
  const kn = new KneserNeyTrigram(TRAIN, V, 1, 0);
  assert.equal(kn.predictable, 8);
  for (const [u, v] of [[1, 1], [1, 4], [4, 5], [5, 6], [9, 9], [3, 8], [1, 7]] as const) {
    let sum = 0;
    for (let w = 2; w < V; w++) sum += kn.prob(u, v, w);
    assert.ok(Math.abs(sum - 1) < 1e-12, `context (${u}, ${v}): sum ${sum}`);
    assert.ok(kn.prob(u, v, 3) > 0, 'unseen words keep some mass');
  }
  // A frequent continuation beats a rare one in the same context.
  assert.ok(kn.prob(4, 5, 6) > kn.prob(4, 5, 7));
});

test('count-of-count discounts follow Chen & Goodman', () => {
  // n1 = 4, n2 = 2, n3 = 1, n4 = 1: Y = 4/8 = 0.5.
  const [d1, d2, d3] = discounts([1, 1, 1, 1, 2, 2, 3, 4, 9]);
  assert.ok(Math.abs(d1 - (1 - 2 * 0.5 * 2 / 4)) < 1e-12);
  assert.ok(Math.abs(d2 - (2 - 3 * 0.5 * 1 / 2)) < 1e-12);
  assert.ok(Math.abs(d3 - (3 - 4 * 0.5 * 1 / 1)) < 1e-12);
});

test('sentence NLL is the sum of −log P over the tokens, eos included; rows decode to sentences', () => {
  const kn = new KneserNeyTrigram(TRAIN, V, 1, 0);
  const s = [4, 5, 6, 2];
  const expected = -Math.log(kn.prob(1, 1, 4)) - Math.log(kn.prob(1, 4, 5)) - Math.log(kn.prob(4, 5, 6)) - Math.log(kn.prob(5, 6, 2));
  assert.ok(Math.abs(kn.sentenceNll(s, 1) - expected) < 1e-12);
  assert.deepEqual(rowsToSentences(Float32Array.of(4, 2, 0, 5, 6, 2), 3, 2), [[4, 2], [5, 6, 2]]);
  assert.throws(() => rowsToSentences(Float32Array.of(4, 5, 6), 3, 2), /row 0 has no <eos>/);
});
