import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { heatColor, spectrogramsPng, waveformsPng, waveformsSpec } from '../../src/viz/audio.js';

const tone = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * f * i) / 8000));

describe('audio figures', () => {
  it('spectrograms: one panel per clip side by side with axes and a colour bar; a tone is a bright row at its frequency', () => {
    const png = PNG.sync.read(Buffer.from(spectrogramsPng([{ name: 'low', samples: tone(2000, 500) }, { name: 'high', samples: tone(2000, 3000) }], 8000, { nFft: 64, hop: 32, panelWidth: 200, panelHeight: 160 })));
    assert.ok(png.width >= 2 * 200 + 100 && png.height >= 160 + 40, `${png.width}×${png.height}`);
    // Panel 1 spans x ∈ [70, 270], y ∈ [28, 188] (no title): 500 Hz is 1/8 of the way up from the bottom, 3000 Hz 3/4.
    const at = (x: number, y: number) => png.data[(y * png.width + x) * 4]! + png.data[(y * png.width + x) * 4 + 1]!;
    const rowOf = (hz: number) => Math.round(28 + 160 - ((hz + 62.5) / (4000 - 62.5 + 62.5 + 62.5)) * 160);
    assert.ok(at(170, rowOf(500)) > at(170, rowOf(2000)) + 100, 'the 500 Hz row is brighter than 2 kHz in the first panel');
    assert.ok(at(70 + 200 + 24 + 100, rowOf(3000)) > at(70 + 200 + 24 + 100, rowOf(1000)) + 100, 'the 3 kHz row is brighter than 1 kHz in the second panel');
    assert.throws(() => spectrogramsPng([{ name: 'a', samples: tone(100, 500) }], 0), /sampleRate/);
  });

  it('heatColor runs from dark to light', () => {
    const lum = (v: number) => heatColor(v).reduce((a, c) => a + c, 0);
    for (let i = 0; i < 10; i++) assert.ok(lum((i + 1) / 10) > lum(i / 10), `at ${i / 10}`);
  });

  it('waveforms: one panel per clip, thinned to at most the asked points, peaks kept', async () => {
    const x = tone(10000, 50);
    x[5001] = 0.9;
    const spec = waveformsSpec([{ name: 'a', samples: x }, { name: 'b', samples: tone(5000, 80) }], 8000, { points: 500 });
    const series = spec.series as { data: [number, number][] }[];
    assert.equal(series.length, 2);
    assert.ok(series[0]!.data.length <= 500);
    assert.ok(series[0]!.data.some(([, v]) => Math.abs(v - 0.9) < 1e-6));
    const png = await waveformsPng([{ name: 'a', samples: x }], 8000);
    assert.deepEqual(Array.from(png.subarray(1, 4)), [0x50, 0x4e, 0x47]);
  });
});
