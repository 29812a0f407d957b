/**
 * `aekit tune --config search.yaml`: hyperparameter search over a run config
 * whose fields may be search spaces (src/tune/space.ts). Each trial is an
 * ordinary run folder trained by `aekit train`'s own code path
 * (runTrainCommand), under `<study>/trials/`; the study is its journal
 * (src/tune/journal.ts), so a killed tuner resumes with the same command and
 * re-runs only the unfinished trials. `--workers N` runs trials in N worker
 * processes; `--storage redis://…` shares one study between machines.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { writeFileAtomic } from '../../io/files.js';
import { UsageError } from '../../runs/errors.js';
import { readConfigFile } from '../../runs/run-config.js';
import { type TrainingCallback } from '../../train/callbacks.js';
import { FileStorage, type StudyState, type StudyStorage, type TrialInfo, studyState } from '../../tune/journal.js';
import { validationRocAuc } from '../../tune/objective.js';
import { RedisStorage } from '../../tune/redis-storage.js';
import { trialName, trialsTable, writeStudyReport } from '../../tune/report.js';
import { SAMPLERS, type SamplerName, type SearchConfig, parseSearchConfig, trialConfig } from '../../tune/space.js';
import { type Budget, type TrialFunction, TrialInterrupted, bestTrial, openStudy, runWorker } from '../../tune/study.js';
import { intIn, numberIn } from '../args.js';
import { type Io, defaultIo } from '../io.js';
import { runTrainCommand } from './train.js';

/** Flags of `aekit tune`. */
export interface TuneFlags {
  config?: string;
  study?: string;
  trials?: number;
  /** Seconds after which no new trial starts. */
  time?: number;
  sampler?: SamplerName;
  seed?: number;
  workers?: number;
  storage?: string;
  threads?: number;
  /** false: no figures or report.html in the trial run folders (the study's own are drawn). */
  figures?: boolean;
  /** Internal: this process is a worker spawned by a tuner, with the tuner's budget. */
  worker?: boolean;
  budget?: string;
}

/** What `aekit tune` leaves, for tests and benchmarks. */
export interface TuneOutcome {
  dir: string;
  search: SearchConfig;
  state: StudyState;
  best?: TrialInfo;
  /** Files of the study report, relative to `dir`. */
  files: string[];
}

/** The metric of the last epoch. */
function lastMetric(history: readonly Record<string, number>[], name: string): number {
  const last = history.at(-1);
  if (!last || last[name] === undefined) throw new Error(`the trainer reported no metric '${name}' (it reports: ${Object.keys(last ?? {}).join(', ') || 'nothing'}); set tune.objective to one of them, or rocAuc`);
  return last[name]!;
}

/**
 * The trial function of `aekit tune`: writes the trial's run config to
 * `<study>/configs/`, trains it with `aekit train`'s code into
 * `<study>/trials/trial-NNNN` (a re-run starts that folder over), reports
 * every epoch to the pruner, then measures the objective.
 */
export function trainTrial(studyDir: string, search: SearchConfig, options: { figures?: boolean; threads?: number } = {}): TrialFunction {
  return async (ctx) => {
    const name = trialName(ctx.number);
    const runDir = join(studyDir, 'trials', name);
    // Only a run folder (run.json) or an empty folder is started over: anything else there is not aekit's to delete.
    if (existsSync(runDir)) {
      if (!existsSync(join(runDir, 'run.json')) && readdirSync(runDir).length > 0) throw new UsageError(`${runDir} holds files that are not an aekit run; move them, or give the study another folder`);
      rmSync(runDir, { recursive: true, force: true });
    }
    const config = trialConfig(search, ctx.params);
    delete config.name;
    const configFile = join(studyDir, 'configs', `${name}.json`);
    writeFileAtomic(configFile, `${JSON.stringify(config, null, 2)}\n`);
    let pruned: string | undefined;
    const watch: TrainingCallback = {
      async onEpochEnd(epoch, metrics, context) {
        const why = await ctx.report(epoch, metrics);
        if (why && epoch < config.training.epochs) {
          pruned = why;
          context.stopTraining(why);
        }
      },
    };
    const lines: string[] = [];
    const quiet: Io = { log: (l) => lines.push(l), out: (l) => lines.push(l), tty: false };
    let outcome;
    try {
      outcome = (await runTrainCommand({
        config: configFile, out: runDir, runs: join(studyDir, 'trials'),
        ...(options.figures === false ? { figures: false } : {}), ...(options.threads ? { threads: options.threads } : {}),
      }, quiet, { callbacks: [watch], baseline: false }))!;
    } finally {
      writeFileAtomic(join(studyDir, 'logs', `${name}.log`), `${lines.join('\n')}\n`);
    }
    if (outcome.result.stopReason === 'stopped by request') throw new TrialInterrupted(`trial ${ctx.number} stopped by Ctrl-C`);
    const history = outcome.result.history;
    const objective = ctx.tune.objective;
    let value: number | undefined;
    try {
      if (!pruned) value = objective === 'rocAuc' ? await validationRocAuc(outcome.model, outcome.data.train, config.data.validationSplit!) : lastMetric(history, objective);
    } finally {
      await outcome.model.trainer.releaseSessions();
    }
    writeFileAtomic(join(runDir, 'tune.json'), `${JSON.stringify({ study: studyDir, trial: ctx.number, params: ctx.params, objective, ...(value !== undefined ? { value } : {}), ...(pruned ? { pruned } : {}) }, null, 2)}\n`);
    return { ...(value !== undefined ? { value } : {}), ...(pruned ? { pruned } : {}), epochs: history.length };
  };
}

/** The command line that starts this CLI again (compiled, or from source under tsx in development and tests). */
function selfCommand(): string[] {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const main = fileURLToPath(new URL(`../main.${fromSource ? 'ts' : 'js'}`, here));
  return [...(fromSource ? ['--import', import.meta.resolve('tsx')] : []), main];
}

/**
 * Spawns `n` worker processes on the study and waits for them. Ctrl-C reaches
 * them from the terminal (one process group); a tuner killed otherwise closes
 * their IPC channel, and they stop after their current trial.
 */
async function runWorkerProcesses(n: number, args: string[], log: (l: string) => void): Promise<void> {
  const children = Array.from({ length: n }, (_, i) => {
    const child = spawn(process.execPath, [...selfCommand(), 'tune', '--worker', ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const prefix = `[worker ${i + 1}] `;
    for (const s of [child.stdout!, child.stderr!]) {
      let rest = '';
      s.on('data', (c: Buffer) => {
        const parts = (rest + c.toString()).split('\n');
        rest = parts.pop()!;
        for (const p of parts) log(prefix + p);
      });
    }
    return new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)).once('error', (e) => {
      log(`${prefix}${e.message}`);
      resolve(1);
    }));
  });
  const codes = await Promise.all(children);
  const bad = codes.filter((c) => c !== 0);
  if (bad.length) log(`${bad.length} worker process${bad.length === 1 ? '' : 'es'} ended with an error (their unfinished trials are re-run on the next aekit tune of this study)`);
}

/** Runs `aekit tune` (see the module comment). */
export async function runTuneCommand(flags: TuneFlags, io: Io = defaultIo()): Promise<TuneOutcome | undefined> {
  const { log } = io;
  if (!flags.config && !flags.study && !flags.storage) throw new UsageError('give the search config (--config search.yaml), or --study <folder> of a study to resume');
  let given: SearchConfig | undefined;
  if (flags.config) {
    const raw = readConfigFile(flags.config) as Record<string, unknown>;
    given = parseSearchConfig(raw, flags.config);
    const t = given.tune;
    if (flags.trials !== undefined) t.trials = flags.trials;
    if (flags.time !== undefined) t.timeBudget = flags.time;
    if (flags.sampler !== undefined) t.sampler = flags.sampler;
    if (flags.seed !== undefined) t.seed = flags.seed;
  }
  const dir = flags.study ?? join('runs', `tune-${basename(flags.config ?? 'study', extname(flags.config ?? ''))}`);
  if (!given && !flags.storage && !existsSync(join(dir, 'journal.jsonl'))) throw new UsageError(`${dir} holds no study (no journal.jsonl): give the search config with --config to start one`);
  const storage: StudyStorage = flags.storage ? await RedisStorage.open(flags.storage) : new FileStorage(dir);
  try {
    const search = await openStudy(storage, given);
    if (!given) {
      if (flags.trials !== undefined) search.tune.trials = flags.trials;
      if (flags.time !== undefined) search.tune.timeBudget = flags.time;
    }
    const budget: Budget = flags.budget ? JSON.parse(flags.budget) as Budget : {
      ...(search.tune.trials !== undefined ? { trials: search.tune.trials } : {}),
      ...(search.tune.timeBudget !== undefined ? { deadline: Date.now() + 1000 * search.tune.timeBudget } : {}),
    };
    const workers = flags.worker ? 1 : flags.workers ?? 1;
    const threads = flags.threads ?? (workers > 1 ? Math.max(1, Math.floor(availableParallelism() / workers)) : undefined);
    const controller = new AbortController();
    const onSigint = () => {
      log('Claiming no new trial; the running ones stop after their current step and are re-run when the study is resumed (Ctrl-C again to quit at once).');
      controller.abort();
    };
    if (flags.worker) {
      // The tuner died: finish this trial, claim no more; its closed pipes must not kill this process mid-trial.
      if (process.send) process.once('disconnect', () => controller.abort());
      for (const s of [process.stdout, process.stderr]) s.on('error', () => undefined);
    }
    process.once('SIGINT', onSigint);
    try {
      if (!flags.worker) {
        log(`aekit tune → ${dir}${flags.storage ? ` (journal ${storage.where})` : ''}`);
        log(`  ${search.params.length} parameters: ${search.params.map((p) => p.name).join(', ')}`);
        log(`  objective ${search.tune.objective} (${search.tune.direction}) · sampler ${search.tune.sampler} (seed ${search.tune.seed}) · pruner ${search.tune.pruner} · budget ${[budget.trials !== undefined ? `${budget.trials} trials` : '', search.tune.timeBudget !== undefined ? `${search.tune.timeBudget} s` : ''].filter(Boolean).join(' and ')} · ${workers} worker${workers === 1 ? '' : 's'}`);
      }
      if (workers > 1) {
        const args = ['--study', dir, '--budget', JSON.stringify(budget), ...(flags.storage ? ['--storage', flags.storage] : []), ...(threads ? ['--threads', String(threads)] : []), ...(flags.figures === false ? ['--no-figures'] : [])];
        await runWorkerProcesses(workers, args, log);
      } else {
        await runWorker({ storage, search, budget, trial: trainTrial(dir, search, { ...(flags.figures === false ? { figures: false } : {}), ...(threads ? { threads } : {}) }), signal: controller.signal, log });
      }
    } finally {
      process.off('SIGINT', onSigint);
    }
    if (flags.worker) {
      process.disconnect?.();
      return undefined;
    }
    const state = studyState(await storage.read());
    const files = await writeStudyReport(dir, state, search);
    const best = bestTrial(state, search.tune);
    log('');
    for (const line of trialsTable(state, search)) io.out(line);
    log('');
    const open = [...state.trials.values()].filter((t) => !t.done).length;
    if (open) log(`${open} trial${open === 1 ? '' : 's'} unfinished: run the same command again to finish the study.`);
    if (best) log(`Best: trial ${best.number} (${join(dir, 'trials', trialName(best.number))}), ${search.tune.objective} ${best.done!.value!.toPrecision(5)}. Train it again with: aekit train --config ${join(dir, 'best-config.json')}`);
    else log('No trial completed.');
    log(`Study report: ${join(dir, 'report.html')} (${files.join(', ')})`);
    if (!flags.storage) log(`In the dashboard: aekit dashboard --runs ${dirname(resolve(dir)) === resolve('.') ? '.' : dirname(dir)} (Studies tab)`);
    return { dir, search, state, ...(best ? { best } : {}), files };
  } finally {
    await storage.close();
  }
}

/** The `aekit tune` command. */
export function tuneCommand(io?: Io): Command {
  const workers = intIn('--workers', 1, 256);
  return new Command('tune')
    .description('hyperparameter search: trials are run folders, the study a journal that survives a kill; parallel with --workers or across machines with --storage redis://')
    .option('--config <file>', 'search config (JSON or YAML): a run config whose fields may be { uniform: [a, b] }, { logUniform: [a, b] }, { int: [a, b] } or { choice: [...] }, and a tune: section (objective, direction, trials, timeBudget, sampler, seed, pruner, enqueue, enqueueDefault); a space may carry default: <value>')
    .option('--study <dir>', 'the study folder: journal, trials/, report (default runs/tune-<config name>); the same folder resumes the study')
    .option('--trials <n>', 'trials in the study (overrides tune.trials)', intIn('--trials', 1))
    .option('--time <seconds>', 'start no new trial after this many seconds (overrides tune.timeBudget)', numberIn('--time', 0, Number.MAX_SAFE_INTEGER))
    .addOption(new Option('--sampler <name>', 'overrides tune.sampler').choices(SAMPLERS))
    .option('--seed <n>', 'seed of the sampler (overrides tune.seed)', intIn('--seed', 0, 2 ** 31 - 1))
    .option('--workers <n>', 'trials at once, each in a worker process of its own (default 1: in this process)', workers)
    .option('--storage <url>', 'keep the journal in Redis, redis://host:6379/<study>, so tuners on several machines share the study', (v: string) => {
      if (!/^rediss?:\/\//.test(v)) throw new InvalidArgumentError(`expected redis://host:6379/<study>, got '${v}'`);
      return v;
    })
    .option('--threads <n>', 'ONNX Runtime threads per trial (default: one per physical core, divided among --workers)', intIn('--threads', 1, 1024))
    .option('--no-figures', "skip each trial's figures and report (the study's own figures are drawn)")
    .addOption(new Option('--worker').hideHelp())
    .addOption(new Option('--budget <json>').hideHelp())
    .addHelpText('after', `
Examples:
  aekit tune --config search.yaml --trials 30
  aekit tune --config search.yaml --workers 2 --study runs/tune-table
  aekit tune --study runs/tune-table                    (resume a killed study)
  aekit tune --config search.yaml --storage redis://host:6379/my-study --study runs/my-study   (on each machine)

A search config (docs/tuning.md):
  model: dense
  preset: { latent: { int: [2, 32], log: true } }
  data: { source: table.csv, labelColumn: label, validationSplit: 0.2 }
  training: { epochs: 10, optimizer: { name: adam, learningRate: { logUniform: [1.0e-4, 1.0e-2], default: 2.0e-3 } } }
  tune: { objective: rocAuc, trials: 30, sampler: tpe, enqueue: [{ training.optimizer.learningRate: 1.0e-3 }] }`)
    .action(async (flags: TuneFlags) => {
      await runTuneCommand(flags, io);
    });
}
