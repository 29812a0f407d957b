/**
 * Issue 25's carry-over check on a table the tabular rules were not built
 * on: scikit-learn's breast-cancer data under bench:anomaly's tabular
 * protocol (train on 60 % of the benign rows, test on the rest and every
 * malignant row), five splits, the detector without configuration next to
 * the configuration before it and the scikit-learn peers.
 *
 *   node --import tsx bench/experiments/breast-cancer-carry-over.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { tabularRun } from '../anomaly/protocol.js';

const peers = join(dirname(new URL(import.meta.url).pathname), '..', 'anomaly', 'peers.py');
const rows: string[] = [];
const sums = { auto: 0, model: 0, forest: 0, svm: 0 };
for (const seed of [1, 2, 3, 4, 5]) {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-bc-'));
  const r = spawnSync('/usr/bin/python3', [peers, 'tabular', '--out', dir, '--seed', String(seed)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`peers.py: ${r.stderr}`);
  const p = JSON.parse(r.stdout.trim().split('\n').pop()!) as { isolationForest: { rocAuc: number }; ocsvm: { rocAuc: number } };
  const auto = await tabularRun(join(dir, 'train.csv'), join(dir, 'test.csv'), { seed, epochs: 50 });
  const model = await tabularRun(join(dir, 'train.csv'), join(dir, 'test.csv'), { seed, epochs: 50, model: true });
  rmSync(dir, { recursive: true, force: true });
  sums.auto += auto.rocAuc; sums.model += model.rocAuc; sums.forest += p.isolationForest.rocAuc; sums.svm += p.ocsvm.rocAuc;
  rows.push(`| ${seed} | ${auto.rocAuc.toFixed(1)} | ${model.rocAuc.toFixed(1)} | ${p.isolationForest.rocAuc.toFixed(1)} | ${p.ocsvm.rocAuc.toFixed(1)} |`);
  console.error(rows.at(-1));
}
console.log('| split | aekit, no configuration | aekit [16, 8] z-scored (before) | IsolationForest | OneClassSVM |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log(`| mean | ${(sums.auto / 5).toFixed(1)} | ${(sums.model / 5).toFixed(1)} | ${(sums.forest / 5).toFixed(1)} | ${(sums.svm / 5).toFixed(1)} |`);
