/**
 * Time-series anomaly benchmark on NAB (issue 25, part 5): for each series,
 * fit on its first 15 % (NAB's probationary period; no labels used), score
 * every step, and compare with the anomaly windows point by point (ROC-AUC
 * and PR-AUC = average precision, no point adjustment). aekit's
 * {@link TimeSeriesDetector} with its default model and options, and in the
 * same run a moving z-score, PCA over sliding windows and scikit-learn's
 * IsolationForest over sliding windows (peers.py), each at the same window
 * length, with the same channel scaling, window-to-step spreading and
 * smoothing of the step scores (the detector's default, 2 × window).
 *
 * Series with one class only (NAB's artificialNoAnomaly) have no ROC-AUC or
 * PR-AUC; they are listed as excluded and left out of the means. The series
 * are split into a development part (tuned on) and a held-out part (only
 * evaluated), see {@link nabParts}. `bench/timeseries.ts` is the command line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TimeSeriesDetector, smoothSteps } from '../../src/anomaly/timeseries.js';
import { SERIES_MODEL, type SeriesModelKind, seriesAutoencoder, seriesModelConfig } from '../../src/anomaly/series-model.js';
import { DEFAULT_DETECTOR_TRAINING } from '../../src/anomaly/detector.js';
import { type BenchRunOptions, resolveRun } from '../lib/run-options.js';
import { type AucPair, type SeriesMetrics, meanPair, seriesMetrics } from './metrics.js';
import { type NabPart, type NabSeries, nabParts, readNab } from './nab.js';
import { movingZScore, windowPca } from './peers.js';


/** NAB's probationary period: the share of each series a detector may learn from. */
export const TRAIN_FRACTION = 0.15;
/** Default window (steps): the CLI's `--window 64` of the issue. */
export const WINDOW = 64;
/**
 * PCA peer: components explaining this share of the training windows'
 * variance. The peer's best on the development series (windows of 64):
 * 0.5 / 0.8 / 0.9 / 0.95 / 0.99 gave PR-AUC 41.6 / 42.6 / 40.3 / 38.4 / 37.4
 * (docs/results/bench-timeseries-dev-pca*.txt).
 */
export const PCA_VARIANCE = 0.8;
/** The goal: aekit's mean PR-AUC this many points above the best peer's (and ROC-AUC above every peer's). */
export const GOAL_PR_MARGIN = 5;
/** `--quick`: one series of each category, 2 epochs, seed 1. */
export const QUICK = { perCategory: 1, epochs: 2 } as const;

/** The peers, in table order. */
export const PEERS = ['zscore', 'pca', 'iforest'] as const;
export type PeerName = (typeof PEERS)[number];
export const PEER_LABELS: Record<PeerName, string> = {
  zscore: 'moving z-score',
  pca: 'PCA over windows',
  iforest: 'IsolationForest over windows (scikit-learn)',
};

// AEKIT_BENCH_PYTHON picks another interpreter (a venv with scikit-learn); Debian's is the default.
const PYTHON = process.env.AEKIT_BENCH_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const PEERS_PY = join(dirname(new URL(import.meta.url).pathname), 'peers.py');
// Peers get OpenBLAS's own kernel choice (DESIGN.md: the machine-wide guard forces AVX2 kernels).
const PEER_ENV = { ...process.env };
delete PEER_ENV.OPENBLAS_CORETYPE;
delete PEER_ENV.OPENBLAS_L2_SIZE;

/** Options of {@link runTimeseriesBenchmark}. */
export interface TimeseriesBenchOptions extends BenchRunOptions {
  /** The NAB folder (README.md, combined_windows.json, data/). */
  dataDir: string;
  /** Seeds of aekit's training and IsolationForest (default [seed]). */
  seeds?: number[];
  /** Which series: 'all' (default), 'dev' or 'heldout'. */
  part?: NabPart | 'all';
  /** Keep only series whose file name contains one of these. */
  only?: string[];
  window?: number;
  /** aekit's model (default: the library's default series model, 'conv1d'). */
  model?: SeriesModelKind;
  /** Training epochs (default: the detector's, {@link DEFAULT_DETECTOR_TRAINING}; quick 2). */
  epochs?: number;
  batchSize?: number;
  hidden?: number;
  code?: number;
  pcaVariance?: number;
  /** Width of the centred moving mean over every method's step scores (default 2 × window, the detector's; 1: none). */
  smoothing?: number;
  /** Run scikit-learn's IsolationForest (default true). */
  python?: boolean;
  /** Series already loaded (tests): skips reading dataDir. */
  series?: NabSeries[];
}

/** One series' results. */
export interface SeriesResult {
  file: string;
  category: string;
  part: NabPart;
  steps: number;
  trainSteps: number;
  anomalies: number;
  /** No anomaly (or nothing but anomalies): no ROC/PR-AUC, left out of the means. */
  excluded: boolean;
  /** aekit, per seed. */
  aekit: Record<string, SeriesMetrics | null>;
  /** Peers; IsolationForest per seed. */
  peers: Partial<Record<PeerName, Record<string, SeriesMetrics | null>>>;
  seconds: { aekit: number; peers: Partial<Record<PeerName, number>> };
}

/** Means over the series with both classes of one part. */
export interface PartSummary {
  /** Series averaged. */
  n: number;
  /** aekit per seed, and the mean of the seeds. */
  aekit: { perSeed: Record<string, AucPair>; mean: AucPair };
  peers: Partial<Record<PeerName, { perSeed: Record<string, AucPair>; mean: AucPair }>>;
  /** The same over the steps after the probationary period. */
  afterProbation: { aekit: AucPair; peers: Partial<Record<PeerName, AucPair>>; n: number };
}

/** Whether the goal holds for one seed on one part. */
export interface GoalCheck {
  seed: string;
  part: NabPart | 'all';
  bestPeer: string;
  prMargin: number;
  rocAboveEveryPeer: boolean;
  met: boolean;
}

export interface TimeseriesBenchResult {
  series: SeriesResult[];
  seeds: string[];
  excluded: string[];
  summary: Record<NabPart | 'all', PartSummary>;
  goal: { checks: GoalCheck[]; met: boolean | null };
  protocol: Record<string, unknown>;
}

/** aekit's step scores of one series: the default series model under the default TimeSeriesDetector, fitted on the first trainSteps. */
export async function aekitSeriesScores(values: Float32Array, trainSteps: number, o: { window: number; seed: number; model?: SeriesModelKind; epochs?: number; batchSize?: number; hidden?: number; code?: number; smoothing?: number; session?: { threads?: number } }): Promise<Float64Array> {
  const model = seriesAutoencoder(o.window, 1, { ...(o.model ? { kind: o.model } : {}), hidden: o.hidden, code: o.code }).compile({ seed: o.seed, ...(o.session ? { session: o.session } : {}) });
  const det = new TimeSeriesDetector(model, { window: o.window, ...(o.smoothing ? { smoothing: o.smoothing } : {}) });
  const train = { ...(o.epochs ? { epochs: o.epochs } : {}), ...(o.batchSize ? { batchSize: o.batchSize } : {}), seed: o.seed, worker: false };
  await det.fit(values.subarray(0, trainSteps), { train });
  return det.scoreSteps(values);
}

/** Runs IsolationForest over every series for one seed through peers.py; step scores by file, or an error. */
export function isolationForestScores(series: readonly NabSeries[], trainSteps: (s: NabSeries) => number, window: number, seed: number): { scores: Map<string, Float64Array>; seconds: Record<string, number> } | { error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-ts-peers-'));
  try {
    const manifest = series.map((s, i) => {
      const values = join(dir, `${i}.f32`);
      writeFileSync(values, new Uint8Array(s.values.buffer, s.values.byteOffset, s.values.byteLength));
      return { name: s.file, values, trainSteps: trainSteps(s), window, scores: join(dir, `${i}.scores.f64`) };
    });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ series: manifest }));
    const r = spawnSync(PYTHON, [PEERS_PY, '--manifest', join(dir, 'manifest.json'), '--seed', String(seed)], { encoding: 'utf8', env: PEER_ENV, timeout: 30 * 60_000 });
    const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    let out: { seconds?: Record<string, number>; error?: string } = {};
    try {
      out = JSON.parse(last) as typeof out;
    } catch {
      // the process's own message below
    }
    if (typeof out.error === 'string') return { error: out.error };
    if (r.status !== 0 || !out.seconds) return { error: `${PYTHON} ${PEERS_PY} exited with ${r.status ?? r.signal}: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' | ')}` };
    const scores = new Map<string, Float64Array>();
    for (const m of manifest) {
      const b = readFileSync(m.scores);
      const s = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      const n = series.find((x) => x.file === m.name)!.values.length;
      if (s.length !== n) return { error: `peers.py wrote ${s.length} scores for ${m.name}, which has ${n} steps` };
      scores.set(m.name, s);
    }
    return { scores, seconds: out.seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function quickPick(series: NabSeries[]): NabSeries[] {
  const seen = new Map<string, number>();
  return series.filter((s) => {
    if (!s.labels.some((v) => v === 1)) return false;
    const c = seen.get(s.category) ?? 0;
    seen.set(s.category, c + 1);
    return c < QUICK.perCategory;
  });
}

function summarize(results: SeriesResult[], seeds: string[], peers: PeerName[]): PartSummary {
  const kept = results.filter((r) => !r.excluded);
  const perSeed = (get: (r: SeriesResult, seed: string) => SeriesMetrics | null | undefined) => {
    const out: Record<string, AucPair> = {};
    for (const seed of seeds) {
      const pairs = kept.map((r) => get(r, seed)).filter((m): m is SeriesMetrics => !!m);
      const { rocAuc, prAuc } = meanPair(pairs);
      out[seed] = { rocAuc, prAuc };
    }
    const m = meanPair(Object.values(out));
    return { perSeed: out, mean: { rocAuc: m.rocAuc, prAuc: m.prAuc } };
  };
  const after = (get: (r: SeriesResult) => (SeriesMetrics | null)[]) => {
    const pairs = kept.map((r) => {
      const list = get(r).map((m) => m?.afterProbation).filter((m): m is AucPair => !!m);
      return list.length ? meanPair(list) : null;
    }).filter((m): m is AucPair & { n: number } => !!m);
    const m = meanPair(pairs);
    return { pair: { rocAuc: m.rocAuc, prAuc: m.prAuc }, n: m.n };
  };
  const peerSeeds = (p: PeerName, r: SeriesResult, seed: string) => r.peers[p]?.[p === 'iforest' ? seed : 'all'];
  const aekitAfter = after((r) => seeds.map((s) => r.aekit[s] ?? null));
  return {
    n: kept.length,
    aekit: perSeed((r, seed) => r.aekit[seed]),
    peers: Object.fromEntries(peers.map((p) => [p, perSeed((r, seed) => peerSeeds(p, r, seed))])),
    afterProbation: {
      aekit: aekitAfter.pair,
      peers: Object.fromEntries(peers.map((p) => [p, after((r) => Object.values(r.peers[p] ?? {})).pair])),
      n: aekitAfter.n,
    },
  };
}

function goalChecks(summary: Record<NabPart | 'all', PartSummary>, seeds: string[], peers: PeerName[]): GoalCheck[] {
  const checks: GoalCheck[] = [];
  for (const part of ['all', 'dev', 'heldout'] as const) {
    const s = summary[part];
    if (s.n === 0 || peers.length === 0) continue;
    for (const seed of seeds) {
      const a = s.aekit.perSeed[seed]!;
      let best: PeerName = peers[0]!;
      for (const p of peers) if (s.peers[p]!.perSeed[seed]!.prAuc > s.peers[best]!.perSeed[seed]!.prAuc) best = p;
      const prMargin = a.prAuc - s.peers[best]!.perSeed[seed]!.prAuc;
      const rocAboveEveryPeer = peers.every((p) => a.rocAuc > s.peers[p]!.perSeed[seed]!.rocAuc);
      checks.push({ seed, part, bestPeer: best, prMargin, rocAboveEveryPeer, met: prMargin >= GOAL_PR_MARGIN && rocAboveEveryPeer });
    }
  }
  return checks;
}

/**
 * Runs the benchmark: every series (or the `part` asked for), aekit for each
 * seed and the peers, metrics per series and means per part.
 */
export async function runTimeseriesBenchmark(options: TimeseriesBenchOptions): Promise<TimeseriesBenchResult> {
  const run = resolveRun(options);
  const started = performance.now();
  const window = options.window ?? WINDOW;
  const seeds = (options.seeds ?? [run.seed]).map(String);
  if (seeds.length === 0) throw new RangeError('seeds: give at least one seed');
  const epochs = options.epochs ?? (run.quick ? QUICK.epochs : undefined);
  const pcaVariance = options.pcaVariance ?? PCA_VARIANCE;
  const smoothing = options.smoothing ?? 2 * window;
  if (!(Number.isInteger(smoothing) && smoothing >= 1)) throw new RangeError(`smoothing must be a positive integer, got ${smoothing}`);
  // The peers' step scores get the smoothing aekit's detector applies to its own, so the comparison is of the scores, not of the post-processing.
  const smoothed = (scores: Float64Array) => (smoothing > 1 ? smoothSteps(scores, smoothing) : scores);
  if (!(pcaVariance > 0 && pcaVariance <= 1)) throw new RangeError(`pcaVariance must be in (0, 1], got ${pcaVariance}`);
  const partOf = options.part ?? 'all';
  let all = options.series ?? readNab(options.dataDir);
  const parts = nabParts(all.map((s) => s.file));
  if (run.quick) all = quickPick(all);
  const series = all.filter((s) => (partOf === 'all' || parts.get(s.file) === partOf) && (!options.only || options.only.some((o) => s.file.includes(o))));
  if (series.length === 0) throw new RangeError(`no series left to run (part '${partOf}'${options.only ? `, only ${options.only.join(', ')}` : ''})`);
  const trainSteps = (s: NabSeries) => Math.floor(TRAIN_FRACTION * s.values.length);
  for (const s of series) {
    if (trainSteps(s) < window + 1) throw new RangeError(`${s.file}: its first ${TRAIN_FRACTION * 100} % (${trainSteps(s)} steps) holds fewer than 2 windows of ${window}`);
  }
  const peers: PeerName[] = options.python === false ? ['zscore', 'pca'] : [...PEERS];
  const results: SeriesResult[] = [];
  for (const s of series) {
    const p = trainSteps(s);
    const anomalies = s.labels.reduce((a, v) => a + v, 0);
    const r: SeriesResult = {
      file: s.file, category: s.category, part: parts.get(s.file)!, steps: s.values.length, trainSteps: p, anomalies,
      excluded: anomalies === 0 || anomalies === s.values.length, aekit: {}, peers: {}, seconds: { aekit: 0, peers: {} },
    };
    const t0 = performance.now();
    for (const seed of seeds) {
      const scores = await aekitSeriesScores(s.values, p, { window, seed: Number(seed), model: options.model, epochs, batchSize: options.batchSize, hidden: options.hidden, code: options.code, smoothing, session: run.session });
      r.aekit[seed] = seriesMetrics(scores, s.labels, p);
    }
    r.seconds.aekit = (performance.now() - t0) / 1000 / seeds.length;
    let t = performance.now();
    r.peers.zscore = { all: seriesMetrics(smoothed(movingZScore(s.values, window)), s.labels, p) };
    r.seconds.peers.zscore = (performance.now() - t) / 1000;
    t = performance.now();
    r.peers.pca = { all: seriesMetrics(smoothed(windowPca(s.values, p, window, pcaVariance).scores), s.labels, p) };
    r.seconds.peers.pca = (performance.now() - t) / 1000;
    results.push(r);
    const a = r.aekit[seeds[0]!];
    run.log(`${s.file}: ${r.excluded ? 'no anomalies (excluded)' : `aekit ROC ${a!.rocAuc.toFixed(1)} PR ${a!.prAuc.toFixed(1)}, PCA ROC ${r.peers.pca.all!.rocAuc.toFixed(1)} PR ${r.peers.pca.all!.prAuc.toFixed(1)}`} (${r.seconds.aekit.toFixed(1)} s a seed)`);
  }
  let pythonError: string | undefined;
  if (peers.includes('iforest')) {
    for (const seed of seeds) {
      const t = performance.now();
      const out = isolationForestScores(series, trainSteps, window, Number(seed));
      if ('error' in out) {
        pythonError = out.error;
        run.log(`IsolationForest skipped: ${out.error}`);
        peers.splice(peers.indexOf('iforest'), 1);
        for (const r of results) delete r.peers.iforest;
        break;
      }
      run.log(`IsolationForest, seed ${seed}: ${((performance.now() - t) / 1000).toFixed(0)} s`);
      for (const r of results) {
        const s = series.find((x) => x.file === r.file)!;
        (r.peers.iforest ??= {})[seed] = seriesMetrics(smoothed(out.scores.get(r.file)!), s.labels, r.trainSteps);
        r.seconds.peers.iforest = (r.seconds.peers.iforest ?? 0) + out.seconds[r.file]! / seeds.length;
      }
    }
  }
  const summary = {
    all: summarize(results, seeds, peers),
    dev: summarize(results.filter((r) => r.part === 'dev'), seeds, peers),
    heldout: summarize(results.filter((r) => r.part === 'heldout'), seeds, peers),
  };
  const checks = goalChecks(summary, seeds, peers);
  return {
    series: results,
    seeds,
    excluded: results.filter((r) => r.excluded).map((r) => r.file),
    summary,
    goal: { checks, met: checks.length ? checks.every((c) => c.met) : null },
    protocol: {
      trainFraction: TRAIN_FRACTION, window, smoothing, seeds, part: partOf, quick: run.quick,
      aekit: {
        model: seriesModelConfig(window, 1, { ...(options.model ? { kind: options.model } : {}), hidden: options.hidden, code: options.code }),
        detector: `TimeSeriesDetector defaults: stride 1, channels standardized, combined score (mse + knn, k 5, euclidean), step = mean of the windows covering it, then a centred moving mean of ${smoothing} steps (every peer's step scores too)`,
        epochs: epochs ?? DEFAULT_DETECTOR_TRAINING.epochs, batchSize: options.batchSize ?? 32,
      },
      peers: { zscore: `|x - mean| / std of the ${window} steps before`, pca: `windows of ${window}, components explaining ${pcaVariance} of the training windows' variance, squared reconstruction error`, iforest: `windows of ${window}, scikit-learn defaults, random_state = seed`, ...(pythonError ? { skipped: pythonError } : {}) },
      metrics: 'per series point-wise ROC-AUC and average precision (PR-AUC) over every step, then the mean over series with both classes; no point adjustment',
      seconds: (performance.now() - started) / 1000,
    },
  };
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');

/** The markdown tables of a result: per series, then the means per part and the goal. */
export function formatTimeseriesTables(r: TimeseriesBenchResult): string {
  const peers = PEERS.filter((p) => r.summary.all.peers[p]);
  const out: string[] = [];
  const seedMean = (m: Record<string, SeriesMetrics | null> | undefined, key: 'rocAuc' | 'prAuc') => {
    const list = Object.values(m ?? {}).filter((x): x is SeriesMetrics => !!x);
    return list.length ? list.reduce((a, x) => a + x[key], 0) / list.length : NaN;
  };
  out.push(`Per series (ROC-AUC / PR-AUC %, every step; aekit and IsolationForest: mean of seeds ${r.seeds.join(', ')}):`, '');
  out.push(`| series | part | steps | anomalous | aekit | ${peers.map((p) => PEER_LABELS[p]).join(' | ')} |`);
  out.push(`| --- | --- | --- | --- | --- | ${peers.map(() => '---').join(' | ')} |`);
  for (const s of r.series) {
    const cell = (m: Record<string, SeriesMetrics | null> | undefined) => (s.excluded ? 'excluded' : `${f1(seedMean(m, 'rocAuc'))} / ${f1(seedMean(m, 'prAuc'))}`);
    out.push(`| ${s.file} | ${s.part} | ${s.steps} | ${((100 * s.anomalies) / s.steps).toFixed(1)} % | ${cell(s.aekit)} | ${peers.map((p) => cell(s.peers[p])).join(' | ')} |`);
  }
  out.push('');
  const parts = (['all', 'dev', 'heldout'] as const).filter((p) => r.summary[p].n > 0);
  out.push(`Means over series with anomalies (${parts.map((p) => `${p}: ${r.summary[p].n}`).join(', ')}; excluded, no anomalies: ${r.excluded.length}):`, '');
  out.push(`| detector | seed | ${parts.map((p) => `${p} ROC-AUC | ${p} PR-AUC`).join(' | ')} |`);
  out.push(`| --- | --- | ${parts.map(() => '--- | ---').join(' | ')} |`);
  const row = (name: string, seed: string, get: (s: PartSummary) => AucPair | undefined) => out.push(`| ${name} | ${seed} | ${parts.map((p) => { const m = get(r.summary[p]); return m ? `${f1(m.rocAuc)} | ${f1(m.prAuc)}` : '– | –'; }).join(' | ')} |`);
  for (const seed of r.seeds) row('**aekit**', seed, (s) => s.aekit.perSeed[seed]);
  if (r.seeds.length > 1) row('**aekit**', 'mean', (s) => s.aekit.mean);
  for (const p of peers) {
    if (p === 'iforest') for (const seed of r.seeds) row(PEER_LABELS[p], seed, (s) => s.peers[p]!.perSeed[seed]);
    else row(PEER_LABELS[p], '–', (s) => s.peers[p]!.mean);
  }
  out.push('');
  out.push(`After the probationary period only (steps from 15 % on; means of seeds): ${parts.map((p) => `${p}: aekit ${f1(r.summary[p].afterProbation.aekit.rocAuc)} / ${f1(r.summary[p].afterProbation.aekit.prAuc)}, ${peers.map((q) => `${q} ${f1(r.summary[p].afterProbation.peers[q]!.rocAuc)} / ${f1(r.summary[p].afterProbation.peers[q]!.prAuc)}`).join(', ')}`).join('; ')}`);
  out.push('');
  if (r.goal.met === null) out.push('Goal: no peers ran, not checked.');
  else {
    out.push(`Goal (per seed: aekit's PR-AUC ≥ best peer's + ${GOAL_PR_MARGIN}, ROC-AUC above every peer's): ${r.goal.met ? 'met' : 'NOT met'}`);
    for (const c of r.goal.checks) out.push(`- ${c.part}, seed ${c.seed}: PR-AUC margin over ${c.bestPeer} ${c.prMargin >= 0 ? '+' : ''}${c.prMargin.toFixed(1)}, ROC-AUC above every peer: ${c.rocAboveEveryPeer ? 'yes' : 'no'} → ${c.met ? 'met' : 'not met'}`);
  }
  return out.join('\n');
}
