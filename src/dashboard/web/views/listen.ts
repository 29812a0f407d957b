/**
 * Listen: an audio run's clips as written by training (audio/clips.json,
 * src/runs/run-audio.ts): each clip's versions side by side (input and
 * reconstruction, or clean, noisy and denoised), each playable, with its
 * waveform and spectrogram drawn from the very WAV bytes the player gets.
 */
import type { RunAudioIndex } from '../../../runs/run-audio.js';
import { runFile } from '../api.js';
import { clipFigure, fetchWav, loudestDb, peakOf } from '../audio.js';
import { fill, h } from '../dom.js';
import type { Ctx } from '../main.js';

export function listenView(root: HTMLElement, ctx: Ctx): () => void {
  const id = ctx.id!;
  const clips = h('div', { id: 'listen-clips', dataset: { state: 'loading' } }, h('p', { class: 'note' }, 'Loading the clips…'));
  root.append(
    h('h1', {}, `Listen to ${id}`),
    h('p', { class: 'sub' }, 'Clips written by training (the run folder\'s audio/), played from their WAV files; the versions of a clip share one amplitude scale and one spectrogram colour scale (80 dB below their loudest bin), so a quieter version looks darker.'),
    clips,
  );
  let gone = false;
  void (async () => {
    try {
      const res = await fetch(runFile(id, 'audio/clips.json'), { cache: 'no-store' });
      if (!res.ok) throw new Error(`audio/clips.json: HTTP ${res.status}`);
      const index = (await res.json()) as RunAudioIndex;
      const cards = await Promise.all(index.clips.map(async (clip) => {
        const decoded = await Promise.all(clip.versions.map((v) => fetchWav(runFile(id, v.file))));
        const peak = peakOf(...decoded.map((d) => d.samples));
        const topDb = loudestDb(...decoded.map((d) => d.samples));
        return h('div', { class: 'card' }, h('h2', {}, clip.name), h('div', { class: 'audio-row' },
          ...clip.versions.map((v, i) => clipFigure(v.label, decoded[i]!.samples, decoded[i]!.sampleRate, runFile(id, v.file), { peak, topDb }))));
      }));
      if (gone) return;
      fill(clips, ...(cards.length ? cards : [h('p', { class: 'note' }, 'The run wrote no clips.')]));
      clips.dataset.state = 'done';
    } catch (e) {
      if (gone) return;
      clips.dataset.state = 'error';
      fill(clips, h('p', { class: 'error' }, `Cannot show the run's clips: ${(e as Error).message}`));
    }
  })();
  return () => {
    gone = true;
  };
}
