/**
 * `aekit runs`: the run folders in the terminal, one line each (status,
 * model, data, epochs, losses, best epoch, date), or a few side by side to
 * compare them. Damaged folders are listed with what is wrong, never skipped.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../../runs/errors.js';
import { findRuns } from '../../runs/find-runs.js';
import { isObject, num, readJson, readMetrics, str } from '../../runs/lenient-read.js';
import { type RunCondition, runCondition } from '../../runs/run-health.js';
import { examplesHelp } from '../examples.js';
import { type Io, defaultIo } from '../io.js';
import { formatDuration } from '../progress.js';

/** What `aekit runs` shows of one run folder. */
export interface RunListing {
  /** The folder, as given or relative to the runs folder it was found in. */
  path: string;
  status: RunCondition | 'corrupt';
  /** What is wrong with the folder, each naming the file. */
  problems: string[];
  model?: string;
  data?: string;
  epochsDone?: number;
  epochsPlanned?: number;
  loss?: number;
  valLoss?: number;
  /** The epoch with the lowest validation loss (training loss without validation). */
  best?: { epoch: number; metric: 'valLoss' | 'loss'; value: number };
  test?: { mse?: number; psnr?: number; pcaMse?: number };
  trainSeconds?: number;
  batchSize?: number;
  optimizer?: string;
  learningRate?: number;
  /** ISO time of the last update. */
  updated?: string;
}

/** Reads a run folder for `aekit runs`; never throws for a damaged folder. */
export function describeRun(dir: string, path = dir): RunListing {
  const problems: string[] = [];
  const listing: RunListing = { path, status: 'corrupt', problems };
  const info = readJson(join(dir, 'run.json'), problems, 'run.json');
  const status = isObject(info) && info.format === 'aekit-run' ? str(info.status) : undefined;
  if (status === 'running' || status === 'finished' || status === 'stopped' || status === 'failed') {
    const health = runCondition(dir, { ...(info as Record<string, unknown>), status });
    listing.status = health.condition;
    problems.push(...health.problems);
    const record = info as Record<string, unknown>;
    for (const k of ['epochsDone', 'epochsPlanned'] as const) if (num(record[k]) !== undefined) listing[k] = num(record[k]);
    if (str(record.updated)) listing.updated = str(record.updated);
  } else if (problems.length === 0) {
    problems.push(info === undefined ? 'run.json is missing' : 'run.json is not an aekit run status');
  }
  const config = readJson(join(dir, 'config.json'), problems, 'config.json');
  if (isObject(config)) {
    const model = config.model;
    listing.model = isObject(model) ? str(model.className) : str(model);
    if (isObject(config.data)) listing.data = str(config.data.source);
    if (isObject(config.training)) {
      const t = config.training;
      listing.batchSize = num(t.batchSize);
      if (isObject(t.optimizer)) {
        listing.optimizer = str(t.optimizer.name);
        listing.learningRate = num(t.optimizer.learningRate);
      }
    }
  }
  const rows = readMetrics(dir, problems);
  const last = rows.at(-1);
  if (last) {
    listing.loss = num(last.loss);
    listing.valLoss = num(last.valLoss);
  }
  const metric = rows.some((r) => num(r.valLoss) !== undefined) ? 'valLoss' : 'loss';
  rows.forEach((r, i) => {
    const value = num(r[metric]);
    if (value !== undefined && (listing.best === undefined || value < listing.best.value)) listing.best = { epoch: num(r.epoch) ?? i + 1, metric, value };
  });
  const results = readJson(join(dir, 'results.json'), problems, 'results.json');
  if (isObject(results)) {
    listing.trainSeconds = num(results.trainSeconds);
    if (isObject(results.test)) {
      const model = isObject(results.test.model) ? results.test.model : {};
      const pca = isObject(results.test.pca) ? results.test.pca : {};
      listing.test = { mse: num(model.mse), psnr: num(model.psnr), pcaMse: num(pca.mse) };
    }
  }
  if (listing.updated === undefined) {
    try {
      listing.updated = statSync(dir).mtime.toISOString();
    } catch {
      // the folder went away meanwhile
    }
  }
  return listing;
}

/**
 * The run folders of the paths given: a run folder (one holding run.json)
 * is itself, any other folder is searched like the dashboard's runs folder.
 * @throws {UsageError} for a path that does not exist.
 */
export function listRuns(paths: readonly string[]): RunListing[] {
  return paths.flatMap((path) => {
    if (!existsSync(path)) throw new UsageError(`${path}: no such run folder or folder of runs`);
    if (existsSync(join(path, 'run.json'))) return [describeRun(path)];
    return findRuns(path).map((id) => describeRun(join(path, ...id.split('/')), join(relative('.', path) || '.', id)));
  });
}

const value = (v: number | undefined) => (v === undefined ? '-' : Math.abs(v) >= 1000 ? v.toFixed(1) : v.toPrecision(4));
const date = (iso: string | undefined) => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');
const epochs = (r: RunListing) => (r.epochsDone === undefined ? '-' : `${r.epochsDone}/${r.epochsPlanned ?? '?'}`);
const best = (r: RunListing) => (r.best ? `${r.best.metric} ${value(r.best.value)} @${r.best.epoch}` : '-');

/** Lines of a table whose columns are as wide as their widest cell (numbers right-aligned). */
function table(header: string[], rows: string[][], rightAligned: (column: number) => boolean): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (rightAligned(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** One line per run, with its problems under it. */
export function formatRunList(runs: readonly RunListing[]): string[] {
  const header = ['run', 'status', 'model', 'data', 'epochs', 'loss', 'val loss', 'best', 'updated'];
  const rows = runs.map((r) => [r.path, r.status, r.model ?? '-', r.data ?? '-', epochs(r), value(r.loss), value(r.valLoss), best(r), date(r.updated)]);
  const lines = table(header, rows, (c) => c >= 4 && c <= 6);
  return [lines[0]!, ...runs.flatMap((r, i) => [lines[i + 1]!, ...r.problems.map((p) => `  ⚠ ${p}`)])];
}

/** The runs side by side: one column per run, one row per field. */
export function formatRunComparison(runs: readonly RunListing[]): string[] {
  const fields: [string, (r: RunListing) => string][] = [
    ['status', (r) => r.status], ['model', (r) => r.model ?? '-'], ['data', (r) => r.data ?? '-'], ['epochs', epochs],
    ['batch size', (r) => (r.batchSize === undefined ? '-' : String(r.batchSize))],
    ['optimizer', (r) => (r.optimizer ? `${r.optimizer}${r.learningRate !== undefined ? ` lr ${r.learningRate}` : ''}` : '-')],
    ['final loss', (r) => value(r.loss)], ['final val loss', (r) => value(r.valLoss)], ['best', best],
    ['test MSE', (r) => value(r.test?.mse)], ['test PSNR dB', (r) => (r.test?.psnr === undefined ? '-' : r.test.psnr.toFixed(2))],
    ['PCA test MSE', (r) => value(r.test?.pcaMse)], ['training time', (r) => (r.trainSeconds === undefined ? '-' : formatDuration(r.trainSeconds))],
    ['updated', (r) => date(r.updated)],
  ];
  const rows = fields.map(([name, cell]) => [name, ...runs.map(cell)]);
  const problems = runs.flatMap((r) => r.problems.map((p) => `  ⚠ ${r.path}: ${p}`));
  return [...table(['', ...runs.map((r) => r.path)], rows, (c) => c > 0), ...problems];
}

export interface RunsFlags {
  compare?: boolean;
}

/** Runs `aekit runs`: lists the runs, or compares them side by side. */
export function runRunsCommand(paths: string[], flags: RunsFlags, io: Io = defaultIo()): RunListing[] {
  const runs = listRuns(paths.length > 0 ? paths : ['runs']);
  if (runs.length === 0) {
    io.log(`No run folders in ${paths.join(', ') || 'runs'} (start one with aekit train or aekit demo).`);
    return runs;
  }
  // Several run folders named one by one are there to be compared.
  const compare = flags.compare || (paths.length > 1 && paths.every((p) => existsSync(join(p, 'run.json'))));
  for (const line of compare ? formatRunComparison(runs) : formatRunList(runs)) io.log(line);
  return runs;
}

export function runsCommand(io?: Io): Command {
  return new Command('runs')
    .description('list run folders (status, model, data, epochs, losses, best epoch, date) or compare a few side by side')
    .argument('[folders...]', 'run folders, or folders of runs (default: runs)')
    .option('--compare', 'show the runs side by side, one column each')
    .addHelpText('after', examplesHelp('aekit runs', 'aekit runs runs/conv-mnist-1 runs/dense-mnist-1', 'aekit runs runs --compare'))
    .action((paths: string[], flags: RunsFlags) => {
      runRunsCommand(paths, flags, io);
    });
}
