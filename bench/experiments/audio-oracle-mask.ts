/**
 * Issue 26 (audio) dev check: how far a perfect mask goes in the benchmark's
 * pipeline. On FSDD's 300 test clips with the benchmark's test mixtures
 * (noise seed 7), the SI-SDR improvement of the mask the denoiser is trained
 * to output, m* = min(1, (g|S| + ε)^0.3 / (g|Y| + ε)^0.3) applied as
 * bench:audio applies the network's mask (STFT 256/128, noisy phase), and of
 * the ideal ratio mask |S|/(|S| + |N|).
 *
 *   [NFFT=256 HOP=128] node --import tsx bench/experiments/audio-oracle-mask.ts [fsdd-dir]
 */
import { join } from 'node:path';
import { FSDD_PATTERN, loadAudioFolder } from '../../src/data/audio.js';
import { Rng } from '../../src/data/random.js';
import { istft, magnitude, stft, withPhase } from '../../src/data/spectrogram.js';
import { siSdr } from '../../src/eval/audio-quality.js';
import { babbleNoise, mixAtSnr, whiteNoise } from '../../src/tasks/audio-denoise.js';

const f = await loadAudioFolder(join(process.argv[2] ?? '../shared/data/fsdd', 'recordings'), { pattern: FSDD_PATTERN });
const take = f.fields.take!.map(Number);
const speaker = f.fields.speaker!;
const train = take.flatMap((t, i) => (t >= 5 ? [i] : []));
const test = take.flatMap((t, i) => (t <= 4 ? [i] : []));
const rng = new Rng(7);
const noise = { white: [] as Float32Array[], babble: [] as Float32Array[] };
for (const i of test) {
  noise.white.push(whiteNoise(f.clips[i]!.length, rng));
  noise.babble.push(babbleNoise(f.clips[i]!.length, train.filter((j) => speaker[j] !== speaker[i]).map((j) => f.clips[j]!), rng));
}
const s = { nFft: Number(process.env.NFFT ?? 256), hop: Number(process.env.HOP ?? 128) };
console.log(`STFT ${s.nFft}/${s.hop}`);
const c = 0.3, eps = 1e-3;
for (const kind of ['white', 'babble'] as const) {
  for (const snr of [0, 5, 10]) {
    let comp = 0, irm = 0, base = 0;
    test.forEach((i, j) => {
      const clean = f.clips[i]!;
      const m = mixAtSnr(clean, noise[kind][j]!, snr);
      let p = 0;
      for (const v of m.noisy) p += v * v;
      const g = 0.1 / Math.sqrt(p / m.noisy.length);
      const Y = stft(m.noisy, s);
      const [ym, sm, nm] = [magnitude(Y), magnitude(stft(clean, s)), magnitude(stft(m.noise, s))];
      const a = ym.map((y, k) => Math.max(0, (Math.min(1, ((g * sm[k]! + eps) / (g * y + eps)) ** c) ** (1 / c) * (g * y + eps) - eps) / g));
      const b = ym.map((y, k) => (y * sm[k]!) / (sm[k]! + nm[k]! + 1e-12));
      base += siSdr(m.noisy, clean);
      comp += siSdr(istft(withPhase(a, Y), clean.length), clean);
      irm += siSdr(istft(withPhase(b, Y), clean.length), clean);
    });
    const n = test.length;
    console.log(`${kind} ${snr} dB: SI-SDR improvement of the trained-for mask m* ${((comp - base) / n).toFixed(2)} dB, ideal ratio mask ${((irm - base) / n).toFixed(2)} dB`);
  }
}
