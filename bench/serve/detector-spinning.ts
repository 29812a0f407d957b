/**
 * A run's detector loaded from the library (`loadRunDetector`, as
 * `AnomalyDetector.load` reads it) and scored in a loop of 64-row batches,
 * with its model sessions' idle threads spinning (ONNX Runtime's default,
 * `spin`) or not (aekit's default for a loaded detector since this script,
 * `nospin`). Rounds alternate the two, each in a fresh process, so a slow
 * minute hits both (docs/serving.md, run 9).
 *
 *   node --import tsx bench/serve/detector-spinning.ts runs/demo [rounds]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mnist } from '../../src/data/datasets.js';
import { loadRunDetector } from '../../src/runs/run-detector.js';

const [path, arg] = process.argv.slice(2);
if (!path) throw new Error('usage: detector-spinning.ts <run> [rounds]');
if (arg === 'spin' || arg === 'nospin') {
  const detector = loadRunDetector(path, arg === 'spin' ? { session: { spinning: true } } : {});
  if (!detector) throw new Error(`${path}: no saved detector (run aekit detect ${path} first)`);
  const width = detector.sampleShape.reduce((a, b) => a * b, 1);
  const x = mnist({ split: 'test', limit: 6400 }).x;
  if (width !== 784) throw new Error(`${path}: the detector takes ${width} values a row; this script sends MNIST images`);
  const batch = (b: number) => ({ x: x.subarray((b % 100) * 64 * width, ((b % 100) + 1) * 64 * width), shape: [64, ...detector.sampleShape] });
  for (let b = 0; b < 20; b++) await detector.score(batch(b));
  const t0 = performance.now();
  for (let b = 0; b < 300; b++) await detector.score(batch(b));
  console.log(`${arg} ${((performance.now() - t0) / 300).toFixed(3)}`);
} else {
  const rounds = Number(arg ?? 3);
  const self = fileURLToPath(import.meta.url);
  const got: Record<string, number[]> = { spin: [], nospin: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 ? ['nospin', 'spin'] : ['spin', 'nospin']) {
      const out = spawnSync(process.execPath, ['--import', 'tsx', self, path, mode], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(out.stderr);
      got[mode]!.push(Number(out.stdout.trim().split(' ')[1]));
    }
    console.log(`round ${r + 1}: ms per 64-row score() call, threads spinning ${got.spin!.at(-1)!.toFixed(3)}, not spinning ${got.nospin!.at(-1)!.toFixed(3)}`);
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
  console.log(`median of ${rounds}: spinning ${median(got.spin!).toFixed(3)} ms, not spinning ${median(got.nospin!).toFixed(3)} ms (${(median(got.spin!) / median(got.nospin!)).toFixed(2)}x)`);
}
