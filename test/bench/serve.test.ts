import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatServeTable, rowSourceOf, runServeBenchmark } from '../../bench/serve/protocol.js';

describe('bench:serve protocol (--quick, 1-second phases)', () => {
  it('loads a child aekit serve with single rows and 64-row JSON and NPY bodies, scores directly, and stops the server cleanly', async () => {
    const lines: string[] = [];
    const r = await runServeBenchmark({ quick: true, seconds: 1, connections: 8, threads: 1, log: (l) => lines.push(l) });
    assert.equal(r.rounds.length, 1);
    const round = r.rounds[0]!;
    assert.deepEqual(Object.keys(round.fewer), ['c1'], 'one connection besides the 8 asked (8 is not below 8)');
    assert.deepEqual(Object.keys(r.summary.byConnections).sort(), ['c1', 'c8']);
    assert.equal(r.summary.byConnections.c8!.p99Ms, r.summary.p99Ms);
    for (const load of [round.singleRow, round.fewer.c1!, round.batched, round.batchedNpy]) {
      assert.ok(load.answered > 0 && load.failed === 0, JSON.stringify(load));
      assert.ok(load.p50 > 0 && load.p50 <= load.p99 && load.p99 <= load.max);
    }
    assert.equal(round.batched.rowsPerCall, 64, 'the server runs with --max-batch 64 and gets 64-row bodies');
    assert.ok(round.singleRow.rowsPerCall >= 1);
    assert.ok(round.direct.rowsPerSec > 0);
    assert.equal(r.cleanShutdown, true);
    assert.equal(r.goals.length, 3);
    assert.match(formatServeTable(r), /server ÷ direct, 64-row JSON bodies \| [\d.]+ \| [\d.]+ \|/);
    assert.ok(lines.some((l) => l.startsWith('  server: aekit serve: http://127.0.0.1:')));
  });
});

describe('bench:serve request rows', () => {
  it("sends a run's own image data set, from its config or the config of the run around a detector folder", () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-serve-rows-'));
    try {
      const run = (name: string, source: unknown) => {
        mkdirSync(join(dir, name, 'detector'), { recursive: true });
        writeFileSync(join(dir, name, 'config.json'), JSON.stringify({ data: { source } }));
        return join(dir, name);
      };
      assert.equal(rowSourceOf(run('digits', 'mnist')), 'mnist');
      assert.equal(rowSourceOf(join(dir, 'digits', 'detector')), 'mnist');
      assert.equal(rowSourceOf(run('clothes', 'fashion-mnist')), 'fashion');
      assert.equal(rowSourceOf(run('table', 'file')), 'synthetic');
      writeFileSync(join(dir, 'table', 'detector', 'config.json'), '{ not json');
      assert.equal(rowSourceOf(join(dir, 'table', 'detector')), 'synthetic', 'an unreadable config: synthetic rows, the run around is not consulted');
      assert.equal(rowSourceOf(join(dir, 'nowhere')), 'synthetic');
      assert.equal(rowSourceOf(undefined), 'synthetic');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
