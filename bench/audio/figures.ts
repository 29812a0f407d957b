/**
 * The audio benchmark's figures: for one test clip and each noise condition,
 * clean / noisy / denoised as WAV files, a waveform plot and spectrograms.
 *
 * `node --import tsx bench/audio/figures.ts <out> [clip]` draws the PNGs again from
 * the WAVs a finished run left in `<out>/figures/` (after a change to the
 * figures, without training again).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readWav, writeWav } from '../../src/data/audio.js';
import { writeFileAtomic } from '../../src/io/files.js';
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
    writeFileAtomic(join(out, `${stem}-waveforms.png`), await waveformsPng(clips, sampleRate, { title: `${e.file}: ${e.kind} noise at ${e.snr} dB` }));
    const short = [{ name: 'clean', samples: e.clean }, { name: `noisy ${e.snr} dB`, samples: e.noisy }, { name: 'denoised', samples: e.denoised }];
    writeFileAtomic(join(out, `${stem}-spectrograms.png`), spectrogramsPng(short, sampleRate, { nFft: 256, hop: 32, title: `${e.file}, ${e.kind} ${e.snr} dB` }));
    for (const c of ['clean', 'noisy', 'denoised'] as const) writeWav(join(out, `${stem}-${c}.wav`), { samples: e[c], sampleRate });
    written.push(stem);
  }
  writeFileAtomic(join(out, 'examples.json'), `${JSON.stringify(examples.map((e) => ({ stem: `${e.kind}-${e.snr}dB`, kind: e.kind, snr: e.snr, file: e.file })))}\n`);
  return written;
}

/** Draws the PNGs of `dir`/figures again from its WAVs; the clip's name comes from examples.json when the run wrote one, else `clipName`. */
export async function redrawAudioFigures(dir: string, clipName = 'first test clip'): Promise<string[]> {
  const figures = join(dir, 'figures');
  if (!existsSync(figures)) throw new Error(`redrawAudioFigures: no folder ${figures}`);
  const listed = existsSync(join(figures, 'examples.json')) ? JSON.parse(readFileSync(join(figures, 'examples.json'), 'utf8')) as { stem: string; file: string }[] : [];
  const examples: AudioExample[] = [];
  let rate = 0;
  for (const name of readdirSync(figures).filter((f) => f.endsWith('-clean.wav')).sort()) {
    const stem = name.slice(0, -'-clean.wav'.length);
    const m = /^(?<kind>[a-z]+)-(?<snr>-?\d+)dB$/.exec(stem);
    if (!m) continue;
    const read = (c: string) => readWav(join(figures, `${stem}-${c}.wav`));
    const clean = read('clean');
    rate = clean.sampleRate;
    examples.push({ clean: clean.samples, noisy: read('noisy').samples, denoised: read('denoised').samples, kind: m.groups!.kind!, snr: Number(m.groups!.snr), file: listed.find((e) => e.stem === stem)?.file ?? clipName });
  }
  if (examples.length === 0) throw new Error(`redrawAudioFigures: no <kind>-<snr>dB-clean.wav in ${figures}`);
  return writeAudioFigures(dir, examples, rate);
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node --import tsx bench/audio/figures.ts <bench output folder> [clip name, for runs without examples.json]');
    process.exit(2);
  }
  console.log((await redrawAudioFigures(dir, process.argv[3])).join('\n'));
}
