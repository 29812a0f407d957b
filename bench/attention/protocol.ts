/**
 * The protocol behind `npm run bench:attention`: frozen codes of a masked
 * autoencoder, a convolutional autoencoder of similar size, PCA of the same
 * code size and the raw pixels, on MNIST and Fashion-MNIST, each judged by a
 * linear probe and 5-NN test accuracy, all in one run.
 */
import { fashionMnist, mnist } from '../../src/data/datasets.js';
import { type Dataset } from '../../src/data/types.js';
import { type FeatureSet, knnAccuracy, linearProbe } from '../../src/eval/features.js';
import { type AutoencoderModel } from '../../src/models/base.js';
import { ConvAutoencoder } from '../../src/models/conv.js';
import { MaskedAutoencoder } from '../../src/models/mae.js';
import { PCA } from '../../src/models/pca.js';
import { TRANSFORMER_PRESET, TransformerAutoencoder } from '../../src/models/transformer.js';
import { Adam, AdamW } from '../../src/optim/optimizers.js';
import { type BenchRunOptions, resolveRun } from '../lib/run-options.js';

export const DATASETS = ['mnist', 'fashion'] as const;
export type AttentionDataset = (typeof DATASETS)[number];
export const METHODS = ['mae', 'convAe', 'pca', 'pixels', 'transformerAe'] as const;
/** The methods the goals compare. */
const GOAL_METHODS = ['mae', 'convAe', 'pca', 'pixels'] as const;
export type AttentionMethod = (typeof METHODS)[number];

/** Options of {@link runAttentionBenchmark}. */
export interface AttentionBenchOptions extends BenchRunOptions {
  /** Training images per dataset, the first of the training split (default 6,000; quick 1,500). */
  trainSamples?: number;
  /** Test images per dataset, the first of the test split (default 5,000; quick 500). */
  testSamples?: number;
  /** Epochs of both autoencoders (default 6; quick 1). */
  epochs?: number;
  /** Code size of every method: the MAE's embedDim, the conv AE's latentDim, PCA's components (default 64). */
  code?: number;
  /** The MAE's variant (mask ratio, code, targets, patch size, weight decay); defaults in {@link MaeVariant}. */
  mae?: MaeVariant;
  /** The k-NN measure for every method: 'cosine' (default; unit-length codes) or 'euclidean' (run 1's). */
  knnMetric?: 'cosine' | 'euclidean';
  /** Which datasets (default both). */
  datasets?: AttentionDataset[];
  /** Which methods (default all four; the goals need all four). */
  methods?: AttentionMethod[];
  /** Called with each trained MAE and its test images (figures). */
  onMae?: (dataset: AttentionDataset, model: MaskedAutoencoder, test: Dataset) => Promise<void>;
  /** Called with each trained Transformer autoencoder and its test images (figures). */
  onTransformer?: (dataset: AttentionDataset, model: TransformerAutoencoder, test: Dataset) => Promise<void>;
}

/** One method's codes on one dataset. */
export interface AttentionRow {
  dataset: AttentionDataset;
  method: AttentionMethod;
  /** Values per code. */
  code: number;
  /** Trained parameters (PCA: its components and mean; pixels: 0). */
  params: number;
  /** Linear probe test accuracy, %. */
  linearProbe: number;
  /** 5-NN test accuracy (training codes as the reference) with the protocol's measure, %. */
  knn5: number;
  /** 5-NN with the other measure (Euclidean when the protocol's is cosine), for comparison with earlier runs, %. */
  knn5Other: number;
  /** The autoencoder's last training loss. */
  loss?: number;
  /** Seconds to train (or fit) the method; noisy on a shared machine. */
  seconds: number;
}

export interface AttentionBenchResult {
  rows: AttentionRow[];
  /** `<dataset>.<method>.<linearProbe|knn5>`, %. */
  summary: Record<string, Record<string, { linearProbe: number; knn5: number; knn5Other: number }>>;
  goals: { goal: string; met: boolean; detail: string }[];
  protocol: Record<string, unknown>;
}

/**
 * What the bench's MAE may vary. The defaults are the best variant of the
 * experiments after run 1 (docs/attention.md); run 1's MAE is
 * `{ maskRatio: 0.75, pooling: 'mean', normPixelLoss: false, visibleLossWeight: 0 }`.
 */
export interface MaeVariant {
  /** Default 0.5. */
  maskRatio?: number;
  /** The code: 'spatial' (default: each patch token through a linear bottleneck, concatenated), the 'mean' of the patch tokens, or the 'cls' token. */
  pooling?: 'mean' | 'cls' | 'spatial';
  /** Square patch side; must divide 28 (default 7: a 4×4 grid). */
  patchSize?: number;
  /** Per-patch normalized pixel targets (He et al.). Default true. */
  normPixelLoss?: boolean;
  /** AdamW's decoupled weight decay for the MAE; 0 (default) is Adam. */
  weightDecay?: number;
  /** Weight of the visible patches' error in the MAE's loss (default 1; 0: masked patches only, the paper's). */
  visibleLossWeight?: number;
  /** Encoder width (default: the code size d; free only with the spatial code) and depth (default 4). */
  width?: number;
  depth?: number;
}

/** The defaults of {@link MaeVariant}. */
export const MAE_VARIANT: Required<Omit<MaeVariant, 'weightDecay' | 'width' | 'depth'>> = { maskRatio: 0.5, pooling: 'spatial', patchSize: 7, normPixelLoss: true, visibleLossWeight: 1 };

/**
 * The MAE of the benchmark for a code size d: 7×7 patches (16 of a 28×28
 * image) by default, 4 blocks of width d, a 2-block decoder of width d/2.
 * With a 'spatial' code, d values are split evenly over the patches (d/P each).
 */
export function benchMae(d: number, variant: MaeVariant = {}): MaskedAutoencoder {
  const v = { ...MAE_VARIANT, ...Object.fromEntries(Object.entries(variant).filter(([, x]) => x !== undefined)) };
  const patches = (28 / v.patchSize) ** 2;
  const spatial = v.pooling === 'spatial';
  const width = variant.width ?? d;
  if (!spatial && width !== d) throw new Error(`bench:attention: the encoder's width is the code size (${d}) unless the code is spatial`);
  if (spatial && d % patches !== 0) throw new Error(`bench:attention: a spatial code of ${d} values does not split evenly over ${patches} patches of ${v.patchSize}×${v.patchSize}`);
  return new MaskedAutoencoder({
    ...(v.pooling !== 'mean' ? { pooling: v.pooling } : {}),
    ...(spatial ? { patchCode: d / patches } : {}),
    inputShape: [1, 28, 28], patchSize: v.patchSize, maskRatio: v.maskRatio,
    encoder: { embedDim: width, depth: variant.depth ?? 4, numHeads: 4, mlpDim: 2 * width },
    decoder: { embedDim: d / 2, depth: 2, numHeads: 4, mlpDim: d },
    normPixelLoss: v.normPixelLoss,
    ...(v.visibleLossWeight ? { visibleLossWeight: v.visibleLossWeight } : {}),
  });
}

/**
 * The Transformer autoencoder of the benchmark for a code size d: the
 * `transformer` preset on 28 row tokens (2 + 2 blocks of width 64, attention
 * pooling), a code of d, BCE.
 */
export function benchTransformerAe(d: number): TransformerAutoencoder {
  return new TransformerAutoencoder({ inputShape: [1, 28, 28], ...TRANSFORMER_PRESET, latentDim: d, loss: 'bce' });
}

/** The conv autoencoder of the benchmark: 3×3 convs [16, 32] with max pooling, a dense code of size d, BCE. */
export function benchConvAe(d: number): ConvAutoencoder {
  return new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [16, 32] }, latentDim: d, loss: 'bce' });
}

function load(name: AttentionDataset, split: 'train' | 'test', limit: number): Dataset {
  const opts = { split, limit, shape: 'image' as const };
  return name === 'mnist' ? mnist(opts) : fashionMnist(opts);
}

const pct = (v: number) => Math.round(v * 10000) / 100;

/**
 * Trains the MAE and the conv AE on the first `trainSamples` training images
 * (Adam 1e-3, batch 128, the same epochs), fits PCA on the same images, and
 * judges the codes of the training and test images of each method: a linear
 * probe (softmax regression on standardized codes, Adam, 30 epochs) trained
 * on the training codes, and 5-NN of the test codes among the training codes.
 */
export async function runAttentionBenchmark(options: AttentionBenchOptions = {}): Promise<AttentionBenchResult> {
  const run = resolveRun(options);
  const { quick, seed, log } = run;
  const trainSamples = options.trainSamples ?? (quick ? 1500 : 6000);
  const testSamples = options.testSamples ?? (quick ? 500 : 5000);
  const epochs = options.epochs ?? (quick ? 1 : 6);
  const code = options.code ?? (quick ? 32 : 64);
  const variant = options.mae ?? {};
  const knnMetric = options.knnMetric ?? 'cosine';
  const otherMetric = knnMetric === 'cosine' ? 'euclidean' : 'cosine';
  if (code % 8 !== 0) throw new Error(`bench:attention: --code must be a multiple of 8 (4 heads in the encoder and in the half-width decoder), got ${code}`);
  const datasets = options.datasets ?? [...DATASETS];
  const methods = new Set(options.methods ?? METHODS);
  const batchSize = 128;
  const started = Date.now();
  const rows: AttentionRow[] = [];
  for (const name of datasets) {
    const train = load(name, 'train', trainSamples);
    const test = load(name, 'test', testSamples);
    const flat = (d: Dataset): FeatureSet => ({ x: d.x, shape: [d.shape[0]!, 784], labels: d.labels });
    const judge = async (method: AttentionMethod, tr: FeatureSet, te: FeatureSet, extra: Omit<AttentionRow, 'dataset' | 'method' | 'code' | 'linearProbe' | 'knn5' | 'knn5Other'>) => {
      const probe = await linearProbe(tr, te, { seed });
      const knn5 = knnAccuracy(tr, te, { k: 5, metric: knnMetric });
      const knn5Other = knnAccuracy(tr, te, { k: 5, metric: otherMetric });
      const row: AttentionRow = { dataset: name, method, code: tr.shape[1]!, linearProbe: pct(probe.testAccuracy), knn5: pct(knn5), knn5Other: pct(knn5Other), ...extra };
      rows.push(row);
      log(`${name} ${method}: linear probe ${row.linearProbe.toFixed(2)} %, 5-NN ${row.knn5.toFixed(2)} % ${knnMetric} (${row.knn5Other.toFixed(2)} % ${otherMetric}) (code ${row.code}, ${row.params} params, ${row.seconds.toFixed(0)} s)`);
    };
    const autoencoder = async (method: 'mae' | 'convAe' | 'transformerAe', model: AutoencoderModel, weightDecay = 0) => {
      const optimizer = weightDecay > 0 ? new AdamW({ learningRate: 1e-3, weightDecay }) : new Adam({ learningRate: 1e-3 });
      model.compile({ optimizer, seed, ...(run.session ? { session: run.session } : {}) });
      const t = Date.now();
      const fit = await model.fit({ x: train.x, shape: train.shape }, {
        epochs, batchSize, worker: false,
        callbacks: [{ onEpochEnd: (e, m) => log(`  ${name} ${method} epoch ${e}/${epochs}: loss ${m.loss.toFixed(5)}`) }],
      });
      const seconds = (Date.now() - t) / 1000;
      const width = model.latentShape.reduce((a, b) => a * b, 1);
      const codes = async (d: Dataset): Promise<FeatureSet> => ({ x: await model.encode(d.x, { batchSize: 512 }), shape: [d.shape[0]!, width], labels: d.labels });
      return { tr: await codes(train), te: await codes(test), extra: { params: model.countParams(), seconds, loss: fit.history.at(-1)?.loss } };
    };
    log(`${name}: ${trainSamples} training and ${testSamples} test images`);
    if (methods.has('mae')) {
      const mae = benchMae(code, variant);
      const m = await autoencoder('mae', mae, variant.weightDecay ?? 0);
      await judge('mae', m.tr, m.te, m.extra);
      if (options.onMae) await options.onMae(name, mae, test);
    }
    if (methods.has('convAe')) {
      const c = await autoencoder('convAe', benchConvAe(code));
      await judge('convAe', c.tr, c.te, c.extra);
    }
    if (methods.has('pca')) {
      const t = Date.now();
      const pca = PCA.fit({ x: train.x, shape: [train.shape[0]!, 784] }, { components: code });
      const pcaSeconds = (Date.now() - t) / 1000;
      const project = (d: Dataset): FeatureSet => ({ x: pca.transform({ x: d.x, shape: [d.shape[0]!, 784] }), shape: [d.shape[0]!, code], labels: d.labels });
      await judge('pca', project(train), project(test), { params: 784 * code + 784, seconds: pcaSeconds });
    }
    if (methods.has('pixels')) await judge('pixels', flat(train), flat(test), { params: 0, seconds: 0 });
    if (methods.has('transformerAe')) {
      const tae = benchTransformerAe(code);
      const t = await autoencoder('transformerAe', tae);
      await judge('transformerAe', t.tr, t.te, t.extra);
      if (options.onTransformer) await options.onTransformer(name, tae, test);
    }
  }
  const summary: AttentionBenchResult['summary'] = {};
  for (const r of rows) (summary[r.dataset] ??= {})[r.method] = { linearProbe: r.linearProbe, knn5: r.knn5, knn5Other: r.knn5Other };
  const goals = !GOAL_METHODS.every((m) => methods.has(m)) ? [] : datasets.flatMap((name) => (['linearProbe', 'knn5'] as const).map((metric) => {
    const s = summary[name]!;
    const others = (['convAe', 'pca', 'pixels'] as const).map((m) => s[m]![metric]);
    const met = others.every((v) => s.mae![metric] > v);
    return { goal: `${name} ${metric}: MAE above conv AE, PCA and pixels`, met, detail: `mae ${s.mae![metric]} vs convAe ${s.convAe![metric]}, pca ${s.pca![metric]}, pixels ${s.pixels![metric]}` };
  }));
  return {
    rows, summary, goals,
    protocol: {
      trainSamples, testSamples, epochs, batchSize, code, seed, quick, methods: [...methods],
      optimizer: 'Adam 1e-3', maeOptimizer: variant.weightDecay ? `AdamW 1e-3, weight decay ${variant.weightDecay}` : 'Adam 1e-3',
      probe: 'softmax regression on codes standardized with the training codes\' statistics (BatchNorm without affine, He et al. 2021), Adam 1e-2, 30 epochs, batch 256',
      knn: `5-NN, ${knnMetric === 'cosine' ? 'cosine (unit-length codes; Wu et al. 2018, Caron et al. 2021)' : 'Euclidean'}, test codes among training codes; knn5Other: ${otherMetric}`,
      mae: benchMae(code, variant).getConfig(), convAe: benchConvAe(code).getConfig(), ...(methods.has('transformerAe') ? { transformerAe: benchTransformerAe(code).getConfig() } : {}),
      seconds: (Date.now() - started) / 1000,
    },
  };
}

/** The markdown table of a run. */
export function formatAttentionTable(r: AttentionBenchResult): string {
  const lines = ['| dataset | method | code | params | linear probe % | 5-NN % | 5-NN, other measure % | train s |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const row of r.rows) lines.push(`| ${row.dataset} | ${row.method} | ${row.code} | ${row.params.toLocaleString('en-US')} | ${row.linearProbe.toFixed(2)} | ${row.knn5.toFixed(2)} | ${row.knn5Other.toFixed(2)} | ${row.seconds.toFixed(0)} |`);
  lines.push('', ...r.goals.map((g) => `${g.met ? 'met' : 'NOT met'}: ${g.goal} (${g.detail})`));
  return lines.join('\n');
}
