import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatNumber, latentScatterSpec, lossAxisName, lossCurveFromHistory, lossCurvesSpec, precisionRecallSpec, reconstructionLinesSpec, rocCurveSpec, scoreHistogramSpec, type ChartSpec,
} from '../../src/viz/charts.js';
import { averagePrecision, precisionRecallCurve, rocAuc, rocCurve } from '../../src/eval/detection.js';

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
  const x = spec.xAxis as { min: number; max: number; interval: number };
  assert.deepEqual([x.min, x.max, x.interval], [0.1, 1, 0.1], 'the axis hugs the scores on whole ticks');
  assert.deepEqual(anomalous!.markLine!.data, [{ xAxis: 0.5 }]);
  assert.equal(anomalous!.markLine!.label.formatter, 'threshold 0.5');
  assert.match((spec.title as { subtext: string }).subtext, /6 samples · 2 labelled anomalous · 1 non-finite left out/);
  // At least 10 bins, a whole number per tick: 9 ticks of 2 bins.
  assert.equal(normal!.data.length, 18);
  // Each score falls in the bin whose centre is within half a bin width.
  const width = (x.max - x.min) / 18;
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

test('score histogram: the axis fits the bulk; a far tail is counted in a labelled gray bar, not stretched over', () => {
  // The demo's case: normal scores in −4…5 and a tail of anomalies to 100, two of them far past it.
  const scores = [...Array.from({ length: 400 }, (_, i) => -4 + (9 * i) / 399), ...Array.from({ length: 400 }, (_, i) => (100 * i) / 399), 500, 900];
  const labels = scores.map((_, i) => (i < 400 ? 0 : 1));
  const spec = scoreHistogramSpec({ scores, labels, threshold: 3 });
  assertPlainJson(spec);
  const x = spec.xAxis as { min: number; max: number; interval: number; axisLabel: { showMaxLabel: boolean; showMinLabel: boolean } };
  assert.equal(x.interval, 10);
  assert.equal(x.min, -10, 'not −50: the axis ends on the nearest tick below the data');
  const series = seriesOf(spec);
  const off = series.find((s) => s.name === 'off scale') as unknown as { data: { value: [number, number]; label: { formatter: string } }[] };
  assert.equal(off.data.length, 1);
  const upper = Number(off.data[0]!.label.formatter.split(' > ')[1]);
  assert.match(off.data[0]!.label.formatter, /^2 > /, 'the two far scores are counted and say where the axis ends');
  assert.ok(upper >= 100 && upper <= 110, `upper end ${upper}`);
  assert.ok(x.max > upper, 'one more bin past the end holds the off-scale bar');
  assert.equal(x.axisLabel.showMaxLabel, false, 'no score label under the off-scale bar');
  const onAxis = series.filter((s) => s.name !== 'off scale').reduce((a, s) => a + s.data.reduce((b, p) => b + (p[1] as number), 0), 0);
  assert.equal(onAxis + 2, scores.length, 'every score is counted once');
  assert.match((spec.title as { subtext: string }).subtext, /802 samples · 402 labelled anomalous · 2 off scale \(gray\)/);
  // The normal scores spread over several bins now.
  assert.ok(series[0]!.data.filter((p) => (p[1] as number) > 0).length >= 4);
  const full = scoreHistogramSpec({ scores, labels }, { range: 'full' });
  assert.equal(seriesOf(full).some((s) => s.name === 'off scale'), false);
  assert.ok((full.xAxis as { max: number }).max >= 900);
  assert.throws(() => scoreHistogramSpec({ scores }, { range: [2, 1] }), /range must be 'auto', 'full' or \[min, max\]/);
});

test('score histogram: positive scores spanning decades get a log score axis with whole decades', () => {
  const scores = Array.from({ length: 300 }, (_, i) => 10 ** (-4 + (5 * i) / 299));
  const spec = scoreHistogramSpec({ scores, threshold: 0.05 });
  const x = spec.xAxis as { type: string; min: number; max: number; logBase: number };
  assert.deepEqual([x.type, x.min, x.max, x.logBase], ['log', 0.0001, 10, 10]);
  assert.match((spec.title as { subtext: string }).subtext, /log score axis/);
  const bars = seriesOf(spec)[0]!.data;
  assert.equal(bars.length % 5, 0, 'a whole number of bins per decade');
  assert.ok((bars[1]![0] as number) / (bars[0]![0] as number) > 1.2, 'bin centres grow by a constant factor');
  assert.equal((scoreHistogramSpec({ scores }, { logScores: false }).xAxis as { type: string }).type, 'value');
  assert.equal((scoreHistogramSpec({ scores: [-1, ...scores] }).xAxis as { type: string }).type, 'value', 'no log axis with a non-positive score');
  assert.throws(() => scoreHistogramSpec({ scores: [-1, 1] }, { logScores: true }), /logarithmic score axis needs every score/);
});

test('loss curves: the y axis names the loss; runs of different scales or losses are normalised, and say so', () => {
  assert.equal(lossAxisName('bce', 'perElement'), 'loss: BCE, mean per value');
  assert.equal(lossAxisName('bce', 'perSample', ['KL']), 'loss: BCE + KL, sum per sample');
  const named = lossCurvesSpec({ train: [0.3, 0.2] }, { yName: lossAxisName('mse', 'perElement') });
  assert.equal((named.yAxis as { name: string }).name, 'loss: MSE, mean per value');
  assert.equal((lossCurvesSpec({ train: [1, 0.5], unit: 'loss: MSE, mean per value' }).yAxis as { name: string }).name, 'loss: MSE, mean per value', 'a single unit names the axis');
  // A run-folder history: epoch column and validation keys.
  const curve = lossCurveFromHistory([{ epoch: 3, loss: 0.4, valLoss: 0.5, lr: 1e-3 }, { epoch: 4, loss: 0.3, valLoss: 0.45, lr: 1e-3 }]);
  assert.deepEqual(curve.x, [3, 4], 'x from the epoch column (a resumed run)');
  assert.deepEqual(curve.validation, [0.5, 0.45]);
  assert.deepEqual(seriesOf(lossCurvesSpec(curve)).map((s) => s.name), ['train', 'validation']);

  // The runs comparison: a VAE's loss summed per image (~157) next to per-pixel losses (~0.1).
  const mixed = lossCurvesSpec([
    { name: 'vae', train: [190, 160, 157], unit: lossAxisName('bce', 'perSample', ['KL']) },
    { name: 'conv', train: [0.3, 0.12, 0.1], validation: [0.32, 0.15, 0.12], unit: lossAxisName('bce', 'perElement') },
  ]);
  assertPlainJson(mixed);
  const series = seriesOf(mixed);
  assert.deepEqual(series[0]!.data.map((p) => p[1]), [1, 160 / 190, 157 / 190].map((v) => Number(v.toPrecision(6))));
  assert.deepEqual(series[1]!.data.map((p) => p[1]), [1, 0.4, Number((0.1 / 0.3).toPrecision(6))]);
  assert.equal(series[2]!.data[0]![1], Number((0.32 / 0.3).toPrecision(6)), 'validation divided by the same first training loss');
  assert.equal((mixed.yAxis as { name: string; type: string }).name, "loss ÷ the run's first loss");
  assert.equal((mixed.yAxis as { type: string }).type, 'value', 'normalised curves need no log axis');
  assert.match((mixed.title as { subtext: string }).subtext, /each run divided by its first loss \(different losses: vae 190, conv 0.3\)/);
  // Without units, scales apart by more than 20× are normalised too; close ones are not.
  assert.match(((lossCurvesSpec([{ train: [157, 150] }, { train: [0.1, 0.09] }]).title) as { subtext: string }).subtext, /scales differ/);
  assert.equal((lossCurvesSpec([{ train: [0.2, 0.1] }, { train: [0.1, 0.09] }]).yAxis as { name: string }).name, 'loss');
  assert.equal((lossCurvesSpec([{ train: [0.2, 0.1] }, { train: [0.1, 0.09] }], { normalize: true }).yAxis as { name: string }).name, "loss ÷ the run's first loss");
});

test('ROC and precision-recall curves: the points of src/eval, the AUCs in the subtitle, the threshold marked', () => {
  const scores = [0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.35];
  const labels = [0, 0, 1, 1, 0, 0, 1, 0];
  const roc = rocCurveSpec({ scores, labels, threshold: 0.5 });
  assertPlainJson(roc);
  const [curve, chance, point] = seriesOf(roc);
  const expected = rocCurve(scores, labels);
  assert.deepEqual(curve!.data, expected.x.map((v, i) => [Number(v.toPrecision(6)), Number(expected.y[i]!.toPrecision(6))]));
  assert.deepEqual(curve!.data[0], [0, 0]);
  assert.deepEqual(curve!.data.at(-1), [1, 1]);
  assert.deepEqual(chance!.data, [[0, 0], [1, 1]]);
  // Flagged above 0.5: 0.8 and 0.9 (anomalies) and 0.7 (normal): TPR 2/3, FPR 1/5.
  assert.deepEqual(point!.data, [[0.2, Number((2 / 3).toPrecision(6))]]);
  assert.equal(point!.name, 'threshold 0.5');
  assert.match((roc.title as { subtext: string }).subtext, new RegExp(`ROC-AUC ${rocAuc(scores, labels).toFixed(3)} · 3 anomalous of 8 samples`));
  const axes = [roc.xAxis, roc.yAxis] as { min: number; max: number; name: string }[];
  assert.deepEqual(axes.map((a) => [a.min, a.max]), [[0, 1], [0, 1]]);
  assert.match(axes[0]!.name, /false-positive rate/);
  assert.match(axes[1]!.name, /true-positive rate/);

  const pr = precisionRecallSpec({ scores, labels, threshold: 0.5 });
  assertPlainJson(pr);
  const [prCurve, base, prPoint] = seriesOf(pr);
  const prExpected = precisionRecallCurve(scores, labels);
  assert.deepEqual(prCurve!.data.slice(1).map((p) => p[0]), prExpected.x.map((v) => Number(v.toPrecision(6))));
  assert.deepEqual(prCurve!.data[0], [0, prExpected.y[0]], 'starts at recall 0');
  assert.deepEqual(base!.data, [[0, 0.375], [1, 0.375]], 'a random ranking reaches the base rate');
  assert.deepEqual(prPoint!.data, [[Number((2 / 3).toPrecision(6)), Number((2 / 3).toPrecision(6))]]);
  assert.match((pr.title as { subtext: string }).subtext, new RegExp(`average precision ${averagePrecision(scores, labels).toFixed(3)}`));

  const many = Array.from({ length: 5000 }, (_, i) => i);
  assert.equal(seriesOf(rocCurveSpec({ scores: many, labels: many.map((i) => i % 3 === 0) }, { maxPoints: 100 }))[0]!.data.length, 100);
  assert.throws(() => rocCurveSpec({ scores: [1, 2], labels: [1, 1] }), /rocCurve: needs both classes/);
  assert.throws(() => rocCurveSpec({ scores, labels, threshold: NaN }), /rocCurveSpec: threshold must be a finite number/);
});

test('reconstruction lines: one panel per sample, input and reconstruction as two lines over features from 1', () => {
  const inputs = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const reconstructions = [1, 2, 2, 4, 5, 6, 7, 8, 10];
  const spec = reconstructionLinesSpec({ inputs, reconstructions, shape: [3, 3], labels: [0, 1, 1], classNames: ['ok', 'bad'] }, { samples: 2 });
  assertPlainJson(spec);
  const series = spec.series as unknown as { name: string; xAxisIndex: number; data: number[][]; lineStyle: { type?: string } }[];
  assert.deepEqual(series.map((s) => [s.name, s.xAxisIndex]), [['input', 0], ['reconstruction', 0], ['input', 1], ['reconstruction', 1]]);
  assert.deepEqual(series[0]!.data, [[1, 1], [2, 2], [3, 3]]);
  assert.deepEqual(series[1]!.data, [[1, 1], [2, 2], [3, 2]]);
  assert.equal(series[1]!.lineStyle.type, 'dashed');
  const titles = (spec.title as { text: string }[]).map((t) => t.text);
  assert.deepEqual(titles, ['Inputs and reconstructions', 'sample 0 · ok · MSE 0.333', 'sample 1 · bad · MSE 0']);
  const xAxes = spec.xAxis as { min: number; max: number; name: string }[];
  assert.deepEqual(xAxes.map((a) => [a.min, a.max]), [[1, 3], [1, 3]]);
  assert.equal(xAxes[0]!.name, 'feature');
  // A sequence [n, T, C]: the chosen channel over time steps.
  const seq = reconstructionLinesSpec({ inputs: [1, 10, 2, 20, 3, 30], reconstructions: [1, 10, 2, 20, 3, 30], shape: [1, 3, 2], indices: [0] }, { channel: 1 });
  assert.deepEqual((seq.series as unknown as { data: number[][] }[])[0]!.data, [[1, 10], [2, 20], [3, 30]]);
  assert.equal((seq.xAxis as { name: string }[])[0]!.name, 'time step');
  assert.match((seq.title as { subtext: string }[])[0]!.subtext, /channel 2 of 2/);
  assert.throws(() => reconstructionLinesSpec({ inputs, reconstructions: [1], shape: [3, 3] }), /9 input and 1 reconstructed values do not both fill shape \[3,3\]/);
  assert.throws(() => reconstructionLinesSpec({ inputs, reconstructions, shape: [3, 3], indices: [3] }), /indices must be sample indices in \[0, 2\]/);
});
