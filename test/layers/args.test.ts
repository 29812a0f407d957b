import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as L from '../../src/layers/index.js';
import { argNames, checkLayerArgs, closestKey } from '../../src/layers/utils.js';
import { PCA } from '../../src/models/pca.js';

/** Every layer class with a minimal valid args object. */
const LAYERS: [string, (args: never) => L.Layer, Record<string, unknown>][] = [
  ['Dense', (a) => new L.Dense(a), { units: 3 }],
  ['Conv2D', (a) => new L.Conv2D(a), { filters: 2, kernelSize: 3 }],
  ['Conv2DTranspose', (a) => new L.Conv2DTranspose(a), { filters: 2, kernelSize: 3 }],
  ['MaxPool2D', (a) => new L.MaxPool2D(a), {}],
  ['AveragePool2D', (a) => new L.AveragePool2D(a), {}],
  ['UpSampling2D', (a) => new L.UpSampling2D(a), {}],
  ['Conv1D', (a) => new L.Conv1D(a), { filters: 2, kernelSize: 3 }],
  ['Conv1DTranspose', (a) => new L.Conv1DTranspose(a), { filters: 2, kernelSize: 3 }],
  ['MaxPool1D', (a) => new L.MaxPool1D(a), {}],
  ['AveragePool1D', (a) => new L.AveragePool1D(a), {}],
  ['UpSampling1D', (a) => new L.UpSampling1D(a), {}],
  ['Cropping1D', (a) => new L.Cropping1D(a), {}],
  ['Flatten', (a) => new L.Flatten(a), {}],
  ['Reshape', (a) => new L.Reshape(a), { targetShape: [2, -1] }],
  ['RepeatVector', (a) => new L.RepeatVector(a), { n: 2 }],
  ['Dropout', (a) => new L.Dropout(a), { rate: 0.5 }],
  ['BatchNormalization', (a) => new L.BatchNormalization(a), {}],
  ['Activation', (a) => new L.Activation(a), { activation: 'relu' }],
  ['LSTM', (a) => new L.LSTM(a), { units: 2 }],
  ['GRU', (a) => new L.GRU(a), { units: 2 }],
  ['TimeDistributed', (a) => new L.TimeDistributed(a), { layer: { className: 'Dense', config: { units: 2 } } }],
  ['Sequential', (a) => new L.Sequential(a), { layers: [] }],
];

const make = (f: (args: never) => L.Layer, args: unknown) => f(args as never);

describe('layer constructors reject unknown arg keys', () => {
  for (const [cls, f, valid] of LAYERS) {
    it(`${cls}: an unknown key is named with the allowed ones; a valid config round-trips`, () => {
      assert.throws(() => make(f, { ...valid, bogusKey: 1, name: 'x' }),
        (e: Error) => e instanceof L.LayerError && new RegExp(`^${cls} 'x': unknown arg 'bogusKey'; allowed args: .*\\bname\\b`).test(e.message));
      const layer = make(f, { ...valid });
      // getConfig writes only documented args, so the layer's own JSON passes the same check.
      assert.equal(L.layerFromJSON(layer.toJSON()).className, cls);
    });
  }

  it("the issue's example: new Dense({ units: 3, activaton: 'relu' }) names the typo and suggests the arg", () => {
    assert.throws(() => new L.Dense({ units: 3, activaton: 'relu' } as never),
      /^LayerError: Dense: unknown arg 'activaton' \(did you mean 'activation'\?\); allowed args: units, activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, activityRegularizer, name$/);
    assert.throws(() => new L.MaxPool2D({ pool_size: 3 } as never), /MaxPool2D: unknown arg 'pool_size' \(did you mean 'poolSize'\?\)/);
    assert.throws(() => new L.GRU({ units: 2, unitForgetBias: true } as never), /GRU: unknown arg 'unitForgetBias'; allowed args: units, returnSequences/);
  });

  it('configs from JSON go through the same check', () => {
    assert.throws(() => L.layerFromJSON({ className: 'Dense', config: { units: 3, unit: 4 } }), /Dense: unknown arg 'unit' \(did you mean 'units'\?\)/);
    assert.throws(() => new L.Sequential({ layers: [{ className: 'Conv2D', config: { filters: 2, kernelSize: 3, kernel_size: 3 } }] }), /Conv2D: unknown arg 'kernel_size'/);
  });

  it('args that are not an object are refused, naming the layer; optional args may be left out', () => {
    assert.throws(() => new L.Dense(null as never), /^LayerError: Dense: args must be an object with fields units, .*; got null$/);
    assert.throws(() => new L.Conv2D([2, 3] as never), /Conv2D: args must be an object .*; got an array/);
    assert.throws(() => new L.Dropout(0.5 as never), /Dropout: args must be an object .*; got number 0\.5/);
    assert.throws(() => new L.Dense(undefined as never), /Dense: args must be an object with fields/);
    assert.throws(() => new L.MaxPool2D(null as never), /MaxPool2D: args must be an object \(or nothing\)/);
    for (const layer of [new L.Flatten(), new L.MaxPool2D(), new L.AveragePool2D(), new L.UpSampling2D(), new L.MaxPool1D(), new L.AveragePool1D(), new L.UpSampling1D(), new L.Cropping1D(), new L.BatchNormalization(), new L.Sequential()]) {
      assert.ok(layer.name.length > 0);
    }
  });

  it('a name must be a non-empty string', () => {
    assert.throws(() => new L.Dense({ units: 3, name: 5 } as never), /Dense: name must be a non-empty string, got 5/);
    assert.throws(() => new L.Flatten({ name: '' }), /Flatten: name must be a non-empty string, got ""/);
  });
});

describe('layer arg values that used to pass by coercion or be ignored', () => {
  it('booleans must be true or false', () => {
    assert.throws(() => new L.Dense({ units: 3, useBias: 'no' } as never), /Dense 'dense(_\d+)?': useBias must be true or false, got "no"/);
    assert.throws(() => new L.Conv2DTranspose({ filters: 1, kernelSize: 1, useBias: 0 } as never), /useBias must be true or false, got 0/);
    assert.throws(() => new L.LSTM({ units: 2, returnSequences: 'yes' } as never), /LSTM '.*': returnSequences must be true or false/);
    assert.throws(() => new L.LSTM({ units: 2, unitForgetBias: 1 } as never), /unitForgetBias must be true or false, got 1/);
    assert.throws(() => new L.BatchNormalization({ center: 'no' } as never), /center must be true or false/);
    assert.throws(() => new L.BatchNormalization({ scale: null } as never), /scale must be true or false, got null/);
  });

  it('batch normalization numbers must be numbers, not numeric strings', () => {
    assert.throws(() => new L.BatchNormalization({ momentum: '0.9' } as never), /momentum must be a number in \[0, 1\], got "0\.9"/);
    assert.throws(() => new L.BatchNormalization({ epsilon: '1e-3' } as never), /epsilon must be a positive finite number, got "1e-3"/);
    assert.throws(() => new L.BatchNormalization({ epsilon: Infinity }), /epsilon must be a positive finite number, got Infinity/);
  });

  it('initializers, regularizers and activation objects reject unknown keys and non-finite numbers', () => {
    assert.throws(() => new L.Dense({ units: 3, kernelInitializer: { constant: NaN } }), /kernelInitializer must be one of .* or \{constant: <finite number>\}, got \{"constant":"NaN"\}/);
    assert.throws(() => new L.Dense({ units: 3, biasInitializer: { constant: 1, scale: 2 } } as never), /biasInitializer must be one of/);
    assert.throws(() => new L.Dense({ units: 3, kernelRegularizer: { l3: 1 } } as never), /kernelRegularizer: unknown key 'l3'; allowed keys: l1, l2/);
    assert.throws(() => new L.Dense({ units: 3, activityRegularizer: { l1: NaN } }), /activityRegularizer\.l1 must be a non-negative number, got NaN/);
    assert.throws(() => new L.Dense({ units: 3, activation: { name: 'elu', alfa: 0.5 } } as never), /unknown activation key 'alfa'; allowed keys: name, alpha/);
    assert.throws(() => new L.Activation({ activation: 'swish' } as never), /LayerError: Activation '.*': unknown activation "swish"; known: linear, relu/);
    assert.throws(() => new L.Dense({ units: NaN }), /units must be a positive integer, got NaN/);
  });
});

describe('argNames and closestKey', () => {
  interface Args {
    a: number;
    bb?: string;
  }
  it('lists the keys of an args interface (completeness is checked by the compiler)', () => {
    assert.deepEqual(argNames<Args>()(['a', 'bb']), ['a', 'bb']);
    // @ts-expect-error -- 'bb' is missing from the list
    argNames<Args>()(['a']);
    // @ts-expect-error -- 'c' is not a field of Args
    argNames<Args>()(['a', 'bb', 'c']);
  });
  it('suggests close keys only', () => {
    assert.equal(closestKey('activaton', ['units', 'activation']), 'activation');
    assert.equal(closestKey('kernel_size', ['kernelSize', 'filters']), 'kernelSize');
    assert.equal(closestKey('Units', ['units']), 'units');
    assert.equal(closestKey('zzz', ['units', 'activation']), undefined);
  });
  it('checkLayerArgs returns the args untouched', () => {
    const args = { a: 1 };
    assert.equal(checkLayerArgs('X', args, ['a']), args);
    assert.deepEqual(checkLayerArgs('X', undefined, ['a'], true), {});
  });
});

describe('PCA options and inputs', () => {
  const data = { x: Float32Array.from({ length: 40 }, (_, i) => Math.sin(i) + (i % 4)), shape: [10, 4] };

  it('fit rejects unknown and missing options by name', () => {
    assert.throws(() => PCA.fit(data, { components: 2, component: 2 } as never), /PCA\.fit\.component: unknown option; allowed options: components/);
    assert.throws(() => PCA.fit(data, null as never), /PCA\.fit: expected an object, got null/);
    assert.throws(() => PCA.fit(data, undefined as never), /PCA\.fit: options \{ components \} are required/);
    assert.throws(() => PCA.fit(data, { components: '2' } as never), /PCA\.fit: components must be an integer in \[1, 4\], got "2"/);
  });

  it('fit and transform say what the data should be', () => {
    assert.throws(() => PCA.fit(null as never, { components: 2 }), /PCA\.fit: data must be \{ x: Float32Array, shape: \[n, \.\.\.sampleShape\] \} or a Float32Array, got null/);
    assert.throws(() => PCA.fit({ x: Array.from(data.x), shape: [10, 4] } as never, { components: 2 }), /PCA\.fit: data\.x must be a Float32Array, got a plain Array/);
    assert.throws(() => PCA.fit({ x: data.x, shape: 'big' } as never, { components: 2 }), /PCA\.fit: data\.shape must be \[n, \.\.\.sampleShape\]/);
    const pca = PCA.fit(data, { components: 2 });
    assert.throws(() => pca.transform([1, 2, 3, 4] as never), /PCA\.transform: data must be .* got a plain Array/);
  });

  it('transform, reconstruct and inverseTransform reject NaN input instead of returning NaN', () => {
    const pca = PCA.fit(data, { components: 2 });
    const x = data.x.slice(0, 8);
    x[5] = NaN;
    assert.throws(() => pca.transform(x), /PCA\.transform: sample 1 holds NaN at feature 1/);
    assert.throws(() => pca.reconstructionMse({ x, shape: [2, 4] }), /PCA\.reconstructionMse: sample 1 holds NaN/);
    assert.throws(() => pca.inverseTransform(Float32Array.of(0, Infinity)), /PCA\.inverseTransform: sample 0 holds Infinity at feature 1/);
  });

  it('fromJSON names the damaged field and round-trips a valid one', () => {
    const pca = PCA.fit(data, { components: 2 });
    const good = pca.toJSON();
    const text = JSON.stringify(good);
    assert.deepEqual(PCA.fromJSON(text).transform(data), pca.transform(data));
    assert.throws(() => PCA.fromJSON(text.slice(0, 40)), /PCA\.fromJSON: not valid JSON \(.*\); the text is damaged or truncated/);
    assert.throws(() => PCA.fromJSON(null as never), /PCA\.fromJSON: expected an object, got null/);
    assert.throws(() => PCA.fromJSON({} as never), /PCA\.fromJSON\.format: expected 'aekit-pca', got undefined/);
    const { mean: _mean, ...noMean } = good;
    assert.throws(() => PCA.fromJSON(noMean as never), /PCA\.fromJSON\.mean: expected 4 numbers, got undefined/);
    const nullAxis = JSON.parse(text);
    nullAxis.axes[1][3] = null;
    assert.throws(() => PCA.fromJSON(nullAxis), /PCA\.fromJSON\.axes\[1\]\[3\]: expected a finite number, got null/);
    assert.throws(() => PCA.fromJSON({ ...good, components: -1 }), /PCA\.fromJSON\.components: expected an integer >= 1, got -1/);
    assert.throws(() => PCA.fromJSON({ ...good, components: 5 }), /PCA\.fromJSON\.components: 5 components cannot exceed the 4 features/);
    assert.throws(() => PCA.fromJSON({ ...good, explainedVariance: [1, -2] }), /PCA\.fromJSON\.explainedVariance\[1\]: expected a finite number >= 0, got -2/);
    assert.throws(() => PCA.fromJSON({ ...good, totalVariance: 'x' } as never), /PCA\.fromJSON\.totalVariance: expected a finite number >= 0, got "x"/);
    assert.throws(() => PCA.fromJSON({ ...good, extra: 1 } as never), /PCA\.fromJSON\.extra: unknown field; allowed fields: format, version/);
  });
});
