/**
 * `aekit detect --data table.csv` with no run: a detector without
 * configuration (`new AnomalyDetector()`, the tabular ensemble) fitted on the
 * table's rows, as PyOD's `fit` + `decision_scores_` do, or on another file
 * of normal rows (--fit-on), then the table scored, flagged and, with
 * --explain, each row's most anomalous features named.
 */
import { AnomalyDetector, type SampleExplanation } from '../anomaly/detector.js';
import { TABULAR_RULES } from '../anomaly/ensemble.js';
import { readTabular, type TabularData } from '../anomaly/tabular.js';
import { evaluateDetector } from '../eval/detection.js';
import { writeFileAtomic } from '../io/files.js';
import { UsageError } from '../runs/errors.js';
import { scoreHistogramPng } from '../viz/index.js';
import { type Io } from './io.js';

/** What the table path reads from `aekit detect`'s flags. */
export interface DetectTableFlags {
  data?: string;
  fitOn?: string;
  labelColumn?: string;
  anomalyLabels?: string;
  contamination?: number;
  explain?: boolean | number;
  out?: string;
  png?: string;
  save?: string;
  json?: boolean;
}

/** What the table path found. */
export interface DetectTableOutcome {
  score: 'tabular-ensemble';
  threshold: number;
  flagged: number;
  samples: number;
  features: string[];
  evaluation?: ReturnType<typeof evaluateDetector>;
  /** With --explain: the flagged rows (at most 100, highest scores first) and their top features. */
  explanations?: Array<{ row: number; score: number; top: Array<{ feature: string; share: number }> }>;
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The labels of a table as 0/1 anomalies, from --anomaly-labels (default '1'). */
async function readTable(path: string, flags: DetectTableFlags): Promise<TabularData> {
  const wanted = flags.anomalyLabels?.split(',').map((s) => s.trim()) ?? ['1'];
  return readTabular(path, { ...(flags.labelColumn !== undefined ? { labelColumn: flags.labelColumn, anomalyLabel: wanted } : {}) });
}

/** Fits, scores and reports; writes the files the flags ask for. */
export async function runDetectTable(flags: DetectTableFlags, io: Io): Promise<DetectTableOutcome> {
  if (!flags.data) throw new UsageError('aekit detect: give a run folder or a saved detector, or --data table.csv to fit a detector on a table');
  if (flags.anomalyLabels !== undefined && flags.labelColumn === undefined) throw new UsageError('--anomaly-labels: say which column holds the labels with --label-column');
  const table = await readTable(flags.data, flags);
  const fitTable = flags.fitOn ? await readTable(flags.fitOn, flags) : table;
  if (fitTable.columns.join() !== table.columns.join()) {
    throw new UsageError(`--fit-on ${flags.fitOn} has columns ${fitTable.columns.join(', ')}; ${flags.data} has ${table.columns.join(', ')}: they must be the same`);
  }
  const detector = new AnomalyDetector();
  if (!flags.json) io.log(`fitting a detector on ${fitTable.shape[0]} rows × ${fitTable.shape[1]} features of ${flags.fitOn ?? flags.data} (${TABULAR_RULES.members} autoencoders and per-feature tails; docs/anomaly.md)...`);
  await detector.fit(fitTable, { contamination: flags.contamination ?? 0.05 });
  const scores = fitTable === table ? detector.trainingScores : await detector.score(table);
  const flagsOut = Uint8Array.from(scores, (v) => (v > detector.threshold ? 1 : 0));
  const flagged = flagsOut.reduce((a, b) => a + b, 0);
  const truth = table.labels;
  if (flags.anomalyLabels !== undefined && truth) {
    const positives = truth.reduce((a, b) => a + b, 0);
    if (positives === 0 || positives === truth.length) throw new UsageError(`--anomaly-labels ${flags.anomalyLabels}: ${positives === 0 ? 'no' : 'every'} row has one of these labels (the column holds ${table.labelValues?.join(', ')}); evaluation needs both kinds`);
  }
  const evaluation = flags.anomalyLabels !== undefined && truth ? evaluateDetector(scores, truth, detector.threshold) : undefined;
  const top = flags.explain === undefined || flags.explain === false ? 0 : flags.explain === true ? 3 : flags.explain;
  const explained: SampleExplanation[] | null = top > 0 ? await detector.explain(table, { top }) : null;
  if (flags.out) {
    const head = ['row', 'score', 'anomaly', ...(truth ? ['label'] : [])];
    for (let t = 1; t <= top; t++) head.push(`feature_${t}`, `share_${t}`);
    const lines = [head.join(',')];
    for (let i = 0; i < scores.length; i++) {
      const cells = [String(i), String(scores[i]), String(flagsOut[i]), ...(truth ? [String(truth[i])] : [])];
      if (explained) for (const t of explained[i]!.top) cells.push(csvCell(table.columns[t.feature]!), t.share.toFixed(4));
      lines.push(cells.join(','));
    }
    writeFileAtomic(flags.out, `${lines.join('\n')}\n`);
  }
  if (flags.png) writeFileAtomic(flags.png, await scoreHistogramPng({ scores, threshold: detector.threshold, ...(truth && evaluation ? { labels: truth } : {}) }, { title: `Anomaly scores of ${flags.data}`, xName: 'score (tabular ensemble)' }));
  if (flags.save) detector.save(flags.save);
  const flaggedRows = Array.from(scores.keys()).filter((i) => flagsOut[i]).sort((a, b) => scores[b]! - scores[a]!);
  const outcome: DetectTableOutcome = {
    score: 'tabular-ensemble', threshold: detector.threshold, flagged, samples: scores.length, features: table.columns,
    ...(evaluation ? { evaluation } : {}),
    ...(explained ? { explanations: flaggedRows.slice(0, 100).map((row) => ({ row, score: scores[row]!, top: explained[row]!.top.map((t) => ({ feature: table.columns[t.feature]!, share: t.share })) })) } : {}),
  };
  if (flags.json) {
    io.out(JSON.stringify(outcome));
    return outcome;
  }
  io.log(`scores of ${scores.length} rows (${flags.fitOn ? `fitted on ${flags.fitOn}` : 'fitted on the same rows, as PyOD does'}); threshold ${detector.threshold.toPrecision(4)} (the top ${(100 * (flags.contamination ?? 0.05)).toFixed(0)} % of the fitted rows): ${flagged} flagged (${((100 * flagged) / scores.length).toFixed(1)}%)`);
  if (evaluation) {
    io.log(`  ROC-AUC ${evaluation.rocAuc.toFixed(4)} · average precision ${evaluation.averagePrecision.toFixed(4)} · at the threshold: precision ${evaluation.precision.toFixed(3)}, recall ${evaluation.recall.toFixed(3)}, F1 ${evaluation.f1.toFixed(3)}`);
  }
  if (explained) {
    const shown = flaggedRows.slice(0, 10);
    if (shown.length) io.log(`  most anomalous rows and the features that made them so:`);
    for (const row of shown) {
      const e = explained[row]!;
      io.log(`    row ${row}: score ${scores[row]!.toFixed(2)} · ${e.top.map((t) => `${table.columns[t.feature]} ${(100 * t.share).toFixed(0)}%`).join(', ')}`);
    }
  }
  const written = [flags.out, flags.png, flags.save].filter(Boolean);
  if (written.length) io.log(`  wrote ${written.join(', ')}`);
  return outcome;
}
