import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FSDD_PATTERN, decodeWav, encodeWav, fitLength, loadAudioFolder, readWav, resample, writeWav } from '../../src/data/audio.js';
import { DataFormatError } from '../../src/data/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-audio-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const tone = (n: number, f: number, rate: number, amp = 0.5) => Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / rate));

/** A 16-bit stereo PCM WAV written byte by byte (the header of the RIFF spec), independent of the library. */
function stereoPcm16(left: number[], right: number[], rate: number): Uint8Array {
  const n = left.length;
  const buf = Buffer.alloc(44 + n * 4);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + n * 4, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(2, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 4, 28); buf.writeUInt16LE(4, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(n * 4, 40);
  for (let i = 0; i < n; i++) { buf.writeInt16LE(left[i]!, 44 + i * 4); buf.writeInt16LE(right[i]!, 46 + i * 4); }
  return buf;
}

describe('WAV', () => {
  it('decodes hand-written 16-bit stereo PCM to the mean of the channels over 32768', () => {
    const clip = decodeWav(stereoPcm16([16384, -32768, 0], [0, -32768, 32767], 8000));
    assert.equal(clip.sampleRate, 8000);
    assert.deepEqual(Array.from(clip.samples), [0.25, -1, 32767 / 65536].map(Math.fround));
  });

  it('round-trips 16-bit PCM within half a step and 32-bit float exactly', () => {
    const x = tone(400, 440, 8000);
    const pcm = decodeWav(encodeWav({ samples: x, sampleRate: 8000 }));
    assert.equal(pcm.samples.length, 400);
    for (let i = 0; i < 400; i++) assert.ok(Math.abs(pcm.samples[i]! - x[i]! * 32767 / 32768) <= 0.5 / 32768 + 1e-7);
    const f = decodeWav(encodeWav({ samples: x, sampleRate: 16000 }, { bitDepth: '32f' }));
    assert.equal(f.sampleRate, 16000);
    assert.deepEqual(Array.from(f.samples), Array.from(x));
  });

  it('names the file of bytes that are not a WAV', () => {
    assert.throws(() => decodeWav(new Uint8Array([1, 2, 3, 4]), 'x.wav'), (e: unknown) => e instanceof DataFormatError && e.message.startsWith('x.wav: '));
  });

  it('resamples a tone to another rate keeping its frequency and amplitude (delay under one sample)', () => {
    const up = resample({ samples: tone(800, 200, 8000), sampleRate: 8000 }, 16000);
    assert.equal(up.sampleRate, 16000);
    assert.equal(up.samples.length, 1600);
    const ref = tone(1600, 200, 16000);
    // wavefile's sinc resampler shifts the output by a fraction of a sample: compare at the best of shifts −1, 0, 1.
    const err = Math.min(...[-1, 0, 1].map((s) => {
      let e = 0;
      for (let i = 100; i < 1500; i++) e = Math.max(e, Math.abs(up.samples[i + s]! - ref[i]!));
      return e;
    }));
    assert.ok(err < 0.04, `max error ${err}`);
  });

  it('crops from the start or the centre and pads with zeros', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5]);
    assert.deepEqual(Array.from(fitLength(x, 3)), [1, 2, 3]);
    assert.deepEqual(Array.from(fitLength(x, 3, 'center')), [2, 3, 4]);
    assert.deepEqual(Array.from(fitLength(x, 7)), [1, 2, 3, 4, 5, 0, 0]);
  });
});

describe('loadAudioFolder', () => {
  it('reads a folder with labels from the file names, fixed length, full clips kept', async () => {
    const folder = join(dir, 'digits');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(folder);
    writeWav(join(folder, '1_bob_0.wav'), { samples: tone(100, 300, 8000), sampleRate: 8000 });
    writeWav(join(folder, '0_amy_3.wav'), { samples: tone(60, 500, 8000), sampleRate: 8000 });
    writeWav(join(folder, '10_amy_1.wav'), { samples: tone(80, 700, 8000), sampleRate: 8000 });
    writeFileSync(join(folder, 'notes.txt'), 'not audio');
    const a = await loadAudioFolder(folder, { pattern: FSDD_PATTERN, length: 64 });
    assert.deepEqual(a.files, ['0_amy_3.wav', '10_amy_1.wav', '1_bob_0.wav']);
    assert.deepEqual(a.dataset.shape, [3, 64]);
    assert.deepEqual(a.dataset.labelNames, ['0', '1', '10']);
    assert.deepEqual(Array.from(a.dataset.labels!), [0, 2, 1]);
    assert.deepEqual(a.fields.speaker, ['amy', 'amy', 'bob']);
    assert.deepEqual(a.clips.map((c) => c.length), [60, 80, 100]);
    assert.equal(a.dataset.x[63], 0); // the 60-sample clip is padded
    const bySpeaker = await loadAudioFolder(folder, { pattern: FSDD_PATTERN.source, labelGroup: 'speaker' });
    assert.deepEqual(bySpeaker.dataset.labelNames, ['amy', 'bob']);
    assert.deepEqual(bySpeaker.dataset.shape, [3, 100]);
    await assert.rejects(loadAudioFolder(folder, { pattern: /^(?<digit>\d)_x/ }), /does not match/);
  });

  it('resamples files of another rate only when asked to', async () => {
    const folder = join(dir, 'rates');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(folder);
    writeWav(join(folder, 'a.wav'), { samples: tone(80, 300, 8000), sampleRate: 8000 });
    writeWav(join(folder, 'b.wav'), { samples: tone(160, 300, 16000), sampleRate: 16000 });
    await assert.rejects(loadAudioFolder(folder), /sample rate 16000 Hz/);
    const a = await loadAudioFolder(folder, { sampleRate: 8000 });
    assert.deepEqual(a.clips.map((c) => c.length), [80, 80]);
    assert.equal(readWav(join(folder, 'a.wav')).samples.length, 80);
  });
});
