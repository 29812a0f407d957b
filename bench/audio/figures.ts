/**
 * The audio benchmark's figures: for one test clip and each noise condition,
 * clean / noisy / denoised as WAV files, a waveform plot and spectrograms.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeWav } from '../../src/data/audio.js';
import { spectrogramsPng, waveformsPng } from '../../src/viz/audio.js';

export interface AudioExample {
  clean: Float32Array;
  noisy: Float32Array;
  denoised: Float32Array;
  kind: string;
  snr: number;
  file: string;
}

/** Writes `figures/<kind>-<snr>dB-{waveforms,spectrograms}.png` and the three WAVs of each example under `dir`. */
export async function writeAudioFigures(dir: string, examples: readonly AudioExample[], sampleRate: number): Promise<string[]> {
  const out = join(dir, 'figures');
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  for (const e of examples) {
    const stem = `${e.kind}-${e.snr}dB`;
    const clips = [{ name: `clean (${e.file})`, samples: e.clean }, { name: `noisy (${e.kind}, ${e.snr} dB)`, samples: e.noisy }, { name: 'denoised (aekit)', samples: e.denoised }];
    writeFileSync(join(out, `${stem}-waveforms.png`), await waveformsPng(clips, sampleRate, { title: `${e.file}: ${e.kind} noise at ${e.snr} dB` }));
    const short = [{ name: 'clean', samples: e.clean }, { name: `noisy ${e.snr} dB`, samples: e.noisy }, { name: 'denoised', samples: e.denoised }];
    writeFileSync(join(out, `${stem}-spectrograms.png`), spectrogramsPng(short, sampleRate, { nFft: 256, hop: 32, title: `${e.file}, ${e.kind} ${e.snr} dB` }));
    for (const c of ['clean', 'noisy', 'denoised'] as const) writeWav(join(out, `${stem}-${c}.wav`), { samples: e[c], sampleRate });
    written.push(stem);
  }
  return written;
}
