/**
 * The file-system-free half of audio.ts: WAV decoding and encoding through
 * the `wavefile` package and fixed-length cropping and padding. The
 * dashboard's page bundles this module (Try it encodes its outputs as WAV
 * with {@link encodeWav}), so it must not import anything of Node.
 *
 * Conventions: samples are float32 in [-1, 1] (integer PCM divided by
 * 2^(bits−1); float files as stored); several channels are mixed down to one
 * by their mean.
 */
import wavefile from 'wavefile';
import { ConfigError, show } from '../config/validate.js';
import { DataFormatError } from './errors.js';

const { WaveFile } = wavefile;

/** A mono clip: samples in [-1, 1] at `sampleRate` Hz. */
export interface AudioClip {
  samples: Float32Array;
  sampleRate: number;
}

/** Decodes WAV bytes into a mono float clip (channels averaged). */
export function decodeWav(bytes: Uint8Array, file = '<buffer>'): AudioClip {
  const wav = new WaveFile();
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
  const wav = new WaveFile();
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
