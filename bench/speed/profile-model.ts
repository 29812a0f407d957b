/**
 * Where an image model's inference goes, per ONNX Runtime op, over MNIST's
 * 10,000 test images with ONNX Runtime's profiler on; prints the kernel
 * milliseconds per op type and the slowest nodes.
 *
 *   node --import tsx bench/speed/profile-model.ts exported/model.onnx [threads]
 *   node --import tsx bench/speed/profile-model.ts runs/<conv run> [threads] [--no-nchwc]
 *
 * An ONNX file (`aekit export`'s model.onnx, or any model with one image
 * input) runs as it is, in batches of 256. A run folder runs what `aekit
 * eval` runs (the loss and the reconstruction from one evaluation graph,
 * batches of 256) through aekit's own sessions, so the blocked-convolution
 * rewrite (src/onnx/nchwc.ts) is in the profile; `--no-nchwc` leaves it out.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { mnist } from '../../src/data/datasets.js';
import { AutoencoderModel } from '../../src/index.js';

const args = process.argv.slice(2);
const nchwc = !args.includes('--no-nchwc');
const [file, threadsArg] = args.filter((a) => !a.startsWith('--'));
if (!file) throw new Error('usage: profile-model.ts <model.onnx | run folder> [threads] [--no-nchwc]');
const threads = Number(threadsArg ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'aekit-profile-'));
const prefix = join(dir, 'ort');
const images = mnist({ split: 'test', shape: 'image' });
let wall: number;
if (statSync(file).isDirectory()) {
  const checkpoint = existsSync(join(file, 'checkpoint')) ? join(file, 'checkpoint') : file;
  const model = AutoencoderModel.load(checkpoint, { session: { threads, spinning: false, profilePrefix: prefix, nchwc } });
  const t0 = performance.now();
  await model.evaluateAndMeasure({ x: images.x, shape: [10000, 1, 28, 28] }, { batchSize: 256 });
  wall = performance.now() - t0;
  // Released sessions write their profiles.
  await model.trainer.releaseSessions();
} else {
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'extended',
    enableProfiling: true, profileFilePrefix: prefix,
  });
  const input = session.inputNames[0]!;
  const t0 = performance.now();
  for (let i = 0; i < 10000; i += 256) {
    const n = Math.min(256, 10000 - i);
    await session.run({ [input]: new ort.Tensor('float32', images.x.subarray(i * 784, (i + n) * 784), [n, 1, 28, 28]) });
  }
  wall = performance.now() - t0;
  session.endProfiling();
}
const byOp = new Map<string, number>();
const byNode = new Map<string, number>();
for (const profile of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const events = JSON.parse(readFileSync(join(dir, profile), 'utf8')) as { name: string; cat: string; dur: number; args?: { op_name?: string } }[];
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    byOp.set(e.args!.op_name!, (byOp.get(e.args!.op_name!) ?? 0) + e.dur);
    byNode.set(e.name, (byNode.get(e.name) ?? 0) + e.dur);
  }
}
rmSync(dir, { recursive: true, force: true });
const total = [...byOp.values()].reduce((a, b) => a + b, 0);
console.log(`${file}: 10,000 images, ${threads} thread(s)${statSync(file).isDirectory() ? `, blocked convolutions ${nchwc ? 'on' : 'off'}` : ''}: ${wall.toFixed(0)} ms wall, ${(total / 1000).toFixed(0)} ms in kernels`);
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1])) console.log(`  ${op.padEnd(18)} ${(us / 1000).toFixed(0).padStart(6)} ms  ${((100 * us) / total).toFixed(1)} %`);
console.log('slowest nodes:');
for (const [node, us] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${node.replace(/_kernel_time$/, '').padEnd(30)} ${(us / 1000).toFixed(0).padStart(6)} ms`);
