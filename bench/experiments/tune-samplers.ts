/**
 * Experiment for issue 31 (no training): TPE variants against random search
 * on cheap synthetic objectives shaped like bench:tune's search space
 * (preset choice of 3, code size int log 2-64, epochs int 3-20, batch size
 * choice of 4, learning rate log 1e-4-1e-2), with bench:tune's measure:
 * trials TPE takes to reach random search's best of `--trials` trials with
 * the same seed (trials + 1 when it never does), and trials random search
 * took to reach it.
 *
 *   node --import tsx bench/experiments/tune-samplers.ts [--seeds 200] [--trials 30] [--only FAMILY,...] [--grid] [--json FILE]
 *
 * `--grid`: every combination of density (joint with each bandwidth rule,
 * or per parameter), γ, startup trials and prior weight instead of the
 * curated list.
 *
 * Each seed draws a new problem instance of each family (its optimum's
 * place, the good preset), so the mean is over many objectives:
 * - interact: the score peaks at a training budget log10(lr · epochs · 256 /
 *   batch) and a code size, so learning rate, epochs and batch size trade
 *   off (a ridge no single parameter explains), plus a good preset;
 * - separable: one bowl per parameter, added;
 * - narrow: no noise, a narrow optimum in learning rate, a good batch size
 *   and a good preset;
 * - flat: a weak signal under per-configuration noise, rounded to 1/200 as a
 *   small validation split's ROC-AUC is (ties happen).
 * Every family but narrow adds deterministic noise per configuration (`configNoise`):
 * the same configuration scores the same, different ones differ, as a
 * trained model's validation ROC-AUC does with a fixed training seed.
 */
import { parseArgs } from 'node:util';
import { Rng } from '../../src/data/random.js';
import { writeFileAtomic } from '../../src/io/files.js';
import { type Observation, RandomSampler, type Sampler, TpeSampler, type TpeOptions } from '../../src/tune/samplers.js';
import { type Params, parseSearchConfig } from '../../src/tune/space.js';

const { values: args } = parseArgs({ options: { seeds: { type: 'string', default: '200' }, trials: { type: 'string', default: '30' }, json: { type: 'string' }, only: { type: 'string' }, grid: { type: 'boolean', default: false } } });
const seeds = Number(args.seeds);
const trials = Number(args.trials);

const SPACE = parseSearchConfig({
  model: { choice: ['dense', 'deep', 'denoising'] },
  preset: { latent: { int: [2, 64], log: true } },
  data: { source: 'mnist', validationSplit: 0.3 },
  training: { epochs: { int: [3, 20] }, batchSize: { choice: [32, 64, 128, 256] }, optimizer: { name: 'adam', learningRate: { logUniform: [1e-4, 1e-2] } } },
}, 'experiment').params;

/** A uniform number in [-1, 1) fixed by a key and the instance. */
function hash(key: string, salt: number): number {
  const s = `${salt}|${key}`;
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return new Rng(h >>> 0).float() * 2 - 1;
}

/**
 * Noise fixed by the configuration: independent between different presets,
 * code sizes, epochs and batch sizes, and along the learning rate linear
 * between values drawn every 0.05 decade, so nearly equal configurations
 * score nearly the same (re-sampling next to a lucky trial does not draw
 * fresh luck).
 */
function configNoise(p: Params, salt: number): number {
  const key = `${String(p.model)}|${String(p['preset.latent'])}|${String(p['training.epochs'])}|${String(p['training.batchSize'])}`;
  const t = Math.log10(p['training.optimizer.learningRate'] as number) / 0.05;
  const i = Math.floor(t);
  return hash(`${key}|${i}`, salt) * (1 - (t - i)) + hash(`${key}|${i + 1}`, salt) * (t - i);
}

type Objective = (p: Params) => number;
const FAMILIES: Record<string, (seed: number) => Objective> = {
  interact: (seed) => {
    const r = new Rng(1000 + seed);
    const budget = 0.5 + r.float() * 2; // log10(lr · epochs · 256 / batch): about -1.1 to 2.1 over the space
    const code = 1 + r.float() * 5; // log2 of the best code size
    const good = r.int(3);
    return (p) => {
      const lr = p['training.optimizer.learningRate'] as number;
      const b = Math.log10(lr * (p['training.epochs'] as number) * 256 / (p['training.batchSize'] as number));
      const c = Math.log2(p['preset.latent'] as number);
      return 0.9 - 0.04 * (b - budget) ** 2 - 0.006 * (c - code) ** 2 - (p.model === ['dense', 'deep', 'denoising'][good] ? 0 : 0.03) + 0.01 * configNoise(p, seed);
    };
  },
  separable: (seed) => {
    const r = new Rng(2000 + seed);
    const lrBest = -4 + r.float() * 2;
    const epochsBest = 3 + r.float() * 17;
    const batchBest = r.int(4);
    const code = 1 + r.float() * 5;
    const good = r.int(3);
    return (p) => {
      const lr = Math.log10(p['training.optimizer.learningRate'] as number);
      const batch = [32, 64, 128, 256].indexOf(p['training.batchSize'] as number);
      return 0.9 - 0.05 * (lr - lrBest) ** 2 - 0.0005 * ((p['training.epochs'] as number) - epochsBest) ** 2 - 0.01 * Math.abs(batch - batchBest)
        - 0.006 * (Math.log2(p['preset.latent'] as number) - code) ** 2 - (p.model === ['dense', 'deep', 'denoising'][good] ? 0 : 0.03) + 0.01 * configNoise(p, seed);
    };
  },
  narrow: (seed) => {
    const r = new Rng(4000 + seed);
    const lrBest = -3.7 + r.float() * 1.4;
    const code = 1.5 + r.float() * 4;
    const epochsBest = 5 + r.float() * 13;
    const batchBest = r.int(4);
    const good = r.int(3);
    return (p) => {
      const lr = Math.log10(p['training.optimizer.learningRate'] as number);
      const batch = [32, 64, 128, 256].indexOf(p['training.batchSize'] as number);
      return 1 - 0.3 * (lr - lrBest) ** 2 - 0.03 * (Math.log2(p['preset.latent'] as number) - code) ** 2 - 0.002 * ((p['training.epochs'] as number) - epochsBest) ** 2
        - (batch === batchBest ? 0 : 0.15) - (p.model === ['dense', 'deep', 'denoising'][good] ? 0 : 0.1);
    };
  },
  flat: (seed) => {
    const r = new Rng(3000 + seed);
    const lrBest = -4 + r.float() * 2;
    const code = 1 + r.float() * 5;
    return (p) => {
      const lr = Math.log10(p['training.optimizer.learningRate'] as number);
      const v = 0.55 - 0.01 * (lr - lrBest) ** 2 - 0.002 * (Math.log2(p['preset.latent'] as number) - code) ** 2 + 0.03 * configNoise(p, seed);
      return Math.round(v * 200) / 200;
    };
  },
};

/** The objective values of one study, in trial order (maximized). */
function run(sampler: Sampler, f: Objective): number[] {
  const history: Observation[] = [];
  const values: number[] = [];
  for (let n = 0; n < trials; n++) {
    const params = sampler.sample(SPACE, history, n);
    const v = f(params);
    history.push({ params, state: 'complete', loss: -v });
    values.push(v);
  }
  return values;
}

const CURATED: Record<string, TpeOptions> = {
  'univariate γ.15 (before)': { multivariate: false },
  'univariate γ.10': { multivariate: false, gamma: 0.1 },
  'univariate γ.25': { multivariate: false, gamma: 0.25 },
  'univariate 64 cand.': { multivariate: false, candidates: 64 },
  'joint neighbour γ.15': { multivariate: true, bandwidth: 'neighbour' },
  'joint neighbour γ sqrt': { multivariate: true, bandwidth: 'neighbour', gamma: 'sqrt' },
  'joint scott γ.10': { multivariate: true, bandwidth: 'scott', gamma: 0.1 },
  'joint scott γ.15': { multivariate: true, bandwidth: 'scott' },
  'joint scott γ.25': { multivariate: true, bandwidth: 'scott', gamma: 0.25 },
  'joint scott γ.15 64 cand.': { multivariate: true, bandwidth: 'scott', candidates: 64 },
  'joint scott γ.15 prior .5': { multivariate: true, bandwidth: 'scott', priorWeight: 0.5 },
  'joint scott γ.15 prior 2': { multivariate: true, bandwidth: 'scott', priorWeight: 2 },
  'joint scott γ.15 startup 5': { multivariate: true, bandwidth: 'scott', startupTrials: 5 },
  'joint scott γ.15 startup 7': { multivariate: true, bandwidth: 'scott', startupTrials: 7 },
  'joint range γ.10': { multivariate: true, bandwidth: 'range', gamma: 0.1 },
  'joint range γ.15': { multivariate: true, bandwidth: 'range' },
  'joint range γ.25': { multivariate: true, bandwidth: 'range', gamma: 0.25 },
};

/** With --grid: every combination of the settings below. */
function grid(): Record<string, TpeOptions> {
  const out: Record<string, TpeOptions> = {};
  for (const multivariate of [true, false]) {
    for (const bandwidth of multivariate ? ['scott', 'range', 'neighbour'] as const : ['neighbour'] as const) {
      for (const gamma of [0.1, 0.15, 0.25, 0.35]) {
        for (const startupTrials of [5, 10]) {
          for (const priorWeight of [0.5, 1, 2]) out[`${multivariate ? `joint ${bandwidth}` : 'univariate'} γ${gamma} startup ${startupTrials} prior ${priorWeight}`] = { multivariate, bandwidth, gamma, startupTrials, priorWeight };
        }
      }
    }
  }
  return out;
}
const VARIANTS = args.grid ? grid() : CURATED;

const families = args.only ? args.only.split(',') : Object.keys(FAMILIES);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const randomRuns = Object.fromEntries(families.map((fam) => [fam, Array.from({ length: seeds }, (_, s) => run(new RandomSampler(s), FAMILIES[fam]!(s)))]));
const rows: Array<Record<string, unknown>> = [];
const randomToBest = Object.fromEntries(families.map((fam) => [fam, mean(randomRuns[fam]!.map((v) => v.indexOf(Math.max(...v)) + 1))]));
console.log(`${seeds} seeds × ${trials} trials per family; cells: mean trials to reach random search's best (${trials + 1} when never) · share of seeds where TPE took fewer trials than random / more; all: mean ± standard error`);
console.log(`| variant | ${families.join(' | ')} | all |`);
console.log(`|---|${families.map(() => '---|').join('')}---|`);
console.log(`| random search | ${families.map((f) => randomToBest[f]!.toFixed(2)).join(' | ')} | ${mean(families.map((f) => randomToBest[f]!)).toFixed(2)} |`);
for (const [name, options] of Object.entries(VARIANTS)) {
  const cells: string[] = [];
  const row: Record<string, unknown> = { variant: name, options };
  const all: number[] = [];
  for (const fam of families) {
    const hits: number[] = [];
    let fewer = 0;
    let more = 0;
    for (let s = 0; s < seeds; s++) {
      const rnd = randomRuns[fam]![s]!;
      const best = Math.max(...rnd);
      const rTook = rnd.indexOf(best) + 1;
      const tpe = run(new TpeSampler(s, options), FAMILIES[fam]!(s));
      const i = tpe.findIndex((v) => v >= best - 1e-12);
      const took = i < 0 ? trials + 1 : i + 1;
      hits.push(took);
      if (took < rTook) fewer++;
      if (took > rTook) more++;
    }
    all.push(...hits);
    row[fam] = { modelTrialsToBest: mean(hits), randomTrialsToBest: randomToBest[fam], fewer: fewer / seeds, more: more / seeds };
    cells.push(`${mean(hits).toFixed(2)} · ${(100 * fewer / seeds).toFixed(0)}/${(100 * more / seeds).toFixed(0)} %`);
  }
  // Standard error of the mean over all studies (the seeds are independent instances).
  const se = Math.sqrt(all.reduce((a, v) => a + (v - mean(all)) ** 2, 0) / (all.length - 1) / all.length);
  row.all = mean(all);
  row.allStandardError = se;
  rows.push(row);
  console.log(`| ${name} | ${cells.join(' | ')} | ${mean(all).toFixed(2)} ± ${se.toFixed(2)} |`);
}
if (args.json) writeFileAtomic(args.json, `${JSON.stringify({ seeds, trials, randomTrialsToBest: randomToBest, variants: rows }, null, 1)}\n`);
