/**
 * The per-seed denoising table of bench:audio runs made one seed per process
 * (`--seeds <s> --no-baselines`), against the baselines of another run: the
 * baselines depend only on the test noise (`--noise-seed`), not on the
 * training seed, so they are computed once.
 *
 *     node --import tsx bench/audio/seed-table.ts <baselines output> <seed run's results.json>...
 *
 * `<baselines output>` is a bench:audio results.json, or an output whose last
 * line is its `--json` object, with `fsdd.denoise.baselines` (e.g.
 * docs/results/bench-audio-run2.txt).
 * Prints a markdown table (mean and per-seed SI-SDR improvement, the
 * baselines, each seed's margin over the better baseline, LSD) and the worst
 * margin against the goal's 3 dB.
 */
import { readFileSync } from 'node:fs';
import { GOAL_MARGIN_DB, NOISES, SNRS } from './protocol.js';

type ByKind = Record<string, { siSdri: Record<string, number>; lsd: Record<string, number> }>;

const [baselineFile, ...seedFiles] = process.argv.slice(2);
if (!baselineFile || seedFiles.length === 0) {
  console.error('usage: node --import tsx bench/audio/seed-table.ts <baselines output> <seed run results.json>...');
  process.exit(2);
}
/** A results.json, or a bench output whose last line is the --json object. */
const lastJson = (file: string) => {
  const text = readFileSync(file, 'utf8').trim();
  return JSON.parse(text.startsWith('{') ? text : text.split('\n').at(-1)!) as { fsdd: { denoise: ByKind & { baselines: Record<string, ByKind>; perSeed: Record<string, ByKind> } } };
};
const baselines = lastJson(baselineFile).fsdd.denoise.baselines;
for (const name of ['spectralSubtraction', 'wiener']) if (!baselines[name]?.white) throw new Error(`${baselineFile}: no fsdd.denoise.baselines.${name} in its last line`);
const seeds = seedFiles.map((f) => Object.entries(lastJson(f).fsdd.denoise.perSeed)).flat();
const num = (x: number) => `${x < 0 ? '−' : ''}${Math.abs(x).toFixed(2)}`;
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
console.log(`| noise | SNR dB | aekit SI-SDRi, mean (${seeds.map(([s]) => `seed ${s}`).join(' / ')}) | spectral subtraction | Wiener | margin over the better baseline (${seeds.map(([s]) => `seed ${s}`).join(' / ')}) | aekit LSD, mean |`);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
let worst = Infinity;
for (const kind of NOISES) {
  for (const snr of SNRS.map(String)) {
    const ss = baselines.spectralSubtraction![kind]!.siSdri[snr]!;
    const w = baselines.wiener![kind]!.siSdri[snr]!;
    const values = seeds.map(([, by]) => by[kind]!.siSdri[snr]!);
    const margins = values.map((v) => v - Math.max(ss, w));
    worst = Math.min(worst, ...margins);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`| ${kind} | ${snr} | ${num(mean(values))} (${values.map(num).join(' / ')}) | ${num(ss)} | ${num(w)} | ${margins.map(signed).join(' / ')} | ${num(mean(seeds.map(([, by]) => by[kind]!.lsd[snr]!)))} |`);
  }
}
console.log(`\ngoal (every seed ≥ the better baseline + ${GOAL_MARGIN_DB} dB at every condition): ${worst >= GOAL_MARGIN_DB ? 'met' : 'not met'}, worst margin ${num(worst)} dB`);
