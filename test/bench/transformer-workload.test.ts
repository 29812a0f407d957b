import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRANSFORMER_BATCH, transformerBenchModel } from '../../bench/speed/transformer.js';

describe("bench's Transformer workload", () => {
  it('is the model its PyTorch peer writes out: 202,172 parameters, counted layer by layer', () => {
    const d = 64;
    const ln = 2 * d;
    const mha = 4 * (d * d + d);
    const mlp = d * 128 + 128 + 128 * d + d;
    const block = 2 * ln + mha + mlp;
    const crossBlock = block + ln + mha;
    // embed, encoder positions, 2 blocks, norm, pool query and attention, code; memory, decoder positions, 2 blocks, norm, head.
    const expected = (28 * d + d) + 28 * d + 2 * block + ln + d + mha + (d * 32 + 32) + (32 * 4 * d + 4 * d) + 28 * d + 2 * crossBlock + ln + (d * 28 + 28);
    assert.equal(expected, 202172);
    const model = transformerBenchModel();
    assert.equal(model.countParams(), expected);
    assert.deepEqual([model.steps, model.tokenFeatures, model.latentDim, model.outputActivation, model.loss], [28, 28, 32, 'sigmoid', 'mse']);
    assert.equal(TRANSFORMER_BATCH, 128);
  });
});
