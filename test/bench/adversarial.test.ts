import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAdversarialTable, runAdversarialBenchmark } from '../../bench/adversarial/protocol.js';

describe('bench:adversarial protocol', () => {
  it('reports the --json keys on a small slice', async () => {
    const r = await runAdversarialBenchmark({ trainSamples: 200, testSamples: 24, epochs: 1, reconEpochs: 1, classifierEpochs: 1, classifierSamples: 200, samples: 24 });
    for (const v of [...Object.values(r.fd.samples), ...Object.values(r.fd.reconstructions), r.mse.pixel, r.mse.adversarial, r.fdTestHalves]) assert.ok(Number.isFinite(v) && v >= 0, String(v));
    assert.deepEqual(Object.keys(r.fd.samples), ['aae', 'vae', 'iwae']);
    assert.deepEqual(Object.keys(r.fd.reconstructions), ['pixel', 'adversarial']);
    assert.equal(r.goal.aaeBelowVae, r.fd.samples.aae < r.fd.samples.vae);
    assert.match(formatAdversarialTable(r), /\| reconstructions \| MSE \+ adversarial \| \d+\.\d{3} \| 0\.\d{5} \|/);
  });
});
