import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { grad } from '../../src/autodiff/grad.js';
import { denseBenchModel } from '../../bench/lib/workloads.js';
import { Graph } from '../../src/graph/graph.js';
import { tensor } from '../../src/graph/types.js';
import { compile } from '../../src/onnx/compile.js';
import { Adam } from '../../src/optim/optimizers.js';
import { buildStep } from '../../src/train/step.js';

const { onnx } = onnxProto;

/** Rewrites of issue 15 that remove full-size passes from training steps keep the numbers. */
describe('fewer full-size passes', () => {
  it('the gradient of a mean of squares scales the broadcast scalar instead of expanding it, with the same values', async () => {
    const g = new Graph();
    const x = g.input('x', ['N', 5]);
    const t = g.input('t', ['N', 5]);
    const diff = g.sub(x, t);
    const [dx] = grad(g, g.reduceMean(g.square(diff)), [x]);
    // The former formulation, built by hand: dy materialized at full size, then dy · (2·diff).
    const n = g.reduceSum(g.onesLike(diff));
    const reference = g.mul(g.expand(g.div(g.onesLike(g.reduceSum(diff, [0, 1], true)), g.reshape(n, [1, 1])), diff), g.mul(diff, 2));
    const step = await compile(g, { dx: dx!, reference });
    const xs = Array.from({ length: 15 }, (_, i) => Math.sin(i * 1.7) * 3);
    const ts = Array.from({ length: 15 }, (_, i) => Math.cos(i * 0.3));
    const out = await step.run({ x: tensor('float32', [3, 5], xs), t: tensor('float32', [3, 5], ts) });
    assert.deepEqual(Array.from(out.dx!.data as Float32Array), Array.from(out.reference!.data as Float32Array));
    const f32 = (v: number) => Math.fround(v);
    (out.dx!.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - (2 * (f32(xs[i]!) - f32(ts[i]!))) / 15) <= 1e-6, `element ${i}`));
  });

  it('the dense workload\'s step has no Expand: the MSE gradient is never materialized as a broadcast', () => {
    const art = buildStep(denseBenchModel(), { optimizer: new Adam() });
    const ops = onnx.ModelProto.decode(art.train.bytes).graph!.node!.map((nd) => nd.opType);
    assert.equal(ops.filter((o) => o === 'Expand').length, 0, `ops: ${ops.join(' ')}`);
  });
});
