/**
 * ADBench's protocol (shared/data/adbench/README.md) as bench:tabular and
 * bench:tune read it: bench/tabular/peers.py draws the splits with
 * scikit-learn's train_test_split (tables over 10,000 rows subsampled,
 * stratified, seed 0; then a stratified 70/30 split per seed) and, unless
 * asked not to, scores the classical peers on them; the row indices come
 * back so aekit scores the very same rows.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const HERE = dirname(new URL(import.meta.url).pathname);
/** The interpreter with scikit-learn: AEKIT_BENCH_PYTHON, else Debian's. */
export const PYTHON = process.env.AEKIT_BENCH_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
export const PEER_NAMES = { isolationForest: 'IsolationForest', lof: 'LOF', knn: 'KNN', ocsvm: 'OneClassSVM', pca: 'PCA', ecod: 'ECOD' } as const;
export type Peer = keyof typeof PEER_NAMES;

/** One seed's split: row indices of the original file. */
export interface Split { seed: number; train: number[]; test: number[] }
/** One table of the protocol. */
export interface TableEntry { name: string; rows: number; features: number; anomalies: number; splits: Split[]; peers: Partial<Record<Peer, number[]>> }

/**
 * Runs peers.py on the tables of `dataDir` and returns the protocol.
 * @param options.peers score the scikit-learn peers too (slow); otherwise only the splits.
 * @param options.quietStderr keep peers.py's progress off the terminal (under --json).
 * @throws {Error} with peers.py's own reason (scikit-learn missing, a bad table).
 */
export function adbenchProtocol(options: { dataDir: string; seeds: number[]; datasets?: string; peers: boolean; quietStderr?: boolean }): { datasets: TableEntry[] } {
  const work = mkdtempSync(join(tmpdir(), 'aekit-adbench-'));
  try {
    const file = join(work, 'protocol.json');
    const args = [join(HERE, 'peers.py'), '--data-dir', options.dataDir, '--seeds', options.seeds.join(','), '--out', file, ...(options.datasets ? ['--datasets', options.datasets] : []), ...(options.peers ? [] : ['--peers', 'none'])];
    const env = { ...process.env };
    // Peers get OpenBLAS's own kernel choice (DESIGN.md: the machine-wide guard forces AVX2 kernels).
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const r = spawnSync(PYTHON, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', options.quietStderr ? 'pipe' : 'inherit'], timeout: 60 * 60_000 });
    if (r.status !== 0) {
      const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
      let reason = `${PYTHON} exited with ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
      try {
        reason = (JSON.parse(last) as { error?: string }).error ?? reason;
      } catch {
        // keep the process's own message
      }
      throw new Error(`${reason}. The splits follow scikit-learn's train_test_split, so this benchmark needs it: apt-get install -y python3-sklearn, or set AEKIT_BENCH_PYTHON to a python that has it`);
    }
    return JSON.parse(readFileSync(file, 'utf8')) as { datasets: TableEntry[] };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Rows `which` of a row-major matrix with `d` columns. */
export function rows(x: ArrayLike<number>, d: number, which: readonly number[]): Float32Array {
  const out = new Float32Array(which.length * d);
  which.forEach((r, i) => {
    for (let j = 0; j < d; j++) out[i * d + j] = x[r * d + j]!;
  });
  return out;
}
