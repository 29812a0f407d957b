/**
 * Tabular anomaly benchmark (issue 25): `npm run bench:tabular -- [--json] [--seeds 0,1,2] [--datasets a,b]`
 *
 * ADBench's unsupervised protocol on the real tables in --data-dir (default
 * ../shared/data/adbench; each .npz holds X and y), exactly as that folder's
 * README states it: tables over 10,000 rows subsampled (stratified, seed 0),
 * then for each seed a stratified 70/30 split, the detector fitted on the 70 %
 * part without labels, ROC-AUC × 100 on the 30 % part. The splits and the six
 * classical peers (scikit-learn IsolationForest, LOF, KNN, OneClassSVM, PCA,
 * and ECOD) come from bench/tabular/peers.py in the same run, so every
 * detector scores the very same rows. aekit's side is
 * `new AnomalyDetector()` with nothing set: the rules of src/anomaly/ensemble.ts.
 *
 * `--json` prints one object on the last line: `adbench.mean`,
 * `adbench.meanRank`, `adbench.perDataset` {table: ROC-AUC}, `adbench.peers`
 * {detector: mean}, `adbench.peerRanks` {detector: mean rank}, per seed
 * (`adbench.perSeed`), and `adbench.seconds`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { progressLog } from './lib/cli.js';
import { AnomalyDetector } from '../src/anomaly/detector.js';
import { readNpz } from '../src/data/npy.js';
import { rocAuc } from '../src/eval/detection.js';
import { writeFileAtomic } from '../src/io/files.js';
import { PEER_NAMES, type Peer, type TableEntry, adbenchProtocol, rows } from './tabular/protocol.js';

const HERE = dirname(new URL(import.meta.url).pathname);
const DEFAULT_DATA_DIR = resolve(HERE, '..', '..', 'shared', 'data', 'adbench');

const program = new Command('bench:tabular')
  .description("ADBench's unsupervised protocol on real tables: aekit's detector without configuration vs IsolationForest, LOF, KNN, OneClassSVM, PCA and ECOD")
  .option('--data-dir <dir>', `folder of ADBench .npz tables (X, y), e.g. adbench/datasets/Classical of the ADBench repository (default ${DEFAULT_DATA_DIR})`, DEFAULT_DATA_DIR)
  .option('--seeds <list>', 'split seeds, comma-separated', '0,1,2')
  .option('--datasets <list>', 'table names (file names without .npz), comma-separated; default all')
  .option('--no-peers', 'skip the scikit-learn peers (the splits still come from scikit-learn)')
  .option('--json', 'print one JSON object on the last line', false)
  .option('--out <file>', 'results, saved after every table', 'runs/bench-tabular/results.json')
  .parse();
const opts = program.opts<{ dataDir: string; seeds: string; datasets?: string; peers: boolean; json: boolean; out: string }>();
const log = progressLog(opts.json);
const seeds = opts.seeds.split(',').map((s) => Number(s.trim()));
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) {
  console.error(`bench:tabular: --seeds must be non-negative integers, got '${opts.seeds}'`);
  process.exit(2);
}
if (!existsSync(opts.dataDir)) {
  console.error(`bench:tabular: no folder ${opts.dataDir}. Give --data-dir: a folder of ADBench .npz tables (the repository Minqi824/ADBench, adbench/datasets/Classical; this project's copy of 25 is shared/data/adbench)`);
  process.exit(2);
}

const started = performance.now();
let protocol: { datasets: TableEntry[] };
try {
  log(`splits${opts.peers ? ' and scikit-learn peers' : ''} (bench/tabular/peers.py)...`);
  protocol = adbenchProtocol({ dataDir: opts.dataDir, seeds, ...(opts.datasets ? { datasets: opts.datasets } : {}), peers: opts.peers, quietStderr: opts.json });
} catch (e) {
  console.error(`bench:tabular: ${(e as Error).message}`);
  process.exit(2);
}

const results: Record<string, { aekit: number[]; seconds: number; peers: Partial<Record<Peer, number[]>> }> = {};
mkdirSync(dirname(opts.out), { recursive: true });
for (const t of protocol.datasets) {
  const npz = await readNpz(join(opts.dataDir, `${t.name}.npz`));
  const X = npz.X!.data;
  const y = npz.y!.data;
  const aucs: number[] = [];
  const t0 = performance.now();
  for (const split of t.splits) {
    const det = new AnomalyDetector();
    await det.fit({ x: rows(X, t.features, split.train), shape: [split.train.length, t.features] });
    const scores = await det.score({ x: rows(X, t.features, split.test), shape: [split.test.length, t.features] });
    aucs.push(100 * rocAuc(scores, split.test.map((r) => Number(y[r]))));
  }
  results[t.name] = { aekit: aucs, seconds: (performance.now() - t0) / 1000, peers: t.peers };
  const peerText = Object.entries(t.peers).map(([p, v]) => `${PEER_NAMES[p as Peer]} ${mean(v).toFixed(1)}`).join(' · ');
  log(`${t.name} (${t.rows} rows, ${t.features} features): aekit ${mean(aucs).toFixed(1)} [${aucs.map((a) => a.toFixed(1)).join(', ')}]${peerText ? ` · ${peerText}` : ''} (${results[t.name]!.seconds.toFixed(0)} s)`);
  writeFileAtomic(opts.out, `${JSON.stringify(results, null, 1)}\n`);
}

function mean(v: readonly number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

/** Rank of each detector on each table (1 = best, ties share the mean rank), averaged over tables. */
function meanRanks(table: (name: string) => Record<string, number>): Record<string, number> {
  const sums: Record<string, number> = {};
  const names = Object.keys(results);
  for (const name of names) {
    const v = table(name);
    for (const [det, auc] of Object.entries(v)) {
      const better = Object.values(v).filter((o) => o > auc).length;
      const tied = Object.values(v).filter((o) => o === auc).length;
      sums[det] = (sums[det] ?? 0) + better + (tied + 1) / 2;
    }
  }
  return Object.fromEntries(Object.entries(sums).map(([d, s]) => [d, s / names.length]));
}

const names = Object.keys(results);
const peers = (opts.peers ? Object.keys(PEER_NAMES) : []) as Peer[];
const bySeed = (i: number | 'mean') => (name: string): Record<string, number> => {
  const r = results[name]!;
  const pick = (v: number[]) => (i === 'mean' ? mean(v) : v[i]!);
  return { aekit: pick(r.aekit), ...Object.fromEntries(peers.map((p) => [p, pick(r.peers[p]!)])) };
};
const ranks = meanRanks(bySeed('mean'));
const perSeed = seeds.map((seed, i) => {
  const r = meanRanks(bySeed(i));
  return {
    seed,
    mean: mean(names.map((n) => results[n]!.aekit[i]!)),
    meanRank: r.aekit!,
    peers: Object.fromEntries(peers.map((p) => [p, mean(names.map((n) => results[n]!.peers[p]![i]!))])),
    peerRanks: Object.fromEntries(peers.map((p) => [p, r[p]!])),
  };
});
const summary = {
  tables: names.length,
  seeds,
  mean: mean(names.map((n) => mean(results[n]!.aekit))),
  meanRank: ranks.aekit!,
  perDataset: Object.fromEntries(names.map((n) => [n, mean(results[n]!.aekit)])),
  peers: Object.fromEntries(peers.map((p) => [p, mean(names.map((n) => mean(results[n]!.peers[p]!)))])),
  peerRanks: Object.fromEntries(peers.map((p) => [p, ranks[p]!])),
  perSeed,
  seconds: (performance.now() - started) / 1000,
};

log('');
log(`| table | aekit | ${peers.map((p) => PEER_NAMES[p]).join(' | ')} |`);
log(`|---|---|${peers.map(() => '---|').join('')}`);
for (const n of names) log(`| ${n} | ${mean(results[n]!.aekit).toFixed(1)} | ${peers.map((p) => mean(results[n]!.peers[p]!).toFixed(1)).join(' | ')} |`);
log(`| **mean ROC-AUC** | **${summary.mean.toFixed(2)}** | ${peers.map((p) => summary.peers[p]!.toFixed(2)).join(' | ')} |`);
if (peers.length) log(`| **mean rank (1 = best of ${peers.length + 1})** | **${summary.meanRank.toFixed(2)}** | ${peers.map((p) => summary.peerRanks[p]!.toFixed(2)).join(' | ')} |`);
for (const s of perSeed) {
  log(`seed ${s.seed}: aekit ${s.mean.toFixed(2)} (rank ${s.meanRank.toFixed(2)})${peers.map((p) => ` · ${PEER_NAMES[p]} ${s.peers[p]!.toFixed(2)} (${s.peerRanks[p]!.toFixed(2)})`).join('')}`);
}
log(`${names.length} tables × ${seeds.length} seeds in ${(summary.seconds / 60).toFixed(1)} min; results in ${opts.out}`);
if (opts.json) console.log(JSON.stringify({ adbench: summary }));
