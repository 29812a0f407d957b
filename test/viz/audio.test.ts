import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { spectrogramsPng, waveformsPng, waveformsSpec } from '../../src/viz/audio.js';

const tone = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * f * i) / 8000));

describe('audio figures', () => {
  it('spectrograms: one image per clip side by side, a tone a bright row near the bottom for a low pitch', () => {
    const png = PNG.sync.read(Buffer.from(spectrogramsPng([{ name: 'low', samples: tone(2000, 500) }, { name: 'high', samples: tone(2000, 3000) }], { nFft: 64, hop: 32, scale: 1 })));
    assert.ok(png.width >= 2 * 63 && png.height >= 33);
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
