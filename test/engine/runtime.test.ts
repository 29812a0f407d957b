import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { Graph, OPSET, RuntimeSession, compile, grad, tensor } from '../../src/index.js';

const values = (t: { data: ArrayLike<number | bigint> }) => Array.from(t.data as ArrayLike<number>, Number);

describe('ONNX serialization and runtime', () => {
  it('writes a model file with the pinned opset that a fresh session loads', async () => {
    const g = new Graph();
    const x = g.input('x', ['N', 3]);
    const w = g.param('w', [3, 2]);
    const y = g.relu(g.matmul(x, w));
    const [dw] = grad(g, g.reduceMean(y), [w]);
    const compiled = await compile(g, { y, dw: dw! });
    const dir = mkdtempSync(join(tmpdir(), 'aekit-onnx-'));
    const path = join(dir, 'step.onnx');
    compiled.save(path);
    const bytes = readFileSync(path);
    const model = onnxProto.onnx.ModelProto.decode(bytes);
    assert.deepEqual(model.opsetImport.map((o) => [o!.domain, Number(o!.version)]), [['', OPSET]]);
    // Parameters stay graph inputs in training graphs.
    const graph = model.graph as onnxProto.onnx.GraphProto;
    assert.deepEqual(graph.input.map((i) => i.name).sort(), ['w', 'x']);
    assert.equal(graph.initializer.some((t) => t.name === 'w'), false);
    const session = await RuntimeSession.create(bytes);
    const feeds = { x: tensor('float32', [2, 3], [1, 2, 3, -1, -2, -3]), w: tensor('float32', [3, 2], [1, 0, 0, 1, 1, 1]) };
    const a = await session.run(feeds);
    const b = await compiled.run(feeds);
    assert.deepEqual(values(a.y!), [4, 5, 0, 0]);
    assert.deepEqual(values(a.dw!), values(b.dw!));
  });

  it('bakes parameters in as initializers for inference exports', async () => {
    const g = new Graph();
    const x = g.input('x', ['N', 2]);
    const w = g.param('w', [2, 2]);
    const y = g.matmul(x, w);
    const compiled = await compile(g, { y }, { bake: new Map([[w, tensor('float32', [2, 2], [1, 2, 3, 4])]]) });
    assert.deepEqual(compiled.inputNames, ['x']);
    const out = await compiled.run({ x: tensor('float32', [1, 2], [1, 1]) });
    assert.deepEqual(values(out.y!), [4, 6]);
  });

  it('runs one graph with different batch sizes when the batch is symbolic', async () => {
    const g = new Graph();
    const x = g.input('x', ['N', 1, 4, 4]);
    const y = g.upsample2d(g.maxPool2d(x, { kernel: 2 }), 2);
    const compiled = await compile(g, { y });
    for (const n of [1, 3]) {
      const out = await compiled.run({ x: tensor('float32', [n, 1, 4, 4], Array.from({ length: n * 16 }, (_, i) => i)) });
      assert.deepEqual(out.y!.shape, [n, 1, 4, 4]);
    }
  });

  it('runs without spinning threads and finds its profile file', async () => {
    const g = new Graph();
    const x = g.input('x', [2, 2]);
    const bytes = (await compile(g, { y: g.mul(x, 2) })).model.bytes;
    const prefix = join(mkdtempSync(join(tmpdir(), 'aekit-prof-')), 'trace');
    const session = await RuntimeSession.create(bytes, { threads: 2, spinning: false, profilePrefix: prefix });
    const out = await session.run({ x: tensor('float32', [2, 2], [1, 2, 3, 4]) });
    assert.deepEqual(values(out.y!), [2, 4, 6, 8]);
    const trace = session.endProfiling();
    assert.ok(trace.startsWith(prefix), trace);
    assert.ok(Array.isArray(JSON.parse(readFileSync(trace, 'utf8'))));
    await session.release();
  });

  it('by default leaves pooling in NCHW: no NCHWc layout reorders around it (they cost 7–10% of the conv step)', async () => {
    const g = new Graph();
    const x = g.input('x', ['N', 32, 8, 8]);
    const w = g.param('w', [32, 32, 3, 3]);
    const bytes = (await compile(g, { y: g.upsample2d(g.maxPool2d(g.relu(g.conv2d(x, w, { pads: 1 })), { kernel: 2 }), 2) })).model.bytes;
    const feeds = { x: tensor('float32', [2, 32, 8, 8], new Array(4096).fill(1)), w: tensor('float32', [32, 32, 3, 3], new Array(9216).fill(0.01)) };
    // Without aekit's own blocked convolutions (src/onnx/nchwc.ts, which reorder around the Conv alone), so that
    // only ONNX Runtime's level-'all' rewrite could add reorders.
    const opsRun = async (optimization?: 'all') => {
      const prefix = join(mkdtempSync(join(tmpdir(), 'aekit-prof-')), 'trace');
      const session = await RuntimeSession.create(bytes, { threads: 1, profilePrefix: prefix, nchwc: false, ...(optimization ? { optimization } : {}) });
      const out = await session.run(feeds);
      assert.ok(Math.abs(values(out.y!)[0]! - 2.88) < 1e-4, `one output: ${values(out.y!)[0]}`);
      const events = JSON.parse(readFileSync(session.endProfiling(), 'utf8')) as { args?: { op_name?: string } }[];
      await session.release();
      return new Set(events.map((e) => e.args?.op_name).filter(Boolean));
    };
    const byDefault = await opsRun();
    assert.ok(byDefault.has('MaxPool'), [...byDefault].join(' '));
    assert.ok(!byDefault.has('ReorderInput') && !byDefault.has('ReorderOutput'), [...byDefault].join(' '));
    const all = await opsRun('all');
    assert.ok(all.has('ReorderInput'), `level 'all' on this CPU reorders around the pool: ${[...all].join(' ')}`);
  });

  it('keeps constant Conv kernels overridable so ONNX Runtime does not fold them, without asking for a feed', async () => {
    const g = new Graph();
    const x = g.input('x', ['N', 2, 4, 4]);
    const w = g.param('w', [3, 2, 3, 3]);
    const [dw] = grad(g, g.reduceSum(g.conv2d(x, w, { pads: 1 })), [w]);
    const compiled = await compile(g, { dw: dw! });
    const graph = onnxProto.onnx.ModelProto.decode(compiled.model.bytes).graph as onnxProto.onnx.GraphProto;
    const inits = new Set(graph.initializer.map((t) => t.name));
    assert.ok(graph.input.some((i) => inits.has(i.name)), 'a constant kernel is declared as an input too');
    assert.deepEqual(compiled.inputNames.sort(), ['w', 'x']);
    const out = await compiled.run({ x: tensor('float32', [1, 2, 4, 4], new Array(32).fill(1)), w: tensor('float32', [3, 2, 3, 3], new Array(54).fill(0)) });
    // Σ over outputs of a 'same' 3x3 conv of ones: kernel cell (i, j) meets (4 − |i − 1|)·(4 − |j − 1|) ones.
    assert.deepEqual(values(out.dw!).slice(0, 9), [9, 12, 9, 12, 16, 12, 9, 12, 9]);
  });

  it('reports a missing input by name', async () => {
    const g = new Graph();
    const x = g.input('x', [2]);
    const compiled = await compile(g, { y: g.exp(x) });
    await assert.rejects(compiled.run({}), /missing input 'x'/);
  });
});

describe('random ops', () => {
  const build = (seed: number) => {
    const g = new Graph(seed);
    const x = g.input('x', [1000]);
    return { g, noise: g.randomNormalLike(x), uniform: g.randomUniformLike(x) };
  };
  const feeds = { x: tensor('float32', [1000], new Array(1000).fill(0)) };

  it('draws fresh values at every run', async () => {
    const { g, noise } = build(7);
    const m = await compile(g, { noise });
    const a = values((await m.run(feeds)).noise!);
    const b = values((await m.run(feeds)).noise!);
    assert.notDeepEqual(a, b);
  });

  it('repeats the same sequence from the same seed in a new session, and differs across seeds', async () => {
    const first = build(7);
    const second = build(7);
    const third = build(8);
    const m1 = await compile(first.g, { noise: first.noise, uniform: first.uniform });
    const m2 = await compile(second.g, { noise: second.noise, uniform: second.uniform });
    const m3 = await compile(third.g, { noise: third.noise });
    for (let step = 0; step < 3; step++) {
      const a = await m1.run(feeds);
      const b = await m2.run(feeds);
      assert.deepEqual(values(a.noise!), values(b.noise!), `step ${step}`);
      assert.deepEqual(values(a.uniform!), values(b.uniform!), `step ${step}`);
    }
    const a = values((await (await compile(first.g, { noise: first.noise })).run(feeds)).noise!);
    const c = values((await m3.run(feeds)).noise!);
    assert.notDeepEqual(a, c);
    // Two random ops of one graph draw different values.
    const both = await (await compile(first.g, { noise: first.noise, uniform: first.uniform })).run(feeds);
    assert.ok(Math.abs(values(both.uniform!).reduce((s, v) => s + v, 0) / 1000 - 0.5) < 0.05);
  });
});

describe('lowering edge cases', () => {
  it('exports a MaxPool whose values output is unused (only trailing outputs may be unnamed)', async () => {
    const g = new Graph();
    const x = g.input('x', [1, 1, 2, 2]);
    g.maxPool2d(x, { kernel: 2 });
    const indices = g.nodes.at(-1)!.outputs[1]!;
    const out = await (await compile(g, { indices })).run({ x: tensor('float32', [1, 1, 2, 2], [1, 4, 3, 2]) });
    assert.deepEqual(values(out.indices!), [1]);
  });

  it('clamps a negative-step slice start as ONNX does', async () => {
    const g = new Graph();
    const x = g.input('x', [5]);
    const y = g.slice(x, [-100], [-100], [0], [-1]);
    assert.deepEqual(y.shape, [1]);
    const out = await (await compile(g, { y })).run({ x: tensor('float32', [5], [10, 11, 12, 13, 14]) });
    assert.deepEqual(values(out.y!), [10]);
  });
});
