import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pngjs from 'pngjs';
import { seriesDetectionPng, seriesDetectionSpec, thinIndices } from '../../src/viz/index.js';

describe('series detection figure', () => {
  it('thinning keeps each bucket\'s extremes, so a one-step spike survives', () => {
    const v = Array.from({ length: 10_000 }, (_, t) => (t === 7777 ? 100 : Math.sin(t / 50)));
    const idx = thinIndices((t) => v[t]!, v.length, 500);
    assert.ok(idx.length <= 500);
    assert.ok(idx.includes(7777));
    assert.deepEqual(idx, [...idx].sort((a, b) => a - b), 'in step order');
    assert.deepEqual(thinIndices((t) => t, 5, 500), [0, 1, 2, 3, 4]);
    // A range of steps: only its steps, its spike kept.
    const part = thinIndices((t) => v[t]!, v.length, 100, { from: 7000, to: 9000 });
    assert.ok(part.length <= 100 && part.every((t) => t >= 7000 && t < 9000));
    assert.ok(part.includes(7777));
    assert.deepEqual(thinIndices((t) => v[t]!, v.length, 100, { from: 10, to: 13 }), [10, 11, 12]);
  });

  it('for the dashboard: a panel per channel, a detail window drawn finer than the rest, zoom over every panel', () => {
    const n = 20_000;
    const values = Float32Array.from({ length: 3 * n }, (_, i) => (i % 3) * 100 + Math.sin(i / 30));
    const scores = Float64Array.from({ length: n }, (_, t) => (t >= 12_000 && t < 12_050 ? 5 : 0.5));
    const input = { values, channels: 3, channelNames: ['a', 'b', 'c'], scores, threshold: 2, ranges: [{ start: 12_000, end: 12_050 }], trainSteps: 10_000 };
    type Spec = { grid: { top: number; height: number }[]; series: { name: string; xAxisIndex: number; data: number[][]; markArea?: { data: unknown[] } }[]; yAxis: { name?: string }[]; dataZoom?: { type: string; xAxisIndex: number[]; startValue: number; endValue: number }[] };
    const spec = seriesDetectionSpec(input, { panels: 'channels', maxPoints: 1000, detail: { from: 11_900, to: 12_100 }, zoom: true, height: 900 }) as unknown as Spec;
    assert.equal(spec.grid.length, 4, 'three channels and the score');
    assert.deepEqual(spec.series.map((x) => [x.name, x.xAxisIndex]), [['a', 0], ['b', 1], ['c', 2], ['score', 3], ['threshold 2', 3]]);
    assert.deepEqual(spec.yAxis.slice(0, 3).map((y) => y.name), ['a', 'b', 'c']);
    for (const c of spec.series.slice(0, 3)) assert.equal(c.markArea!.data.length, 2, `${c.name}: training steps and the flagged range shaded`);
    assert.ok(spec.grid.at(-1)!.top + spec.grid.at(-1)!.height <= 900 - 60, 'the panels leave room for the axis and the zoom bar');
    const score = spec.series[3]!.data.map((p) => p[0]!);
    const inside = score.filter((t) => t >= 11_900 && t < 12_100);
    assert.equal(inside.length, 200, 'every step of the detail window');
    assert.ok(score.length < 200 + 260, `the rest thinner: ${score.length} points in all`);
    assert.deepEqual(score, [...score].sort((p, q) => p - q));
    assert.deepEqual(spec.series[4]!.data.map((p) => p[0]), [0, 11_900, 12_099, n - 1], 'the threshold line has points in the window (a zoomed chart filters the others out)');
    assert.deepEqual(spec.dataZoom!.map((z) => [z.type, z.xAxisIndex, z.startValue, z.endValue]), [['inside', [0, 1, 2, 3], 11_900, 12_099], ['slider', [0, 1, 2, 3], 11_900, 12_099]]);
    const png = seriesDetectionSpec(input) as unknown as Spec;
    assert.equal(png.grid.length, 2, 'the figure: channels share a panel');
    assert.equal(png.dataZoom, undefined);
  });

  it('draws the series, the score with its threshold, flagged ranges and labelled anomalies; bad input is named', async () => {
    const n = 300;
    const values = Float32Array.from({ length: 2 * n }, (_, i) => Math.sin(i / 10));
    const scores = Float64Array.from({ length: n }, (_, t) => (t >= 200 && t < 220 ? 5 : 0.5));
    const input = { values, channels: 2, channelNames: ['a', 'b'], scores, threshold: 2, ranges: [{ start: 200, end: 220 }], trainSteps: 100, labels: Uint8Array.from({ length: n }, (_, t) => (t >= 195 && t < 225 ? 1 : 0)) };
    const spec = seriesDetectionSpec(input) as { series: { name: string; markArea?: { data: unknown[] } }[]; title: { subtext: string } };
    assert.deepEqual(spec.series.map((s) => s.name), ['a', 'b', 'score', 'threshold 2']);
    assert.equal(spec.series[0]!.markArea!.data.length, 2, 'training steps and the flagged range');
    assert.equal(spec.series[2]!.markArea!.data.length, 2, 'the labelled anomaly and the flagged range');
    assert.equal(spec.title.subtext, '1 flagged range (20 of 300 steps) in red · training steps in grey · labelled anomalies in yellow');
    const png = pngjs.PNG.sync.read(Buffer.from(await seriesDetectionPng(input)));
    assert.deepEqual([png.width, png.height], [1100, 620]);
    assert.throws(() => seriesDetectionSpec({ ...input, channels: 3 }), /600 values are not 300 steps × 3 channels/);
    assert.throws(() => seriesDetectionSpec({ ...input, ranges: [{ start: 290, end: 310 }] }), /range \[290, 310\) is not inside \[0, 300\)/);
    assert.throws(() => seriesDetectionSpec({ ...input, timestamps: [1, 2] }), /2 timestamps for 300 steps/);
  });
});
