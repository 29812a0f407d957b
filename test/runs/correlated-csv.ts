/** Test data: a table of correlated Gaussian columns, the kind of CSV a new user brings. */
import { writeFileSync } from 'node:fs';
import { Rng } from '../../src/data/random.js';

/** A CSV of `rows` samples of `columns` correlated Gaussian columns (3 factors plus noise), with a header. */
export function correlatedCsv(file: string, rows: number, columns: number, seed = 0): string {
  const rng = new Rng(seed);
  const k = 3;
  const w = Array.from({ length: k * columns }, () => rng.normal());
  const offset = Array.from({ length: columns }, () => 3 * rng.normal());
  const lines = [Array.from({ length: columns }, (_, j) => `c${j}`).join(',')];
  for (let i = 0; i < rows; i++) {
    const z = Array.from({ length: k }, () => rng.normal());
    lines.push(Array.from({ length: columns }, (_, j) => (offset[j]! + z.reduce((a, zf, f) => a + zf * w[f * columns + j]!, 0) + 0.3 * rng.normal()).toFixed(5)).join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
