/**
 * Audio files: WAV decoding and encoding (through the `wavefile` package,
 * which reads PCM of 8 to 32 bits, 32/64-bit float, A-law, μ-law and IMA
 * ADPCM, RIFF, RIFX and RF64), resampling, fixed-length cropping and padding,
 * and a folder of `.wav` files as a data set with labels parsed from the file
 * names.
 *
 * Conventions: samples are float32 in [-1, 1] (integer PCM divided by
 * 2^(bits−1); float files as stored); several channels are mixed down to one
 * by their mean; resampling is wavefile's windowed-sinc resampler with its
 * anti-aliasing low-pass filter; a clip is made `length` samples long by
 * keeping its first `length` samples (or its centre, `crop: 'center'`) and by
 * appending zeros.
 */
import { readdirSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import wavefile from 'wavefile';
import { writeFileAtomic } from '../io/files.js';
import { ConfigError, show } from '../config/validate.js';
import { DataFormatError, ioError } from './errors.js';
import { readDataFileSync } from './files.js';
import { type Dataset } from './types.js';
import { type AudioClip, type WavEncodeOptions, decodeWav, encodeWav, fitLength } from './audio-core.js';

export { type AudioClip, type WavEncodeOptions, decodeWav, encodeWav, fitLength } from './audio-core.js';

const { WaveFile } = wavefile;

/** Reads a WAV file into a mono float clip. */
export function readWav(path: string, label = basename(path)): AudioClip {
  return decodeWav(readDataFileSync(path, label), label);
}

/** Writes a mono clip as a WAV file (atomically). */
export function writeWav(path: string, clip: AudioClip, options: WavEncodeOptions = {}): void {
  writeFileAtomic(path, encodeWav(clip, options));
}

/** The clip at another sample rate, by wavefile's windowed-sinc resampler with its anti-aliasing low-pass filter. */
export function resample(clip: AudioClip, sampleRate: number): AudioClip {
  if (!(Number.isInteger(sampleRate) && sampleRate > 0)) throw new ConfigError('resample.sampleRate', `expected a positive integer, got ${show(sampleRate)}`);
  if (sampleRate === clip.sampleRate) return { samples: clip.samples.slice(), sampleRate };
  const wav = new WaveFile();
  wav.fromScratch(1, clip.sampleRate, '32f', Float64Array.from(clip.samples));
  wav.toSampleRate(sampleRate, { method: 'sinc' });
  return { samples: Float32Array.from(wav.getSamples(false, Float64Array) as unknown as Float64Array), sampleRate };
}

/** Options of {@link loadAudioFolder}. */
export interface AudioFolderOptions {
  /** Resample every file to this rate (Hz). Default: the first file's rate; other rates are then an error. */
  sampleRate?: number;
  /** Make every clip this many samples long ({@link fitLength}). Default: the longest clip's length (zeros appended). */
  length?: number;
  /** How clips longer than `length` are cut. Default 'start'. */
  crop?: 'start' | 'center';
  /**
   * A regular expression matched against each file name; its named groups
   * become label columns, e.g. FSDD's `^(?<digit>\d+)_(?<speaker>[a-z]+)_(?<take>\d+)\.wav$`.
   * A file whose name does not match is an error. Without it, no labels.
   */
  pattern?: string | RegExp;
  /** The named group that becomes the data set's `labels` (classes in sorted order). Default: the pattern's first group. */
  labelGroup?: string;
}

/** A folder of audio clips: the fixed-length data set, and each file's full clip and name fields. */
export interface AudioFolder {
  /** [n, length] samples (clips cropped or padded), `labels` from `labelGroup` when a pattern was given. */
  dataset: Dataset;
  /** Each file's clip at `sampleRate`, full length. */
  clips: Float32Array[];
  /** File names (sorted). */
  files: string[];
  sampleRate: number;
  /** Every named group of the pattern: one string per file. */
  fields: Record<string, string[]>;
}

/** Whether `path` is a folder holding at least one .wav file (what `--data` reads as audio). */
export function isAudioFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory() && readdirSync(path).some((f) => extname(f).toLowerCase() === '.wav');
  } catch {
    return false;
  }
}

/** FSDD's file names, `{digit}_{speaker}_{take}.wav`. */
export const FSDD_PATTERN = /^(?<digit>\d+)_(?<speaker>[a-z]+)_(?<take>\d+)\.wav$/;

/**
 * Reads every `.wav` file directly in `dir` (sorted by name) into one clip
 * per file and a fixed-length {@link Dataset}; see the module's TSDoc for the
 * conversions.
 */
export async function loadAudioFolder(dir: string, options: AudioFolderOptions = {}): Promise<AudioFolder> {
  const pattern = options.pattern === undefined ? undefined : typeof options.pattern === 'string' ? new RegExp(options.pattern) : options.pattern;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw ioError(basename(dir), e);
  }
  const files = entries.filter((e) => !e.isDirectory() && extname(e.name).toLowerCase() === '.wav').map((e) => e.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (files.length === 0) throw new DataFormatError(basename(dir), {}, 'no .wav files found');
  const fields: Record<string, string[]> = {};
  if (pattern) {
    for (const f of files) {
      const m = pattern.exec(f);
      if (!m?.groups) throw new DataFormatError(f, {}, `the file name does not match the pattern ${pattern} (with named groups)`);
      for (const [k, v] of Object.entries(m.groups)) (fields[k] ??= []).push(v ?? '');
    }
  }
  const clips: Float32Array[] = [];
  let rate = options.sampleRate;
  for (const f of files) {
    let clip = readWav(join(dir, f), f);
    if (rate === undefined) rate = clip.sampleRate;
    if (clip.sampleRate !== rate) {
      if (options.sampleRate === undefined) throw new DataFormatError(f, {}, `sample rate ${clip.sampleRate} Hz, but ${files[0]} has ${rate} Hz; pass a sampleRate to resample every file to it`);
      clip = resample(clip, rate);
    }
    clips.push(clip.samples);
  }
  const length = options.length ?? Math.max(...clips.map((c) => c.length));
  const x = new Float32Array(files.length * length);
  clips.forEach((c, i) => x.set(fitLength(c, length, options.crop ?? 'start'), i * length));
  const dataset: Dataset = { x, shape: [files.length, length], description: `audio from ${basename(dir)}: ${files.length} .wav files, mono at ${rate} Hz, ${length} samples each (cropped or zero-padded)` };
  const group = options.labelGroup ?? Object.keys(fields)[0];
  if (group !== undefined) {
    const values = fields[group];
    if (!values) throw new ConfigError('loadAudioFolder.labelGroup', `the pattern has no group '${group}' (groups: ${Object.keys(fields).join(', ')})`);
    const names = [...new Set(values)].sort((a, b) => (/^\d+$/.test(a) && /^\d+$/.test(b) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
    dataset.labels = Int32Array.from(values, (v) => names.indexOf(v));
    dataset.labelNames = names;
  }
  return { dataset, clips, files, sampleRate: rate!, fields };
}
