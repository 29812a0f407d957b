/**
 * Exploration for issue 25 (not a benchmark): for each ADBench table and
 * seed (splits from bench/tabular/peers.py), trains autoencoders on the
 * training part and dumps the train and test scores of several candidate
 * score components, so combinations can be compared offline.
 *
 *   node --import tsx bench/experiments/adbench-components.ts SPLITS.json OUTDIR [table,...]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpz } from '../../src/data/npy.js';
import { Autoencoder } from '../../src/models/index.js';
import { knnMeanDistance } from '../../src/anomaly/knn.js';

interface Split { seed: number; train: number[]; test: number[] }
interface Entry { name: string; features: number; splits: Split[] }

const [splitsFile, outDir, only, seedList] = process.argv.slice(2);
const seeds = seedList ? seedList.split(",").map(Number) : undefined;
const splits = JSON.parse(readFileSync(splitsFile!, 'utf8')) as { datasets: Entry[] };
mkdirSync(outDir!, { recursive: true });
const dataDir = '../shared/data/adbench';

function take(x: Float64Array, d: number, rows: number[]): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => out.set(x.subarray(r * d, r * d + d), i * d));
  return out;
}

/** Column statistics: mean/std, or median and IQR/1.349. */
function columnStats(x: Float64Array, d: number, robust: boolean): { loc: Float64Array; scale: Float64Array } {
  const n = x.length / d;
  const loc = new Float64Array(d);
  const scale = new Float64Array(d);
  const col = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) col[i] = x[i * d + j]!;
    if (robust) {
      const s = Float64Array.from(col).sort();
      const q = (p: number) => { const t = p * (n - 1); const lo = Math.floor(t); return s[lo]! + (s[Math.min(n - 1, lo + 1)]! - s[lo]!) * (t - lo); };
      loc[j] = q(0.5);
      let iqr = (q(0.75) - q(0.25)) / 1.349;
      if (!(iqr > 1e-12)) { let m = 0; for (const v of col) m += v; m /= n; let v2 = 0; for (const v of col) v2 += (v - m) ** 2; iqr = Math.sqrt(v2 / n); }
      scale[j] = iqr > 1e-12 ? iqr : 1;
    } else {
      let m = 0; for (const v of col) m += v; m /= n;
      let v2 = 0; for (const v of col) v2 += (v - m) ** 2;
      loc[j] = m; scale[j] = Math.sqrt(v2 / n) > 1e-12 ? Math.sqrt(v2 / n) : 1;
    }
  }
  return { loc, scale };
}

function apply(x: Float64Array, d: number, s: { loc: Float64Array; scale: Float64Array }, clip?: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let v = (x[i]! - s.loc[i % d]!) / s.scale[i % d]!;
    if (clip !== undefined) v = Math.max(-clip, Math.min(clip, v));
    out[i] = v;
  }
  return out;
}

/** ECOD-like tail score: Σ_j −log of the smaller tail probability, from the training columns. */
function tails(train: Float64Array, test: Float64Array, d: number): Float64Array {
  const n = train.length / d;
  const m = test.length / d;
  const out = new Float64Array(m);
  const col = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) col[i] = train[i * d + j]!;
    col.sort();
    for (let i = 0; i < m; i++) {
      const v = test[i * d + j]!;
      let lo = 0, hi = n; while (lo < hi) { const mid = (lo + hi) >> 1; if (col[mid]! <= v) lo = mid + 1; else hi = mid; }
      const le = lo;
      lo = 0; hi = n; while (lo < hi) { const mid = (lo + hi) >> 1; if (col[mid]! < v) lo = mid + 1; else hi = mid; }
      const ge = n - lo;
      out[i] += -Math.log(Math.min((le + 1) / (n + 1), (ge + 1) / (n + 1)));
    }
  }
  return out;
}

function residuals(x: Float32Array, r: Float32Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = r[i]! - x[i]!;
  return out;
}

function sumSq(res: Float64Array, d: number, scale?: Float64Array): number[] {
  const n = res.length / d;
  const out: number[] = [];
  for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < d; j++) s += (res[i * d + j]! / (scale ? scale[j]! : 1)) ** 2; out.push(s); }
  return out;
}

interface Variant { name: string; hidden: (d: number) => number[]; epochs: number; robust: boolean; clip?: number; codeActivation?: 'linear' | 'tanh'; activation?: 'elu' | 'tanh' }
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(v)));
const VARIANTS: Variant[] = process.env.EXP === '3' ? [
  { name: 'le', hidden: (d) => [clamp(d, 8, 64), clamp(d / 4, 2, 16)], epochs: 20, robust: false, codeActivation: 'linear' },
  { name: 'lf', hidden: (d) => [clamp(2 * d, 8, 64), clamp(d / 2, 2, 16)], epochs: 20, robust: false, codeActivation: 'linear' },
  { name: 'lg', hidden: (d) => [clamp(1.5 * d, 8, 64), clamp(d / 3, 2, 16)], epochs: 20, robust: false, codeActivation: 'linear' },
] : process.env.EXP === '2' ? [
  { name: 'e', hidden: (d) => [clamp(d, 8, 64), clamp(d / 4, 2, 16)], epochs: 20, robust: false },
  { name: 'f', hidden: (d) => [clamp(2 * d, 8, 64), clamp(d / 2, 2, 16)], epochs: 20, robust: false },
  { name: 'g', hidden: (d) => [clamp(1.5 * d, 8, 64), clamp(d / 3, 2, 16)], epochs: 20, robust: false },
] : [
  { name: 'base', hidden: () => [16, 8], epochs: 50, robust: false },
  { name: 'wide', hidden: (d) => [Math.max(16, 2 * d), Math.max(4, Math.ceil(d / 2))], epochs: 50, robust: false },
  { name: 'robust', hidden: () => [16, 8], epochs: 50, robust: true, clip: 20 },
];

for (const entry of splits.datasets) {
  if (only && !only.split(',').includes(entry.name)) continue;
  const npz = await readNpz(join(dataDir, `${entry.name}.npz`));
  const X = Float64Array.from(npz.X!.data as ArrayLike<number>);
  const y = npz.y!.data as ArrayLike<number>;
  const d = entry.features;
  for (const sp of entry.splits) {
    if (seeds && !seeds.includes(sp.seed)) continue;
    const started = performance.now();
    const trainRaw = take(X, d, sp.train);
    const testRaw = take(X, d, sp.test);
    const comps: Record<string, { train: number[]; test: number[] }> = {};
    comps.tails = { train: Array.from(tails(trainRaw, trainRaw, d)), test: Array.from(tails(trainRaw, testRaw, d)) };
    for (const v of VARIANTS) {
      const st = columnStats(trainRaw, d, v.robust);
      const xtr = apply(trainRaw, d, st, v.clip);
      const xte = apply(testRaw, d, st, v.clip);
      for (const member of [0, 1]) {
        const seed = 1000 * sp.seed + member;
        const hidden = v.hidden(d);
        const ae = new Autoencoder({ inputShape: [d], encoder: { sizes: hidden, ...(v.codeActivation ? { codeActivation: v.codeActivation } : {}), ...(v.activation ? { activation: v.activation } : {}) } }).compile({ seed });
        await ae.fit({ x: xtr, shape: [sp.train.length, d] }, { epochs: v.epochs, batchSize: 32, seed, worker: false });
        const rtr = residuals(xtr, await ae.reconstruct(xtr));
        const rte = residuals(xte, await ae.reconstruct(xte));
        const rs = columnStats(rtr, d, true).scale;
        const key = `${v.name}${member}`;
        comps[`${key}.mse`] = { train: sumSq(rtr, d), test: sumSq(rte, d) };
        comps[`${key}.rz`] = { train: sumSq(rtr, d, rs), test: sumSq(rte, d, rs) };
        comps[`${key}.rtail`] = { train: Array.from(tails(rtr, rtr, d)), test: Array.from(tails(rtr, rte, d)) };
        const ctr = await ae.encode(xtr);
        const cte = await ae.encode(xte);
        const cd = hidden[hidden.length - 1]!;
        const kk = Math.min(Number(process.env.K ?? 5), sp.train.length - 1);
        comps[`${key}.knn`] = { train: Array.from(knnMeanDistance(ctr, ctr, cd, kk, { excludeSelf: true })), test: Array.from(knnMeanDistance(ctr, cte, cd, kk)) };
        if (member === 0) comps[`${v.name}.inknn`] = { train: Array.from(knnMeanDistance(xtr, xtr, d, kk, { excludeSelf: true })), test: Array.from(knnMeanDistance(xtr, xte, d, kk)) };
      }
    }
    const yTest = sp.test.map((r) => Number(y[r]));
    writeFileSync(join(outDir!, `${entry.name}-s${sp.seed}.json`), JSON.stringify({ yTest, comps }));
    console.error(`${entry.name} seed ${sp.seed}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
