import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatOpLine, runOpChecks } from '../../src/check/ops-report.js';
import { opSpecs } from '../../src/graph/ops.js';

describe('every op against references and finite differences', () => {
  it('passes forward and gradient checks for every op of the IR and the composites', async () => {
    const report = await runOpChecks();
    const failures = report.ops.filter((r) => r.forward === 'failed' || r.gradient === 'failed');
    assert.deepEqual(failures.map((r) => `${formatOpLine(r)}\n${r.failures.join('\n')}`), []);
    for (const op of Object.keys(opSpecs)) {
      const r = report.ops.find((o) => o.op === op);
      assert.ok(r && r.cases > 0, `no check case for ${op}`);
      assert.equal(r.gradient, 'ok', `${op} was not gradient-checked`);
    }
    assert.equal(report.failed, 0);
  });
});
