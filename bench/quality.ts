/**
 * Quality benchmark (issue #5): `npm run bench:quality -- [--quick] [--only dense,vae] [--json]`
 * Trains each autoencoder on MNIST (60k train, 10k test) and prints its test
 * metric next to the reference of shared/ANCHORS.md. Partial results are
 * written after every model to runs/bench-quality/results.json.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { benchCommand, type CommonBenchOptions, integer, positive, progressLog } from './lib/cli.js';
import { formatTable, QUALITY_MODELS, type QualityModel, type QualityResult, runQualityBenchmark } from './quality/protocol.js';
import { writeFileAtomic } from '../src/onnx/compile.js';
import { type ScheduleConfig } from '../src/optim/schedules.js';

function modelList(value: string): QualityModel[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(QUALITY_MODELS as readonly string[]).includes(n));
  if (unknown.length || !names.length) throw new InvalidArgumentError(`unknown model '${unknown.join(', ') || value}'; choose from ${QUALITY_MODELS.join(', ')}`);
  return names as QualityModel[];
}

function schedule(value: string): ScheduleConfig | null {
  if (value === 'none') return null;
  if (value === 'cosine') return { type: 'cosine', totalEpochs: 1, minLr: 1e-5 }; // totalEpochs is set to the run's epochs
  throw new InvalidArgumentError(`--schedule must be 'cosine' or 'none', got '${value}'`);
}

const program = benchCommand('bench:quality', 'Train the autoencoder family on MNIST and compare test metrics with published references', {
  quick: 'one epoch on 6,000 training and 2,000 test images (smoke test)',
  json: 'print one JSON object keyed by model on the last line',
  seed: 'seed of initialization, shuffling and noise',
})
  .option('--only <models>', `comma-separated subset of ${QUALITY_MODELS.join(',')}`, modelList)
  .option('--epochs <n>', 'override every model\'s epochs (not the documented protocol)', integer('--epochs', 1))
  .option('--batch-size <n>', 'override every model\'s batch size', integer('--batch-size', 1))
  .option('--lr <x>', 'override every model\'s Adam learning rate', positive('--lr'))
  .option('--schedule <name>', "override the learning-rate schedule: 'cosine' (decay to 1e-5 over the epochs) or 'none'", schedule)
  .option('--out <path>', 'file (or folder, then results.json in it) where results are saved after every model', 'runs/bench-quality/results.json')
  .parse();
const opts = program.opts<CommonBenchOptions & { only?: QualityModel[]; out: string; epochs?: number; batchSize?: number; lr?: number; schedule?: ScheduleConfig | null }>();
const overridden = opts.batchSize !== undefined || opts.lr !== undefined || opts.schedule !== undefined;

const log = progressLog(opts.json);
const started = performance.now();
const saved: Partial<Record<QualityModel, QualityResult>> = {};
// A folder gets results.json inside it; the file is written once now, so a bad
// path fails before hours of training instead of after the first model.
let outFile = opts.out;
try {
  if (opts.out.endsWith('/') || statSync(opts.out, { throwIfNoEntry: false })?.isDirectory()) outFile = join(opts.out, 'results.json');
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileAtomic(outFile, '{}\n');
} catch (e) {
  console.error(`bench:quality: cannot write results to ${outFile}: ${(e as Error).message}`);
  process.exit(2);
}
const results = await runQualityBenchmark({
  quick: opts.quick, only: opts.only, seed: opts.seed, threads: opts.threads, log, epochs: opts.epochs,
  protocol: overridden ? { batchSize: opts.batchSize, lr: opts.lr, schedule: opts.schedule } : undefined,
  onResult: (name, r) => {
    saved[name] = r;
    try {
      writeFileAtomic(outFile, `${JSON.stringify(saved, null, 2)}\n`);
    } catch (e) {
      log(`  warning: could not save results to ${outFile} (${(e as Error).message}); the run goes on`);
    }
  },
});
log('');
log(`MNIST quality benchmark${opts.quick ? ' (--quick: short schedule, not comparable with the references)' : ''}, ${((performance.now() - started) / 60000).toFixed(1)} min:`);
for (const line of formatTable(results)) log(line);
log(`Results saved to ${outFile}`);
if (opts.json) {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, r] of Object.entries(results)) out[name] = { metric: r.metric, value: r.value, reference: r.reference, goalMet: r.goalMet, epochs: r.epochs, seconds: r.seconds, batchSize: r.batchSize, optimizer: r.optimizer, seed: r.seed, details: r.details };
  console.log(JSON.stringify(out));
}
