/**
 * How many physical cores this process may use: the ONNX Runtime threads of
 * a CPU session when nobody names a number (src/onnx/runtime.ts).
 *
 * ONNX Runtime's own default is half the logical processors (it assumes two
 * hardware threads per core). On a machine without SMT, such as this
 * project's 2-core VMs, that is half the cores: `aekit train --model conv`
 * ran an epoch in 5.4 s on its default and 2.5 s with `--threads 2`
 * (docs/performance.md). Linux says which logical processors share a core in
 * /sys/devices/system/cpu/cpu<i>/topology; elsewhere, or when that cannot be
 * read, the answer is undefined and ONNX Runtime keeps its default.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const CPU_DIR = '/sys/devices/system/cpu';

let cached: number | undefined | null = null;

/** Distinct (package, core) pairs among the online CPUs, capped by the processors this process may use; undefined when unknown. */
export function physicalCores(cpuDir = CPU_DIR): number | undefined {
  if (cpuDir === CPU_DIR && cached !== null) return cached;
  let cores: number | undefined;
  try {
    const seen = new Set<string>();
    for (const name of readdirSync(cpuDir)) {
      if (!/^cpu\d+$/.test(name)) continue;
      const topology = join(cpuDir, name, 'topology');
      let pkg: string, core: string;
      try {
        pkg = readFileSync(join(topology, 'physical_package_id'), 'utf8').trim();
        core = readFileSync(join(topology, 'core_id'), 'utf8').trim();
      } catch {
        continue; // an offline CPU has no topology
      }
      seen.add(`${pkg}/${core}`);
    }
    cores = seen.size > 0 ? Math.min(seen.size, availableParallelism()) : undefined;
  } catch {
    cores = undefined;
  }
  if (cpuDir === CPU_DIR) cached = cores;
  return cores;
}
