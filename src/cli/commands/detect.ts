/**
 * `aekit detect <run>`: anomaly scores and flags for a data set, from the
 * run's own detector (src/runs/run-detector.ts: saved in <run>/detector, the
 * one the demo's report and the dashboard use; fitted with the defaults and
 * saved there on first use), from a detector fitted now with other --score or
 * --contamination, or from a detector saved before.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { AnomalyDetector } from '../../anomaly/detector.js';
import { isEnsembleDir, readDetectorDir } from '../../anomaly/store.js';
import { TimeSeriesDetector } from '../../anomaly/timeseries.js';
import { runSeriesDetect } from '../series-detect.js';
import { SCORE_KINDS, type ScoreKind } from '../../anomaly/types.js';
import { evaluateDetector } from '../../eval/detection.js';
import { writeFileAtomic } from '../../io/files.js';
import { scoreHistogramPng } from '../../viz/index.js';
import { UsageError } from '../../runs/errors.js';
import { floatIn, intIn } from '../args.js';
import { type Io, defaultIo } from '../io.js';
import { dataForRun, openRun } from '../../runs/open-run.js';
import { loadRunData } from '../../runs/run-data.js';
import { RUN_DETECTOR_DEFAULTS, fitRunDetector, loadRunDetector, runDetector } from '../../runs/run-detector.js';
import { examplesHelp } from '../examples.js';
import { type DetectStreamFlags, runDetectStream, streamsData, withStreamFlags } from '../detect-stream.js';
import { threadsOption, withDataFlags } from '../run-data-flags.js';
import { type DetectTableOutcome, runDetectTable } from '../detect-table.js';
import { type DetectRedisFlags, runDetectRedis, withRedisFlags } from '../detect-redis.js';

export interface DetectFlags extends DetectStreamFlags, DetectRedisFlags {
  data?: string;
  samples?: number;
  labelColumn?: string;
  /** A score other than the run detector's: a detector is fitted for this command (not saved in the run). */
  score?: ScoreKind;
  /** A contamination other than the run detector's: likewise. */
  contamination?: number;
  /** Labels (class names or indices) of the anomalies, to evaluate the detector. */
  anomalyLabels?: string;
  out?: string;
  png?: string;
  save?: string;
  threads?: number;
  json?: boolean;
  /** Name each flagged row's top features (n of them; true: 3). */
  explain?: boolean | number;
  /** No run: fit the table detector on this file instead of on --data. */
  fitOn?: string;
  /** Series: flagged runs this many steps apart or closer are one range. */
  mergeGap?: number;
}

export interface DetectOutcome {
  /** The detector's score kind. */
  score: ScoreKind;
  threshold: number;
  flagged: number;
  samples: number;
  evaluation?: ReturnType<typeof evaluateDetector>;
  /** With --explain: the flagged rows (at most 100, highest scores first) and their top features. */
  explanations?: Array<{ row: number; score: number; top: Array<{ feature: string; share: number }> }>;
}

/** Scores, flags and (with --anomaly-labels) evaluates; writes the requested files. */
export async function runDetectCommand(path: string | undefined, flags: DetectFlags, io: Io = defaultIo()): Promise<DetectOutcome | DetectTableOutcome> {
  if (path === undefined) {
    if (flags.from !== undefined) throw new UsageError('--from: give the detector that scores the stream: a run folder or a saved detector');
    return runDetectTable(flags, io);
  }
  if (flags.fitOn !== undefined) throw new UsageError(`--fit-on is for a table without a run; ${path} already holds a detector or a model`);
  let detector: AnomalyDetector;
  /** Which detector scored, in words. */
  let which: string;
  const saved = existsSync(join(path, 'detector.json'));
  const run = saved ? undefined : openRun(path, flags.threads);
  // A series run (trained with --window) or a saved series detector: per-step scores and ranges, in series-detect.ts.
  const savedModel = saved && !isEnsembleDir(path) ? readDetectorDir(path) : undefined;
  const savedDetector = (): AnomalyDetector => (savedModel ? AnomalyDetector.fromSaved(savedModel).detector : AnomalyDetector.load(path));
  // A Redis stream: this process becomes one worker of a consumer group (src/cli/detect-redis.ts).
  if (flags.from !== undefined) {
    if (run?.config?.data.window !== undefined || savedModel?.extra?.timeSeries) throw new UsageError('--from: a series detector scores windows of a series, not one row per entry');
    if (saved) return runDetectRedis(savedDetector(), `the detector saved in ${path}`, flags, io);
    if (!run!.config) throw new UsageError(`${path} is a bare checkpoint: the detector is fitted on a run's training data, so give a run folder`);
    const own = await runDetector(run!);
    // Workers started together may each fit one; the saved one (the first to land) scores everywhere.
    return runDetectRedis(own.fittedNow ? loadRunDetector(run!.dir) ?? own.detector : own.detector, `the run's detector (${own.dir})`, flags, io, run!.scaler);
  }
  if (run?.config?.data.window !== undefined || savedModel?.extra?.timeSeries) {
    if (flags.anomalyLabels !== undefined || flags.labelColumn !== undefined || flags.samples !== undefined) throw new UsageError('--anomaly-labels, --label-column and --samples do not apply to a series');
    return runSeriesDetect(run ? { run } : { saved: TimeSeriesDetector.fromSaved(savedModel!, path), dir: path }, flags, io);
  }
  // A saved detector scores CSV/NDJSON (a file or stdin) batch by batch: src/cli/detect-stream.ts.
  // Explanations need the whole table in memory, so --explain takes the whole-file path below.
  if (saved && streamsData(flags.data)) {
    if (!flags.explain) return runDetectStream(path, flags, io);
    if (flags.data === '-') throw new UsageError('--explain reads the whole table; give a file with --data, not - (stdin is scored as a stream, without explanations)');
  }
  if (saved) {
    detector = savedDetector();
    which = `the detector saved in ${path}`;
    if (!flags.data) throw new UsageError(`${path} is a saved detector: say which data to score with --data`);
  } else if (flags.score === undefined && flags.contamination === undefined) {
    if (!run!.config) throw new UsageError(`${path} is a bare checkpoint: the detector is fitted on a run's training data, so give a run folder`);
    // The run's model scores for its detector when the detector's copy is the same files: one model loaded, not two.
    const own = await runDetector(run!, {}, { shareModel: true });
    detector = own.detector;
    which = `the run's detector (${own.dir}${own.fittedNow ? ', fitted now with the defaults and saved' : ''})`;
  } else {
    if (!run!.config) throw new UsageError(`${path} is a bare checkpoint: the detector is fitted on a run's training data, so give a run folder`);
    detector = await fitRunDetector(run!, { ...(flags.score ? { score: flags.score } : {}), ...(flags.contamination !== undefined ? { contamination: flags.contamination } : {}) });
    which = "a detector fitted now on the run's training data (not the run's own: other --score or --contamination)";
  }
  const { data, split } = run
    ? await dataForRun(run, flags.data, { ...(flags.samples ? { samples: flags.samples } : {}), ...(flags.labelColumn !== undefined ? { labelColumn: flags.labelColumn } : {}) })
    : { data: await loadRunData({ source: flags.data!, ...(flags.samples ? { samples: flags.samples } : {}), scale: 'none' }, undefined, { wholeSource: true }), split: 'given' as const };
  const set = data.train;
  const scores = await detector.score(set);
  // The flags from these scores: `predict` would score every sample again.
  const flagsOut = detector.flagsOf(scores);
  const flagged = flagsOut.reduce((a, b) => a + b, 0);
  let truth: Uint8Array | undefined;
  if (flags.anomalyLabels !== undefined) {
    if (!set.labels) throw new UsageError('--anomaly-labels: the data has no labels (a CSV needs --label-column)');
    const wanted = flags.anomalyLabels.split(',').map((s) => s.trim());
    const isAnomaly = (l: number) => wanted.includes(String(l)) || (set.labelNames !== undefined && wanted.includes(set.labelNames[l]!));
    truth = Uint8Array.from(set.labels, (l) => (isAnomaly(l) ? 1 : 0));
    const positives = truth.reduce((a, b) => a + b, 0);
    if (positives === 0 || positives === truth.length) throw new UsageError(`--anomaly-labels ${flags.anomalyLabels}: ${positives === 0 ? 'no' : 'every'} sample has one of these labels; evaluation needs both kinds`);
  }
  const evaluation = truth ? evaluateDetector(scores, truth, detector.threshold) : undefined;
  const top = flags.explain === undefined || flags.explain === false ? 0 : flags.explain === true ? 3 : flags.explain;
  const explained = top > 0 ? await detector.explain(set, { top }) : null;
  // The detector's column names (a run's table detector keeps its CSV header), else those of the data scored.
  const names = detector.featureNames ?? data.columns;
  const featureName = (j: number) => names?.[j] ?? `feature ${j + 1}`;
  if (flags.out) {
    const head = 'index,score,anomaly' + (set.labels ? ',label' : '') + Array.from({ length: top }, (_, t) => `,feature_${t + 1},share_${t + 1}`).join('');
    const rows = [head];
    for (let i = 0; i < scores.length; i++) {
      const why = explained ? explained[i]!.top.map((t) => `,${featureName(t.feature)},${t.share.toFixed(4)}`).join('') : '';
      rows.push(`${i},${scores[i]},${flagsOut[i]}${set.labels ? `,${set.labelNames?.[set.labels[i]!] ?? set.labels[i]}` : ''}${why}`);
    }
    writeFileAtomic(flags.out, `${rows.join('\n')}\n`);
  }
  if (flags.png) writeFileAtomic(flags.png, await scoreHistogramPng({ scores, threshold: detector.threshold, ...(truth ? { labels: truth } : {}) }, { title: `Anomaly scores (${detector.scoreKind})`, xName: `score (${detector.scoreKind})` }));
  if (flags.save) detector.save(flags.save);
  const flaggedRows = Array.from(scores.keys()).filter((i) => flagsOut[i]).sort((a, b) => scores[b]! - scores[a]!);
  const outcome: DetectOutcome = {
    score: detector.scoreKind, threshold: detector.threshold, flagged, samples: scores.length, ...(evaluation ? { evaluation } : {}),
    ...(explained ? { explanations: flaggedRows.slice(0, 100).map((row) => ({ row, score: scores[row]!, top: explained[row]!.top.map((t) => ({ feature: featureName(t.feature), share: t.share })) })) } : {}),
  };
  if (flags.json) {
    io.out(JSON.stringify(outcome));
  } else {
    io.log(`detector: ${which}`);
    io.log(`${detector.scoreKind} scores of ${scores.length} samples (${split === 'given' ? flags.data : `the run's ${split} set`}); threshold ${detector.threshold.toPrecision(4)}: ${flagged} flagged (${((100 * flagged) / scores.length).toFixed(1)}%)`);
    if (evaluation) {
      io.log(`  ROC-AUC ${evaluation.rocAuc.toFixed(4)} · average precision ${evaluation.averagePrecision.toFixed(4)} · at the threshold: precision ${evaluation.precision.toFixed(3)}, recall ${evaluation.recall.toFixed(3)}, F1 ${evaluation.f1.toFixed(3)}`);
      const c = evaluation.confusion;
      io.log(`  confusion: ${c.tp} anomalies flagged, ${c.fn} missed, ${c.fp} normal flagged, ${c.tn} normal passed`);
    }
    if (explained) {
      for (const row of flaggedRows.slice(0, 10)) io.log(`    sample ${row}: score ${scores[row]!.toPrecision(4)} · ${explained[row]!.top.map((t) => `${featureName(t.feature)} ${(100 * t.share).toFixed(0)}%`).join(', ')}`);
    }
    const written = [flags.out, flags.png, flags.save].filter(Boolean);
    if (written.length) io.log(`  wrote ${written.join(', ')}`);
  }
  return outcome;
}

export function detectCommand(io?: Io): Command {
  const command = new Command('detect')
    .description("anomaly scores and flags: a detector around a run's model (threshold from its training data), a saved detector, or, with no run, a detector fitted on a table (--data table.csv) that needs no configuration")
    .argument('[run]', 'a run folder, or a detector saved with --save; none: fit a detector on the --data table');
  return withRedisFlags(withStreamFlags(withDataFlags(command, 'score')
    .addOption(new Option('--score <kind>', 'anomaly score (default: the run detector\'s, see docs/anomaly.md); with this or --contamination a detector is fitted for this command only').choices([...SCORE_KINDS]))
    .option('--contamination <f>', `expected share of anomalies in the training data: sets the threshold (default: the run detector's, fitted with ${RUN_DETECTOR_DEFAULTS.contamination})`, floatIn('--contamination', 0, 0.5 + 1e-12))
    .option('--anomaly-labels <labels>', 'labels (names or indices, comma-separated) of the anomalies, to evaluate: ROC-AUC, precision, recall')
    .option('--out <file>', 'scores.csv: index, score, anomaly (0/1), label (a series: step, timestamp, values, score, anomaly); a saved detector scoring CSV/NDJSON also takes - (stdout) and .ndjson')
    .option('--png <file>', 'a histogram of the scores with the threshold (a series: the series, its score and the flagged ranges)')
    .option('--save <dir>', 'save the fitted detector (model, codes, threshold) to reuse with aekit detect <dir>')
    .option('--explain [n]', "name each row's n most anomalous features (default 3): in --out, --json and the printed top rows", intIn('--explain', 1))
    .option('--fit-on <csv>', 'no run: fit the table detector on these (normal) rows instead of on --data')
    .option('--merge-gap <steps>', 'a series run: flagged runs at most this many steps apart are one range (default 0)', intIn('--merge-gap', 0))
    .addOption(threadsOption())
    .option('--json', 'print the outcome as one JSON object')))
    .addHelpText('after', examplesHelp('aekit detect --data transactions.csv --explain --out scores.csv', 'aekit detect --data sensors.csv --label-column fault --anomaly-labels 1 --save my-detector',
      'aekit detect runs/conv-mnist-1 --data fashion-mnist --png scores.png', 'aekit detect runs/conv1d-series-1 --data new-series.csv --png series.png --out scores.csv',
      'aekit detect runs/dense-table-1 --data new.csv --label-column class --anomaly-labels fraud --out scores.csv',
      'aekit detect det/ --data big.csv --out scores.csv',
      'cat big.csv | aekit detect det/ --data - --out - > scores.csv',
      'aekit detect det/ --data events.ndjson --id-column id --out flagged.ndjson',
      'aekit detect det/ --from redis://localhost:6379/events --group scorers --to scores'))
    .action(async (path: string | undefined, flags: DetectFlags) => {
      await runDetectCommand(path, flags, io);
    });
}
