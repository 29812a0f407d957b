/**
 * Timing of ONNX Runtime sessions against each other in the same minutes:
 * each round runs every session once, in turn, so a slow minute of the shared
 * machine hits all of them (the probes of bench/speed).
 */
import { type TensorData } from '../../src/graph/types.js';
import { type RuntimeSession } from '../../src/onnx/runtime.js';

export interface SessionTimes {
  /** Process CPU milliseconds (user + system) of each round. */
  cpu: number[];
  /** Wall milliseconds of each round. */
  wall: number[];
  /** The outputs of the last run. */
  last: Record<string, TensorData>;
}

/**
 * Runs `rounds` rounds; in each, every session runs `runs` times on what
 * `feeds(name, i)` gives for its i-th run. Returns each session's times per
 * round and its last outputs.
 */
export async function timeSessionsInterleaved(
  sessions: Record<string, RuntimeSession>, feeds: (name: string, i: number) => Record<string, TensorData>, rounds: number, runs = 1,
): Promise<Record<string, SessionTimes>> {
  const out: Record<string, SessionTimes> = Object.fromEntries(Object.keys(sessions).map((k) => [k, { cpu: [], wall: [], last: {} }]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, session] of Object.entries(sessions)) {
      const t = out[name]!;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < runs; i++) t.last = await session.run(feeds(name, i));
      t.wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      t.cpu.push((c.user + c.system) / 1000);
    }
  }
  return out;
}
