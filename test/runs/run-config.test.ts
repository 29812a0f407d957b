import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/validate.js';
import { applyOverrides, parseRunConfig, readRunConfig } from '../../src/runs/run-config.js';
import { loadRunData } from '../../src/runs/run-data.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-run-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('run config: data.scale', () => {
  it("is one of minmax, zscore, none; the old name 'standard' (older run folders' config.json) reads as zscore", () => {
    for (const scale of ['minmax', 'zscore', 'none'] as const) {
      assert.equal(parseRunConfig({ model: 'dense', data: { source: 'mnist', scale } }).data.scale, scale);
    }
    const old = join(dir, 'config.json');
    writeFileSync(old, JSON.stringify({ model: 'dense', data: { source: 't.csv', scale: 'standard' }, training: { epochs: 2 } }));
    assert.equal(readRunConfig(old).data.scale, 'zscore');
    assert.equal(applyOverrides(undefined, { scale: 'standard' }).data.scale, 'zscore');
  });

  it('rejects another name, naming the field and the kinds', () => {
    assert.throws(() => parseRunConfig({ model: 'dense', data: { source: 'mnist', scale: 'robust' } }, 'run.yaml'),
      (e: unknown) => e instanceof ConfigError && /^run\.yaml\.data\.scale: expected one of 'minmax', 'zscore', 'none', got "robust"$/.test(e.message));
    assert.throws(() => parseRunConfig({ model: 'dense', data: { source: 'mnist', scale: 3 } }), /data\.scale: expected one of 'minmax', 'zscore', 'none'/);
  });

  it('zscore (and standard) fit a z-score scaler on the training rows', async () => {
    const csv = join(dir, 'table.csv');
    writeFileSync(csv, 'a,b\n1,10\n2,20\n3,30\n4,40\n');
    for (const scale of ['zscore', 'standard']) {
      const data = await loadRunData(applyOverrides(undefined, { data: csv, scale }).data);
      assert.equal(data.scaler?.toJSON().kind, 'zscore', scale);
      const column = [0, 2, 4, 6].map((i) => data.train.x[i]!);
      assert.ok(Math.abs(column.reduce((a, b) => a + b, 0)) < 1e-5, `${scale}: mean 0, got ${column}`);
    }
  });
});
