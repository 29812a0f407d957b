/**
 * A run's `audio/` folder: a few clips as WAV files (input and
 * reconstruction, or clean, noisy and denoised), with `audio/clips.json`
 * listing them, so that the dashboard can play them and draw their
 * waveforms and spectrograms, and a person can open them from the folder.
 */
import { join } from 'node:path';
import { encodeWav } from '../data/audio-core.js';
import { type RunFolder } from './run-folder.js';

/** The index file of a run's audio, relative to the run folder. */
export const RUN_AUDIO_INDEX = 'audio/clips.json';

/** A clip to write: its versions in the order they are listed (e.g. input, reconstruction). */
export interface RunAudioClip {
  name: string;
  versions: { label: string; samples: Float32Array }[];
}

/** `audio/clips.json`: the sample rate and, per clip, each version's WAV file (relative to the run folder). */
export interface RunAudioIndex {
  sampleRate: number;
  clips: { name: string; versions: { label: string; file: string; samples: number }[] }[];
}

/** Writes the clips as 16-bit WAV files under audio/ and their index; returns the index. */
export function writeRunAudio(run: RunFolder, clips: readonly RunAudioClip[], sampleRate: number): RunAudioIndex {
  const index: RunAudioIndex = { sampleRate, clips: [] };
  clips.forEach((clip, i) => {
    const versions = clip.versions.map((v) => {
      const file = join('audio', `${i + 1}-${v.label.replace(/[^A-Za-z0-9]+/g, '-')}.wav`).split('\\').join('/');
      run.write(file, encodeWav({ samples: v.samples, sampleRate }));
      return { label: v.label, file, samples: v.samples.length };
    });
    index.clips.push({ name: clip.name, versions });
  });
  run.write(RUN_AUDIO_INDEX, index);
  return index;
}
