/**
 * The ceilings of a speed report (issue #15): for each workload, the highest
 * ratio over PyTorch and TF.js that any engine could reach on the machine the
 * report was measured on, from the report's own matmul peak and peer rates
 * ({@link ceilingRatio}). `npm run bench` adds them to its report as
 * `ceilings`; for a report saved before that:
 *
 *   node --import tsx bench/speed/ceilings.ts docs/results/bench-speed-run18.txt
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BENCH_WORKLOADS, FORWARD_FLOPS_PER_SAMPLE, MIN_TRAIN_FLOPS_PER_SAMPLE, ceilingRatio } from '../lib/workloads.js';
import { lastJsonObject } from './peers.js';

type Rates = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Per workload: training and inference ceilings against each peer, with the ratio measured. */
export function ceilingsOf(report: Record<string, unknown>): Record<string, Record<string, number | null>> {
  const peak = Math.max(num(report.peakGflops) ?? 0, num(report.peakGflops2Threads) ?? 0);
  const inference = (report.inference ?? {}) as Record<string, Rates>;
  const out: Record<string, Record<string, number | null>> = {};
  for (const w of BENCH_WORKLOADS) {
    const train = (report[w] ?? {}) as Rates;
    const infer = inference[w] ?? {};
    out[w] = {
      peakGflops: peak,
      trainingVsPytorch: num(train.vsPytorch),
      trainingCeilingVsPytorch: ceilingRatio(peak, MIN_TRAIN_FLOPS_PER_SAMPLE[w], num(train.pytorchSamplesPerSec)),
      trainingVsTfjs: num(train.vsTfjs),
      trainingCeilingVsTfjs: ceilingRatio(peak, MIN_TRAIN_FLOPS_PER_SAMPLE[w], num(train.tfjsSamplesPerSec)),
      inferenceVsPytorch: num(infer.vsPytorch),
      inferenceCeilingVsPytorch: ceilingRatio(peak, FORWARD_FLOPS_PER_SAMPLE[w], num(infer.pytorchSamplesPerSec)),
      inferenceVsTfjs: num(infer.vsTfjs),
      inferenceCeilingVsTfjs: ceilingRatio(peak, FORWARD_FLOPS_PER_SAMPLE[w], num(infer.tfjsSamplesPerSec)),
    };
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node --import tsx bench/speed/ceilings.ts <saved `npm run bench -- --json` output>');
  const report = lastJsonObject(readFileSync(file, 'utf8'));
  if (!report) throw new Error(`${file}: no JSON report line (the output of \`npm run bench -- --json\`)`);
  const f = (v: number | null) => (v === null ? '-' : v.toFixed(2));
  console.log(`${file}: peak ${ceilingsOf(report).dense!.peakGflops!.toFixed(0)} GFLOP/s; measured ratio / ceiling`);
  console.log('workload  training vs PyTorch  vs TF.js            inference vs PyTorch  vs TF.js');
  for (const [w, c] of Object.entries(ceilingsOf(report))) {
    console.log(`${w.padEnd(8)}  ${f(c.trainingVsPytorch)} / ${f(c.trainingCeilingVsPytorch)}`.padEnd(31)
      + `${f(c.trainingVsTfjs)} / ${f(c.trainingCeilingVsTfjs)}`.padEnd(20)
      + `${f(c.inferenceVsPytorch)} / ${f(c.inferenceCeilingVsPytorch)}`.padEnd(22)
      + `${f(c.inferenceVsTfjs)} / ${f(c.inferenceCeilingVsTfjs)}`);
  }
}
