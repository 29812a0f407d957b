import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { type TensorData, tensor } from '../../src/graph/types.js';
import { initialValues } from '../../src/layers/core.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { Adam } from '../../src/optim/optimizers.js';
import { packTensors } from '../../src/train/loop.js';
import { NON_FINITE_CHECK, PACKED_PARAMS, buildStep, nextName } from '../../src/train/step.js';
import { TinyAutoencoder, curveData } from '../train/tiny-model.js';

const { onnx } = onnxProto;

/** The training step's non-finite check (issue 15 made it one pass over the updated parameters). */
describe('non-finite check of the training step', () => {
  it('reads the updated flat parameters with one reduction: no full-size multiply feeds it', () => {
    const art = buildStep(new TinyAutoencoder(), { optimizer: new Adam(), fuseUpdate: true });
    const nodes = onnx.ModelProto.decode(art.train.bytes).graph!.node!;
    const producer = new Map(nodes.flatMap((n) => n.output!.map((o) => [o, n] as const)));
    // The check is (Σ p') · 0: a Mul of a ReduceSum that reads the updated parameters themselves.
    const check = producer.get(NON_FINITE_CHECK)!;
    const reduce = check.input!.map((i) => producer.get(i)).find((n) => n?.opType === 'ReduceSum');
    assert.ok(reduce, `${NON_FINITE_CHECK} is computed from a ReduceSum (got ${check.opType} of ${check.input!.map((i) => producer.get(i)?.opType).join(', ')})`);
    const source = reduce.input![0]!;
    assert.equal(producer.get(source), producer.get(nextName(PACKED_PARAMS)), `the ReduceSum reads ${source} (${producer.get(source)?.opType}), not the updated parameters`);
  });

  for (const fuseUpdate of [true, false]) {
    it(`is 0 for finite parameters and NaN once one is NaN or infinite (${fuseUpdate ? 'flat' : 'per-parameter'} update)`, async () => {
      const art = buildStep(new TinyAutoencoder(), { optimizer: new Adam(), fuseUpdate });
      const tensors: Record<string, TensorData> = Object.fromEntries(initialValues(art.specs, 3));
      for (const [slot, param] of art.slots) tensors[slot] = { dtype: 'float32', shape: [...tensors[param]!.shape], data: new Float32Array(tensors[param]!.data.length) };
      const data = curveData(8);
      const extra = { x: { dtype: 'float32' as const, shape: data.shape, data: data.x }, lr: tensor('float32', [], [0.01]), step: tensor('float32', [], [1]) };
      const session = await RuntimeSession.create(art.train.bytes);
      try {
        const check = async (t: Record<string, TensorData>) => Number((await session.run({ ...packTensors(t, art.packed), ...extra }, [NON_FINITE_CHECK]))[NON_FINITE_CHECK]!.data[0]);
        assert.equal(await check(tensors), 0);
        const last = art.params.at(-1)!;
        for (const bad of [NaN, Infinity, -Infinity]) {
          const poisoned = { ...tensors, [last]: { ...tensors[last]!, data: (tensors[last]!.data as Float32Array).slice() } };
          (poisoned[last]!.data as Float32Array)[0] = bad;
          assert.ok(Number.isNaN(await check(poisoned)), `a parameter set to ${bad}`);
        }
      } finally {
        await session.release();
      }
    });
  }
});
