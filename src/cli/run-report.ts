/**
 * report.html of a table or series run, written by `aekit train` (the demo
 * writes its own, demo.ts; image runs have none): what was trained and how
 * well it reconstructs next to PCA, then what a table or a series is trained
 * for here, its anomalies, from the run's one detector (the one `aekit detect`
 * and the dashboard use):
 *
 * - a series: the series, its per-step score with the threshold and the
 *   flagged ranges (figures/anomalies.png), and the ranges with the highest
 *   peaks, with their timestamps;
 * - a table: the scores of the test rows with the threshold (and, with 0/1
 *   labels, ROC and precision–recall curves and the metrics at the
 *   threshold), and the features behind the highest-scoring rows by name.
 *
 * The run's other figures (loss, reconstructions, latent space) follow under
 * "More figures", the config last (report.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type AnomalyDetector } from '../anomaly/detector.js';
import { shapeSize } from '../data/types.js';
import { evaluateDetector } from '../eval/detection.js';
import { type AutoencoderModel } from '../models/base.js';
import { runEvaluationSet } from '../runs/known-anomalies.js';
import { type OpenedRun } from '../runs/open-run.js';
import { type RunConfig } from '../runs/run-config.js';
import { type RunData } from '../runs/run-data.js';
import { runDetector } from '../runs/run-detector.js';
import { type RunFolder } from '../runs/run-folder.js';
import { precisionRecallPng, rocCurvePng, scoreHistogramPng } from '../viz/index.js';
import { formatDuration } from './progress.js';
import { type ReportSection, renderReport } from './report.js';
import { type SeriesRunFigure } from './series-detect.js';
import { type SentenceModel, asSentenceModel, describeSentenceModel, sampleSentences, textReconstructions } from '../runs/text-run.js';

/** Training rows above which the report does not fit a table run's detector at training time (its k-NN part scores them leave-one-out, n² work). */
export const REPORT_DETECTOR_MAX_ROWS = 20_000;
/** Highest-scoring rows (or ranges) the report lists. */
const LISTED = 10;

/** What `aekit train` knows when it writes the report. */
export interface RunReportInput {
  run: RunFolder;
  model: AutoencoderModel;
  data: RunData;
  config: RunConfig;
  seconds: number;
  epochs: number;
  /** Test metrics of the model and of PCA with the same code size (results.json's). */
  test?: { samples: number; model: { mse: number; psnr: number }; pca?: { mse: number; psnr: number; k: number } };
  warnings: readonly string[];
  /** A series run: what its figure showed (seriesRunFigure). */
  series?: SeriesRunFigure;
  /** A text run: its greedy token accuracy on the test sentences (results.json's). */
  textTest?: { samples: number; tokenAccuracy: number };
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const short = (v: number) => Number(v.toPrecision(4));

/** A figure of the run folder, when it was drawn. */
function figure(run: RunFolder, name: string, caption: string): { png: Uint8Array; caption: string }[] {
  const file = run.path('figures', name);
  return existsSync(file) ? [{ png: new Uint8Array(readFileSync(file)), caption }] : [];
}

/** Sentences shown of a text run: reconstructions of test sentences, and prior samples of a VAE. */
const SHOWN_SENTENCES = 8;

/** A text run: what was trained, a few test sentences with their greedy reconstructions, and (a VAE) sentences from the prior. */
async function textSections(input: RunReportInput, model: SentenceModel): Promise<ReportSection[]> {
  const { data, textTest } = input;
  const code = model.latentDim;
  const set = data.test ?? data.train;
  const where = input.run.dir;
  const reconstructions = await textReconstructions(model, set, SHOWN_SENTENCES, where);
  const sections: ReportSection[] = [{
    title: 'Training',
    text: `A ${describeSentenceModel(model)} with a code of ${code} values, trained for ${input.epochs} epoch${input.epochs === 1 ? '' : 's'} on ${data.train.shape[0]} sentences of at most ${data.text!.maxTokens} words, with a vocabulary of ${model.vocabSize} ids (the 4 special tokens included) built from them. ${textTest ? `Greedy decoding of the codes of the ${textTest.samples} test sentences gives back ${pct(textTest.tokenAccuracy)} of their tokens at the same position (<eos> included).` : 'No test set: no reconstruction accuracy.'}`,
    figures: figure(input.run, 'loss.png', 'Training loss per epoch (dashed: validation)'),
  }, {
    title: 'Reconstructions',
    text: `The first ${reconstructions.length} ${data.test ? 'test' : 'training'} sentences as the model reads them (words outside the vocabulary are <unk>) and the greedy decoding of their codes${model.variational ? ' (the means μ)' : ''}.`,
    table: [['sentence', 'reconstruction'], ...reconstructions.map((r) => [r.input, r.output])],
  }];
  if (model.variational) {
    const samples = await sampleSentences(model, SHOWN_SENTENCES, { seed: 0, where });
    sections.push({
      title: 'Samples',
      text: `${samples.length} codes drawn from the prior N(0, I) (seed 0), each decoded by drawing its words from the decoder's softmax; aekit generate ${input.run.dir} prints more.`,
      table: [['sample'], ...samples.map((s) => [s])],
    });
  }
  return sections;
}

function trainingSection(input: RunReportInput): ReportSection {
  const { model, data, test } = input;
  const code = shapeSize(model.latentShape);
  const what = data.series
    ? `${data.series.shape[0]} steps of ${data.series.shape[1]} channel${data.series.shape[1] === 1 ? '' : 's'} (${data.series.columns.join(', ')}), cut into windows of ${data.series.window} steps; the first ${data.series.trainSteps} steps trained the model`
    : `${data.train.shape[0]} training rows of ${shapeSize(data.sampleShape)} columns${data.columns ? ` (${data.columns.join(', ')})` : ''}`;
  const table = test
    ? [['model', 'code size', 'test MSE per value', 'PSNR (dB)'], [model.className, code, test.model.mse, test.model.psnr], ...(test.pca ? [['PCA', test.pca.k, test.pca.mse, test.pca.psnr]] : [])]
    : undefined;
  return {
    title: 'Training',
    text: `${/^[AEIOU]/.test(model.className) ? 'An' : 'A'} ${model.className} with a code of ${code} value${code === 1 ? '' : 's'}, trained for ${input.epochs} epoch${input.epochs === 1 ? '' : 's'} on ${what}${data.scaler ? `, scaled (${data.scale}) with the training statistics` : ''}. ${test ? `Reconstruction of the ${test.samples} test ${data.series ? 'windows' : 'rows'} next to PCA with as many components as the code has values.` : 'No test set: no reconstruction metrics.'}`,
    ...(table ? { table } : {}),
    figures: figure(input.run, 'loss.png', 'Training loss per epoch (dashed: validation)'),
  };
}

function seriesSection(input: RunReportInput, s: SeriesRunFigure): ReportSection {
  const strategy = s.thresholdStrategy.type === 'contamination' ? `the ${short(100 * (1 - s.thresholdStrategy.contamination))}th percentile of the training steps' scores` : `set by '${s.thresholdStrategy.type}'`;
  const top = [...s.ranges].sort((a, b) => b.maxScore - a.maxScore).slice(0, LISTED).sort((a, b) => a.start - b.start);
  const at = (step: number, time?: string) => time ?? `step ${step}`;
  return {
    title: 'Anomalies over time',
    text: `The run's detector (saved in detector/, the one aekit detect and the dashboard use) scores every window of ${s.window} steps with the ${s.score} score; a step's score is the mean of the windows covering it${s.smoothing > 1 ? `, smoothed over ${s.smoothing} steps` : ''}, and a step is flagged above the threshold ${short(s.threshold)}, ${strategy}. ${s.flagged} of ${s.steps} steps (${pct(s.flagged / s.steps)}) are flagged, in ${s.ranges.length} range${s.ranges.length === 1 ? '' : 's'}${s.ranges.length > top.length ? `; the ${top.length} with the highest peaks are listed` : ''}. Steps after ${s.trainSteps} were not trained on. aekit detect ${input.run.dir} lists every range; the dashboard's Anomalies view zooms into them.`,
    ...(top.length ? { table: [['from', 'to', 'steps', 'peak score', 'peak at'], ...top.map((r) => [at(r.start, r.startTime), at(r.end - 1, r.endTime), r.end - r.start, r.maxScore, at(r.peak, input.data.series?.timestampText?.[r.peak])])] } : {}),
    figures: [{ png: s.png, caption: `${basename(input.data.series?.file ?? 'the series')}: the series, its anomaly score with the threshold, the flagged ranges (red) and the training steps (grey)`, wide: true }],
  };
}

/** Feature names of a table run: the detector's, the data's, or numbers. */
function featureNamer(detector: AnomalyDetector, data: RunData): (f: number) => string {
  const names = detector.featureNames ?? data.columns;
  return (f) => names?.[f] ?? `feature ${f + 1}`;
}

async function tableSections(input: RunReportInput, opened: OpenedRun, written: string[], log: (line: string) => void): Promise<ReportSection[]> {
  const rows = input.data.train.shape[0]!;
  if (rows > REPORT_DETECTOR_MAX_ROWS) {
    return [{ title: 'Anomaly scores', text: `Not computed at training time: the run's detector scores its ${rows} training rows leave-one-out against each other (k-NN, n² work; above ${REPORT_DETECTOR_MAX_ROWS} rows the report leaves that to whoever needs it). aekit detect ${input.run.dir} fits it (saved in detector/) and scores the test rows; the dashboard's Anomalies view shows them.` }];
  }
  const { detector, fittedNow } = await runDetector(opened);
  const evalSet = await runEvaluationSet(opened);
  const features = shapeSize(evalSet.sampleShape);
  const x = { x: evalSet.x, shape: [evalSet.count, ...evalSet.sampleShape] };
  const scores = await detector.score(x);
  const threshold = detector.threshold;
  const flagged = scores.reduce((a, v) => a + (v > threshold ? 1 : 0), 0);
  const truth = evalSet.truth;
  const evaluation = truth && scores.every(Number.isFinite) ? evaluateDetector(scores, truth, threshold) : undefined;
  const kind = detector.scoreKind === 'combined' ? `combined (standardized ${detector.combine.join(' + ')})` : detector.scoreKind;
  const rowsWord = `${evalSet.split === 'test' ? 'test' : 'training'} rows`;
  const histogram = await scoreHistogramPng({ scores, threshold, ...(truth ? { labels: truth } : {}) }, {
    title: `Anomaly scores of ${evalSet.count} ${rowsWord}`, xName: `score (${kind})`, ...(truth ? { groupNames: ['normal', 'labelled anomalous'] as const } : {}),
  });
  input.run.write('figures/anomaly-scores.png', histogram);
  written.push('anomaly-scores.png');
  const figures = [{ png: histogram, caption: `Anomaly scores of the ${rowsWord}, with the threshold` }];
  if (evaluation) {
    const roc = await rocCurvePng({ scores, labels: truth!, threshold }, { title: `ROC curve (${detector.scoreKind} score)` });
    const pr = await precisionRecallPng({ scores, labels: truth!, threshold }, { title: `Precision–recall (${detector.scoreKind} score)` });
    input.run.write('figures/anomaly-roc.png', roc);
    input.run.write('figures/anomaly-pr.png', pr);
    written.push('anomaly-roc.png', 'anomaly-pr.png');
    figures.push({ png: roc, caption: "ROC curve, with the threshold's operating point" }, { png: pr, caption: 'Precision–recall curve' });
  }
  const strategy = detector.thresholdStrategy.type === 'contamination' ? `the ${short(100 * (1 - detector.thresholdStrategy.contamination))}th percentile of its ${detector.trainStats.n} training rows' scores` : `set by '${detector.thresholdStrategy.type}'`;
  const scoresSection: ReportSection = {
    title: 'Anomaly scores',
    text: `The run's detector (${kind} score on the model's reconstructions and codes; saved in detector/${fittedNow ? ', fitted now with aekit detect\'s defaults' : ''}, the one aekit detect and the dashboard use) flags a row above the threshold ${short(threshold)}, ${strategy}. Of the first ${evalSet.n} ${rowsWord}${evalSet.count > evalSet.n ? ` and ${evalSet.count - evalSet.n} known anomalies` : ''}, ${flagged} (${pct(flagged / evalSet.count)}) are flagged.${evaluation ? ` Known anomalies: ${evalSet.truthSource}. ROC-AUC ${evaluation.rocAuc.toFixed(4)}, average precision ${evaluation.averagePrecision.toFixed(4)}; at the threshold, precision ${pct(evaluation.precision)} and recall ${pct(evaluation.recall)}.` : truth ? ' Some scores are not finite (a diverged model): no metrics.' : ' The data has no 0/1 labels (a --label-column whose 1s are anomalies), so there are no precision and recall.'}`,
    ...(evaluation ? { table: [['score', 'threshold', 'ROC-AUC', 'average precision', 'precision', 'recall', 'F1'], [detector.scoreKind, threshold, evaluation.rocAuc, evaluation.averagePrecision, evaluation.precision, evaluation.recall, evaluation.f1]] } : {}),
    figures,
  };
  if (!scores.every(Number.isFinite)) return [scoresSection];
  // The highest-scoring rows and every flagged row, explained: each feature's share of the evidence that splits by feature.
  const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!);
  const explainedRows = order.filter((i, k) => k < LISTED || scores[i]! > threshold);
  const picked = new Float32Array(explainedRows.length * features);
  explainedRows.forEach((i, j) => picked.set(evalSet.x.subarray(i * features, (i + 1) * features), j * features));
  const explained = await detector.explain({ x: picked, shape: [explainedRows.length, ...evalSet.sampleShape] }, { top: 3 });
  const name = featureNamer(detector, input.data);
  const labelOf = (i: number) => (truth ? (truth[i] ? 'anomalous' : 'normal') : undefined);
  const topRows = explainedRows.slice(0, LISTED).map((i, j) => [
    i < evalSet.n ? `${evalSet.split} row ${i + 1}` : `known anomaly ${i - evalSet.n + 1}`, scores[i]!, scores[i]! > threshold ? 'yes' : 'no', ...(truth ? [labelOf(i)!] : []),
    explained[j]!.top.map((t) => `${name(t.feature)} ${Math.round(100 * t.share)}%`).join(', '), pct(explained[j]!.unattributed),
  ]);
  // Over the flagged rows: how often each feature comes first, and its mean share.
  const flaggedIdx = explainedRows.map((i, j) => [i, j] as const).filter(([i]) => scores[i]! > threshold);
  const first = new Map<number, number>();
  const shareSum = new Float64Array(features);
  for (const [, j] of flaggedIdx) {
    const e = explained[j]!;
    if (e.top[0] && e.top[0].share > 0) first.set(e.top[0].feature, (first.get(e.top[0].feature) ?? 0) + 1);
    for (let f = 0; f < features; f++) shareSum[f] += e.shares[f]!;
  }
  const byFeature = Array.from({ length: features }, (_, f) => f).filter((f) => shareSum[f]! > 0 || first.has(f))
    .sort((a, b) => (first.get(b) ?? 0) - (first.get(a) ?? 0) || shareSum[b]! - shareSum[a]!).slice(0, LISTED);
  log(`  report: ${flagged} of ${evalSet.count} ${rowsWord} flagged by the run's detector`);
  return [scoresSection, {
    title: 'Which features make rows anomalous',
    text: `Each row's evidence split by feature: a feature's share is its squared reconstruction error (as it enters the score) over the row's total; the k-NN part of the score lives in the code and splits by no feature (its part is "unattributed"; docs/anomaly.md, Explanations). First the ${topRows.length} highest-scoring rows; then, over the ${flaggedIdx.length} flagged row${flaggedIdx.length === 1 ? '' : 's'}, how often each feature carries the largest share and its mean share.`,
    table: [['row', 'score', 'flagged', ...(truth ? ['label'] : []), 'top features (share of the evidence)', 'unattributed'], ...topRows],
  }, ...(flaggedIdx.length && byFeature.length ? [{
    title: 'Features behind the flagged rows',
    table: [['feature', 'first in flagged rows', 'mean share'], ...byFeature.map((f) => [name(f), first.get(f) ?? 0, pct(shareSum[f]! / flaggedIdx.length)])],
  }] : [])];
}

/**
 * Writes `report.html` in the run folder for a table or series run (see the
 * module comment); the caller draws the run's figures first. A table run's
 * detector is fitted and saved here when the run has none, and its score
 * figures are written to figures/.
 * @returns the figures it wrote (file names in figures/).
 */
export async function writeRunReport(input: RunReportInput, log: (line: string) => void): Promise<string[]> {
  const written: string[] = [];
  const { run, model, data, config } = input;
  const opened: OpenedRun = { dir: run.dir, model, config, ...(data.scaler ? { scaler: data.scaler.toJSON() } : {}) };
  const source = basename(config.data.source);
  const sentences = asSentenceModel(model);
  if (sentences) {
    // The vocabulary (thousands of tokens) would bury the config at the end of the page: it is counted, not listed.
    const shown = { ...config, model: { ...(config.model as Record<string, unknown>), vocabulary: `(${sentences.vocabSize} tokens, in config.json)` } };
    run.write('report.html', renderReport(`${run.name}: ${model.className} on ${source}`, `Trained by aekit train on sentences (${source}) in ${formatDuration(input.seconds)} on this machine. The run folder holds the model with its vocabulary: aekit encode codes new sentences and, for a VAE, aekit generate writes new ones.`, await textSections(input, sentences), shown, {
      runs: [{ title: run.name, dir: run.dir }], warnings: input.warnings,
    }));
    return written;
  }
  const sections: ReportSection[] = [trainingSection(input)];
  if (input.series) sections.push(seriesSection(input, input.series));
  else sections.push(...await tableSections(input, opened, written, log));
  const kind = data.series ? 'a series' : 'a table';
  run.write('report.html', renderReport(`${run.name}: ${model.className} on ${source}`, `Trained by aekit train on ${kind} (${source}) in ${formatDuration(input.seconds)} on this machine. The run folder holds the model, its figures and its anomaly detector (detector/), which aekit detect and the dashboard use.`, sections, config, {
    runs: [{ title: run.name, dir: run.dir }], warnings: input.warnings,
  }));
  return written;
}
