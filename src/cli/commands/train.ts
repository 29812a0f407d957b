/**
 * `aekit train`: trains any model of the family on any data the CLI reads,
 * into a run folder (see run-folder.ts), and reports test metrics next to PCA
 * with the same code size.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, atConfigPath } from '../../config/validate.js';
import { type Dataset, shapeSize } from '../../data/types.js';
import { reconstructionMetrics, type ReconstructionMetrics } from '../../eval/reconstruction.js';
import { AutoencoderModel } from '../../models/base.js';
import { modelFromConfig } from '../../models/index.js';
import { PCA } from '../../models/pca.js';
import { formatCount } from '../../models/summary.js';
import { OPTIMIZER_NAMES } from '../../optim/names.js';
import { optimizerFromConfig, type OptimizerConfig } from '../../optim/optimizers.js';
import { type ScheduleConfig } from '../../optim/schedules.js';
import { type EarlyStopping } from '../../train/loop.js';
import { type TrainingCallback } from '../../train/callbacks.js';
import { type FitResult } from '../../train/trainer.js';
import { type SessionOptions } from '../../onnx/runtime.js';
import { UsageError } from '../../runs/errors.js';
import { type ArgParser, dbRange, floatIn, intIn, listOfInts, nonEmptyPath } from '../args.js';
import { checkOutputFolder } from '../../runs/output-folder.js';
import { MODEL_PRESETS, PRESET_HELP, presetConfig } from '../../runs/presets.js';
import { progressView, formatDuration } from '../progress.js';
import { type RunConfig, type RunOverrides, SCALE_KINDS, applyOverrides, isPreset, readRunConfig, scaleKindOf } from '../../runs/run-config.js';
import { type RunData, loadRunData } from '../../runs/run-data.js';
import { type KindDefaults, defaultsLine, kindDefaults } from '../../runs/data-kinds.js';
import { baselineWarning, codeWarnings } from '../../runs/run-warnings.js';
import { RunFolder, readRunInfo } from '../../runs/run-folder.js';
import { type Io, defaultIo } from '../io.js';
import { writeRunFigures } from '../figures.js';
import { type SeriesRunFigure, seriesRunFigure } from '../series-detect.js';
import { writeRunReport } from '../run-report.js';
import { TensorBoardWriter } from '../../viz/index.js';
import { liveProbe, liveReconstructionsPng } from '../live-reconstructions.js';
import { ProgressFile } from '../../runs/progress-file.js';
import { asSentenceModel, textTestMetrics } from '../../runs/text-run.js';
import { writeRunAudio } from '../../runs/run-audio.js';
import { isSpeechDenoiserConfig, speechRunConfig, trainSpeechDenoiserRun } from '../speech-denoiser.js';

/** Flags of `aekit train` after parsing. */
export interface TrainFlags extends RunOverrides {
  config?: string;
  runs: string;
  /** The run folder itself (instead of --runs/<name>). */
  out?: string;
  resume?: string;
  printConfig?: boolean;
  figures?: boolean;
}

/** What `aekit train` produced, for tests and `aekit demo`. */
export interface TrainOutcome {
  run: RunFolder;
  model: AutoencoderModel;
  data: RunData;
  config: RunConfig;
  result: FitResult;
  test?: { samples: number; model: ReconstructionMetrics; pca?: ReconstructionMetrics & { k: number } };
  seconds: number;
  /** What looks wrong with the trained code (dead units, a code not smaller than the input); also in run.json. */
  warnings: string[];
}

/** What a caller inside aekit adds to a training run (`aekit tune` watches each epoch this way). */
export interface TrainHooks {
  /** Callbacks after the config's own (schedule, early stopping); a callback's `stopTraining` ends the run as early stopping does. */
  callbacks?: TrainingCallback[];
  /** false: no PCA baseline in the test metrics (an O(d³) fit per run that a tuning trial does not need). Default true. */
  baseline?: boolean;
}

/** Session options of a run's training config. */
function sessionOf(t: RunConfig['training']): SessionOptions {
  return { ...(t.threads ? { threads: t.threads } : {}), ...(t.device ? { device: t.device } : {}) };
}

/**
 * The model config a run trains: a preset built for the data, or the config's own (checked against the data).
 * @param file the config file, for messages (`run.yaml.model.inputShape: …`).
 */
export function resolveModelConfig(config: RunConfig, data: RunData, file = 'config'): Record<string, unknown> {
  if (isPreset(config.model)) {
    const preset = { ...config.preset };
    // BCE needs targets in [0, 1]; data outside it (a z-scored table) trains with MSE instead.
    if (!data.unitRange && preset.loss === undefined) preset.loss = 'mse';
    const resolved = presetConfig(config.model, data.sampleShape, preset, { ...kindDefaults(data.kind, data.sampleShape, data.unitRange), ...textDefaults(config, data) });
    if (!data.unitRange && resolved.loss === 'bce') {
      throw new ConfigError('--loss', `bce needs data in [0, 1]; ${data.name} has values outside it: use --loss mse or --scale minmax`);
    }
    return resolved;
  }
  const model = { ...config.model };
  const shape = model.inputShape;
  if (shape === undefined) model.inputShape = data.sampleShape;
  else if (!Array.isArray(shape) || shape.join() !== data.sampleShape.join()) {
    throw new ConfigError(`${file}.model.inputShape`, `is ${JSON.stringify(shape)}, but the data's samples have shape [${data.sampleShape.join(', ')}] (set data.shape to reshape them)`);
  }
  return model;
}

/**
 * A text run's vocabulary, and the KL annealing of its VAE: the weight reaches
 * 1 halfway through the run's steps, so the second half trains the full ELBO.
 */
function textDefaults(config: RunConfig, data: RunData): Partial<KindDefaults> {
  if (!data.text) return {};
  const t = config.training;
  const steps = Math.ceil((data.train.shape[0]! * (1 - (config.data.validationSplit ?? 0))) / t.batchSize) * t.epochs;
  return { vocabulary: data.text.vocabulary, klAnnealSteps: Math.max(1, Math.round(steps / 2)) };
}

const flat = (ds: Dataset) => ({ x: ds.x, shape: [ds.shape[0]!, shapeSize(ds.shape.slice(1))] });

/** Test metrics of the model, and of PCA with as many components as the code has values (when affordable). */
async function testMetrics(model: AutoencoderModel, data: RunData, log: (l: string) => void, baseline = true): Promise<TrainOutcome['test']> {
  const test = data.test;
  if (!test) return undefined;
  const rec = await model.reconstruct(test.x);
  const metrics = reconstructionMetrics(test.x, rec);
  const k = shapeSize(model.latentShape);
  const d = shapeSize(data.sampleShape);
  let pca: (ReconstructionMetrics & { k: number }) | undefined;
  // PCA's eigendecomposition is O(d³): skip it for wide inputs, and where the code is not smaller than the input.
  if (baseline && k < d && d <= 4096 && data.train.shape[0]! > k) {
    const fitted = PCA.fit(flat(data.train), { components: k });
    pca = { k, ...reconstructionMetrics(test.x, fitted.reconstruct(flat(test))) };
  } else if (baseline) {
    log(`(PCA baseline skipped: code ${k} values, input ${d} values)`);
  }
  return { samples: test.shape[0]!, model: metrics, ...(pca ? { pca } : {}) };
}

/** What a resumed run's data must reuse: its scaler, and a text run's vocabulary and row length (kept in its model config). */
function savedOf(resumed: { config: RunConfig; scaler?: unknown }): Parameters<typeof loadRunData>[1] {
  const m = resumed.config.model;
  const text = !isPreset(m) && Array.isArray(m.vocabulary) && Array.isArray(m.inputShape) ? { vocabulary: m.vocabulary as string[], length: m.inputShape[0] as number } : undefined;
  return { ...(resumed.scaler ? { scaler: resumed.scaler as never } : {}), ...(text ? { text } : {}) };
}

/** Opens a run to resume (refused while another process trains it) and reads its config and saved scaler. */
function resumeConfig(dir: string, epochs: number | undefined): { run: RunFolder; config: RunConfig; scaler?: unknown } {
  const run = RunFolder.open(dir);
  const file = join(dir, 'config.json');
  if (!existsSync(file)) throw new ConfigError('--resume', `${dir} has no config.json; was it written by aekit train?`);
  const config = readRunConfig(file);
  if (epochs !== undefined) config.training.epochs = epochs;
  const scalerFile = join(dir, 'scaler.json');
  return { run, config, ...(existsSync(scalerFile) ? { scaler: JSON.parse(readFileSync(scalerFile, 'utf8')) } : {}) };
}

/**
 * Runs `aekit train`. Ctrl-C (SIGINT) stops after the current step, saves a
 * checkpoint that `--resume` continues exactly (mid-epoch included) and marks
 * the run 'stopped'; a second Ctrl-C exits at once (every write is atomic, so
 * the last checkpoint stays whole).
 */
export async function runTrainCommand(flags: TrainFlags, io: Io = defaultIo(), hooks: TrainHooks = {}): Promise<TrainOutcome | undefined> {
  const started = performance.now();
  const { log } = io;
  if (flags.resume && (flags.config || flags.model || flags.data || flags.out)) throw new UsageError('--resume continues a run with its own config and folder; --config, --model, --data and --out cannot change it (only --epochs)');
  if (flags.out !== undefined && flags.name !== undefined) throw new UsageError('--out names the run folder itself; drop --name (or use --runs with --name)');
  // A bad output path fails now, not after training (and a config rejected next leaves no folder behind).
  if (flags.out !== undefined) checkOutputFolder(flags.out, '--out');
  const resumed = flags.resume ? resumeConfig(flags.resume, flags.epochs) : undefined;
  const config = resumed?.config ?? applyOverrides(flags.config ? readRunConfig(flags.config) : undefined, flags);
  // The speech denoiser trains on whole clips with noise drawn fresh each epoch: its own loop (speech-denoiser.ts).
  if (isSpeechDenoiserConfig(config)) {
    if (resumed) throw new UsageError(`${flags.resume} is a speech-denoiser run; --resume does not continue those yet (train a new run with more --epochs)`);
    if (flags.printConfig) {
      io.out(JSON.stringify(speechRunConfig(config), null, 2));
      return undefined;
    }
    await trainSpeechDenoiserRun(config, flags, io);
    return undefined;
  }
  const data = await loadRunData(config.data, resumed ? savedOf(resumed) : undefined, { unitRangeLoss: config.preset?.loss === 'bce' });
  const configFile = flags.config ?? (flags.resume ? join(flags.resume, 'config.json') : 'config');
  const modelConfig = resolveModelConfig(config, data, configFile);
  // The scaling the data kind chose is recorded, so later commands scale the same way.
  // An audio run records its sample rate, so the dashboard and later commands know it without reading the files.
  const dataConfig = { ...config.data, scale: data.scale, ...(data.sampleRate !== undefined ? { audio: { ...config.data.audio, sampleRate: data.sampleRate } } : {}) };
  const fullConfig: RunConfig = { ...config, data: dataConfig, model: modelConfig };
  if (flags.printConfig) {
    io.out(JSON.stringify(fullConfig, null, 2));
    return undefined;
  }
  const t = config.training;
  let model: AutoencoderModel;
  let run: RunFolder;
  if (resumed) {
    run = resumed.run;
    model = AutoencoderModel.load(run.path('checkpoint'), { session: sessionOf(t) });
    if (model.trainer.history.length >= t.epochs) throw new UsageError(`${flags.resume} has already trained ${model.trainer.history.length} epochs; pass --epochs N with N > ${model.trainer.history.length} to train more`);
    // Only now, with the checkpoint read and the model built, does run.json say this process trains it.
    run.setStatus('running', { epochsPlanned: t.epochs });
    log(`Resuming ${run.dir} at epoch ${model.trainer.history.length + 1} of ${t.epochs}`);
  } else {
    model = atConfigPath(`${configFile}.model`, () => modelFromConfig(modelConfig));
    // Compiled before the run folder exists: a model or device that cannot work leaves no folder behind.
    model.compile({
      optimizer: optimizerFromConfig(t.optimizer as OptimizerConfig), seed: t.seed,
      ...(t.discriminatorOptimizer ? { discriminatorOptimizer: optimizerFromConfig(t.discriminatorOptimizer as OptimizerConfig) } : {}),
      ...(t.clipNorm ? { clipNorm: t.clipNorm } : {}), session: sessionOf(t),
    });
    if (t.discriminatorOptimizer && !model.trainer.discriminatorOptimizer) {
      throw new ConfigError(`${configFile}.training.discriminatorOptimizer`, `the ${model.className} has no discriminator to train (an AdversarialAutoencoder or a loss of type 'adversarial' has one)`);
    }
    // A sentence model starts at the unigram model of the training ids (docs/text.md: it matters on a small budget).
    asSentenceModel(model)?.initOutputBias(data.train.x);
    const base = `${isPreset(config.model) ? config.model : model.className.replace(/Autoencoder$/, '').toLowerCase() || 'model'}-${data.name}`;
    run = flags.out !== undefined ? RunFolder.createAt(flags.out, t.epochs) : RunFolder.create(flags.runs, config.name, base, t.epochs);
    run.write('config.json', fullConfig);
    if (data.scaler) run.write('scaler.json', data.scaler.toJSON());
  }
  const n = data.train.shape[0]!;
  log(`aekit train → ${run.dir}`);
  log(`  model ${model.className} · input [${model.inputShape.join(', ')}] · code [${model.latentShape.join(', ')}] · ${formatCount(model.countParams())} parameters · loss ${asSentenceModel(model) ? 'token cross-entropy' : model.loss}`);
  log(`  ${defaultsLine(data, model.loss, modelConfig.outputActivation, shapeSize(model.latentShape))}`);
  log(`  data ${data.name}: ${data.trainStream ? 'streamed from the file (too large to load)' : `${n} training samples`}${data.test ? `, ${data.test.shape[0]} test${data.testFrom === 'held-out' ? ' (held out of the file, seeded)' : data.testFrom === 'series-end' ? ` (the windows of the last ${data.series!.shape[0] - data.series!.trainSteps} steps)` : ''}` : ''}${config.data.validationSplit ? `, ${Math.round(config.data.validationSplit * 100)}% held out for validation` : ''}${data.scaler ? ` · scaled (${data.scale}, fitted on the training samples)` : ''}`);
  log(`  ${t.epochs} epochs · batch ${t.batchSize} · ${t.optimizer.name} lr ${String(t.optimizer.learningRate ?? 'default')}${t.schedule ? ` · ${String(t.schedule.type)} schedule` : ''} · seed ${t.seed} · device ${model.trainer.artifacts.device}${t.device === 'auto' ? ' (auto)' : ''}`);

  // Ctrl-C: the first stops gracefully, the second exits at once.
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts === 1) {
      view.stop();
      log('Stopping after this step (Ctrl-C again to quit at once; the last checkpoint stays intact)...');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  const view = progressView(t.epochs, log, io.tty);
  const board = TensorBoardWriter.open(run.path('tb'));
  // Step-level progress for `aekit dashboard` (metrics.jsonl only grows once per epoch).
  const live = new ProgressFile(run.path('progress.json'), t.epochs, { batchSize: t.batchSize });
  // A fixed handful of samples, reconstructed after every epoch for the dashboard and TensorBoard's image tab.
  // Not with --no-figures: a PNG per epoch is a figure too, and costs seconds on a busy machine (aekit tune's trials).
  const probe = flags.figures === false ? undefined : liveProbe(data);
  const pending: Promise<void>[] = [];
  let result: FitResult;
  const epochsBefore = model.trainer.history.length;
  try {
    result = await model.fit(data.trainStream ?? data.train, {
      epochs: t.epochs, batchSize: t.batchSize, seed: t.seed,
      ...(config.data.validationSplit ? { validationSplit: config.data.validationSplit } : {}),
      ...(t.schedule ? { schedule: t.schedule as unknown as ScheduleConfig } : {}),
      ...(t.earlyStopping ? { earlyStopping: t.earlyStopping as EarlyStopping } : {}),
      ...(hooks.callbacks?.length ? { callbacks: hooks.callbacks } : {}),
      checkpointDir: run.path('checkpoint'),
      signal: controller.signal,
      snapshotWeights: true,
      onProgress: (e) => {
        view.onEvent(e);
        if (e.type === 'batch') {
          live.onStep(e);
          // Every step's loss, not just the throttled event's last one.
          board.addScalarSeries('batch/loss', e.losses, e.step);
          return;
        }
        run.addEpoch({ epoch: e.epoch, ...e.metrics, lr: e.lr, seconds: e.seconds });
        board.addScalars({ ...Object.fromEntries(Object.entries(e.metrics).map(([k, v]) => [`epoch/${k}`, v])), 'epoch/lr': e.lr }, e.epoch);
        if (e.tensors) {
          // Weight histograms: one per parameter tensor, cheap next to an epoch of training.
          for (const name of model.trainer.paramNames) {
            const t = e.tensors[name];
            if (t && t.data.length > 1) board.addHistogram(`weights/${name}`, t.data as Float32Array, e.epoch);
          }
        }
        if (probe && e.tensors) {
          const weights = e.tensors;
          pending.push(model.trainer.predict(probe.x, { part: 'model', tensors: weights }).then(async (out) => {
            const png = await liveReconstructionsPng(probe, out.reconstruction!.data as Float32Array, data, e.epoch);
            board.addImage('reconstructions', png, e.epoch);
            run.write('live/reconstructions.png', png); // the dashboard's live view
          }));
        }
        board.flush();
        live.flush();
      },
    });
    await Promise.all(pending);
  } catch (e) {
    view.stop();
    run.setStatus('failed', { message: (e as Error).message });
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    view.stop();
    await Promise.allSettled(pending);
    board.close();
    live.flush();
  }
  const trainedEpochs = model.trainer.history.length;
  if (result.stopReason === 'stopped by request') {
    // The checkpoint records where in the epoch training stopped, so --resume finishes it exactly.
    model.save(run.path('checkpoint'));
    run.setStatus('stopped', { message: `stopped by Ctrl-C during epoch ${trainedEpochs + 1}` });
    log(`Stopped during epoch ${trainedEpochs + 1}; checkpoint saved (${trainedEpochs - epochsBefore} epoch${trainedEpochs - epochsBefore === 1 ? '' : 's'} finished in this run). Continue with: aekit train --resume ${run.dir}`);
    return { run, model, data, config: fullConfig, result, seconds: (performance.now() - started) / 1000, warnings: [] };
  }
  if (result.stopReason) log(`Training ended early: ${result.stopReason}`);
  // Early stopping may have restored the best weights: the final save holds what the model now is.
  live.setPhase('saving the model');
  model.save(run.path('checkpoint'));
  // A U-Net's decoder needs its encoder's skips, so it has no 'decoder' part to export.
  const exportedParts = ['model', 'encoder', 'decoder'].filter((p) => p in model.parts());
  for (const part of exportedParts) model.exportOnnx(run.path(`${part}.onnx`), part);
  if (data.test) live.setPhase('evaluating the test set');
  const sentenceModel = asSentenceModel(model);
  // Token ids have no MSE or PCA worth reporting: a text run reports how many test tokens its greedy decoding gets back.
  const test = sentenceModel ? undefined : await testMetrics(model, data, log, hooks.baseline);
  const textTest = sentenceModel && data.test ? await textTestMetrics(sentenceModel, data.test) : undefined;
  const seconds = (performance.now() - started) / 1000;
  run.write('results.json', { epochs: trainedEpochs, stopReason: result.stopReason ?? null, trainSeconds: seconds, final: run.epochs.at(-1) ?? null, test: test ?? textTest ?? null });
  if (flags.figures !== false) live.setPhase('drawing figures');
  const figures = flags.figures === false ? [] : await writeRunFigures(run, model, data, log);
  let series: SeriesRunFigure | undefined;
  if (data.series && flags.figures !== false) {
    // A series run: its detector (saved as detector/) scores the whole series: figures/anomalies.png.
    live.setPhase('scoring the series');
    series = await seriesRunFigure({ dir: run.dir, model, config: fullConfig, ...(data.scaler ? { scaler: data.scaler.toJSON() } : {}) });
    run.write('figures/anomalies.png', series.png);
    figures.push('anomalies.png');
    log(`Anomalies: ${series.flagged} of ${series.steps} steps flagged in ${series.ranges.length} range${series.ranges.length === 1 ? '' : 's'} by the run's detector (figures/anomalies.png; list them with aekit detect ${run.dir})`);
  }
  if (data.kind === 'audio' && flags.figures !== false) {
    // A few clips and their reconstructions as WAV, for the dashboard to play (audio/clips.json).
    const set = data.test ?? data.train;
    const k = Math.min(3, set.shape[0]!);
    const len = shapeSize(data.sampleShape);
    const rec = await model.reconstruct(set.x.subarray(0, k * len));
    const split = data.test ? 'test' : 'training';
    writeRunAudio(run, Array.from({ length: k }, (_, i) => ({
      name: `${split} clip ${i + 1}`,
      versions: [{ label: 'input', samples: set.x.slice(i * len, (i + 1) * len) }, { label: 'reconstruction', samples: rec.slice(i * len, (i + 1) * len) }],
    })), data.sampleRate!);
  }
  const warnings = [...await codeWarnings(model, data, { denoises: modelConfig.noise !== undefined }), ...baselineWarning(test, t.epochs)];
  for (const w of warnings) log(`Warning: ${w}`);
  // Tables and series get a report.html with their anomalies, text runs one with decoded sentences (images: the demo's report).
  let report = false;
  if (flags.figures !== false && (data.kind === 'table' || data.kind === 'series' || data.kind === 'text')) {
    live.setPhase('writing the report');
    try {
      figures.push(...await writeRunReport({ run, model, data, config: fullConfig, seconds, epochs: trainedEpochs, ...(test ? { test } : {}), ...(textTest ? { textTest } : {}), warnings, ...(series ? { series } : {}) }, log));
      report = true;
    } catch (e) {
      // A report that cannot be written must not lose the trained run: say so and go on.
      log(`(report: ${(e as Error).message})`);
    }
  }
  run.setStatus(result.stopReason?.startsWith('non-finite') ? 'failed' : 'finished', { epochsDone: trainedEpochs, ...(result.stopReason ? { message: result.stopReason } : {}), ...(warnings.length ? { warnings } : {}) });
  if (textTest) {
    log('');
    log(`Test set, ${textTest.samples} sentences: greedy token accuracy ${(100 * textTest.tokenAccuracy).toFixed(1)} % (free-running decoding of each code, <eos> included)`);
  }
  if (test) {
    const row = (name: string, m: ReconstructionMetrics) => `  ${name.padEnd(30)} ${m.mse.toFixed(5).padStart(9)} ${m.bce.toFixed(4).padStart(8)} ${m.psnr.toFixed(2).padStart(8)}`;
    log('');
    log(`Test set, ${test.samples} samples, per value:     ${'MSE'.padStart(9)} ${'BCE'.padStart(8)} ${'PSNR dB'.padStart(8)}`);
    log(row(`${model.className} (code ${shapeSize(model.latentShape)})`, test.model));
    if (test.pca) log(row(`PCA k=${test.pca.k} (same code size)`, test.pca));
  }
  log('');
  log(`Done in ${formatDuration(seconds)}. Run folder ${run.dir}: checkpoint/, ${exportedParts.map((p) => `${p}.onnx`).join(', ')}, metrics.csv, results.json, tb/${figures.length ? `, figures/ (${figures.join(', ')})` : ''}${report ? ', report.html' : ''}`);
  log(sentenceModel
    ? `Next: aekit encode ${run.dir} --data ${config.data.source} --out codes.csv${sentenceModel.variational ? ` · aekit generate ${run.dir} --n 10` : ''}`
    : `Next: aekit eval ${run.dir} · aekit encode ${run.dir} --out codes.csv · tensorboard --logdir ${flags.runs ?? 'runs'}`);
  return { run, model, data, config: fullConfig, result, ...(test ? { test } : {}), seconds, warnings };
}

/** `--scale`: a scale kind, with the old name 'standard' read as 'zscore'. */
function scaleFlag(value: string): string {
  const kind = scaleKindOf(value);
  if (!kind) throw new InvalidArgumentError(`--scale must be one of ${SCALE_KINDS.join(', ')}, got '${value}'.`);
  return kind;
}

/** The `aekit train` command. */
export function trainCommand(io?: Io): Command {
  const parsers: Record<string, ArgParser> = {
    epochs: intIn('--epochs', 1), batchSize: intIn('--batch-size', 1), seed: intIn('--seed', 0, 2 ** 31 - 1),
    samples: intIn('--samples', 1), maxTokens: intIn('--max-tokens', 1), vocabularySize: intIn('--vocabulary-size', 5), window: intIn('--window', 2), sampleRate: intIn('--sample-rate', 1), audioLength: intIn('--audio-length', 1), testSamples: intIn('--test-samples', 1), threads: intIn('--threads', 1, 1024), latent: intIn('--latent', 1),
    lr: floatIn('--lr', 0, 10), validationSplit: floatIn('--validation-split', 0, 1), testSplit: (v: string) => (v.trim() !== '' && Number(v) === 0 ? 0 : floatIn('--test-split', 0, 1)(v)), noise: floatIn('--noise', 0, 100),
  };
  return new Command('train')
    .description('train an autoencoder into a run folder: checkpoint, metrics, ONNX models, figures')
    .option('--config <file>', 'run config (JSON or YAML): name, model, data, training; flags override its fields')
    .addOption(new Option('--model <name>', `model preset: ${MODEL_PRESETS.join(', ')} (described under Models below; a full model config goes in --config)`))
    .option('--data <source>', 'mnist | fashion-mnist | a .csv/.npy/.npz/.idx/.json file | a folder of PNG/JPEG images | a folder of .wav files | a .txt file of sentences, one per line (default mnist)')
    .option('--test-data <source>', 'a separate test set (built-in sets use their test split)')
    .option('--label-column <column>', 'CSV: the label column (name or 0-based index), excluded from the features')
    .option('--scale <kind>', `scaling fitted on the training samples: ${SCALE_KINDS.join(', ')} ('standard' is read as zscore)`, scaleFlag)
    .option('--shape <dims>', 'reshape each sample, e.g. 1,28,28 or 28,28', listOfInts('--shape'))
    .option('--samples <n>', 'use the first n training samples', parsers.samples)
    .option('--stream', 'read a CSV/NPY training file batch by batch (automatic above 256 MiB)')
    .option('--window <n>', 'a time series: the CSV\'s rows are steps (timestamp column optional, numeric channels), cut into windows of n steps; the last --test-split of the steps is the test part (default model conv1d, see docs/anomaly.md)', parsers.window)
    .option('--label-pattern <regex>', 'a .wav folder: a regular expression on the file names whose named groups are label fields, the first one the labels, e.g. \'^(?<digit>\\d+)_(?<speaker>[a-z]+)_\'')
    .option('--sample-rate <hz>', 'a .wav folder: resample every file to this rate (default: the first file\'s; other rates are an error)', parsers.sampleRate)
    .option('--audio-length <n>', 'a .wav folder: crop or zero-pad every clip to n samples (default: the longest clip)', parsers.audioLength)
    .option('--max-tokens <n>', 'a .txt file of sentences: the length cap in words (longer training sentences are dropped; default 20)', parsers.maxTokens)
    .option('--vocabulary-size <n>', 'a .txt file of sentences: the most token ids, the 4 special tokens included, built from the training sentences (default 5000)', parsers.vocabularySize)
    .option('--test-samples <n>', 'use the first n test samples', parsers.testSamples)
    .option('--validation-split <f>', 'hold out this fraction of the training samples for validation', parsers.validationSplit)
    .option('--test-split <f>', 'a file without --test-data: the fraction held out as the test set (seeded; default 0.2, 0 for none)', parsers.testSplit)
    .option('--epochs <n>', 'epochs (with --resume: the total to reach)', parsers.epochs)
    .option('--batch-size <n>', 'batch size', parsers.batchSize)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZER_NAMES))
    .option('--lr <rate>', 'learning rate', parsers.lr)
    .addOption(new Option('--schedule <name>', 'learning-rate schedule (others via --config)').choices(['constant', 'cosine', 'plateau']))
    .option('--seed <n>', 'seed of initialization, shuffling and noise', parsers.seed)
    .option('--latent <n>', 'code size of a preset model', parsers.latent)
    .addOption(new Option('--loss <loss>', 'reconstruction loss of a preset model').choices(['mse', 'bce', 'mae']))
    .option('--noise <std>', 'Gaussian corruption of the denoising presets', parsers.noise)
    .option('--noise-snr <db>', 'speech-denoiser: input SNR of its training mixtures in dB, a range lo,hi drawn uniformly or one value (default -2.5,12.5)', dbRange('--noise-snr'))
    .addOption(new Option('--noise-type <kind>', 'speech-denoiser: the noise it trains on: white Gaussian noise, babble (six voices from other clips) or both (default)').choices(['white', 'babble', 'both']))
    .option('--threads <n>', 'ONNX Runtime threads per op (default: one per physical core)', parsers.threads)
    .addOption(new Option('--device <device>', "where to train: cpu, webgpu (a GPU through ONNX Runtime's WebGPU provider) or auto (WebGPU when an adapter exists)").choices(['cpu', 'webgpu', 'auto']))
    .option('--name <name>', 'run folder name (default: <model>-<data>-<n>)')
    .option('--runs <dir>', 'parent folder of run folders', 'runs')
    .option('--out <dir>', 'the run folder itself (new or empty), instead of --runs/<name>', nonEmptyPath('--out'))
    .option('--resume <run>', 'continue a run folder from its last checkpoint (with --epochs to train longer)')
    .option('--no-figures', 'skip the PNG figures, the live reconstructions of each epoch included (and, for a table, series or text run, report.html)')
    .option('--print-config', 'print the resolved config (the full model config included) and exit')
    .addHelpText('after', `
Models: ${Object.entries(PRESET_HELP).map(([k, v]) => `\n  ${k.padEnd(15)} ${v}`).join('')}

Examples:
  aekit train --model conv --data mnist --epochs 5
  aekit train --config run.yaml --epochs 20
  aekit train --model dense --data table.csv --label-column class --validation-split 0.1
  aekit train --data series.csv --window 64        (then: aekit detect <run> --png series.png)
  aekit train --data sentences.txt --model text-vae   (then: aekit generate <run> --n 10)
  aekit train --model speech-denoiser --data recordings/ --noise-snr 0,10   (then: aekit denoise <run> --data noisy/ --wav out/)
  aekit train --resume runs/conv-mnist-1 --epochs 10`)
    .action(async (flags: TrainFlags) => {
      await runTrainCommand(flags, io);
    });
}
