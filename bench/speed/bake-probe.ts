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
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const res: Record<string, number[]> = {};
let ref: Float32Array | undefined; const diff: Record<string, number> = {};
for (let r = 0; r < 5; r++) for (const [k, s] of Object.entries(variants)) {
  const c = cpu();
  let out: Awaited<ReturnType<RuntimeSession['run']>> = {};
  for (let b = 0; b < 8; b++) out = await s.run({ ...(k.startsWith('inputs') ? tensors : {}), x: { dtype: 'float32', shape: [256, 1, 28, 28], data: data.train.x.subarray(b * 256 * 784, (b + 1) * 256 * 784) } });
  (res[k] ??= []).push(cpu() - c);
  const y = out.reconstruction!.data as Float32Array; ref ??= y; let m = 0; for (let i = 0; i < y.length; i++) m = Math.max(m, Math.abs(y[i]! - ref[i]!)); diff[k] = m;
}
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(18), 'CPU ms per 2,048 images:', v.map((x) => x.toFixed(0)).join(' '), ' max |diff| vs first:', diff[k]!.toExponential(1));
