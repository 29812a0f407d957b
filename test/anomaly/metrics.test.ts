import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { averagePrecision, bestF1Threshold, confusionAt, evaluateDetector, rocAuc } from '../../src/eval/detection.js';
import { contaminationThreshold, maxThreshold, meanStdThreshold, quantile } from '../../src/anomaly/threshold.js';
import { erf } from '../../src/anomaly/erf.js';

const near = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('ROC-AUC and average precision against hand-computed values', () => {
  it('no ties: scikit-learn documentation example', () => {
    // Pairs (anomaly, normal): 0.35 beats 0.1 only, 0.8 beats both → 3 of 4.
    const s = [0.1, 0.4, 0.35, 0.8];
    const y = [0, 0, 1, 1];
    near(rocAuc(s, y), 0.75);
    // Flag 0.8: P = 1, ΔR = ½; flag down to 0.35: P = ⅔, ΔR = ½ → ½ + ⅓.
    near(averagePrecision(s, y), 0.5 + 1 / 3);
  });

  it('ties count one half and enter the precision-recall curve together', () => {
    const s = [0.5, 0.5, 0.5, 0.9, 0.1];
    const y = [0, 1, 0, 1, 1];
    // 0.9 beats both normals (2), the tied 0.5 anomaly ties both (2 × ½), 0.1 beats none: U = 3 of 6.
    near(rocAuc(s, y), 0.5);
    // Groups from the top: {0.9}: P 1, ΔR ⅓; {0.5 ×3}: P 2/4, ΔR ⅓; {0.1}: P 3/5, ΔR ⅓.
    near(averagePrecision(s, y), 1 / 3 + 1 / 6 + 0.2);
    // All scores equal: chance level, and AP = prevalence.
    near(rocAuc([1, 1, 1, 1], [0, 1, 0, 1]), 0.5);
    near(averagePrecision([1, 1, 1, 1], [0, 1, 0, 1]), 0.5);
    // Booleans work as labels; a perfect and a reversed ranking.
    near(rocAuc([3, 2, 1], [true, false, false]), 1);
    near(rocAuc([1, 2, 3], [true, false, false]), 0);
  });

  it('matches the pairwise definition on random scores with many ties', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const s = Array.from({ length: 300 }, () => Math.floor(rand() * 20));
    const y = s.map((v) => (rand() < 0.2 + v / 40 ? 1 : 0));
    let u = 0;
    let pairs = 0;
    for (let i = 0; i < s.length; i++) for (let j = 0; j < s.length; j++) {
      if (y[i] === 1 && y[j] === 0) {
        pairs++;
        u += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
    }
    near(rocAuc(s, y), u / pairs, 1e-12);
  });

  it('best-F1 threshold, confusion matrix and evaluateDetector', () => {
    const s = [0.1, 0.4, 0.35, 0.8];
    const y = [0, 0, 1, 1];
    // Flagging {0.8, 0.4, 0.35} gives F1 = 2·2/(3+2) = 0.8, the best; the threshold sits halfway to 0.1.
    const best = bestF1Threshold(s, y);
    near(best.f1, 0.8);
    near(best.threshold, 0.225);
    assert.deepEqual(confusionAt(s, y, best.threshold), { tp: 2, fp: 1, tn: 1, fn: 0 });
    const e = evaluateDetector(s, y, 0.5);
    assert.deepEqual(e.confusion, { tp: 1, fp: 0, tn: 2, fn: 1 });
    near(e.precision, 1);
    near(e.recall, 0.5);
    near(e.f1, 2 / 3);
    assert.equal(e.thresholdSource, 'given');
    assert.equal(evaluateDetector(s, y).thresholdSource, 'bestF1');
    near(evaluateDetector(s, y).f1, 0.8);
    // Nothing flagged: precision 0, not NaN.
    const none = evaluateDetector(s, y, 10);
    assert.equal(none.precision, 0);
    assert.equal(none.f1, 0);
  });

  it('bad input is an error naming what is wrong', () => {
    assert.throws(() => rocAuc([1, 2], [0, 1, 1]), /2 scores but 3 labels/);
    assert.throws(() => rocAuc([], []), /no samples/);
    assert.throws(() => rocAuc([1, 2], [1, 1]), /needs both classes, got 2 anomalies and 0 normal/);
    assert.throws(() => rocAuc([1, NaN], [0, 1]), /scores\[1\] is NaN/);
    assert.throws(() => averagePrecision([1, 2], [0, 2]), /labels\[1\] is 2, expected 0 \(normal\) or 1 \(anomaly\)/);
    assert.throws(() => averagePrecision([1, 2], [0, 0]), /at least one anomaly/);
    assert.throws(() => evaluateDetector([1, 2], [0, 1], NaN), /threshold must be a number/);
  });
});

describe('threshold strategies on known scores', () => {
  const train = Array.from({ length: 10 }, (_, i) => i + 1); // 1..10

  it('contamination: numpy percentile with linear interpolation', () => {
    near(contaminationThreshold(train, 0.1), 9.1); // position 0.9·9 = 8.1 → 9 + 0.1
    near(contaminationThreshold(train, 0.5), 5.5);
    near(quantile([3, 1, 2], 0.25), 1.5);
    for (const c of [0, -0.1, 0.51, NaN]) assert.throws(() => contaminationThreshold(train, c), /contamination must be a number in \(0, 0\.5\]/);
  });

  it('max and mean + k·σ (population σ)', () => {
    assert.equal(maxThreshold(train), 10);
    near(meanStdThreshold(train, 2), 5.5 + 2 * Math.sqrt(8.25));
    near(meanStdThreshold(train), 5.5 + 3 * Math.sqrt(8.25));
  });
});

describe('erf', () => {
  it('matches tabulated values on both branches', () => {
    // Abramowitz & Stegun Table 7.1 and high-precision values.
    near(erf(0), 0);
    near(erf(0.5), 0.5204998778130465, 1e-14);
    near(erf(1), 0.8427007929497149, 1e-14);
    near(erf(2), 0.9953222650189527, 1e-14);
    near(erf(-1.5), -0.9661051464753108, 1e-14);
    near(erf(3.5), 0.9999992569016276, 1e-15);
    near(erf(5), 0.9999999999984626, 1e-15);
  });
});
