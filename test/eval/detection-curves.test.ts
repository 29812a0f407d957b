import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averagePrecision, precisionRecallCurve, rocAuc, rocCurve } from '../../src/eval/detection.js';

test('ROC curve: one point per distinct score from (0, 0) to (1, 1); its trapezoids are rocAuc', () => {
  const scores = [0.9, 0.8, 0.8, 0.5, 0.3, 0.3, 0.1];
  const labels = [1, 1, 0, 0, 1, 0, 0];
  const c = rocCurve(scores, labels);
  // Thresholds 0.9, 0.8 (a tie of one anomaly and one normal: a diagonal step), 0.5, 0.3, 0.1.
  assert.deepEqual(c.thresholds, [Infinity, 0.9, 0.8, 0.5, 0.3, 0.1]);
  assert.deepEqual(c.y, [0, 1 / 3, 2 / 3, 2 / 3, 1, 1]);
  assert.deepEqual(c.x, [0, 0, 0.25, 0.5, 0.75, 1]);
  let area = 0;
  for (let i = 1; i < c.x.length; i++) area += ((c.x[i]! - c.x[i - 1]!) * (c.y[i]! + c.y[i - 1]!)) / 2;
  assert.ok(Math.abs(area - rocAuc(scores, labels)) < 1e-12, `${area} vs ${rocAuc(scores, labels)}`);
  assert.throws(() => rocCurve([1, 2], [0, 0]), /rocCurve: needs both classes/);
});

test('precision-recall curve: (recall, precision) per distinct score; its steps are averagePrecision', () => {
  const scores = [0.9, 0.8, 0.8, 0.5, 0.3, 0.3, 0.1];
  const labels = [true, true, false, false, true, false, false];
  const c = precisionRecallCurve(scores, labels);
  assert.deepEqual(c.x, [1 / 3, 2 / 3, 2 / 3, 1, 1]);
  assert.deepEqual(c.y, [1, 2 / 3, 0.5, 0.5, 3 / 7]);
  let ap = 0;
  for (let i = 0; i < c.x.length; i++) ap += (c.x[i]! - (c.x[i - 1] ?? 0)) * c.y[i]!;
  assert.ok(Math.abs(ap - averagePrecision(scores, labels)) < 1e-12);
  assert.throws(() => precisionRecallCurve([1, 2], [0, 0]), /needs at least one anomaly/);
});
