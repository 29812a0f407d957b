/**
 * Issue 26 (audio) dev check: 5-NN digit accuracy on FSDD's official split
 * for raw features, no training, to see which inputs a codes model should
 * start from (docs/audio.md, "What was tried"). Features z-scored per
 * dimension with the training clips' statistics.
 *
 *   node --import tsx bench/experiments/audio-knn-features.ts [fsdd-dir]
 */
import { join } from 'node:path';
import { FSDD_PATTERN, fitLength, loadAudioFolder } from '../../src/data/audio.js';
import { melFilterBank, mfcc, resampleFrames, stft } from '../../src/data/spectrogram.js';
import { knnAccuracy } from '../../src/eval/features.js';

const f = await loadAudioFolder(join(process.argv[2] ?? '../shared/data/fsdd', 'recordings'), { pattern: FSDD_PATTERN });
const take = f.fields.take!.map(Number);
const digit = f.fields.digit!.map(Number);
const tr = take.flatMap((t, i) => (t >= 5 ? [i] : []));
const te = take.flatMap((t, i) => (t <= 4 ? [i] : []));
const mels = 32;
const bank = melFilterBank(8000, 256, mels);
function logMel(c: Float32Array, hop: number): { v: Float32Array; frames: number } {
  const s = stft(c, { nFft: 256, hop });
  const v = new Float32Array(s.frames * mels);
  for (let t = 0; t < s.frames; t++) {
    for (let m = 0; m < mels; m++) {
      let e = 0;
      for (let k = 0; k < s.bins; k++) e += bank[m * s.bins + k]! * (s.re[t * s.bins + k]! ** 2 + s.im[t * s.bins + k]! ** 2);
      v[t * mels + m] = Math.log(e + 1e-6);
    }
  }
  return { v, frames: s.frames };
}
function zscore(a: Float32Array, b: Float32Array, d: number): void {
  const n = a.length / d;
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += a[i * d + j]!;
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (a[i * d + j]! - m) ** 2;
    const sd = Math.sqrt(v / n) || 1;
    for (const x of [a, b]) for (let i = 0; i < x.length / d; i++) x[i * d + j] = (x[i * d + j]! - m) / sd;
  }
}
function score(name: string, feat: (c: Float32Array) => Float32Array, d: number): void {
  const rows = (idx: number[]) => {
    const x = new Float32Array(idx.length * d);
    idx.forEach((i, j) => x.set(feat(f.clips[i]!), j * d));
    return x;
  };
  const a = rows(tr);
  const b = rows(te);
  zscore(a, b, d);
  const acc = knnAccuracy({ x: a, shape: [tr.length, d], labels: Int32Array.from(tr, (i) => digit[i]!) }, { x: b, shape: [te.length, d], labels: Int32Array.from(te, (i) => digit[i]!) }, { k: 5 });
  console.log(`${name}: 5-NN digit ${(100 * acc).toFixed(1)} %`);
}
score('time-averaged MFCC (13, hop 128)', (c) => {
  const m = mfcc(c, 8000, { nFft: 256, hop: 128 });
  const o = new Float32Array(13);
  for (let t = 0; t < m.frames; t++) for (let k = 0; k < 13; k++) o[k] += m.values[t * 13 + k]! / m.frames;
  return o;
}, 13);
score('log-mel 32 × 64 frames, first 8,064 samples', (c) => logMel(fitLength(c, 63 * 128), 128).v, 64 * mels);
for (const T of [32, 16]) score(`log-mel 32 × ${T}, time-normalized`, (c) => { const { v, frames } = logMel(c, 64); return resampleFrames(v, frames, mels, T); }, T * mels);
for (const [nc, T] of [[13, 16], [13, 32], [20, 16]] as const) {
  score(`MFCC ${nc} × ${T}, time-normalized`, (c) => { const m = mfcc(c, 8000, { nFft: 256, hop: 64, coefficients: nc }); return resampleFrames(m.values, m.frames, nc, T); }, nc * T);
}
