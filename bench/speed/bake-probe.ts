/**
 * Would inference sessions be faster with the weights baked in as
 * initializers (so ONNX Runtime's level 'all' can reorder them into its NCHWc
 * layout once) than with the weights fed as inputs at level 'extended' (what
 * `predict` and `aekit eval` do)? (issue #29, `aekit eval`)
 *
 *   node --import tsx bench/speed/bake-probe.ts <run folder>
 *
 * The run's `model` part over its first 2,048 test images in batches of 256,
 * one thread, three sessions interleaved over 5 rounds: process CPU ms per
 * round, and the largest difference of each session's reconstructions from
 * the first's.
 */
import { openRun, dataForRun } from '../../src/runs/open-run.js';
import { buildPart } from '../../src/train/step.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { timeSessionsInterleaved } from '../lib/session-timing.js';
const run = openRun(process.argv[2] ?? '');
const { data } = await dataForRun(run, undefined, { samples: 2048 });
const model = run.model;
const tensors = model.trainer.tensors;
const part = model.parts().model!;
const params = new Map(Object.entries(tensors));
const variants: Record<string, RuntimeSession> = {
  'inputs, extended': await RuntimeSession.create(buildPart(part, 'model').bytes, { threads: 1, spinning: false, cache: false }),
  'baked, extended': await RuntimeSession.create(buildPart(part, 'model', params).bytes, { threads: 1, spinning: false, cache: false, optimization: 'extended' }),
  'baked, all': await RuntimeSession.create(buildPart(part, 'model', params).bytes, { threads: 1, spinning: false, cache: false, optimization: 'all' }),
};
const batch = (i: number) => ({ dtype: 'float32' as const, shape: [256, 1, 28, 28], data: data.train.x.subarray(i * 256 * 784, (i + 1) * 256 * 784) });
const times = await timeSessionsInterleaved(variants, (name, i) => ({ ...(name.startsWith('inputs') ? tensors : {}), x: batch(i) }), 5, 8);
const first = Object.values(times)[0]!.last.reconstruction!.data as Float32Array;
for (const [name, t] of Object.entries(times)) {
  const y = t.last.reconstruction!.data as Float32Array;
  const diff = y.reduce((m, v, i) => Math.max(m, Math.abs(v - first[i]!)), 0);
  console.log(name.padEnd(18), 'CPU ms per 2,048 images:', t.cpu.map((v) => v.toFixed(0)).join(' '), ' max |diff| vs first:', diff.toExponential(1));
}
for (const s of Object.values(variants)) await s.release();
