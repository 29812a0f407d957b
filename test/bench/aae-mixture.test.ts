import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMixtureTable, runMixtureBenchmark } from '../../bench/adversarial/mixture.js';

describe('bench:aae-mixture protocol', () => {
  it('reports the --json keys on a small slice, every model at the same number of steps', async () => {
    const r = await runMixtureBenchmark({ quick: true, trainSamples: 300, testSamples: 40, epochs: 2 });
    assert.deepEqual(Object.keys(r).slice(0, 3), ['supervised', 'semi', 'plain']);
    for (const kind of ['supervised', 'semi', 'plain'] as const) {
      assert.deepEqual(Object.keys(r[kind]), ['componentAccuracy', 'knn5', 'sampleAccuracy']);
      for (const v of Object.values(r[kind])) assert.ok(v >= 0 && v <= 1, `${kind}: ${v}`);
    }
    // 300 images, 30 of them labelled and repeated 9 times: 540 rows a semi-supervised epoch, so 1 epoch for 2 of 300.
    assert.equal(r.protocol.semiEpochs, 1);
    assert.equal(r.protocol.knnReference, 30);
    assert.match(formatMixtureTable(r), /\| semi \| \d+\.\d\d % \| \d+\.\d\d % \| \d+\.\d\d % \|/);
  });
});
