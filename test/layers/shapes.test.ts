import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import { type Dim, type Shape, sizeOf } from '../../src/graph/types.js';
import * as L from '../../src/layers/index.js';
import { assertClose, draws, runLayer } from './helpers.js';

interface ShapeCase {
  make: () => L.Layer;
  input: Dim[];
  output: Dim[];
  /** Inputs the layer must reject, naming itself. */
  bad: Dim[][];
}

const cases: ShapeCase[] = [
  { make: () => new L.Dense({ units: 3, activation: 'tanh' }), input: ['N', 4], output: ['N', 3], bad: [['N'], ['N', 'M']] },
  { make: () => new L.Dense({ units: 3, useBias: false, kernelRegularizer: { l2: 0.01 }, activityRegularizer: { l1: 0.01 } }), input: ['N', 5, 4], output: ['N', 5, 3], bad: [[]] },
  { make: () => new L.Conv2D({ filters: 2, kernelSize: 3 }), input: ['N', 1, 6, 5], output: ['N', 2, 4, 3], bad: [['N', 1, 6], ['N', 1, 2, 2], ['N', 1, 'H', 5]] },
  { make: () => new L.Conv2D({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'relu' }), input: ['N', 3, 7, 6], output: ['N', 4, 4, 3], bad: [['N', 3, 7]] },
  { make: () => new L.Conv2D({ filters: 2, kernelSize: 3, dilationRate: 2 }), input: ['N', 1, 7, 7], output: ['N', 2, 3, 3], bad: [['N', 1, 4, 4]] },
  { make: () => new L.Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }), input: ['N', 3, 4, 5], output: ['N', 2, 8, 10], bad: [['N', 3, 4]] },
  { make: () => new L.Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2 }), input: ['N', 3, 4, 4], output: ['N', 2, 9, 9], bad: [['N', 12]] },
  { make: () => new L.Conv2DTranspose({ filters: 1, kernelSize: 1, strides: 2 }), input: ['N', 3, 4, 4], output: ['N', 1, 8, 8], bad: [['N', 12]] },
  { make: () => new L.MaxPool2D(), input: ['N', 2, 5, 4], output: ['N', 2, 2, 2], bad: [['N', 2, 1, 1], ['N', 2, 5]] },
  { make: () => new L.MaxPool2D({ poolSize: 3, strides: 2, padding: 'same' }), input: ['N', 2, 5, 4], output: ['N', 2, 3, 2], bad: [['N', 8]] },
  { make: () => new L.AveragePool2D({ poolSize: [2, 1] }), input: ['N', 2, 5, 4], output: ['N', 2, 2, 4], bad: [['N', 2, 5]] },
  { make: () => new L.UpSampling2D({ size: [2, 3] }), input: ['N', 2, 3, 4], output: ['N', 2, 6, 12], bad: [['N', 2, 3]] },
  { make: () => new L.Conv1D({ filters: 4, kernelSize: 3 }), input: ['N', 10, 2], output: ['N', 8, 4], bad: [['N', 10], ['N', 2, 2], ['N', 'T', 2], ['N', 1, 10, 2]] },
  { make: () => new L.Conv1D({ filters: 2, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu' }), input: ['N', 9, 3], output: ['N', 5, 2], bad: [['N', 9, 'C']] },
  { make: () => new L.Conv1D({ filters: 2, kernelSize: 3, dilationRate: 3, padding: 'causal' }), input: ['N', 7, 1], output: ['N', 7, 2], bad: [['N', 7]] },
  { make: () => new L.Conv1D({ filters: 2, kernelSize: 3, dilationRate: 2, strides: 2 }), input: ['N', 10, 1], output: ['N', 3, 2], bad: [['N', 4, 1]] },
  { make: () => new L.Conv1DTranspose({ filters: 2, kernelSize: 5, strides: 2, padding: 'same' }), input: ['N', 6, 3], output: ['N', 12, 2], bad: [['N', 18]] },
  { make: () => new L.Conv1DTranspose({ filters: 1, kernelSize: 3, strides: 2 }), input: ['N', 4, 3], output: ['N', 9, 1], bad: [['N', 4, 3, 1]] },
  { make: () => new L.MaxPool1D(), input: ['N', 7, 2], output: ['N', 3, 2], bad: [['N', 1, 2], ['N', 7]] },
  { make: () => new L.MaxPool1D({ poolSize: 3, strides: 2, padding: 'same' }), input: ['N', 7, 2], output: ['N', 4, 2], bad: [['N', 'T', 2]] },
  { make: () => new L.AveragePool1D({ poolSize: 2, strides: 1 }), input: ['N', 5, 3], output: ['N', 4, 3], bad: [['N', 15]] },
  { make: () => new L.UpSampling1D({ size: 3 }), input: ['N', 4, 2], output: ['N', 12, 2], bad: [['N', 8]] },
  { make: () => new L.Cropping1D({ cropping: [1, 2] }), input: ['N', 6, 2], output: ['N', 3, 2], bad: [['N', 3, 2], ['N', 6]] },
  { make: () => new L.Flatten(), input: ['N', 2, 3, 4], output: ['N', 24], bad: [[], ['N', 'T', 3]] },
  { make: () => new L.Reshape({ targetShape: [4, -1] }), input: ['N', 2, 3, 4], output: ['N', 4, 6], bad: [['N', 5]] },
  { make: () => new L.Reshape({ targetShape: [1, 28, 28] }), input: ['N', 784], output: ['N', 1, 28, 28], bad: [['N', 780]] },
  { make: () => new L.Dropout({ rate: 0.3 }), input: ['N', 6], output: ['N', 6], bad: [[]] },
  { make: () => new L.BatchNormalization(), input: ['N', 3], output: ['N', 3], bad: [['N', 3, 4], ['N']] },
  { make: () => new L.BatchNormalization({ center: false, scale: false }), input: ['N', 3, 2, 2], output: ['N', 3, 2, 2], bad: [['N', 3, 4]] },
  { make: () => new L.Activation({ activation: 'softplus' }), input: ['N', 3, 2], output: ['N', 3, 2], bad: [[]] },
  { make: () => new L.Activation({ activation: { name: 'leakyRelu', alpha: 0.1 } }), input: ['N', 3], output: ['N', 3], bad: [[]] },
  { make: () => new L.LSTM({ units: 3 }), input: ['N', 4, 2], output: ['N', 3], bad: [['N', 2], ['N', 'T', 2]] },
  { make: () => new L.LSTM({ units: 3, returnSequences: true }), input: ['N', 4, 2], output: ['N', 4, 3], bad: [['N', 4, 2, 1]] },
  { make: () => new L.GRU({ units: 2 }), input: ['N', 3, 5], output: ['N', 2], bad: [['N', 5]] },
  { make: () => new L.GRU({ units: 2, returnSequences: true }), input: ['N', 3, 5], output: ['N', 3, 2], bad: [['N', 3, 'F']] },
  { make: () => new L.RepeatVector({ n: 4 }), input: ['N', 3], output: ['N', 4, 3], bad: [['N', 3, 1]] },
  { make: () => new L.TimeDistributed({ layer: new L.Dense({ units: 5 }) }), input: ['N', 4, 3], output: ['N', 4, 5], bad: [['N', 3]] },
  {
    make: () => new L.Sequential({ layers: [new L.Conv2D({ filters: 2, kernelSize: 3, padding: 'same' }), new L.MaxPool2D(), new L.Flatten(), new L.Dense({ units: 3 })] }),
    input: ['N', 1, 4, 4], output: ['N', 3], bad: [['N', 16]],
  },
];

const concrete = (s: Dim[]): number[] => s.map((d) => (typeof d === 'number' ? d : 2));

describe('layer shapes (symbolic batch)', () => {
  for (const c of cases) {
    const layer = c.make();
    it(`${layer.className} ${JSON.stringify(c.input)} → ${JSON.stringify(c.output)}`, () => {
      assert.deepEqual(layer.computeOutputShape(c.input), c.output);
      const g = new Graph();
      const y = layer.call(new L.GraphBuildContext(g, true), g.input('x', c.input));
      assert.deepEqual(y.shape, c.output);
      // Also in an inference graph, and with a concrete batch.
      const g2 = new Graph();
      const y2 = layer.call(new L.GraphBuildContext(g2, false), g2.input('x', concrete(c.input)));
      assert.deepEqual(y2.shape, concrete(c.output));
      assert.deepEqual(layer.computeOutputShape(concrete(c.input)), concrete(c.output));
    });
    it(`${layer.className} rejects ${c.bad.map((b) => JSON.stringify(b)).join(', ')} naming the layer`, () => {
      for (const bad of c.bad) {
        const pattern = new RegExp(`'${layer.name}'`);
        assert.throws(() => layer.computeOutputShape(bad), pattern);
        const g = new Graph();
        assert.throws(() => layer.call(new L.GraphBuildContext(g, false), g.input('x', bad)), pattern);
      }
    });
  }

  it('rejects invalid arguments naming the layer', () => {
    assert.throws(() => new L.Dense({ units: 0, name: 'enc' }), /Dense 'enc': units must be a positive integer/);
    assert.throws(() => new L.Conv2D({ filters: 2, kernelSize: [3] as unknown as number, name: 'c' }), /Conv2D 'c': kernelSize/);
    assert.throws(() => new L.Conv2D({ filters: 2, kernelSize: 3, padding: 'full' as 'same', name: 'c' }), /Conv2D 'c': padding must be 'same' or 'valid'/);
    assert.throws(() => new L.MaxPool2D({ poolSize: 0, name: 'p' }), /MaxPool2D 'p': poolSize/);
    assert.throws(() => new L.Dropout({ rate: 1, name: 'd' }), /Dropout 'd': rate must be in \[0, 1\)/);
    assert.throws(() => new L.Dense({ units: 2, activation: 'swish' as 'relu', name: 'e' }), /Dense 'e': unknown activation "swish"/);
    assert.throws(() => new L.Dense({ units: 2, kernelRegularizer: { l2: -1 }, name: 'e' }), /kernelRegularizer.l2 must be a non-negative number/);
    assert.throws(() => new L.Reshape({ targetShape: [-1, -1], name: 'r' }), /Reshape 'r': targetShape/);
    assert.throws(() => new L.LSTM({ units: 1.5, name: 'l' }), /LSTM 'l': units must be a positive integer/);
    assert.throws(() => new L.Dense({ units: 2, kernelInitializer: 'orthogonal' as 'zeros', name: 'e' }), /Dense 'e': kernelInitializer must be one of/);
    assert.throws(() => new L.Sequential({ layers: [new L.Dense({ units: 2, name: 'a' }), new L.Dense({ units: 2, name: 'a' })], name: 's' }), /Sequential 's': two layers are named 'a'/);
    assert.throws(() => L.layerFromJSON({ className: 'Dense2', config: {} }), /unknown layer class 'Dense2'/);
  });

  it('builds the fast forms: Gemm for 2-D Dense, one MatMul + one Gemm per later step for LSTM/GRU', () => {
    const ops = (layer: L.Layer, shape: Dim[]) => {
      const g = new Graph();
      layer.call(new L.GraphBuildContext(g, true), g.input('x', shape));
      return g.nodes.map((n) => n.op);
    };
    const count = (list: string[], op: string) => list.filter((o) => o === op).length;
    assert.deepEqual(ops(new L.Dense({ units: 2 }), ['N', 3]), ['Gemm']);
    assert.deepEqual(ops(new L.Dense({ units: 2 }), ['N', 4, 3]), ['MatMul', 'Add']);
    const td = ops(new L.TimeDistributed({ layer: new L.Dense({ units: 2 }) }), ['N', 4, 3]);
    assert.deepEqual(td, ['Reshape', 'Gemm', 'Reshape']);
    for (const rnn of [new L.LSTM({ units: 3 }), new L.GRU({ units: 3 })]) {
      const list = ops(rnn, ['N', 5, 2]);
      assert.equal(count(list, 'MatMul'), 1, rnn.className);
      assert.equal(count(list, 'Gemm'), 4, rnn.className);
    }
  });

  it('names layers Keras-style when no name is given', () => {
    const a = new L.LSTM({ units: 1 });
    const b = new L.LSTM({ units: 1 });
    assert.match(a.name, /^lstm(_\d+)?$/);
    assert.notEqual(a.name, b.name);
    assert.match(new L.Conv2D({ filters: 1, kernelSize: 1 }).name, /^conv2d(_\d+)?$/);
  });
});

describe('layer configs round-trip through JSON', () => {
  for (const c of cases) {
    const layer = c.make();
    it(`${layer.className} '${layer.name}'`, async () => {
      const json = JSON.parse(JSON.stringify(layer.toJSON())) as L.LayerJSON;
      const copy = L.layerFromJSON(json);
      assert.equal(copy.className, layer.className);
      assert.equal(copy.constructor, layer.constructor);
      assert.deepEqual(copy.getConfig(), layer.getConfig());
      assert.deepEqual(copy.toJSON(), json);
      // Same config, same parameter names, same seeded initial values: the same output.
      const shape = concrete(c.input);
      const x = draws(sizeOf(shape), 7);
      const a = await runLayer(layer, shape, x, { seed: 3 });
      const b = await runLayer(copy, shape, x, { seed: 3 });
      assert.deepEqual([...a.params.keys()], [...b.params.keys()]);
      assert.deepEqual(a.shape, concrete(c.output));
      assertClose(b.y, a.y, 0, 'output');
    });
  }

  it('keeps defaults explicit in configs', () => {
    assert.deepEqual(new L.Dense({ units: 4, name: 'd' }).getConfig(), {
      name: 'd', units: 4, activation: 'linear', useBias: true, kernelInitializer: 'glorotUniform', biasInitializer: 'zeros',
    });
    const bn = new L.BatchNormalization({ name: 'bn' }).getConfig();
    assert.equal(bn.momentum, 0.99);
    assert.equal(bn.epsilon, 1e-3);
    const seq = new L.Sequential({ name: 's', layers: [new L.Flatten({ name: 'f' }), new L.Dense({ units: 2, name: 'd' })] }).getConfig();
    assert.deepEqual((seq.layers as L.LayerJSON[]).map((l) => [l.className, l.config.name]), [['Flatten', 'f'], ['Dense', 'd']]);
  });
});

export type { Shape };
