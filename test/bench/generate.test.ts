import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGenerateTable, runGenerateBenchmark } from '../../bench/generate/protocol.js';

describe('bench:generate protocol', () => {
  it('trains both models for the same budget and reports the estimates against training time', async () => {
    const r = await runGenerateBenchmark({ minutes: 0.01, evals: 1, trainSamples: 200, testSamples: 4, evalSamples: 10 });
    assert.deepEqual(r.curve.map((p) => p.model), ['vae', 'iwae']);
    assert.ok(r.curve.every((p) => p.minutes >= 0.01 && p.cpuMinutes > 0 && p.epochs >= 1 && Number.isFinite(p.nll)));
    assert.equal(r.vaeNll, r.curve[0]!.nll);
    assert.equal(r.iwaeNll, r.curve[1]!.nll);
    assert.equal(r.minutes, 0.01);
    assert.match(formatGenerateTable(r), /\| IWAE \(k = 5\) \| 0\.\d\d \| \d+\.\d\d \| \d+ \| \d+\.\d\d \|/);
    await assert.rejects(runGenerateBenchmark({ minutes: 0 }), /minutes must be a positive number/);
  });
});
