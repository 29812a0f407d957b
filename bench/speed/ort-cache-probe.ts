/**
 * Does loading ONNX Runtime's saved optimized model make a session faster to
 * create than optimizing aekit's graph again? (issue #29, the optimized-model
 * cache of src/onnx/session-cache.ts)
 *
 *   node --import tsx bench/speed/ort-cache-probe.ts [--repeats 7]
 *
 * For the three benchmark workloads' training step, evaluation graph and
 * `model` inference part: session creation from aekit's bytes at the
 * default level ('extended'), and from the optimized model ORT saved
 * (`optimizedModelFilePath`) at level 'disabled' (what the cache does) and
 * 'basic'; medians over the repeats, interleaved, in process CPU
 * milliseconds (steadier than wall time on a shared machine) and wall
 * milliseconds. One intra-op thread.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { BENCH_WORKLOADS, benchModel } from '../lib/workloads.js';
import { buildPart, buildStep } from '../../src/train/step.js';
import { Adam } from '../../src/optim/optimizers.js';
import { quantile } from '../../src/eval/stats.js';

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '7' } } });
const repeats = Number(values.repeats);
const dir = mkdtempSync(join(tmpdir(), 'aekit-ort-probe-'));
const create = async (m: Uint8Array, o: ort.InferenceSession.SessionOptions) => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const s = await ort.InferenceSession.create(m, { executionMode: 'sequential', interOpNumThreads: 1, intraOpNumThreads: 1, logSeverityLevel: 3, ...o });
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  await s.release();
  return { cpu: (c.user + c.system) / 1000, wall };
};
const med = (xs: { cpu: number; wall: number }[]) => `${quantile(xs.map((x) => x.cpu), 0.5).toFixed(1)} CPU / ${quantile(xs.map((x) => x.wall), 0.5).toFixed(1)} wall`;
console.log(`onnxruntime-node ${ort.env.versions.common}; ${repeats} repeats; medians in ms`);
try {
  for (const w of BENCH_WORKLOADS) {
    const art = buildStep(benchModel(w), { optimizer: new Adam(), seed: 1 });
    const graphs: [string, Uint8Array][] = [['train step', art.train.bytes], ['evaluate', art.evaluate.bytes], ['model part', buildPart(benchModel(w).parts().model!, 'model', undefined, undefined, 'cpu', true).bytes]];
    for (const [name, bytes] of graphs) {
      const file = join(dir, `${w}-${name.replace(' ', '-')}.onnx`);
      await create(bytes, { graphOptimizationLevel: 'extended', optimizedModelFilePath: file });
      const optimized = readFileSync(file);
      const fresh = [], disabled = [], basic = [];
      for (let r = 0; r < repeats; r++) {
        fresh.push(await create(bytes, { graphOptimizationLevel: 'extended' }));
        disabled.push(await create(optimized, { graphOptimizationLevel: 'disabled' }));
        basic.push(await create(optimized, { graphOptimizationLevel: 'basic' }));
      }
      console.log(`${w.padEnd(7)} ${name.padEnd(11)} ${String(bytes.length).padStart(6)} B → ${String(optimized.length).padStart(6)} B optimized | fresh (extended) ${med(fresh)} | optimized, 'disabled' ${med(disabled)} | optimized, 'basic' ${med(basic)}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
