import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatNumber, latentScatterSpec, lossCurveFromHistory, lossCurvesSpec, scoreHistogramSpec, type ChartSpec,
} from '../../src/viz/charts.js';

type Series = { type: string; name: string; data: unknown[][]; lineStyle?: { type: string }; markLine?: { data: { xAxis: number }[]; label: { formatter: string } } };
const seriesOf = (spec: ChartSpec) => spec.series as unknown as Series[];

/** A spec the dashboard can send as JSON and get back unchanged: no functions, typed arrays or undefined-only fields that matter. */
function assertPlainJson(spec: ChartSpec): void {
  const walk = (v: unknown, path: string): void => {
    assert.notEqual(typeof v, 'function', `${path} is a function`);
    if (ArrayBuffer.isView(v)) assert.fail(`${path} is a typed array`);
    if (typeof v === 'number') assert.ok(Number.isFinite(v), `${path} is ${v}`);
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(spec, 'spec');
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), JSON.parse(JSON.stringify(spec, (_k, v) => v)));
}

test('loss curves: train solid, validation dashed, the data in the spec, NaN as gaps', () => {
  const history = [{ loss: 0.5, valLoss: 0.6 }, { loss: 0.25, valLoss: NaN }, { loss: 0.125, valLoss: 0.3 }];
  const curve = lossCurveFromHistory(history, { name: 'conv' });
  assert.deepEqual(curve, { name: 'conv', x: [1, 2, 3], train: [0.5, 0.25, 0.125], validation: [0.6, NaN, 0.3] });
  const spec = lossCurvesSpec(curve);
  assertPlainJson(spec);
  const [train, val] = seriesOf(spec);
  assert.equal(train!.name, 'train');
  assert.deepEqual(train!.data, [[1, 0.5], [2, 0.25], [3, 0.125]]);
  assert.equal(train!.lineStyle!.type, 'solid');
  assert.equal(val!.name, 'validation');
  assert.deepEqual(val!.data, [[1, 0.6], [2, null], [3, 0.3]]);
  assert.equal(val!.lineStyle!.type, 'dashed');
  assert.equal((spec.title as { text: string }).text, 'Loss');
  assert.equal((spec.yAxis as { type: string }).type, 'value', 'a range of 4× stays linear');
  assert.deepEqual(lossCurveFromHistory([{ loss: 1 }]), { name: undefined, x: [1], train: [1] }, 'no validation key, no validation curve');
});

test('loss curves: several runs get their names and one colour each; log scale on whole decades', () => {
  const spec = lossCurvesSpec([
    { name: 'a', train: [10, 1, 0.1] },
    { name: 'b', x: [5, 10, 15], train: [5, 0.5, 0.002], validation: Float32Array.from([6, 0.6, 0.003]) },
  ], { title: 'compare', xName: 'step' });
  assertPlainJson(spec);
  const series = seriesOf(spec) as unknown as { name: string; color: string; data: number[][] }[];
  assert.deepEqual(series.map((s) => s.name), ['a train', 'b train', 'b validation']);
  assert.equal(series[1]!.color, series[2]!.color);
  assert.notEqual(series[0]!.color, series[1]!.color);
  assert.deepEqual(series[2]!.data.map((p) => p[0]), [5, 10, 15]);
  assert.equal(series[2]!.data[2]![1], 0.003, 'float32 values rounded back to their short decimal');
  const y = spec.yAxis as { type: string; min: number; max: number };
  assert.equal(y.type, 'log');
  assert.equal(y.min, 0.001);
  assert.equal(y.max, 10);
  assert.equal((spec.xAxis as { name: string }).name, 'step');
  assert.equal((lossCurvesSpec({ train: [1, -1, 0.001] }, { logScale: true }).yAxis as { type: string }).type, 'value', 'no log axis under non-positive values');
});

test('loss curves: bad input names the run and what was expected', () => {
  assert.throws(() => lossCurvesSpec([]), /lossCurvesSpec: no runs given/);
  assert.throws(() => lossCurvesSpec({ name: 'r', x: [1, 2], train: [1] }), /run 'r' has 2 x values for 1 train values/);
  assert.throws(() => lossCurvesSpec({ name: 'r', train: 3 as unknown as number[] }), /run 'r' train must be an array/);
  assert.throws(() => lossCurvesSpec({ name: 'r' }), /hold no train or validation values/);
  assert.throws(() => lossCurveFromHistory({} as never), /history must be an array/);
});

test('latent scatter: one series per class in class order, named, each point [x, y, index]', () => {
  const points = [0, 0, 1, 1, 2, 2, 3, 3, NaN, 4];
  const spec = latentScatterSpec({ points, labels: [2, 0, 2, 1, 0], classNames: ['zero', 'one', 'two'] }, { axisNames: ['PC1', 'PC2'] });
  assertPlainJson(spec);
  const series = seriesOf(spec);
  assert.deepEqual(series.map((s) => s.name), ['zero', 'one', 'two']);
  assert.deepEqual(series[0]!.data, [[1, 1, 1]], 'the NaN point (index 4, class 0) is left out');
  assert.deepEqual(series[2]!.data, [[0, 0, 0], [2, 2, 2]]);
  assert.match((spec.title as { subtext: string }).subtext, /5 points · 1 non-finite left out/);
  assert.equal((spec.xAxis as { name: string }).name, 'PC1');
  assert.equal((spec.legend as { show?: boolean }).show, undefined);

  const plain = latentScatterSpec({ points: new Float32Array(2000).map((_, i) => i) }, { maxPoints: 100 });
  const only = seriesOf(plain);
  assert.equal(only.length, 1);
  assert.equal(only[0]!.data.length, 100);
  assert.deepEqual(only[0]!.data[1], [20, 21, 10], 'an evenly spaced subset keeps its indices');
  assert.equal((plain.legend as { show: boolean }).show, false);
  const named = seriesOf(latentScatterSpec({ points: [0, 0, 1, 1], labels: ['cat', 'bat'] }));
  assert.deepEqual(named.map((s) => s.name), ['bat', 'cat']);

  assert.throws(() => latentScatterSpec({ points: [1, 2, 3] }), /odd length 3/);
  assert.throws(() => latentScatterSpec({ points: [1, 2], labels: [1, 2] }), /2 labels for 1 points/);
  assert.throws(() => latentScatterSpec({ points: [] }), /no points/);
  assert.throws(() => latentScatterSpec({ points: [1, 2] }, { maxPoints: 0 }), /maxPoints must be a positive integer/);
});

test('score histogram: counts add up, threshold line at its score, labelled groups over the same bins', () => {
  const scores = [0.13, 0.22, 0.24, 0.37, 0.83, 0.99, NaN];
  const labels = [false, false, 0, 0, true, 1, true];
  const spec = scoreHistogramSpec({ scores, threshold: 0.5, labels }, { bins: 10 });
  assertPlainJson(spec);
  const [normal, anomalous] = seriesOf(spec);
  assert.equal(normal!.name, 'normal');
  assert.equal(anomalous!.name, 'anomalous');
  const total = (s: Series) => s.data.reduce((a, p) => a + (p[1] as number), 0);
  assert.equal(total(normal!), 4);
  assert.equal(total(anomalous!), 2);
  assert.deepEqual(normal!.data.map((p) => p[0]), anomalous!.data.map((p) => p[0]));
  const x = spec.xAxis as { min: number; max: number };
  assert.equal(x.min, 0);
  assert.equal(x.max, 1);
  assert.deepEqual(anomalous!.markLine!.data, [{ xAxis: 0.5 }]);
  assert.equal(anomalous!.markLine!.label.formatter, 'threshold 0.5');
  assert.match((spec.title as { subtext: string }).subtext, /6 samples · 2 labelled anomalous · 1 non-finite left out/);
  // Each score falls in the bin whose centre is within half a bin width.
  const width = (x.max - x.min) / 10;
  const bar = (series: Series, s: number) => series.data.find((p) => Math.abs((p[0] as number) - s) < width / 2)![1];
  assert.deepEqual([0.13, 0.22, 0.37].map((s) => bar(normal!, s)), [1, 2, 1]);
  assert.deepEqual([0.83, 0.99].map((s) => bar(anomalous!, s)), [1, 1]);

  const one = seriesOf(scoreHistogramSpec({ scores: Float32Array.from([2, 2, 2]) }));
  assert.equal(one.length, 1);
  assert.equal(one[0]!.name, 'samples');
  assert.equal(one[0]!.data.reduce((a, p) => a + (p[1] as number), 0), 3);
  const log = scoreHistogramSpec({ scores: [1, 2, 50] }, { logCount: true });
  assert.equal((log.yAxis as { type: string }).type, 'log');
  assert.ok(seriesOf(log)[0]!.data.some((p) => p[1] === null), 'empty bins have no bar on a log axis');

  assert.throws(() => scoreHistogramSpec({ scores: [NaN] }), /none of the 1 scores is a finite number/);
  assert.throws(() => scoreHistogramSpec({ scores: [1], threshold: NaN }), /threshold must be a finite number/);
  assert.throws(() => scoreHistogramSpec({ scores: [1, 2], labels: [true] }), /1 labels for 2 scores/);
  assert.throws(() => scoreHistogramSpec({ scores: [1] }, { bins: 0 }), /bins must be an integer in \[1, 1000\]/);
});

test('formatNumber keeps chart labels short', () => {
  assert.equal(formatNumber(0.012345), '0.0123');
  assert.equal(formatNumber(1234.5), '1230');
  assert.equal(formatNumber(0.0000123), '1.23e-5');
  assert.equal(formatNumber(2e6), '2e+6');
  assert.equal(formatNumber(0), '0');
});
