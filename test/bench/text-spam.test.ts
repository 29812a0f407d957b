import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSpamSplit } from '../../bench/text/spam-data.js';

test('the SpamAssassin split: training ham only, the other ham and all spam to test, rows of unit length, the same every time', () => {
  const a = loadSpamSplit({ limit: 200, maxFeatures: 300 });
  assert.equal(a.trainRows, 120);
  assert.equal(a.testRows, 80 + 100);
  assert.equal(a.labels.reduce((s, v) => s + v, 0), 100, 'every test spam is labelled 1');
  assert.ok(a.groups.every((g, i) => (g.startsWith('spam') ? a.labels[i] === 1 : a.labels[i] === 0 && g.includes('ham'))));
  for (let i = 0; i < a.trainRows; i++) {
    let norm = 0;
    for (let j = 0; j < a.vocabulary; j++) norm += a.train[i * a.vocabulary + j]! ** 2;
    assert.ok(norm === 0 || Math.abs(norm - 1) < 1e-5, `row ${i}: squared length ${norm}`);
  }
  const b = loadSpamSplit({ limit: 200, maxFeatures: 300 });
  assert.deepEqual(Array.from(b.test), Array.from(a.test));
});
