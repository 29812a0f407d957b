/**
 * The window-PCA peer of bench:timeseries under the step-score smoothing
 * tried for aekit (docs/anomaly.md, "Time series: NAB"): mean ROC-AUC and
 * PR-AUC over the NAB series of one part, windows of 64, PCA at the
 * benchmark's share of variance, step scores smoothed by a centred moving
 * mean of 32, 64, 128 and 256 steps.
 *
 *   node --import tsx bench/experiments/nab-pca-smoothing.ts [dev|heldout|all]
 */
import { smoothSteps } from '../../src/anomaly/timeseries.js';
import { type AucPair, meanPair, seriesMetrics } from '../timeseries/metrics.js';
import { nabParts, readNab } from '../timeseries/nab.js';
import { windowPca } from '../timeseries/peers.js';
import { PCA_VARIANCE, TRAIN_FRACTION, WINDOW } from '../timeseries/protocol.js';

const part = process.argv[2] ?? 'dev';
const all = readNab('../shared/data/nab');
const parts = nabParts(all.map((s) => s.file));
const series = all.filter((s) => s.labels.some((v) => v === 1) && (part === 'all' || parts.get(s.file) === part));
const byWidth = new Map<number, AucPair[]>();
for (const s of series) {
  const p = Math.floor(TRAIN_FRACTION * s.values.length);
  const scores = windowPca(s.values, p, WINDOW, PCA_VARIANCE).scores;
  for (const width of [1, 32, 64, 128, 256]) byWidth.set(width, [...(byWidth.get(width) ?? []), seriesMetrics(width > 1 ? smoothSteps(scores, width) : scores, s.labels, p)!]);
}
console.log(`NAB ${part} series with anomalies: ${series.length}; PCA over windows of ${WINDOW}, ${PCA_VARIANCE} of the variance`);
console.log('| smoothing (steps) | ROC-AUC | PR-AUC |');
console.log('| --- | --- | --- |');
for (const [width, list] of byWidth) {
  const m = meanPair(list);
  console.log(`| ${width === 1 ? 'none' : width} | ${m.rocAuc.toFixed(1)} | ${m.prAuc.toFixed(1)} |`);
}
