/**
 * `aekit demo`: the first thing to run. In about a minute on two cores it
 * trains a deep autoencoder and a 2-D variational autoencoder on MNIST,
 * compares their reconstructions with PCA, turns the first into an anomaly
 * detector that tells clothing (Fashion-MNIST) from digits, and writes
 * everything, with a self-contained report.html, into runs/demo.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { openRun } from '../../runs/open-run.js';
import { runEvaluationSet } from '../../runs/known-anomalies.js';
import { fitRunDetector, saveRunDetector } from '../../runs/run-detector.js';
import { evaluateDetector } from '../../eval/detection.js';
import { type ReconstructionMetrics, reconstructionMetrics } from '../../eval/reconstruction.js';
import { PCA } from '../../models/pca.js';
import { comparisonGridPng, precisionRecallPng, rocCurvePng, scoreHistogramPng, topScoresPng } from '../../viz/index.js';
import { type Io, defaultIo } from '../io.js';
import { type ReportSection, renderReport } from '../report.js';
import { formatDuration } from '../progress.js';
import { type TrainOutcome, runTrainCommand } from './train.js';
import { readFileSync } from 'node:fs';
import { examplesHelp } from '../examples.js';
import { threadsOption } from '../run-data-flags.js';

export interface DemoFlags {
  runs: string;
  /** A smoke run on a slice (for tests): a few hundred samples, one epoch. */
  quick?: boolean;
  threads?: number;
}

/** What the demo measured, as written to results.json. */
export interface DemoResults {
  seconds: number;
  reconstruction: { autoencoder: ReconstructionMetrics & { code: number }; pca: ReconstructionMetrics & { k: number }; pcaDouble: ReconstructionMetrics & { k: number } };
  vae: { testLoss: number; seconds: number };
  anomaly: { score: string; rocAuc: number; averagePrecision: number; precision: number; recall: number; threshold: number; normal: number; anomalies: number; reconstructionRocAuc: number };
  folder: string;
}

function freeFolder(runs: string): string {
  for (let i = 1; ; i++) {
    const dir = join(runs, i === 1 ? 'demo' : `demo-${i}`);
    if (!existsSync(dir)) return dir;
  }
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** Runs the demo; returns its measurements. */
export async function runDemoCommand(flags: DemoFlags, io: Io = defaultIo()): Promise<DemoResults> {
  const started = performance.now();
  const { log } = io;
  const dir = freeFolder(flags.runs);
  const sizes = flags.quick ? { samples: 512, testSamples: 256, aeEpochs: 1, vaeEpochs: 1 } : { samples: 12000, testSamples: 2000, aeEpochs: 8, vaeEpochs: 10 };
  const common = { samples: sizes.samples, testSamples: sizes.testSamples, batchSize: 128, seed: 1, runs: flags.runs, ...(flags.threads ? { threads: flags.threads } : {}) };
  log(`aekit demo: two autoencoders on MNIST (${sizes.samples} training images), an anomaly detector, figures and a report in ${dir}`);
  log('');
  log('1/3 A deep autoencoder (784-256-128-16, ELU): images squeezed to 16 numbers and back.');
  const ae = (await runTrainCommand({ ...common, model: 'deep', latent: 16, data: 'mnist', epochs: sizes.aeEpochs, lr: 3e-3, schedule: 'cosine', out: dir }, io)) as TrainOutcome;
  log('');
  log('2/3 A variational autoencoder with a 2-D latent space: every digit becomes a point on a plane, and the plane decodes to new digits.');
  const vae = (await runTrainCommand({ ...common, model: 'vae', latent: 2, data: 'mnist', epochs: sizes.vaeEpochs, lr: 1e-3, out: join(dir, 'vae') }, io)) as TrainOutcome;

  log('');
  log('3/3 Anomaly detection: the deep autoencoder has only seen digits; Fashion-MNIST clothing should look anomalous to it.');
  const test = ae.data.test!;
  // The run's one detector, saved in the run folder: the dashboard and `aekit detect` use it as it is,
  // and measure on the same evaluation set (the first test digits, then as many Fashion-MNIST images).
  const opened = openRun(ae.run.dir, flags.threads);
  const detector = await fitRunDetector(opened);
  saveRunDetector(ae.run.dir, detector);
  const evalSet = await runEvaluationSet(opened);
  const mixed = evalSet.x;
  const n = evalSet.count;
  const truth = evalSet.truth!;
  const normalCount = evalSet.n;
  const anomalyCount = n - normalCount;
  const scores = await detector.score({ x: mixed, shape: [n, 1, 28, 28] });
  const evaluation = evaluateDetector(scores, truth, detector.threshold);
  const recErrors = await opened.model.reconstructionError(mixed);
  const recAuc = evaluateDetector(recErrors, truth).rocAuc;
  const histogram = await scoreHistogramPng({ scores, threshold: detector.threshold, labels: truth }, { title: `Anomaly scores: MNIST test digits vs Fashion-MNIST (ROC-AUC ${evaluation.rocAuc.toFixed(3)})`, groupNames: ['digits (normal)', 'clothing (anomalous)'], xName: `score (${detector.scoreKind})` });
  ae.run.write('figures/anomaly-scores.png', histogram);
  // The highest-scoring inputs: what the detector finds least like its training data.
  const topPng = topScoresPng({ x: mixed, shape: [n, 1, 28, 28] }, scores, { k: 16, labels: truth, classNames: ['digit', 'clothing'], title: `Highest anomaly scores (${detector.scoreKind})` });
  ae.run.write('figures/anomaly-top.png', topPng);
  const rocPng = await rocCurvePng({ scores, labels: truth, threshold: detector.threshold }, { title: 'ROC curve: MNIST test digits vs Fashion-MNIST' });
  ae.run.write('figures/anomaly-roc.png', rocPng);
  const prPng = await precisionRecallPng({ scores, labels: truth, threshold: detector.threshold }, { title: 'Precision–recall: MNIST test digits vs Fashion-MNIST' });
  ae.run.write('figures/anomaly-pr.png', prPng);
  log(`  ${detector.scoreKind} score on the 16-D codes: ROC-AUC ${evaluation.rocAuc.toFixed(4)}, average precision ${evaluation.averagePrecision.toFixed(4)}; at the threshold set from the training digits (5% contamination): precision ${pct(evaluation.precision)}, recall ${pct(evaluation.recall)}`);
  log(`  (reconstruction error alone: ROC-AUC ${recAuc.toFixed(4)})`);

  // PCA with the same code size, and twice it, fitted on the same training images.
  const flatTrain = { x: ae.data.train.x, shape: [ae.data.train.shape[0]!, 784] };
  const flatTest = { x: test.x, shape: [test.shape[0]!, 784] };
  const pca32 = PCA.fit(flatTrain, { components: 32 });
  const pca16Reconstruction = pca32.truncate(16).reconstruct(flatTest);
  const pca16 = { k: 16, ...reconstructionMetrics(test.x, pca16Reconstruction) };
  const shown = Math.min(10, test.shape[0]!);
  const ten = { x: test.x.subarray(0, shown * 784), shape: [shown, 1, 28, 28] };
  ae.run.write('figures/pca-vs-autoencoder.png', comparisonGridPng([
    { title: 'input', images: ten },
    { title: 'PCA, 16', images: { x: pca16Reconstruction.subarray(0, ten.x.length), shape: ten.shape } },
    { title: 'autoencoder, 16', images: { x: await ae.model.reconstruct(ten.x), shape: ten.shape } },
  ], { title: 'Test digits, PCA and the autoencoder (16 numbers each)' }));
  const pcaDouble = { k: 32, ...reconstructionMetrics(test.x, pca32.reconstruct(flatTest)) };
  const aeMetrics = { code: 16, ...ae.test!.model };
  const seconds = (performance.now() - started) / 1000;
  const results: DemoResults = {
    seconds,
    reconstruction: { autoencoder: aeMetrics, pca: pca16, pcaDouble },
    vae: { testLoss: (await vae.model.evaluate(vae.data.test!)).loss!, seconds: vae.seconds },
    anomaly: {
      score: detector.scoreKind, rocAuc: evaluation.rocAuc, averagePrecision: evaluation.averagePrecision, precision: evaluation.precision, recall: evaluation.recall,
      threshold: detector.threshold, normal: normalCount, anomalies: anomalyCount, reconstructionRocAuc: recAuc,
    },
    folder: ae.run.dir,
  };
  ae.run.write('demo.json', results);
  const figure = (run: TrainOutcome, name: string) => (existsSync(run.run.path('figures', name)) ? new Uint8Array(readFileSync(run.run.path('figures', name))) : undefined);
  const figs = (run: TrainOutcome, list: [string, string][]) => list.flatMap(([name, caption]) => {
    const png = figure(run, name);
    return png ? [{ png, caption }] : [];
  });
  const sections: ReportSection[] = [
    {
      title: 'Reconstruction: a deep autoencoder against PCA',
      text: `The autoencoder compresses each 28×28 image to 16 numbers and decodes it back; PCA with the same 16 numbers is the linear optimum, and PCA with 32 has twice the room. Per-pixel errors on ${test.shape[0]} test images.`,
      table: [['model', 'code size', 'MSE', 'PSNR (dB)'], ['deep autoencoder', 16, aeMetrics.mse, aeMetrics.psnr], ['PCA', 16, pca16.mse, pca16.psnr], ['PCA', 32, pcaDouble.mse, pcaDouble.psnr]],
      figures: figs(ae, [['pca-vs-autoencoder.png', 'Test digits, their PCA reconstructions and the autoencoder\'s, each with its mean squared error'], ['reconstructions.png', 'Test digits (top) and their reconstructions (bottom)'], ['loss.png', 'Training loss per epoch'], ['latent-umap.png', 'The 16-D codes of test digits, laid out by UMAP and coloured by digit'], ['worst.png', 'The worst-reconstructed test digits']]),
    },
    {
      title: 'Generation: a variational autoencoder with a 2-D latent space',
      text: `Each digit is encoded to a point on a plane (left); every point of the plane decodes to an image (the grid), and random points drawn from the prior give new digits. Test loss (BCE summed per image + KL): ${results.vae.testLoss.toFixed(2)}.`,
      figures: figs(vae, [['latent.png', 'Test digits in the 2-D latent space'], ['latent-grid.png', 'The latent plane decoded on a 15×15 grid'], ['samples.png', 'Digits sampled from the prior N(0, I)']]),
    },
    {
      title: 'Anomaly detection: digits vs clothing',
      text: `A detector built on the deep autoencoder (${detector.scoreKind} score on its codes; threshold ${detector.threshold.toPrecision(4)}, the 95th percentile of the training digits' scores; saved in detector/, the one the dashboard and aekit detect use) scores ${normalCount} test digits and ${anomalyCount} Fashion-MNIST images it has never seen. ROC-AUC ${evaluation.rocAuc.toFixed(4)} (reconstruction error alone: ${recAuc.toFixed(4)}); at the threshold, precision ${pct(evaluation.precision)} and recall ${pct(evaluation.recall)}.`,
      table: [['score', 'threshold', 'ROC-AUC', 'average precision', 'precision', 'recall'], [detector.scoreKind, detector.threshold, evaluation.rocAuc, evaluation.averagePrecision, evaluation.precision, evaluation.recall]],
      figures: [{ png: histogram, caption: 'Anomaly scores, with the threshold' }, { png: rocPng, caption: 'ROC curve, with the threshold\'s operating point' }, { png: prPng, caption: 'Precision–recall curve' }, { png: topPng, caption: 'The 16 highest-scoring inputs, with their scores' }],
    },
  ];
  ae.run.write('report.html', renderReport('aekit demo', `Trained on ${ae.data.train.shape[0]} MNIST images in ${formatDuration(seconds)} on this machine.`, sections, { autoencoder: ae.config, vae: vae.config }, { runs: [{ title: 'the deep autoencoder', dir: ae.run.dir }, { title: 'the variational autoencoder', dir: vae.run.dir }], warnings: [...ae.warnings, ...vae.warnings] }));
  log('');
  log(`Summary (${formatDuration(seconds)}):`);
  log(`  reconstruction, ${test.shape[0]} test digits, MSE per pixel: deep autoencoder (16 numbers) ${aeMetrics.mse.toFixed(4)} · PCA 16 ${pca16.mse.toFixed(4)} · PCA 32 ${pcaDouble.mse.toFixed(4)}`);
  log(`  anomaly detection, digits vs clothing: ROC-AUC ${evaluation.rocAuc.toFixed(4)}`);
  log(`  open ${join(ae.run.dir, 'report.html')} in a browser; figures in ${join(ae.run.dir, 'figures')} and ${join(vae.run.dir, 'figures')}`);
  return results;
}

export function demoCommand(io?: Io): Command {
  return new Command('demo')
    .description('train two autoencoders and an anomaly detector on MNIST (about a minute on two cores); figures and report.html in runs/demo')
    .option('--runs <dir>', 'parent folder of the demo run', 'runs')
    .option('--quick', 'a smoke run on a slice (seconds)')
    .addOption(threadsOption())
    .addHelpText('after', examplesHelp('aekit demo'))
    .action(async (flags: DemoFlags) => {
      await runDemoCommand(flags, io);
    });
}
