/**
 * The spam part of bench:text: text anomalies (docs/text.md). aekit's detector
 * (a dense autoencoder on the TF-IDF rows, its default combined score: squared
 * error plus k-NN distance of the codes, each standardized) is fitted on the
 * training ham and scores the held-out ham and every spam message; ROC-AUC with
 * spam as the positive class. In the same run, scikit-learn's IsolationForest,
 * OneClassSVM and PCA (as many components as aekit's code) on the same matrix
 * (bench/text/spam_peers.py).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import { encodeNpy } from '../../src/data/npy.js';
import { rocAuc } from '../../src/eval/detection.js';
import { Autoencoder } from '../../src/models/dense.js';
import { loadSpamSplit } from './spam-data.js';

const PEERS_PY = join(dirname(fileURLToPath(import.meta.url)), 'spam_peers.py');
const PYTHON = process.env.AEKIT_BENCH_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** aekit's detector in this benchmark. */
export const SPAM_MODEL = { hidden: 128, code: 16, epochs: 20, batchSize: 64 } as const;

export interface SpamOptions {
  seeds: number[];
  /** Run the scikit-learn peers (default true). */
  peers?: boolean;
  /** A small subset and 2 epochs (smoke test). */
  quick?: boolean;
  log: (line: string) => void;
}

export interface SpamResult {
  /** aekit's ROC-AUC (%), mean over seeds. */
  rocAuc: number;
  perSeed: Record<string, number>;
  /** Peers' ROC-AUC (%): IsolationForest with the first seed; OneClassSVM and PCA are deterministic. */
  peers: Record<string, number>;
  /** The issue's floor: aekit's ROC-AUC above every peer's, for each seed. */
  goal: { statement: string; met: boolean };
  protocol: Record<string, unknown>;
}

/** Runs the spam benchmark (see the module comment). */
export async function runSpamBenchmark(options: SpamOptions): Promise<SpamResult> {
  const { log, quick = false } = options;
  const split = loadSpamSplit(quick ? { limit: 300, maxFeatures: 1000 } : {});
  const v = split.vocabulary;
  log(`spam: ${split.trainRows} training ham, ${split.testRows} test messages (${split.labels.reduce((a, b) => a + b, 0)} spam), ${v} TF-IDF words`);
  const epochs = quick ? 2 : SPAM_MODEL.epochs;
  const perSeed: Record<string, number> = {};
  for (const seed of options.seeds) {
    const t1 = performance.now();
    const detector = new AnomalyDetector(new Autoencoder({ inputShape: [v], encoder: { sizes: [SPAM_MODEL.hidden, SPAM_MODEL.code] } }).compile({ seed }));
    await detector.fit({ x: split.train, shape: [split.trainRows, v] }, { train: { epochs, batchSize: SPAM_MODEL.batchSize } });
    const scores = await detector.score({ x: split.test, shape: [split.testRows, v] });
    perSeed[seed] = 100 * rocAuc(scores, split.labels);
    log(`spam: aekit seed ${seed}: ROC-AUC ${perSeed[seed]!.toFixed(2)} (${((performance.now() - t1) / 1000).toFixed(0)} s)`);
  }
  const t0 = performance.now();
  let peers: Record<string, number> = {};
  if (options.peers ?? true) {
    const work = mkdtempSync(join(tmpdir(), 'aekit-bench-spam-'));
    try {
      writeFileSync(join(work, 'train.npy'), encodeNpy({ shape: [split.trainRows, v], data: split.train }));
      writeFileSync(join(work, 'test.npy'), encodeNpy({ shape: [split.testRows, v], data: split.test }));
      writeFileSync(join(work, 'labels.npy'), encodeNpy({ shape: [split.testRows], data: Float32Array.from(split.labels) }));
      const r = spawnSync(PYTHON, [PEERS_PY, '--dir', work, '--components', String(SPAM_MODEL.code), '--seed', String(options.seeds[0] ?? 1)], { encoding: 'utf8', timeout: 30 * 60_000 });
      const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
      const parsed = (() => {
        try {
          return JSON.parse(last) as Record<string, number> & { error?: string };
        } catch {
          return undefined;
        }
      })();
      if (r.status !== 0 || !parsed || parsed.error) throw new Error(`spam peers (${PYTHON} ${PEERS_PY}): ${parsed?.error ?? `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' | ')}`}; scikit-learn is needed: apt-get install -y python3-sklearn, or set AEKIT_BENCH_PYTHON`);
      peers = parsed;
      log(`spam: peers ${Object.entries(peers).map(([k, x]) => `${k} ${x.toFixed(2)}`).join(', ')}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const values = Object.values(perSeed);
  const bestPeer = Math.max(...Object.values(peers));
  return {
    rocAuc: values.reduce((a, b) => a + b, 0) / values.length,
    perSeed,
    peers,
    goal: { statement: 'spam ROC-AUC above every TF-IDF peer, each seed', met: Object.keys(peers).length > 0 && values.every((v) => v > bestPeer) },
    protocol: { trainRows: split.trainRows, testRows: split.testRows, vocabulary: v, model: `dense autoencoder ${v}-${SPAM_MODEL.hidden}-${SPAM_MODEL.code}, combined score`, epochs, batchSize: SPAM_MODEL.batchSize, seeds: options.seeds, quick, seconds: (performance.now() - t0) / 1000 },
  };
}
