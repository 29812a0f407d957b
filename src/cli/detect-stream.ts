/**
 * `aekit detect <saved-detector> --data <file|->` for CSV and NDJSON input:
 * rows are read, scored and written batch by batch, so a file or a pipe of
 * any length is scored in bounded memory (one chunk of input and one batch of
 * rows at a time) and the scores can flow on down a pipeline:
 *
 *     cat big.csv | aekit detect det/ --data - --out - > scores.csv
 *
 * The reader is src/data/table-stream.ts; this module checks the columns
 * against the detector, scores, writes `index,score,anomaly` lines (plus the
 * --id-column and --label-column values) as each batch finishes, and reports.
 */
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { basename, extname } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { type Command, Option } from 'commander';
import { AnomalyDetector } from '../anomaly/detector.js';
import { isEnsembleDir, readDetectorDir } from '../anomaly/store.js';
import { DataFormatError, ioError, noSamplesError } from '../data/errors.js';
import { checkRegularFile } from '../data/files.js';
import { readTableRows } from '../data/table-stream.js';
import { evaluateDetector } from '../eval/detection.js';
import { type AtomicFileWriter, WriteError, fsReason, openAtomicFile, writeFileAtomic } from '../io/files.js';
import { UsageError } from '../runs/errors.js';
import { scoreHistogramPng } from '../viz/index.js';
import { intIn } from './args.js';
import type { DetectFlags, DetectOutcome } from './commands/detect.js';
import { type Io } from './io.js';

/** Input files scored as a stream by a saved detector: CSV (as `loadRunData` reads them) and NDJSON. */
export const STREAM_EXTENSIONS: readonly string[] = ['.csv', '.tsv', '.txt', '.ndjson', '.jsonl'];
/** Rows scored per batch unless --batch-size says otherwise. */
export const DEFAULT_STREAM_BATCH = 1024;
/** Bad rows listed one by one with --skip-bad-rows; the rest are counted. */
const BAD_ROWS_LISTED = 20;

/** The flags only streaming uses (the others are {@link DetectFlags}'). */
export interface DetectStreamFlags {
  /** Output format: 'csv' (default) or 'ndjson'; inferred from --out's extension (.ndjson, .jsonl). */
  format?: 'csv' | 'ndjson';
  /** Rows per batch (also entries per read of a stream worker, `--from`). */
  batchSize?: number;
  /** Report a bad row (line and column) and go on, instead of stopping at it. */
  skipBadRows?: boolean;
  /** A column to copy to the output beside each row's score (never a feature). */
  idColumn?: string;
}

/** Where the stream comes from and goes to: the process's own by default; tests give their own. */
export interface DetectStdio {
  stdin: Readable;
  stdout: Writable;
  /** A line for stderr (messages when stdout carries the scores). */
  err: (line: string) => void;
  /** Redraws the progress line (stderr, when a terminal). */
  progress: (text: string) => void;
}

function processStdio(): DetectStdio {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    err: (line) => process.stderr.write(`${line}\n`),
    progress: (text) => process.stderr.write(`\r${text}\x1b[K`),
  };
}

/** Whether `aekit detect` with a saved detector scores `data` as a stream: `-` (stdin) or a CSV/NDJSON file. */
export function streamsData(data: string | undefined): boolean {
  return data === '-' || (data !== undefined && STREAM_EXTENSIONS.includes(extname(data).toLowerCase()));
}

/** Adds the streaming flags to `aekit detect`. */
export function withStreamFlags(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'format of --out: csv or ndjson (default: from its extension, .ndjson/.jsonl, else csv)').choices(['csv', 'ndjson']))
    .option('--id-column <column>', 'a saved detector scoring CSV/NDJSON: a column (name or 0-based index) copied beside each score, not a feature')
    .option('--skip-bad-rows', 'a saved detector scoring CSV/NDJSON: report a bad row (line, column) on stderr and go on; default: stop at the first')
    .option('--batch-size <n>', `a saved detector scoring CSV/NDJSON, or --from: rows per batch (default ${DEFAULT_STREAM_BATCH})`, intIn('--batch-size', 1, 1 << 20))
    .addHelpText('after', [
      '',
      'A saved detector scoring CSV or NDJSON (--data rows.csv, rows.ndjson, or - for stdin) reads, scores',
      'and writes batch by batch in bounded memory: --out - sends the scores to stdout and every message to',
      "stderr. Text columns are dropped; the feature columns must be the detector's. A bad value stops the",
      'run, naming its line and column, unless --skip-bad-rows. See docs/anomaly.md, "Scoring streams and',
      'large files".',
    ].join('\n'));
}

/** A column flag's value: a 0-based index when it is all digits, else a name. */
const columnOf = (s: string): string | number => (/^\d+$/.test(s) ? Number(s) : s);

/** CSV field quoting, for pass-through text. */
const csvField = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Growable typed arrays for the scores --png and --anomaly-labels need (8 + 1 bytes a row). */
class Collected {
  scores = new Float64Array(1024);
  truth = new Uint8Array(1024);
  n = 0;
  push(score: number, truth: number): void {
    if (this.n === this.scores.length) {
      const s = new Float64Array(this.n * 2);
      s.set(this.scores);
      this.scores = s;
      const t = new Uint8Array(this.n * 2);
      t.set(this.truth);
      this.truth = t;
    }
    this.scores[this.n] = score;
    this.truth[this.n++] = truth;
  }
}

/** The output: a file written atomically, stdout, or nothing. */
interface Sink {
  write(text: string): Promise<void>;
  /** Set when the reader of stdout went away (`| head`): stop scoring. */
  closed: boolean;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

function stdoutSink(stdout: Writable): Sink {
  let failure: unknown;
  // A reader that stops early (`| head`) is not an error: scoring stops with it. The listener stays
  // (a late EPIPE after the last write must not end the process as an internal error).
  stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e?.code === 'EPIPE' || e?.code === 'ERR_STREAM_DESTROYED') sink.closed = true;
    else failure ??= e;
  });
  const check = (): void => {
    if (failure !== undefined) throw new WriteError('stdout', `cannot write the scores (${fsReason(failure)})`);
  };
  const sink: Sink = {
    closed: false,
    async write(text) {
      check();
      if (sink.closed) return;
      // Backpressure: wait until the reader has taken what was written (or went away).
      if (!stdout.write(text)) await Promise.race([once(stdout, 'drain'), once(stdout, 'close')]).catch(() => undefined);
      check();
    },
    async finish() {
      check();
    },
    async abort() {},
  };
  return sink;
}

function fileSink(writer: AtomicFileWriter): Sink {
  return { closed: false, write: (t) => writer.write(t), finish: () => writer.commit(), abort: () => writer.abort() };
}

/** The input's bytes: stdin for `-`, else the file (a regular file: a named pipe is refused, as every reader does). */
async function openInput(data: string, stdin: Readable): Promise<{ chunks: AsyncIterable<Uint8Array | string>; label: string }> {
  if (data === '-') return { chunks: stdin, label: '<stdin>' };
  const label = basename(data);
  await checkRegularFile(data, label);
  return { chunks: fileBytes(data, label), label };
}

/** A file's bytes, 1 MiB a read; a failed read (permission, I/O) is a DataFormatError naming the file. */
async function* fileBytes(path: string, label: string): AsyncGenerator<Uint8Array> {
  try {
    yield* createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>;
  } catch (e) {
    throw ioError(label, e);
  }
}

function listed(names: readonly string[]): string {
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 6).join(', ')}, … ${names.at(-1)}`;
}

/** Refuses feature columns that are not what the detector was fitted on: by name when it knows them, else by count. */
function checkColumns(file: string, columns: readonly string[], detector: AnomalyDetector, names: string[] | undefined, flags: DetectFlags): void {
  const size = detector.sampleShape.reduce((a, b) => a * b, 1);
  if (names) {
    if (columns.length === names.length && columns.every((c, i) => c === names[i])) return;
    const missing = names.filter((n) => !columns.includes(n));
    const extra = columns.filter((c) => !names.includes(c));
    throw new DataFormatError(file, {}, `feature columns ${listed(columns)} do not match the detector's ${listed(names)}` +
      (missing.length ? `; missing: ${listed(missing)}` : '') + (extra.length ? `; not the detector's: ${listed(extra)}` : '') +
      (!missing.length && !extra.length ? '; same names in another order' : ''));
  }
  if (columns.length === size) return;
  const hint = columns.length > size && flags.labelColumn === undefined && flags.idColumn === undefined
    ? ' (is one of them a label or an id? name it with --label-column or --id-column)' : '';
  throw new DataFormatError(file, {}, `${columns.length} feature columns (${listed(columns)}) but the detector takes ${size} values per sample (shape [${detector.sampleShape.join(', ')}])${hint}; ` +
    'its detector records no column names (fit it on a table read with readTabular to keep them), so only the count can be checked (text columns are dropped before counting)');
}

/**
 * Scores CSV or NDJSON rows with the detector saved in `dir`, batch by batch,
 * writing each batch's lines to --out (a file, renamed into place at the end,
 * or `-`: stdout) as soon as it is scored.
 * @throws {DataFormatError} naming the line and column of a bad value (unless --skip-bad-rows), or columns the detector was not fitted on.
 * @throws {UsageError} for flags that contradict each other.
 */
export async function runDetectStream(dir: string, flags: DetectFlags & DetectStreamFlags, io: Io, stdio: DetectStdio = processStdio()): Promise<DetectOutcome & { skipped: number }> {
  const data = flags.data!;
  const toStdout = flags.out === '-';
  if (toStdout && flags.json) throw new UsageError('--json prints to stdout, where --out - writes the scores: give --out a file, or drop --json');
  if (flags.anomalyLabels !== undefined && flags.labelColumn === undefined) throw new UsageError('--anomaly-labels: name the column holding the labels with --label-column');
  const format: 'csv' | 'ndjson' = flags.format ?? (flags.out && /\.(ndjson|jsonl)$/i.test(flags.out) ? 'ndjson' : 'csv');
  const say = toStdout ? stdio.err : io.log;

  // Feature names: a table detector's own, or those saved in the extra block (det.save(dir, { columns })).
  let detector: AnomalyDetector;
  let extra: Record<string, unknown> | undefined;
  if (isEnsembleDir(dir)) detector = AnomalyDetector.load(dir);
  else ({ detector, extra } = AnomalyDetector.fromSaved(readDetectorDir(dir)));
  const names = detector.featureNames ?? undefined;
  const threshold = detector.threshold;
  const sampleShape = detector.sampleShape;

  const pass: (string | number)[] = [];
  const passNames: string[] = [];
  if (flags.idColumn !== undefined) { pass.push(columnOf(flags.idColumn)); passNames.push('id'); }
  if (flags.labelColumn !== undefined) { pass.push(columnOf(flags.labelColumn)); passNames.push('label'); }
  const labelAt = flags.labelColumn !== undefined ? pass.length - 1 : -1;
  const wanted = flags.anomalyLabels?.split(',').map((s) => s.trim());
  const collected = flags.png || wanted ? new Collected() : undefined;

  const { chunks, label } = await openInput(data, stdio.stdin);
  let skipped = 0;
  const rows = readTableRows(chunks, label, {
    batchSize: flags.batchSize ?? DEFAULT_STREAM_BATCH,
    passColumns: pass,
    ...(flags.samples ? { limit: flags.samples } : {}),
    onColumns: (columns) => checkColumns(label, columns, detector, names, flags),
    ...(flags.skipBadRows ? {
      onBadRow: (e: DataFormatError) => {
        if (++skipped <= BAD_ROWS_LISTED) say(`skipped ${e.message}`);
      },
    } : {}),
  });

  const sink: Sink | undefined = toStdout ? stdoutSink(stdio.stdout) : flags.out ? fileSink(await openAtomicFile(flags.out)) : undefined;
  let scored = 0;
  let flagged = 0;
  let headerDone = false;
  const started = Date.now();
  let lastDraw = 0;
  try {
    for await (const b of rows) {
      const n = b.shape[0];
      const scores = await detector.score({ x: b.x, shape: [n, ...sampleShape] });
      let text = '';
      if (!headerDone && format === 'csv') text = `index,score,anomaly${passNames.map((p) => `,${p}`).join('')}\n`;
      headerDone = true;
      for (let i = 0; i < n; i++) {
        const s = scores[i]!;
        const a = s > threshold ? 1 : 0;
        flagged += a;
        if (collected) collected.push(s, wanted?.includes(b.passed[labelAt]![i]!) ? 1 : 0);
        if (!sink) continue;
        if (format === 'csv') {
          text += `${b.index[i]},${s},${a}`;
          for (const p of b.passed) text += `,${csvField(p[i]!)}`;
          text += '\n';
        } else {
          text += `{"index":${b.index[i]},"score":${JSON.stringify(s)},"anomaly":${a}`;
          for (let j = 0; j < b.passed.length; j++) text += `,"${passNames[j]}":${JSON.stringify(b.passed[j]![i])}`;
          text += '}\n';
        }
      }
      scored += n;
      if (sink) {
        await sink.write(text);
        if (sink.closed) break;
      }
      if (io.tty && Date.now() - lastDraw > 250) {
        lastDraw = Date.now();
        const secs = (lastDraw - started) / 1000;
        stdio.progress(`${scored.toLocaleString('en-US')} rows scored, ${flagged.toLocaleString('en-US')} flagged${secs > 0 ? ` (${Math.round(scored / secs).toLocaleString('en-US')} rows/s)` : ''}`);
      }
    }
    if (io.tty && lastDraw > 0) stdio.progress('');
    if (scored === 0 && !sink?.closed) throw skipped > 0 ? new DataFormatError(label, {}, `every row was bad (${skipped} skipped): nothing to score`) : noSamplesError(label);
    await sink?.finish();
  } catch (e) {
    await sink?.abort();
    throw e;
  }
  const secs = (Date.now() - started) / 1000;

  let evaluation: ReturnType<typeof evaluateDetector> | undefined;
  if (collected && wanted) {
    const truth = collected.truth.subarray(0, collected.n);
    const positives = truth.reduce((a, b) => a + b, 0);
    if (positives === 0 || positives === truth.length) throw new UsageError(`--anomaly-labels ${flags.anomalyLabels}: ${positives === 0 ? 'no' : 'every'} row has one of these labels; evaluation needs both kinds`);
    evaluation = evaluateDetector(collected.scores.subarray(0, collected.n), truth, threshold);
  }
  if (flags.png && collected) {
    writeFileAtomic(flags.png, await scoreHistogramPng({ scores: collected.scores.subarray(0, collected.n), threshold, ...(evaluation ? { labels: collected.truth.subarray(0, collected.n) } : {}) },
      { title: `Anomaly scores (${detector.scoreKind})`, xName: `score (${detector.scoreKind})` }));
  }
  if (flags.save) detector.save(flags.save, extra);
  const outcome = { score: detector.scoreKind, threshold, flagged, samples: scored, skipped, ...(evaluation ? { evaluation } : {}) };
  if (flags.json) {
    io.out(JSON.stringify(outcome));
    return outcome;
  }
  const pct = ((100 * flagged) / Math.max(scored, 1)).toFixed(1);
  say(`detector: the detector saved in ${dir}`);
  say(`${detector.scoreKind} scores of ${scored.toLocaleString('en-US')} rows (${data === '-' ? 'stdin' : data}, streamed in ${secs.toFixed(1)} s); threshold ${threshold.toPrecision(4)}: ${flagged.toLocaleString('en-US')} flagged (${pct}%)` +
    (skipped ? `; ${skipped.toLocaleString('en-US')} bad rows skipped${skipped > BAD_ROWS_LISTED ? ` (the first ${BAD_ROWS_LISTED} listed above)` : ''}` : '') +
    (sink?.closed ? '; stopped: the reader of stdout closed it' : ''));
  if (evaluation) {
    say(`  ROC-AUC ${evaluation.rocAuc.toFixed(4)} · average precision ${evaluation.averagePrecision.toFixed(4)} · at the threshold: precision ${evaluation.precision.toFixed(3)}, recall ${evaluation.recall.toFixed(3)}, F1 ${evaluation.f1.toFixed(3)}`);
    const c = evaluation.confusion;
    say(`  confusion: ${c.tp} anomalies flagged, ${c.fn} missed, ${c.fp} normal flagged, ${c.tn} normal passed`);
  }
  const written = [toStdout ? undefined : flags.out, flags.png, flags.save].filter(Boolean);
  if (written.length) say(`  wrote ${written.join(', ')}`);
  return outcome;
}
