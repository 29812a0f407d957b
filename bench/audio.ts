/**
 * Audio benchmark (issue 26): `npm run bench:audio -- [--quick] [--json] [--seeds 1,2] [--data-dir ../shared/data/fsdd]`
 *
 * FSDD speech denoising (white and babble noise at 0, 5 and 10 dB; SI-SDR
 * improvement and log-spectral distance; aekit's complex-mask U-Net vs
 * spectral subtraction and a Wiener filter in the same run) and codes (5-NN
 * digit and speaker accuracy of a conv autoencoder's codes vs time-averaged
 * MFCCs); see bench/audio/protocol.ts. With --json the last stdout line is
 * `{ fsdd: { denoise: { white: { siSdri: { "0", "5", "10" } }, babble: {…},
 * baselines: { spectralSubtraction: { white: { siSdri } , … }, wiener: … } },
 * codes: { knn5Digit, knn5Speaker, mfccKnn5Digit }, goal, protocol } }`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { benchCommand, type CommonBenchOptions, integer, runBench } from './lib/cli.js';
import { type AudioBenchResult, NOISES, SNRS, formatAudioTables, runAudioBenchmark } from './audio/protocol.js';
import { type AudioExample, writeAudioFigures } from './audio/figures.js';
import { writeFileAtomic } from '../src/io/files.js';

const DEFAULT_DATA = resolve('../shared/data/fsdd');

const program = benchCommand('bench:audio', 'FSDD speech denoising (aekit complex-mask U-Net vs spectral subtraction and Wiener) and codes (5-NN vs time-averaged MFCC)', {
  quick: '300 training clips, 60 test clips, 1 epoch (smoke test)',
  json: 'print one JSON object { fsdd: { denoise, codes, goal, protocol } } on the last line',
  seed: 'seed of aekit\'s training (one seed; --seeds for several)',
})
  .option('--data-dir <dir>', `the FSDD folder, holding recordings/ (default ${DEFAULT_DATA} when present)`)
  .option('--seeds <list>', 'comma-separated training seeds', (v: string) => {
    const list = v.split(',').map((s) => s.trim());
    if (list.length === 0 || !list.every((s) => /^\d+$/.test(s))) throw new InvalidArgumentError(`--seeds must be comma-separated non-negative integers, got '${v}'`);
    return [...new Set(list.map(Number))];
  })
  .option('--noise-seed <n>', 'seed of the test noise (default 7)', integer('--noise-seed', 0))
  .option('--epochs <n>', 'denoiser epochs (default 10 for complex, 20 for mask; quick 1)', integer('--epochs', 1))
  .option('--batch-size <n>', 'denoiser batch size (default 16)', integer('--batch-size', 1))
  .option('--learning-rate <x>', "denoiser's Adam learning rate (default 0.002)", (v: string) => {
    const x = Number(v);
    if (!(x > 0 && x < 1)) throw new InvalidArgumentError(`--learning-rate must be a number in (0, 1), got '${v}'`);
    return x;
  })
  .option('--code-epochs <n>', 'code autoencoder epochs (default 30; quick 1)', integer('--code-epochs', 1))
  .option('--filters <list>', "the U-Net's filters per level (default 8,16,32)", (v: string) => {
    const list = v.split(',').map((s) => Number(s.trim()));
    if (list.some((f) => !Number.isInteger(f) || f < 1)) throw new InvalidArgumentError(`--filters must be comma-separated positive integers, got '${v}'`);
    return list;
  })
  .option('--denoiser <kind>', "aekit's denoiser: complex (complex ratio mask, STFT in the graph, SI-SDR loss; default) or mask (magnitude mask, runs 1–2)", (v: string) => {
    if (v !== 'complex' && v !== 'mask') throw new InvalidArgumentError(`--denoiser must be complex or mask, got '${v}'`);
    return v;
  })
  .option('--validation', 'development split: takes 5–9 as the test set, 10–49 for training (tune here, not on the test clips)')
  .option('--no-baselines', 'skip the baselines (they do not depend on the seed): aekit scores only, no goal verdict')
  .option('--practical-baselines', 'also run the baselines with a minimum-statistics noise estimate (not the true noise spectrum), reported beside the oracle ones')
  .option('--no-codes', 'skip the codes part')
  .option('--no-denoise', "skip aekit's denoisers and the baselines (with --practical-baselines the baselines still run)")
  .option('--out <dir>', 'results.json and figures go here', 'runs/bench-audio')
  .parse();
const opts = program.opts<CommonBenchOptions & { dataDir?: string; seeds?: number[]; noiseSeed?: number; epochs?: number; codeEpochs?: number; batchSize?: number; learningRate?: number; filters?: number[]; denoiser?: 'complex' | 'mask'; validation?: boolean; practicalBaselines?: boolean; baselines: boolean; codes: boolean; denoise: boolean; out: string }>();

const dataDir = opts.dataDir ?? DEFAULT_DATA;
if (!existsSync(join(dataDir, 'recordings'))) {
  console.error(`bench:audio: no FSDD at ${dataDir} (recordings/*.wav): pass --data-dir. The data: github.com/Jakobovski/free-spoken-digit-dataset (CC BY-SA 4.0), its recordings/ folder.`);
  process.exit(2);
}

function fsddJson(r: AudioBenchResult) {
  const siSdri = (by: AudioBenchResult['denoise'], kind: (typeof NOISES)[number]) => ({ siSdri: Object.fromEntries(SNRS.map((s) => [String(s), by[kind][String(s)]!.siSdri])), lsd: Object.fromEntries(SNRS.map((s) => [String(s), by[kind][String(s)]!.lsd])) });
  const all = (by: AudioBenchResult['denoise'], present = Object.keys(by.white).length > 0) => Object.fromEntries((present ? NOISES : []).map((k) => [k, siSdri(by, k)]));
  return {
    fsdd: {
      denoise: {
        ...all(r.denoise),
        baselines: Object.fromEntries(Object.entries(r.baselines).map(([name, by]) => [name, all(by)])),
        noisy: r.noisy,
        baselineParams: r.baselineParams,
        perSeed: Object.fromEntries(Object.entries(r.perSeed).map(([s, by]) => [s, all(by)])),
      },
      ...(r.codes ? { codes: r.codes } : {}),
      goal: r.goal,
      protocol: r.protocol,
    },
  };
}

await runBench('bench:audio', opts.json, async (log) => {
  const examples: AudioExample[] = [];
  const result = await runAudioBenchmark({
    dataDir, quick: opts.quick, seed: opts.seed, seeds: opts.seeds, threads: opts.threads, noiseSeed: opts.noiseSeed, epochs: opts.epochs, codeEpochs: opts.codeEpochs, batchSize: opts.batchSize, learningRate: opts.learningRate,
    filters: opts.filters, denoiser: opts.denoiser, validation: opts.validation, practicalBaselines: opts.practicalBaselines, noBaselines: !opts.baselines, noCodes: !opts.codes, noDenoise: !opts.denoise, log, examples: (e) => examples.push(e),
  });
  mkdirSync(opts.out, { recursive: true });
  writeFileAtomic(join(opts.out, 'results.json'), `${JSON.stringify(fsddJson(result), null, 1)}\n`);
  await writeAudioFigures(opts.out, examples, 8000);
  log(`results and figures in ${opts.out}/`);
  return result;
}, {
  table: formatAudioTables,
  seconds: (r) => (r.protocol.seconds as { total: number }).total,
  json: fsddJson,
});
