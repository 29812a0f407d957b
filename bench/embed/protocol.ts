/**
 * The embeddings benchmark behind `npm run bench:embed`: MNIST codes of size
 * 2, 10 and 32 from aekit's autoencoders and from PCA of the same size, judged
 * in one run by 5-NN accuracy, a linear probe, and k-means on all 70,000
 * images (clustering accuracy and NMI), with the contrastive option and the
 * clustering refinement measured against the same models without them.
 */
import { mnist } from '../../src/data/datasets.js';
import { type Dataset } from '../../src/data/types.js';
import { Autoencoder } from '../../src/models/dense.js';
import { PCA } from '../../src/models/pca.js';
import { Adam } from '../../src/optim/optimizers.js';
import { clusteringAccuracy, nmi } from '../../src/eval/clustering.js';
import { type CodeEvaluation, evaluateCodes } from '../../src/eval/codes.js';
import { randomAffine } from '../../src/tasks/augment.js';
import { refineClusters } from '../../src/tasks/deep-clustering.js';
import { refineNeighbors } from '../../src/tasks/neighbor-embedding.js';
import { type Embedding, embed } from '../../src/tasks/embed.js';
import { type BenchRunOptions, resolveRun } from '../lib/run-options.js';

/** One aekit model of the benchmark: a dense autoencoder with this code size. */
export interface EmbedModelSpec {
  /** Row label: 'ae', or 'ae+contrastive' with the option. */
  name: string;
  code: number;
  /** The model option `contrastive` (weight, t). */
  contrastive?: { weight: number; t?: number };
}

/** One row of the results: a method's codes of one size, judged every way. */
export interface EmbedRow {
  method: 'aekit' | 'pca';
  /** The variant: 'pca', 'ae', 'ae+contrastive', 'ae+neighbors', 'ae+DEC', 'ae+DEC-DA'. */
  name: string;
  code: number;
  /** 5-NN accuracy of the test codes against the training codes, %. */
  knn5: number;
  /** Linear probe test accuracy, %. */
  probe: number;
  /** k-means (10 clusters, all images) clustering accuracy, %. */
  clusterAccuracy: number;
  /** NMI of the same clustering, in [0, 1]. */
  nmi: number;
  /** For a DEC row: accuracy of DEC's own assignments (argmax q), %. */
  decAccuracy?: number;
  /** What the encoder was trained or refined on, when it saw more than the training images. */
  note?: string;
  /** Training (and refinement) time of the model, s. */
  seconds: number;
}

/** What {@link runEmbedBenchmark} returns. */
export interface EmbedBenchResult {
  rows: EmbedRow[];
  /** The issue's summary: aekit's headline rows and PCA's. */
  summary: EmbedSummary;
  goals: { goal: string; value: number; target: number; met: boolean }[];
  protocol: Record<string, unknown>;
}

/** The `--json` object: accuracies in %, NMI in [0, 1]. */
export interface EmbedSummary {
  knn5: Record<string, number>;
  clusterAccuracy10: number;
  nmi10: number;
  pca: { knn5: Record<string, number>; clusterAccuracy10: number; nmi10: number };
  /** Which variant each headline number comes from. */
  headline: Record<string, string>;
  /** Every aekit variant by name, at the sizes it was run at. */
  variants: Record<string, { knn5: Record<string, number>; probe: Record<string, number>; clusterAccuracy: Record<string, number>; nmi: Record<string, number> }>;
}

/** Options of {@link runEmbedBenchmark}; `quick` runs {@link QUICK}. */
export interface EmbedBenchOptions extends BenchRunOptions {
  /** Epochs of each autoencoder (default {@link EPOCHS}). */
  epochs?: number;
  /** Epochs of every neighbour-embedding refinement (default: {@link REFINE}'s). */
  refineEpochs?: number;
  /** Also run DEC and DEC with augmentation on the 10-D model (slow; default false). */
  dec?: boolean;
}

export const CODE_SIZES = [2, 10, 32] as const;
/** Epochs of each autoencoder, batch {@link BATCH_SIZE}, Adam at {@link LEARNING_RATE}. */
export const EPOCHS = 15;
/**
 * The neighbour-embedding refinements: epochs and neighbours per image in the
 * graph, by code size (chosen in exploratory runs, docs/tasks.md).
 */
export const REFINE: Readonly<Record<2 | 10 | 32, { epochs: number; neighbors: number }>> = {
  2: { epochs: 40, neighbors: 15 },
  10: { epochs: 20, neighbors: 15 },
  32: { epochs: 30, neighbors: 5 },
};
/** Most epochs of the DEC refinements (`--dec`). */
export const DEC_EPOCHS = 30;
export const BATCH_SIZE = 256;
export const LEARNING_RATE = 1e-3;
/** Hidden layers of every encoder (the decoder mirrors them): 784-500-500-k, ReLU, linear code, sigmoid output, BCE. */
export const HIDDEN = [500, 500];
/** Weight of the contrastive option in the comparison (t = 2). */
export const CONTRASTIVE = { weight: 0.1 } as const;

/** The models of the full run, in training order (the 32-D codes give the 2-D refinement its graph). */
export const MODELS: readonly EmbedModelSpec[] = [
  { name: 'ae', code: 32 },
  { name: 'ae+contrastive', code: 32, contrastive: CONTRASTIVE },
  { name: 'ae', code: 10 },
  { name: 'ae', code: 2 },
];

/** The headline aekit variant of each goal. */
export const HEADLINE = { knn2: 'ae+neighbors', knn10: 'ae', knn32: 'ae+neighbors', cluster10: 'ae+neighbors' } as const;

/** `--quick`: a slice, small encoders, few epochs. */
export const QUICK = { trainSamples: 3000, testSamples: 1000, epochs: 2, refineEpochs: 2, decEpochs: 2, hidden: [64] } as const;

const pct = (v: number) => 100 * v;

function concatImages(a: Dataset, b: Dataset): { x: Float32Array; shape: number[]; labels: Int32Array } {
  const x = new Float32Array(a.x.length + b.x.length);
  x.set(a.x);
  x.set(b.x, a.x.length);
  const labels = new Int32Array(a.labels!.length + b.labels!.length);
  labels.set(a.labels!);
  labels.set(b.labels!, a.labels!.length);
  return { x, shape: [labels.length, ...a.shape.slice(1)], labels };
}

function row(method: EmbedRow['method'], name: string, code: number, e: CodeEvaluation, seconds: number): EmbedRow {
  return {
    method, name, code, knn5: pct(e.knn.accuracy), probe: pct(e.probe!.testAccuracy),
    clusterAccuracy: pct(e.clustering!.accuracy), nmi: e.clustering!.nmi, seconds,
  };
}

/**
 * Runs the benchmark; progress lines go to `log`. Every autoencoder trains on
 * the 60,000 training images only; k-means runs on the codes of all 70,000.
 * Neighbour-embedding refinements, both on randomly shifted and rotated
 * images pulled towards their clean neighbours' codes: the 2-D model on the
 * training images with the neighbour graph of the 32-D model's codes (test
 * images get their codes from the refined encoder, which never saw them); the
 * 10-D model on all 70,000 images with the graph of its own codes (the
 * clustering papers train on all images; its 5-NN and probe numbers are then
 * transductive and marked so).
 */
export async function runEmbedBenchmark(options: EmbedBenchOptions = {}): Promise<EmbedBenchResult> {
  const { log, quick, seed, session } = resolveRun(options);
  const epochs = options.epochs ?? (quick ? QUICK.epochs : EPOCHS);
  const refine = (code: 2 | 10 | 32) => ({ neighbors: REFINE[code].neighbors, epochs: options.refineEpochs ?? (quick ? QUICK.refineEpochs : REFINE[code].epochs) });
  const decEpochs = quick ? QUICK.decEpochs : DEC_EPOCHS;
  const hidden: number[] = quick ? [...QUICK.hidden] : HIDDEN;
  const started = performance.now();
  const train = mnist({ split: 'train', ...(quick ? { limit: QUICK.trainSamples } : {}) });
  const test = mnist({ split: 'test', ...(quick ? { limit: QUICK.testSamples } : {}) });
  const all = concatImages(train, test);
  const nAll = all.labels.length;
  const nTrain = train.shape[0]!;
  log(`MNIST: ${nTrain} training and ${test.shape[0]} test images; k-means on all ${nAll}`);
  const evaluate = (tr: Embedding, te: Embedding) => evaluateCodes(tr, te, {
    probe: { epochs: quick ? 5 : 20, seed },
    clustering: { on: 'all', restarts: quick ? 3 : 10, seed },
  });
  const rows: EmbedRow[] = [];
  const show = (r: EmbedRow) => log(`  ${r.name.padEnd(15)} ${String(r.code).padStart(2)}-D  5-NN ${r.knn5.toFixed(2)} %  probe ${r.probe.toFixed(2)} %  k-means ${r.clusterAccuracy.toFixed(2)} % / NMI ${r.nmi.toFixed(4)}${r.decAccuracy !== undefined ? `  DEC ${r.decAccuracy.toFixed(2)} %` : ''}  (${r.seconds.toFixed(0)} s)`);
  const judge = async (model: Autoencoder | PCA, method: EmbedRow['method'], name: string, code: number, seconds: number, extra: Partial<EmbedRow> = {}) => {
    const r = { ...row(method, name, code, await evaluate(await embed(model, train), await embed(model, test)), seconds), ...extra };
    rows.push(r);
    show(r);
    return r;
  };
  const since = (t: number) => (performance.now() - t) / 1000;

  // PCA: one fit on the training images, truncated to each size.
  let t = performance.now();
  const pca = PCA.fit(train, { components: Math.max(...CODE_SIZES) });
  const pcaSeconds = since(t);
  for (const code of CODE_SIZES) await judge(pca.truncate(code), 'pca', 'pca', code, pcaSeconds);

  const trained = new Map<string, { model: Autoencoder; seconds: number }>();
  for (const spec of MODELS) {
    t = performance.now();
    const model = new Autoencoder({
      inputShape: [784],
      encoder: { sizes: [...hidden, spec.code], codeActivation: 'linear' },
      loss: 'bce',
      ...(spec.contrastive ? { contrastive: spec.contrastive } : {}),
    }).compile({ optimizer: new Adam({ learningRate: LEARNING_RATE }), seed, session });
    await model.fit(train, {
      epochs, batchSize: BATCH_SIZE,
      onProgress: (e) => {
        if (e.type === 'epoch') log(`  ${spec.name} ${spec.code}-D epoch ${e.epoch}/${epochs}: ${Object.entries(e.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
      },
    });
    const seconds = since(t);
    trained.set(`${spec.name}/${spec.code}`, { model, seconds });
    await judge(model, 'aekit', spec.name, spec.code, seconds);
  }

  const ae32 = trained.get('ae/32')!;
  const ae10 = trained.get('ae/10')!;
  const ae2 = trained.get('ae/2')!;
  const refineLog = (code: 2 | 10 | 32) => (e: { epoch: number; metrics: Record<string, number> }) =>
    log(`  ${code}-D refinement epoch ${e.epoch}/${refine(code).epochs}: ${Object.entries(e.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);

  const augment = (x: Float32Array, e: number) => randomAffine(x, { height: 28, width: 28, seed: seed * 1000 + e });
  // 2-D: neighbours from the 32-D codes of the training images.
  t = performance.now();
  await refineNeighbors(ae2.model, train, { ...refine(2), seed, augment, graph: await embed(ae32.model, train), onEpoch: refineLog(2) });
  await judge(ae2.model, 'aekit', 'ae+neighbors', 2, ae2.seconds + since(t));
  // 32-D: neighbours from its own codes of the training images.
  t = performance.now();
  await refineNeighbors(ae32.model, train, { ...refine(32), seed, augment, onEpoch: refineLog(32) });
  await judge(ae32.model, 'aekit', 'ae+neighbors', 32, ae32.seconds + since(t));

  // 10-D: DEC variants first (--dec), each from the plain model's weights, then the neighbour refinement.
  const plain10 = { ...ae10.model.trainer.tensors };
  if (options.dec) {
    for (const augmented of [false, true]) {
      t = performance.now();
      const name = augmented ? 'ae+DEC-DA' : 'ae+DEC';
      const refined = await refineClusters(ae10.model, all, {
        clusters: 10, epochs: decEpochs, seed, learningRate: augmented ? 3e-4 : 1e-4,
        ...(augmented ? { augment } : {}),
        onEpoch: (e) => log(`  ${name} epoch ${e.epoch}: kl ${e.metrics.kl?.toFixed(4)}, ${(100 * e.changed).toFixed(2)} % changed cluster`),
      });
      await judge(ae10.model, 'aekit', name, 10, ae10.seconds + since(t), { decAccuracy: pct(clusteringAccuracy(all.labels, refined.assignments).accuracy), note: `refined on all ${nAll} images (transductive 5-NN and probe)` });
      Object.assign(ae10.model.trainer.tensors, plain10);
    }
  }
  t = performance.now();
  await refineNeighbors(ae10.model, all, { ...refine(10), seed, augment, onEpoch: refineLog(10) });
  await judge(ae10.model, 'aekit', 'ae+neighbors', 10, ae10.seconds + since(t), { note: `refined on all ${nAll} images (transductive 5-NN and probe)` });

  const find = (name: string, code: number) => rows.find((r) => r.name === name && r.code === code);
  const pick = (name: string, code: number, key: 'knn5' | 'clusterAccuracy' | 'nmi') => find(name, code)?.[key] ?? NaN;
  const variants: EmbedSummary['variants'] = {};
  for (const r of rows.filter((x) => x.method === 'aekit')) {
    const v = (variants[r.name] ??= { knn5: {}, probe: {}, clusterAccuracy: {}, nmi: {} });
    v.knn5[r.code] = r.knn5;
    v.probe[r.code] = r.probe;
    v.clusterAccuracy[r.code] = r.clusterAccuracy;
    v.nmi[r.code] = r.nmi;
  }
  const summary: EmbedSummary = {
    knn5: { 2: pick(HEADLINE.knn2, 2, 'knn5'), 10: pick(HEADLINE.knn10, 10, 'knn5'), 32: pick(HEADLINE.knn32, 32, 'knn5') },
    clusterAccuracy10: pick(HEADLINE.cluster10, 10, 'clusterAccuracy'),
    nmi10: pick(HEADLINE.cluster10, 10, 'nmi'),
    pca: {
      knn5: Object.fromEntries(CODE_SIZES.map((c) => [c, pick('pca', c, 'knn5')])),
      clusterAccuracy10: pick('pca', 10, 'clusterAccuracy'),
      nmi10: pick('pca', 10, 'nmi'),
    },
    headline: { ...HEADLINE },
    variants,
  };
  const pca32 = summary.pca.knn5[32]!;
  const goals = [
    { goal: `2-D code (${HEADLINE.knn2}), 5-NN accuracy >= 80 %`, value: summary.knn5[2]!, target: 80, met: summary.knn5[2]! >= 80 },
    { goal: `k-means on the 10-D code (${HEADLINE.cluster10}) of all images, accuracy >= 90 %`, value: summary.clusterAccuracy10, target: 90, met: summary.clusterAccuracy10 >= 90 },
    { goal: `32-D code (${HEADLINE.knn32}), 5-NN accuracy > PCA's (${pca32.toFixed(2)} % in this run)`, value: summary.knn5[32]!, target: pca32, met: summary.knn5[32]! > pca32 },
  ];
  return {
    rows, summary, goals,
    protocol: {
      quick, seed, trainImages: nTrain, testImages: test.shape[0], clusteredImages: nAll, epochs, refine: { 2: refine(2), 10: refine(10), 32: refine(32) },
      batchSize: BATCH_SIZE, learningRate: LEARNING_RATE, hidden, models: MODELS.map((m) => ({ ...m })), dec: options.dec ?? false,
      seconds: since(started),
    },
  };
}

/** The results as a plain-text table, one row per method and code size, then the goals. */
export function formatEmbedTable(result: EmbedBenchResult): string {
  const header = ['method', 'code', '5-NN %', 'probe %', 'k-means acc %', 'NMI', 'DEC acc %', 'train s'];
  const body = result.rows.map((r) => [`${r.name}${r.note ? ' *' : ''}`, String(r.code), r.knn5.toFixed(2), r.probe.toFixed(2), r.clusterAccuracy.toFixed(2), r.nmi.toFixed(4), r.decAccuracy?.toFixed(2) ?? '', r.method === 'pca' ? '' : r.seconds.toFixed(0)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const goals = result.goals.map((g) => `${g.met ? 'met    ' : 'NOT met'}  ${g.goal}: ${g.value.toFixed(2)} %`);
  const notes = [...new Set(result.rows.filter((r) => r.note).map((r) => r.note!))].map((n) => `* ${n}`);
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ...notes, '', ...goals].join('\n');
}
