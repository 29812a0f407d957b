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
import { createRequire } from 'node:module';
import { writeFileAtomic } from '../io/files.js';
import { ConfigError, show } from '../config/validate.js';
import { DataFormatError, ioError } from './errors.js';
import { readDataFileSync } from './files.js';
import { type Dataset } from './types.js';

// Loaded on first use (createRequire: a synchronous import): commands that read no WAV files
// should not pay for loading it at start-up.
const waveFile = () => (createRequire(import.meta.url)('wavefile') as typeof import('wavefile')).WaveFile;

/** A mono clip: samples in [-1, 1] at `sampleRate` Hz. */
export interface AudioClip {
  samples: Float32Array;
  sampleRate: number;
}

/** Decodes WAV bytes into a mono float clip (channels averaged). */
export function decodeWav(bytes: Uint8Array, file = '<buffer>'): AudioClip {
  const wav = new (waveFile())();
  try {
    wav.fromBuffer(bytes);
  } catch (e) {
    throw new DataFormatError(file, {}, `not a WAV file wavefile can read: ${(e as Error).message}`);
  }
  const fmt = wav.fmt as { numChannels: number; sampleRate: number; audioFormat: number };
  // Compressed encodings (A-law, μ-law, ADPCM) are decoded to 16-bit PCM first.
  if (fmt.audioFormat === 6) wav.fromALaw();
  else if (fmt.audioFormat === 7) wav.fromMuLaw();
  else if (fmt.audioFormat === 17) wav.fromIMAADPCM();
  const depth = wav.bitDepth;
  const float = depth === '32f' || depth === '64';
  const bits = Number(depth);
  if (!float && !(bits >= 8 && bits <= 32)) throw new DataFormatError(file, {}, `unsupported bit depth '${depth}'`);
  // 8-bit PCM is unsigned (offset 128); wider PCM is signed.
  const offset = !float && bits === 8 ? 128 : 0;
  const scale = float ? 1 : 2 ** (bits - 1);
  const channels = fmt.numChannels;
  if (!(channels >= 1)) throw new DataFormatError(file, {}, `declares ${channels} channels`);
  const raw = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
  const planes = channels === 1 ? [raw as Float64Array] : (raw as Float64Array[]);
  const n = planes[0]!.length;
  const samples = new Float32Array(n);
  for (const plane of planes) for (let i = 0; i < n; i++) samples[i] += (plane[i]! - offset) / scale / channels;
  return { samples, sampleRate: fmt.sampleRate };
}

/** Reads a WAV file into a mono float clip. */
export function readWav(path: string, label = basename(path)): AudioClip {
  return decodeWav(readDataFileSync(path, label), label);
}

/** Options of {@link encodeWav}. */
export interface WavEncodeOptions {
  /** '16' (PCM, the default; values clipped to [-1, 1]) or '32f' (float, as is). */
  bitDepth?: '16' | '32f';
}

/** Encodes a mono clip as WAV bytes. */
export function encodeWav(clip: AudioClip, options: WavEncodeOptions = {}): Uint8Array {
  const depth = options.bitDepth ?? '16';
  if (depth !== '16' && depth !== '32f') throw new ConfigError('encodeWav.bitDepth', `expected '16' or '32f', got ${show(depth)}`);
  if (!(Number.isInteger(clip.sampleRate) && clip.sampleRate > 0)) throw new ConfigError('encodeWav.sampleRate', `expected a positive integer, got ${show(clip.sampleRate)}`);
  const wav = new (waveFile())();
  if (depth === '32f') {
    wav.fromScratch(1, clip.sampleRate, '32f', Float64Array.from(clip.samples));
  } else {
    const pcm = new Int16Array(clip.samples.length);
    for (let i = 0; i < pcm.length; i++) {
      const v = Math.max(-1, Math.min(1, clip.samples[i]!));
      pcm[i] = Math.round(v * 32767);
    }
    wav.fromScratch(1, clip.sampleRate, '16', pcm);
  }
  return wav.toBuffer();
}

/** Writes a mono clip as a WAV file (atomically). */
export function writeWav(path: string, clip: AudioClip, options: WavEncodeOptions = {}): void {
  writeFileAtomic(path, encodeWav(clip, options));
}

/** The clip at another sample rate, by wavefile's windowed-sinc resampler with its anti-aliasing low-pass filter. */
export function resample(clip: AudioClip, sampleRate: number): AudioClip {
  if (!(Number.isInteger(sampleRate) && sampleRate > 0)) throw new ConfigError('resample.sampleRate', `expected a positive integer, got ${show(sampleRate)}`);
  if (sampleRate === clip.sampleRate) return { samples: clip.samples.slice(), sampleRate };
  const wav = new (waveFile())();
  wav.fromScratch(1, clip.sampleRate, '32f', Float64Array.from(clip.samples));
  wav.toSampleRate(sampleRate, { method: 'sinc' });
  return { samples: Float32Array.from(wav.getSamples(false, Float64Array) as unknown as Float64Array), sampleRate };
}

/**
 * `samples` made exactly `length` long: longer clips lose their end
 * (`crop: 'start'`, the default: the first `length` samples are kept) or both
 * ends equally (`'center'`); shorter ones get zeros appended.
 */
export function fitLength(samples: Float32Array, length: number, crop: 'start' | 'center' = 'start'): Float32Array {
  if (!(Number.isInteger(length) && length >= 1)) throw new ConfigError('fitLength.length', `expected a positive integer, got ${show(length)}`);
  const out = new Float32Array(length);
  const from = samples.length > length && crop === 'center' ? Math.floor((samples.length - length) / 2) : 0;
  out.set(samples.subarray(from, from + Math.min(length, samples.length)));
  return out;
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
