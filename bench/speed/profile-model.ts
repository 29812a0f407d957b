/**
 * Where an exported image model's inference goes, per ONNX Runtime op: runs
 * `aekit export`'s model.onnx (or any model with one image input) over
 * MNIST's 10,000 test images in batches of 256 with ONNX Runtime's profiler
 * on, and prints the kernel milliseconds per op type and the slowest nodes.
 *
 *   node --import tsx bench/speed/profile-model.ts exported/model.onnx [threads]
 */
import { readFileSync, readdirSync, unlinkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { mnist } from '../../src/data/datasets.js';

const [file, threadsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-model.ts <model.onnx> [threads]');
const threads = Number(threadsArg ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'aekit-profile-'));
const session = await ort.InferenceSession.create(file, {
  intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'extended',
  enableProfiling: true, profileFilePrefix: join(dir, 'ort'),
});
const images = mnist({ split: 'test', shape: 'image' });
const input = session.inputNames[0]!;
const t0 = performance.now();
for (let i = 0; i < 10000; i += 256) {
  const n = Math.min(256, 10000 - i);
  await session.run({ [input]: new ort.Tensor('float32', images.x.subarray(i * 784, (i + n) * 784), [n, 1, 28, 28]) });
}
const wall = performance.now() - t0;
session.endProfiling();
const profile = join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!);
const events = JSON.parse(readFileSync(profile, 'utf8')) as { name: string; cat: string; dur: number; args?: { op_name?: string } }[];
unlinkSync(profile);
rmSync(dir, { recursive: true, force: true });
const byOp = new Map<string, number>();
const byNode = new Map<string, number>();
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  byOp.set(e.args!.op_name!, (byOp.get(e.args!.op_name!) ?? 0) + e.dur);
  byNode.set(e.name, (byNode.get(e.name) ?? 0) + e.dur);
}
const total = [...byOp.values()].reduce((a, b) => a + b, 0);
console.log(`${file}: 10,000 images, ${threads} thread(s): ${wall.toFixed(0)} ms wall, ${(total / 1000).toFixed(0)} ms in kernels`);
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1])) console.log(`  ${op.padEnd(18)} ${(us / 1000).toFixed(0).padStart(6)} ms  ${((100 * us) / total).toFixed(1)} %`);
console.log('slowest nodes:');
for (const [node, us] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${node.replace(/_kernel_time$/, '').padEnd(30)} ${(us / 1000).toFixed(0).padStart(6)} ms`);
