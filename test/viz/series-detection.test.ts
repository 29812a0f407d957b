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
