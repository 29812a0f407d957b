/**
 * `aekit export <run-or-detector>`: standalone ONNX models (weights baked in)
 * for ONNX Runtime in any language or the browser: the model's parts, and
 * `score` (score.onnx: raw samples in, the detector's score and flag out;
 * src/anomaly/score-onnx.ts) when there is a detector to export.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { AnomalyDetector } from '../../anomaly/detector.js';
import { FLAG_OUTPUT, SCORE_INPUT, SCORE_OUTPUT } from '../../anomaly/score-onnx.js';
import { isEnsembleDir, readDetectorDir } from '../../anomaly/store.js';
import { type ScalerJSON } from '../../data/preprocess.js';
import { makeDirs } from '../../io/files.js';
import { type AutoencoderModel } from '../../models/base.js';
import { UsageError } from '../../runs/errors.js';
import { openRun } from '../../runs/open-run.js';
import { loadRunDetector } from '../../runs/run-detector.js';
import { type Io, defaultIo } from '../io.js';
import { examplesHelp } from '../examples.js';
import { RUN_ARGUMENT_HELP } from '../run-data-flags.js';

export interface ExportFlags {
  part?: string[];
  out: string;
}

/** The part name of score.onnx. */
export const SCORE_PART = 'score';

const SERIES_REFUSAL = "a series detector scores steps through overlapping windows of the whole series (each step the mean of its windows' scores, then a moving mean), which a model scoring rows one by one cannot reproduce; score.onnx exports table and image detectors";

/** What a path offers to export: a model (its parts), and a detector for `score`, or why not. */
interface Exportable {
  model?: AutoencoderModel;
  detector?: AnomalyDetector;
  /** A run's scaler.json, applied before the detector in score.onnx. */
  prescale?: ScalerJSON;
  /** Why there is no `score` part. */
  noScore?: string;
}

function openExportable(path: string): Exportable {
  if (existsSync(join(path, 'detector.json'))) {
    if (isEnsembleDir(path)) return { detector: AnomalyDetector.load(path) };
    const saved = readDetectorDir(path);
    if (saved.extra?.timeSeries) return { model: saved.model, noScore: `${path} holds a series detector: ${SERIES_REFUSAL}` };
    const { detector } = AnomalyDetector.fromSaved(saved);
    return { model: detector.model, detector };
  }
  const run = openRun(path);
  if (run.config?.data.window !== undefined) return { model: run.model, noScore: `${path} is a series run: ${SERIES_REFUSAL}` };
  if (!run.config) return { model: run.model, noScore: `${path} is a bare checkpoint, without a detector; export a saved detector's folder (aekit detect ... --save dir) instead` };
  const detector = loadRunDetector(run.dir);
  if (!detector) return { model: run.model, noScore: `${path} has no detector fitted on its current checkpoint: run \`aekit detect ${path}\` first (it fits and saves the run's detector), then export again` };
  return { model: run.model, detector, ...(run.scaler ? { prescale: run.scaler } : {}) };
}

/**
 * Exports the asked parts (default: every part, and `score` when there is a
 * detector) into a folder, or one part to a .onnx file; returns the files written.
 */
export function runExportCommand(path: string, flags: ExportFlags, io: Io = defaultIo()): string[] {
  const source = openExportable(path);
  const shapes = source.model?.parts() ?? {};
  const available = [...Object.keys(shapes), ...(source.detector ? [SCORE_PART] : [])];
  const parts = flags.part?.length ? flags.part : available;
  for (const p of parts) {
    if (p === SCORE_PART && !source.detector) throw new UsageError(`--part score: ${source.noScore}`);
    if (!available.includes(p)) throw new UsageError(`--part ${p}: ${source.model ? 'this model has' : 'this detector has'} parts ${available.join(', ')}`);
  }
  let files: string[];
  if (flags.out.toLowerCase().endsWith('.onnx')) {
    if (parts.length !== 1) throw new UsageError(`--out ${flags.out} is one file: name one --part (${available.join(', ')}), or give a folder`);
    files = [flags.out];
  } else {
    makeDirs(flags.out);
    files = parts.map((p) => join(flags.out, `${p}.onnx`));
  }
  for (const [i, p] of parts.entries()) {
    if (p === SCORE_PART) {
      const det = source.detector!;
      det.exportOnnx(files[i]!, source.prescale ? { prescale: source.prescale } : {});
      const what = det.tabularEnsemble ? 'the table ensemble' : `'${det.scoreKind}'`;
      io.log(`${files[i]}: score, input ${SCORE_INPUT} [N, ${det.sampleShape.join(', ')}] (raw, unscaled), outputs ${SCORE_OUTPUT} [N] (${what}) and ${FLAG_OUTPUT} [N] (score > ${det.threshold})`);
    } else {
      source.model!.exportOnnx(files[i]!, p);
      io.log(`${files[i]}: ${p}, input x [N, ${shapes[p]!.inputShape.join(', ')}]`);
    }
  }
  if (!flags.part?.length && source.noScore && source.model) io.log(`no score.onnx: ${source.noScore}`);
  return files;
}

export function exportCommand(io?: Io): Command {
  return new Command('export')
    .description('write standalone ONNX models with the weights baked in: model, encoder, decoder, errors, and score (raw samples in, the detector\'s score and flag out) when there is a detector')
    .argument('<run>', `${RUN_ARGUMENT_HELP}, or a saved detector's folder`)
    .requiredOption('--out <path>', 'a folder (one <part>.onnx per part) or a .onnx file (one --part)')
    .option('--part <name...>', 'parts to export (default: all, score.onnx included when the run has a detector)')
    .addHelpText('after', examplesHelp(
      'aekit export runs/conv-mnist-1 --out exported/',
      'aekit export runs/conv-mnist-1 --part encoder --out encoder.onnx',
      'aekit export runs/table-1 --part score --out score.onnx      # the run\'s detector (aekit detect fits it)',
      'aekit export fraud-detector --out score.onnx --part score    # a saved detector (aekit detect --save)',
    ))
    .action((path: string, flags: ExportFlags) => {
      runExportCommand(path, flags, io);
    });
}
