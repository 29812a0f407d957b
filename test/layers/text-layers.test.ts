import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grad } from '../../src/autodiff/grad.js';
import { Graph } from '../../src/graph/graph.js';
import { tensor } from '../../src/graph/types.js';
import { Embedding, GRU, GraphBuildContext, LSTM } from '../../src/layers/index.js';
import { compile } from '../../src/onnx/compile.js';
import { assertClose, draws, values } from './helpers.js';

test('Embedding: rows of the table; the table gradient adds up repeated ids', async () => {
  const g = new Graph();
  const ids = g.input('ids', ['N', 3]);
  const ctx = new GraphBuildContext(g, true);
  const layer = new Embedding({ name: 'emb', inputDim: 4, outputDim: 2 });
  const y = layer.call(ctx, ids);
  assert.deepEqual(y.shape, ['N', 3, 2]);
  const [dTable] = grad(g, g.reduceSum(y), [ctx.values.get('emb/embeddings')!]);
  const table = tensor('float32', [4, 2], [0, 1, 10, 11, 20, 21, 30, 31]);
  const run = await compile(g, { y, dTable: dTable! });
  const out = await run.run({ ids: tensor('float32', [2, 3], [3, 0, 3, 1, 3, 0]), 'emb/embeddings': table });
  await run.release();
  assert.deepEqual(values(out.y!), [30, 31, 0, 1, 30, 31, 10, 11, 30, 31, 0, 1]);
  // id 0 twice, 1 once, 2 never, 3 three times.
  assert.deepEqual(values(out.dTable!), [2, 2, 1, 1, 0, 0, 3, 3]);
  assert.throws(() => new Embedding({ name: 'e', inputDim: 0, outputDim: 2 }), /inputDim/);
});

for (const Cell of [GRU, LSTM]) {
  test(`${Cell.name} with a mask: the last state is the state after each sequence's last real step`, async () => {
    const [n, t, f] = [2, 5, 3];
    const lengths = [2, 4];
    const x = draws(n * t * f, 7);
    const build = (steps: number, masked: boolean) => {
      const g = new Graph();
      const input = g.input('x', ['N', steps, f]);
      const mask = g.input('m', ['N', steps]);
      const ctx = new GraphBuildContext(g, false);
      const y = new Cell({ name: 'rnn', units: 4 }).call(ctx, input, masked ? mask : undefined);
      return { g, y, ctx };
    };
    const full = build(t, true);
    const params = full.ctx.initialValues(3);
    const runFull = await compile(full.g, { y: full.y });
    const mask = Array.from({ length: n * t }, (_, i) => (i % t < lengths[Math.floor(i / t)]! ? 1 : 0));
    const got = values((await runFull.run({ x: tensor('float32', [n, t, f], x), m: tensor('float32', [n, t], mask), ...Object.fromEntries(params) })).y!);
    await runFull.release();
    for (let i = 0; i < n; i++) {
      const len = lengths[i]!;
      const short = build(len, false);
      const run = await compile(short.g, { y: short.y });
      const xi = x.slice(i * t * f, i * t * f + len * f);
      const want = values((await run.run({ x: tensor('float32', [1, len, f], xi), ...Object.fromEntries(params) })).y!);
      await run.release();
      assertClose(got.slice(i * 4, i * 4 + 4), want, 1e-5, `sequence ${i}`);
    }
  });
}

test('GRU.cell steps through the same parameters as the unrolled layer', async () => {
  const [n, t, f] = [2, 3, 2];
  const g = new Graph();
  const x = g.input('x', [n, t, f]);
  const ctx = new GraphBuildContext(g, false);
  const gru = new GRU({ name: 'gru', units: 3, returnSequences: true, stateFromInput: true });
  const seq = gru.call(ctx, x);
  const cell = gru.cell(ctx, f);
  const stepX = (i: number) => g.reshape(g.slice(x, [i], [i + 1], [1]), [n, f]);
  let h = cell.initial(stepX(0));
  const hs = [];
  for (let i = 0; i < t; i++) hs.push((h = cell.step(stepX(i), h)));
  const stepped = g.concat(hs.map((v) => g.reshape(v, [n, 1, 3])), 1);
  assert.equal(ctx.specs.length, 6, 'no parameter is declared twice');
  const run = await compile(g, { seq, stepped });
  const out = await run.run({ x: tensor('float32', [n, t, f], draws(n * t * f, 2)), ...Object.fromEntries(ctx.initialValues(1)) });
  await run.release();
  assertClose(values(out.stepped!), values(out.seq!), 1e-6, 'stepped');
});
