/**
 * aekit: autoencoders in TypeScript. Models are typed graphs that aekit
 * differentiates itself and compiles, forward, backward and update together,
 * into ONNX graphs run by ONNX Runtime.
 */
export * from './graph/types.js';
export { Graph, Value, type Node, type Operand, type ConvOptions, type ConvTransposeOptions, type PoolOptions, type WindowOptions } from './graph/graph.js';
export { GraphBuildError, type OpAttrs, type OpName, opSpecs, broadcastShapes } from './graph/ops.js';
export { grad } from './autodiff/grad.js';
export { vjpRules, isDifferentiable, sumToShape } from './autodiff/rules.js';
export { OPSET, IR_VERSION, toOnnx, type ExportSpec, type LoweredModel } from './onnx/serialize.js';
export { compile, CompiledGraph, writeFileAtomic } from './onnx/compile.js';
export { RuntimeSession, RuntimeError, DeviceUnavailableError, probeWebGpu, resolveDevice, type Device, type ResolvedDevice, type SessionOptions, type WebGpuProbe } from './onnx/runtime.js';
export { checkCase, type OpCase, type CaseResult } from './check/gradcheck.js';
export * from './layers/index.js';
export * from './losses/index.js';
export * from './optim/index.js';
export { Trainer, type ArrayData, type FitOptions, type FitResult, type TrainerOptions, type ProgressEvent } from './train/trainer.js';
export { type FitData } from './train/trainer.js';
export { streamSource, streamBatches, type StreamSource, type StreamSourceOptions, type NpySource, type CsvSource } from './data/source.js';
export { readSeriesCsv, parseSeriesCsv, parseTimestamp, type SeriesCsv } from './data/series.js';
export { type TrainableModel, type ModelPart } from './train/model.js';
export { type EarlyStopping, type EpochMetrics, type StepsPerExecution } from './train/loop.js';
export {
  EarlyStoppingCallback, LearningRateScheduler, ReduceLrOnPlateau, callbackFromConfig,
  type TrainingCallback, type TrainingContext, type BatchLogs, type CallbackConfig, type ReduceLrOnPlateauOptions,
} from './train/callbacks.js';
export { encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors } from './train/safetensors.js';
export * as data from './data/index.js';
export { datasets } from './data/datasets.js';
export * from './models/index.js';
export * from './tasks/compress.js';
export * from './tasks/embed.js';
// Both the layers and tasks/embed.ts have an `Embedding`: the root keeps the task's result type
// under that name (as before the layer existed) and exports the layer as EmbeddingLayer.
export { type Embedding } from './tasks/embed.js';
export { Embedding as EmbeddingLayer } from './layers/embedding.js';
export * from './tasks/denoise.js';
export * from './tasks/generate.js';
export * from './tasks/audio-denoise.js';
export * from './tasks/complex-mask-denoise.js';
export { type ClipSegments, cutSegments, joinSegments, rmsOf } from './tasks/segments.js';
export { FSDD_PATTERN, decodeWav, encodeWav, fitLength, isAudioFolder, loadAudioFolder, readWav, resample, writeWav, type AudioClip, type AudioFolder, type AudioFolderOptions, type WavEncodeOptions } from './data/audio.js';
export { TfidfVectorizer, bagOfWordsTokens, emailText, type TfidfOptions, type TfidfState } from './data/text-features.js';
export {
  fft, griffinLim, hannWindow, istft, logMagnitudeImage, logMagnitudeImageToAudio, magnitude, melFilterBank, mfcc, resampleFrames, stft, stftFrames, withPhase,
  type GriffinLimOptions, type LogMagnitudeScale, type MfccOptions, type Spectrogram, type StftOptions,
} from './data/spectrogram.js';
export { logSpectralDistance, siSdr } from './eval/audio-quality.js';
export * from './anomaly/index.js';
export {
  runRedisDetectWorker, detectorScorer, StreamError, REDIS_WORKER_DEFAULTS, errorsStream,
  type RowScorer, type RedisWorkerOptions, type RedisWorkerStats,
} from './stream/redis-worker.js';
export { decodeEntryRow, ROW_FIELD, type RowLayout } from './stream/entry-row.js';
export {
  parseSearchConfig, parseParamSpec, substitute, trialConfig, valueInSpace, SPACE_KINDS, SAMPLERS, PRUNERS, TASK_OBJECTIVES,
  type SearchConfig, type SearchParam, type ParamSpec, type Params, type TuneSettings, type SpaceKind, type SamplerName, type PrunerName,
} from './tune/space.js';
export { RandomSampler, TpeSampler, TPE_DEFAULTS, makeSampler, sampleUniform, trialRng, type Bandwidth, type Sampler, type Observation, type TpeOptions } from './tune/samplers.js';
export { pruneReason, MEDIAN_STARTUP_TRIALS, HALVING_ETA, type PeerCurve } from './tune/pruners.js';
export {
  FileStorage, fileLeaseHolds, studyState, parseJournal, workerId, LEASE_MS, HEARTBEAT_MS,
  type StudyStorage, type JournalRecord, type StudyState, type TrialInfo, type TrialState, type WorkerId,
} from './tune/journal.js';
export { RedisStorage } from './tune/redis-storage.js';
export {
  openStudy, claimTrial, newTrialParams, runWorker, bestTrial, observations, pruningMetric, TrialInterrupted,
  type TrialContext, type TrialResult, type TrialFunction, type Budget, type Claim, type WorkerOptions,
} from './tune/study.js';
export { detectorRocAuc, validationRocAuc, validationParts } from './tune/objective.js';
export { writeStudyReport, trialsTable, paramImportance, paramAxes, studyPoints, trialName, IMPORTANCE_METHOD } from './tune/report.js';
