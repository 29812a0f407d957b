/**
 * Codes of any width down to two dimensions for a latent-space scatter:
 * the code itself when it is 2-D, else PCA (aekit's exact PCA: fast,
 * deterministic, linear) or UMAP (`umap-js`: keeps neighbourhoods, so classes
 * separate better; seeded, so the same codes give the same picture).
 */

import { PCA } from '../models/pca.js';
import { mulberry32 } from '../eval/stats.js';

/** How {@link project2d} reduces the codes: 'auto' is the code itself when 2-D, else PCA. */
export type ProjectionMethod = 'auto' | 'pca' | 'umap';

/** Options of {@link project2d}. */
export interface ProjectionOptions {
  /** 'auto' (default), 'pca' or 'umap'. */
  method?: ProjectionMethod;
  /** UMAP's random seed (default 0). */
  seed?: number;
  /** UMAP: neighbours per point (default 15, at most n − 1). */
  nNeighbors?: number;
  /** UMAP: minimum distance between embedded points (default 0.1). */
  minDist?: number;
  /** UMAP: optimization epochs (default 200: about 2 s for 2,000 points on one core; umap-js's own default is 500). */
  nEpochs?: number;
}

/** Codes in two dimensions. */
export interface Projection2d {
  /** n points as interleaved (x, y) pairs. */
  points: Float32Array;
  /** What was done: the code as is, PCA or UMAP. */
  method: 'identity' | 'pca' | 'umap';
  /** Axis names for the chart, e.g. ["PC1 (31.2%)", "PC2 (12.5%)"]. */
  axisNames: [string, string];
  /** One line for a subtitle, e.g. "PCA of the 32-D code". */
  description: string;
}

/**
 * Projects n codes of `dim` values each (row-major, length n·dim) to 2-D.
 * Throws a RangeError naming the problem for a code narrower than 2, too few
 * samples, or non-finite values.
 */
export async function project2d(codes: Float32Array | ArrayLike<number>, dim: number, options: ProjectionOptions = {}): Promise<Projection2d> {
  const method = options.method ?? 'auto';
  if (!['auto', 'pca', 'umap'].includes(method)) throw new RangeError(`project2d: method must be 'auto', 'pca' or 'umap', got ${JSON.stringify(method)}`);
  if (!(Number.isInteger(dim) && dim >= 1)) throw new RangeError(`project2d: dim must be a positive integer, got ${dim}`);
  if (dim < 2) throw new RangeError('project2d: a latent scatter needs a code of at least 2 dimensions, got 1');
  const x = codes instanceof Float32Array ? codes : Float32Array.from(codes);
  const n = x.length / dim;
  if (!Number.isInteger(n) || n === 0) throw new RangeError(`project2d: ${x.length} values are not a whole number of ${dim}-D codes`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new RangeError(`project2d: code ${Math.floor(i / dim)} holds ${x[i]} at dimension ${i % dim}`);
  }
  if (dim === 2 && method === 'auto') return { points: x.slice(), method: 'identity', axisNames: ['z1', 'z2'], description: '2-D code' };
  if (method === 'umap') return umap(x, n, dim, options);
  if (n < 2) throw new RangeError(`project2d: PCA needs at least 2 codes, got ${n}`);
  const pca = PCA.fit({ x, shape: [n, dim] }, { components: 2 });
  const ratio = pca.explainedVarianceRatio;
  const pct = (r: number) => `${(100 * r).toFixed(1)}%`;
  return {
    points: pca.transform(x),
    method: 'pca',
    axisNames: [`PC1 (${pct(ratio[0]!)})`, `PC2 (${pct(ratio[1]!)})`],
    description: `PCA of the ${dim}-D code`,
  };
}

async function umap(x: Float32Array, n: number, dim: number, options: ProjectionOptions): Promise<Projection2d> {
  if (n < 3) throw new RangeError(`project2d: UMAP needs at least 3 codes, got ${n}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new RangeError(`project2d: seed must be an integer, got ${seed}`);
  const nNeighbors = Math.min(options.nNeighbors ?? 15, n - 1);
  if (!(Number.isInteger(nNeighbors) && nNeighbors >= 2)) throw new RangeError(`project2d: nNeighbors must be an integer ≥ 2, got ${options.nNeighbors}`);
  const nEpochs = options.nEpochs ?? 200;
  if (!(Number.isInteger(nEpochs) && nEpochs >= 1)) throw new RangeError(`project2d: nEpochs must be a positive integer, got ${nEpochs}`);
  const minDist = options.minDist ?? 0.1;
  if (!(minDist >= 0)) throw new RangeError(`project2d: minDist must be ≥ 0, got ${minDist}`);
  const { UMAP } = await import('umap-js');
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(x.subarray(i * dim, (i + 1) * dim)));
  const embedding = new UMAP({ nComponents: 2, nNeighbors, minDist, nEpochs, random: mulberry32(seed) }).fit(rows);
  const points = new Float32Array(2 * n);
  embedding.forEach((p, i) => {
    points[2 * i] = p[0]!;
    points[2 * i + 1] = p[1]!;
  });
  return { points, method: 'umap', axisNames: ['UMAP 1', 'UMAP 2'], description: `UMAP of the ${dim}-D code (${nNeighbors} neighbours, seed ${seed})` };
}
