import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { physicalCores } from '../../src/io/cpu-cores.js';

/** A fake /sys/devices/system/cpu: `cpus` maps cpu<i> to its [package, core], or null for an offline CPU (no topology). */
function fakeCpuDir(cpus: ([number, number] | null)[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-cpus-'));
  mkdirSync(join(dir, 'cpufreq')); // not a CPU: skipped
  cpus.forEach((c, i) => {
    const topology = join(dir, `cpu${i}`, 'topology');
    mkdirSync(topology, { recursive: true });
    if (!c) rmSync(topology, { recursive: true });
    else {
      writeFileSync(join(topology, 'physical_package_id'), `${c[0]}\n`);
      writeFileSync(join(topology, 'core_id'), `${c[1]}\n`);
    }
  });
  return dir;
}

test('physicalCores counts cores, not hardware threads, and never more than the process may use', () => {
  // Two hardware threads on core 0, one on core 1, core 0 of a second package, an offline CPU.
  const dir = fakeCpuDir([[0, 0], [0, 0], [0, 1], [1, 0], null]);
  try {
    assert.equal(physicalCores(dir), Math.min(3, availableParallelism()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const one = fakeCpuDir([[0, 0], [0, 0]]);
  try {
    assert.equal(physicalCores(one), 1);
  } finally {
    rmSync(one, { recursive: true, force: true });
  }
});

test('physicalCores is undefined (ONNX Runtime keeps its default) where the topology cannot be read', () => {
  assert.equal(physicalCores(join(tmpdir(), 'aekit-no-such-cpu-dir')), undefined);
  const empty = fakeCpuDir([null]);
  try {
    assert.equal(physicalCores(empty), undefined);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
