/**
 * Cases on the library API: model and trainer options and data, model
 * configs, layer args, optimizers and schedules, PCA.
 */
import {
  Activation, Adam, AdamW, Autoencoder, BatchNormalization, Conv2D, Conv2DTranspose, Dense, Dropout, GRU, ImageClassifier, LSTM, LayerAutoencoder,
  LearningRateSchedule, MaxPool2D, PCA, RMSProp, Reshape, SGD, Sequential, TimeDistributed, Trainer, UpSampling2D,
  VariationalAutoencoder, layerFromJSON, modelFromConfig, optimizerFromConfig,
} from '../../src/index.js';
import type { Case, CaseContext } from './types.js';
import { tinyData, tinyModel } from './workspace.js';

type Run = (ctx: CaseContext) => unknown;

/** Case builders for one category: `bad` expects a clear rejection, `ok` must be accepted. */
export function group(category: string, prefix: string) {
  const ids = new Set<string>();
  const make = (expect: 'reject' | 'accept', name: string, input: string, mentions: Case['mentions'], run: Run, extra: Partial<Case>): Case => {
    const id = `${prefix}/${name}`;
    if (ids.has(id)) throw new Error(`duplicate case id ${id}`);
    ids.add(id);
    return { id, category, input, expect, mentions, run, ...extra };
  };
  return {
    bad: (name: string, input: string, mentions: Case['mentions'], run: Run, extra: Partial<Case> = {}) => make('reject', name, input, mentions, run, extra),
    ok: (name: string, input: string, run: Run, extra: Partial<Case> = {}) => make('accept', name, input, undefined, run, extra),
  };
}

const any = <T>(v: unknown) => v as T;

/** Trains the tiny model with fit options (the worker thread, as users run it). */
async function fitTiny(opts: Record<string, unknown>, data: unknown = tinyData()) {
  const m = tinyModel();
  m.compile({ seed: 1 });
  return m.fit(any(data), any({ epochs: 1, batchSize: 8, ...opts }));
}

function withNaN(): { x: Float32Array; shape: number[] } {
  const d = tinyData();
  d.x[21] = NaN;
  return d;
}

const api = group('model & trainer API', 'api');

export const apiCases: Case[] = [
  api.bad('compile-unknown-key', "compile({ learningrate: 0.1 }) (typo)", ['learningrate'], () => tinyModel().compile(any({ learningrate: 0.1 }))),
  api.bad('compile-device-typo', "compile({ devise: 'cpu' })", ['devise'], () => tinyModel().compile(any({ devise: 'cpu' }))),
  api.bad('compile-null', 'compile(null)', ['compile'], () => tinyModel().compile(any(null))),
  api.bad('compile-seed-fraction', 'compile({ seed: 1.5 })', ['seed'], () => tinyModel().compile({ seed: 1.5 })),
  api.bad('compile-seed-string', "compile({ seed: '1' })", ['seed'], () => tinyModel().compile(any({ seed: '1' }))),
  api.bad('compile-clipnorm-zero', 'compile({ clipNorm: 0 })', ['clipNorm'], () => tinyModel().compile({ clipNorm: 0 })),
  api.bad('compile-clipnorm-nan', 'compile({ clipNorm: NaN })', ['clipNorm'], () => tinyModel().compile({ clipNorm: NaN })),
  api.bad('compile-optimizer-plain', "compile({ optimizer: { name: 'adam' } }) (a config, not an optimizer)", ['optimizer'], () => tinyModel().compile(any({ optimizer: { name: 'adam' } }))),
  api.bad('compile-threads-zero', 'compile({ session: { threads: 0 } })', ['threads'], () => tinyModel().compile({ session: any({ threads: 0 }) })),
  api.bad('trainer-create-seed', "Trainer.create(model, { seed: 'x' })", ['seed'], () => Trainer.create(tinyModel(), any({ seed: 'x' }))),
  api.bad('trainer-create-not-model', 'Trainer.create({}, {})', ['model'], () => Trainer.create(any({}), {})),
  api.bad('fit-epochs-negative', 'fit({ epochs: -1 })', ['epochs'], () => fitTiny({ epochs: -1 })),
  api.bad('fit-epochs-fraction', 'fit({ epochs: 1.5 })', ['epochs'], () => fitTiny({ epochs: 1.5 })),
  api.bad('fit-epochs-string', "fit({ epochs: '2' })", ['epochs'], () => fitTiny({ epochs: '2' })),
  api.bad('fit-epochs-nan', 'fit({ epochs: NaN })', ['epochs'], () => fitTiny({ epochs: NaN })),
  api.bad('fit-batchsize-zero', 'fit({ batchSize: 0 })', ['batchSize'], () => fitTiny({ batchSize: 0 })),
  api.bad('fit-batchsize-fraction', 'fit({ batchSize: 2.5 })', ['batchSize'], () => fitTiny({ batchSize: 2.5 })),
  api.bad('fit-validationsplit-one', 'fit({ validationSplit: 1 })', ['validationSplit'], () => fitTiny({ validationSplit: 1 })),
  api.bad('fit-validationsplit-all', 'fit({ validationSplit: 0.99 }) on 16 samples (no training samples left)', ['validationSplit'], () => fitTiny({ validationSplit: 0.99 })),
  api.bad('fit-unknown-key', 'fit({ epoch: 3 }) (typo)', ['epoch'], () => fitTiny({ epoch: 3 })),
  api.bad('fit-shuffle-string', "fit({ shuffle: 'yes' })", ['shuffle'], () => fitTiny({ shuffle: 'yes' })),
  api.bad('fit-seed-nan', 'fit({ seed: NaN })', ['seed'], () => fitTiny({ seed: NaN })),
  api.bad('fit-worker-string', "fit({ worker: 'no' })", ['worker'], () => fitTiny({ worker: 'no' })),
  api.bad('fit-onprogress-number', 'fit({ onProgress: 5 })', ['onProgress'], () => fitTiny({ onProgress: 5 })),
  api.bad('fit-onprogress-throws', 'fit({ onProgress }) where the callback throws (worker thread)', ['boom from onProgress'], () => fitTiny({ onProgress: () => { throw new Error('boom from onProgress'); } }), { isolate: true }),
  api.bad('fit-onprogress-throws-inline', 'fit({ onProgress, worker: false }) where the callback throws', ['boom from onProgress'], () => fitTiny({ worker: false, onProgress: () => { throw new Error('boom from onProgress'); } }), { isolate: true }),
  api.bad('fit-onnonfinite-bad', "fit({ onNonFinite: 'explode' })", ['onNonFinite'], () => fitTiny({ onNonFinite: 'explode' })),
  api.bad('fit-signal-bad', 'fit({ signal: 5 })', ['signal'], () => fitTiny({ signal: 5 })),
  api.bad('fit-checkpointdir-empty', "fit({ checkpointDir: '' })", ['checkpointDir'], () => fitTiny({ checkpointDir: '' })),
  api.bad('fit-checkpointdir-number', 'fit({ checkpointDir: 5 })', ['checkpointDir'], () => fitTiny({ checkpointDir: 5 })),
  api.bad('fit-earlystopping-patience', 'fit({ earlyStopping: { patience: -2 } })', ['patience'], () => fitTiny({ earlyStopping: { patience: -2 } })),
  api.bad('fit-earlystopping-unknown', 'fit({ earlyStopping: { patiense: 2 } }) (typo)', ['patiense'], () => fitTiny({ earlyStopping: { patiense: 2 } })),
  api.bad('fit-earlystopping-monitor', "fit({ earlyStopping: { monitor: 'val_loss' } }) (no such metric; it is valLoss)", ['val_loss'], () => fitTiny({ validationSplit: 0.25, epochs: 2, earlyStopping: { monitor: 'val_loss', patience: 1 } })),
  api.bad('fit-data-null', 'fit(null)', ['data'], () => fitTiny({}, null)),
  api.bad('fit-data-array', 'fit({ x: [..] plain Array })', ['Float32Array'], () => fitTiny({}, { x: Array.from(tinyData().x), shape: [16, 8] })),
  api.bad('fit-data-float64', 'fit({ x: Float64Array })', ['Float32Array'], () => fitTiny({}, { x: Float64Array.from(tinyData().x), shape: [16, 8] })),
  api.bad('fit-data-shape', 'fit data of shape [16, 9] for an [8] model', ['shape'], () => fitTiny({}, { x: new Float32Array(16 * 9), shape: [16, 9] })),
  api.bad('fit-data-length', 'fit data with 100 values for shape [16, 8]', ['100'], () => fitTiny({}, { x: new Float32Array(100), shape: [16, 8] })),
  api.bad('fit-data-nan', 'fit data holding a NaN', ['NaN'], () => fitTiny({}, withNaN())),
  api.bad('fit-data-empty', 'fit data of shape [0, 8]', [/no samples|empty|0 samples/i], () => fitTiny({}, { x: new Float32Array(0), shape: [0, 8] })),
  api.bad('fit-validationdata-shape', 'fit({ validationData }) of shape [4, 5]', ['validation'], () => fitTiny({ validationData: { x: new Float32Array(20), shape: [4, 5] } })),
  api.bad('fit-validationdata-nan', 'fit({ validationData }) holding a NaN', ['validation', 'NaN'], () => fitTiny({ validationData: withNaN() })),
  api.bad('fit-concurrent', 'two fit() calls at once on one model', [/already|running|at once|concurrent/i], async () => {
    const m = tinyModel();
    m.compile({ seed: 1 });
    const a = m.fit(tinyData(), { epochs: 2, batchSize: 4 });
    const b = m.fit(tinyData(), { epochs: 2, batchSize: 4 });
    const [ra, rb] = await Promise.allSettled([a, b]);
    if (ra.status === 'rejected') throw ra.reason;
    if (rb.status === 'rejected') throw rb.reason;
    return 'both resolved';
  }, { isolate: true }),
  api.bad('predict-batchsize-zero', 'trainer.predict(x, { batchSize: 0 })', ['batchSize'], () => Trainer.create(tinyModel()).predict(tinyData().x, { batchSize: 0 })),
  api.bad('predict-part-unknown', "trainer.predict(x, { part: 'middle' })", ['middle'], () => Trainer.create(tinyModel()).predict(tinyData().x, { part: 'middle' })),
  api.bad('evaluate-batchsize-negative', 'evaluate(data, { batchSize: -1 })', ['batchSize'], () => tinyModel().evaluate(tinyData(), { batchSize: -1 })),
  api.bad('evaluate-unknown-key', 'evaluate(data, { batch_size: 4 })', ['batch_size'], () => tinyModel().evaluate(tinyData(), any({ batch_size: 4 }))),
  api.bad('encode-nan', 'encode(x) with a NaN', ['NaN'], () => tinyModel().encode(withNaN().x)),
  api.bad('encode-empty', 'encode(new Float32Array(0))', [/no samples|empty/i], () => tinyModel().encode(new Float32Array(0))),
  api.bad('encode-array', 'encode([0.1, 0.2]) (plain Array)', ['Float32Array'], () => tinyModel().encode(any([0.1, 0.2]))),
  api.bad('encode-length', 'encode(Float32Array(12)) for 8 features', ['12'], () => tinyModel().encode(new Float32Array(12))),
  api.bad('decode-length', 'decode(Float32Array(5)) for a 3-value code', ['5'], () => tinyModel().decode(new Float32Array(5))),
  api.bad('reconstruction-error-null', 'reconstructionError(null)', [/Float32Array|input/], () => tinyModel().reconstructionError(any(null))),
  api.bad('interpolate-nan', 'interpolate from a code holding NaN', ['NaN'], () => tinyModel().interpolate(Float32Array.of(0, NaN, 0), new Float32Array(3), 3)),
  api.bad('vae-sample-negative', 'vae.sample(-1)', [/\bn\b|count|sample/], () => new VariationalAutoencoder({ inputShape: [8], latentDim: 2, encoder: { type: 'dense', sizes: [4] } }).sample(-1)),
  api.bad('vae-sample-fraction', 'vae.sample(2.5)', [/\bn\b|count|sample/], () => new VariationalAutoencoder({ inputShape: [8], latentDim: 2, encoder: { type: 'dense', sizes: [4] } }).sample(2.5)),
  api.bad('interpolate-steps-zero', 'interpolate(zA, zB, 0)', ['steps'], () => tinyModel().interpolate(new Float32Array(3), new Float32Array(3), 0)),
  api.bad('interpolate-code-length', 'interpolate with codes of 2 values for a 3-value code', [/code|zA|3/], () => tinyModel().interpolate(new Float32Array(2), new Float32Array(2), 3)),
  api.ok('control-fit', 'fit tiny model 1 epoch (valid control)', async () => (await fitTiny({})).epochs),
  api.ok('control-encode', 'encode valid input (control)', async () => (await tinyModel().encode(tinyData().x)).length),
];

const cfg = group('model configs', 'config');
const dense = (extra: Record<string, unknown>) => ({ className: 'Autoencoder', inputShape: [8], encoder: { sizes: [3] }, ...extra });

export const configCases: Case[] = [
  cfg.bad('unknown-class', "modelFromConfig({ className: 'Nope' })", ['Nope'], () => modelFromConfig({ className: 'Nope' })),
  cfg.bad('null', 'modelFromConfig(null)', ['config'], () => modelFromConfig(null)),
  cfg.bad('json-string', 'modelFromConfig of a JSON string instead of an object', ['config'], () => modelFromConfig(JSON.stringify(dense({})))),
  cfg.bad('unknown-field', "config with 'encodr' (typo)", ['encodr'], () => modelFromConfig(dense({ encodr: {} }))),
  cfg.bad('inputshape-zero', 'inputShape [0]', ['inputShape'], () => modelFromConfig(dense({ inputShape: [0] }))),
  cfg.bad('inputshape-string', "inputShape 'big'", ['inputShape'], () => modelFromConfig(dense({ inputShape: 'big' }))),
  cfg.bad('sizes-empty', 'encoder.sizes []', ['sizes'], () => modelFromConfig(dense({ encoder: { sizes: [] } }))),
  cfg.bad('sizes-negative', 'encoder.sizes [3, -1]', ['sizes[1]'], () => modelFromConfig(dense({ encoder: { sizes: [3, -1] } }))),
  cfg.bad('activation-unknown', "encoder.activation 'reluu'", ['activation'], () => modelFromConfig(dense({ encoder: { sizes: [3], activation: 'reluu' } }))),
  cfg.bad('loss-unknown', "loss 'l3'", ['loss'], () => modelFromConfig(dense({ loss: 'l3' }))),
  cfg.bad('noise-std-negative', "noise { type: 'gaussian', std: -1 }", ['std'], () => modelFromConfig(dense({ noise: { type: 'gaussian', std: -1 } }))),
  cfg.bad('sparsity-rho', "sparsity { type: 'kl', rho: 2 }", ['rho'], () => modelFromConfig(dense({ sparsity: { type: 'kl', rho: 2 }, encoder: { sizes: [3], codeActivation: 'sigmoid' } }))),
  cfg.bad('contractive-negative', 'contractive -1', ['contractive'], () => modelFromConfig(dense({ contractive: -1 }))),
  cfg.bad('conv-rank', 'ConvAutoencoder inputShape [1, 28]', ['inputShape'], () => modelFromConfig({ className: 'ConvAutoencoder', inputShape: [1, 28], encoder: { filters: [4] } })),
  cfg.bad('conv-too-deep', 'ConvAutoencoder on 8×8 with 5 pooling levels', ['filters'], () => modelFromConfig({ className: 'ConvAutoencoder', inputShape: [1, 8, 8], encoder: { filters: [2, 2, 2, 2, 2] } })),
  cfg.bad('recurrent-cell', "RecurrentAutoencoder cell 'rnn'", ['cell'], () => modelFromConfig({ className: 'RecurrentAutoencoder', inputShape: [5, 2], cell: 'rnn', encoder: { units: [4] } })),
  cfg.bad('vae-beta', 'VariationalAutoencoder beta -1', ['beta'], () => new VariationalAutoencoder(any({ inputShape: [8], latentDim: 2, beta: -1, encoder: { type: 'dense', sizes: [4] } }))),
  cfg.bad('classifier-classes', 'ImageClassifier numClasses 1', ['numClasses'], () => new ImageClassifier({ inputShape: [1, 8, 8], numClasses: 1 })),
  cfg.bad('perceptual-missing', 'perceptual loss whose classifier folder does not exist', ['no-such-classifier'], () => new Autoencoder(any({ inputShape: [1, 8, 8], encoder: { sizes: [3] }, loss: { type: 'perceptual', classifier: 'no-such-classifier', layers: ['conv_0'] } }))),
  cfg.bad('huge-layer', 'a Dense layer of 2e9 units (memory)', ['2000000000'], () => Trainer.create(new LayerAutoencoder({ inputShape: [784], encoder: [new Dense({ units: 2e9 })], decoder: [new Dense({ units: 784 })] })), { isolate: true }),
  cfg.bad('layer-shape-mismatch', 'LayerAutoencoder with a Conv2D on a flat [8] input', ['Conv2D'], () => Trainer.create(new LayerAutoencoder({ inputShape: [8], encoder: [new Conv2D({ filters: 2, kernelSize: 3 })], decoder: [new Dense({ units: 8 })] }))),
  cfg.ok('control-conv', 'valid ConvAutoencoder config (control)', () => modelFromConfig({ className: 'ConvAutoencoder', inputShape: [1, 8, 8], encoder: { filters: [2, 2] } }).className),
];

const lay = group('layer args', 'layer');

export const layerCases: Case[] = [
  lay.bad('dense-typo', "new Dense({ units: 3, activaton: 'relu' })", ['activaton', 'activation'], () => new Dense(any({ units: 3, activaton: 'relu' }))),
  lay.bad('dense-units-zero', 'new Dense({ units: 0 })', ['units'], () => new Dense({ units: 0 })),
  lay.bad('dense-units-string', "new Dense({ units: '3' })", ['units'], () => new Dense(any({ units: '3' }))),
  lay.bad('dense-usebias-string', "new Dense({ units: 3, useBias: 'no' })", ['useBias'], () => new Dense(any({ units: 3, useBias: 'no' }))),
  lay.bad('dense-initializer', "new Dense({ units: 3, kernelInitializer: 'glorot' })", ['kernelInitializer'], () => new Dense(any({ units: 3, kernelInitializer: 'glorot' }))),
  lay.bad('dense-initializer-nan', 'new Dense({ units: 3, kernelInitializer: { constant: NaN } })', ['kernelInitializer'], () => new Dense({ units: 3, kernelInitializer: { constant: NaN } })),
  lay.bad('dense-regularizer-key', 'new Dense({ units: 3, kernelRegularizer: { l3: 1 } })', ['l3'], () => new Dense(any({ units: 3, kernelRegularizer: { l3: 1 } }))),
  lay.bad('dense-null', 'new Dense(null)', ['Dense'], () => new Dense(any(null))),
  lay.bad('dense-name-number', 'new Dense({ units: 3, name: 5 })', ['name'], () => new Dense(any({ units: 3, name: 5 }))),
  lay.bad('conv-kernel-pair', 'new Conv2D({ filters: 2, kernelSize: [3] })', ['kernelSize'], () => new Conv2D(any({ filters: 2, kernelSize: [3] }))),
  lay.bad('conv-padding', "new Conv2D({ filters: 2, kernelSize: 3, padding: 'full' })", ['padding'], () => new Conv2D(any({ filters: 2, kernelSize: 3, padding: 'full' }))),
  lay.bad('conv-strides-zero', 'new Conv2D({ filters: 2, kernelSize: 3, strides: 0 })', ['strides'], () => new Conv2D({ filters: 2, kernelSize: 3, strides: 0 })),
  lay.bad('conv-typo', 'new Conv2D({ filter: 2, kernelSize: 3 }) (typo)', ['filter'], () => new Conv2D(any({ filter: 2, filters: 2, kernelSize: 3 }))),
  lay.bad('convt-dilation', 'new Conv2DTranspose({ ..., dilationRate: 2 }) (not supported)', ['dilationRate'], () => new Conv2DTranspose(any({ filters: 2, kernelSize: 3, dilationRate: 2 }))),
  lay.bad('pool-snake-case', 'new MaxPool2D({ pool_size: 3 })', ['pool_size'], () => new MaxPool2D(any({ pool_size: 3 }))),
  lay.bad('pool-size-zero', 'new MaxPool2D({ poolSize: 0 })', ['poolSize'], () => new MaxPool2D({ poolSize: 0 })),
  lay.bad('upsampling-fraction', 'new UpSampling2D({ size: 1.5 })', ['size'], () => new UpSampling2D({ size: 1.5 })),
  lay.bad('reshape-two-unknown', 'new Reshape({ targetShape: [-1, -1] })', ['targetShape'], () => new Reshape({ targetShape: [-1, -1] })),
  lay.bad('dropout-rate-one', 'new Dropout({ rate: 1 })', ['rate'], () => new Dropout({ rate: 1 })),
  lay.bad('dropout-rate-string', "new Dropout({ rate: '0.5' })", ['rate'], () => new Dropout(any({ rate: '0.5' }))),
  lay.bad('batchnorm-momentum-string', "new BatchNormalization({ momentum: '0.9' })", ['momentum'], () => new BatchNormalization(any({ momentum: '0.9' }))),
  lay.bad('batchnorm-epsilon-zero', 'new BatchNormalization({ epsilon: 0 })', ['epsilon'], () => new BatchNormalization({ epsilon: 0 })),
  lay.bad('batchnorm-center-string', "new BatchNormalization({ center: 'no' })", ['center'], () => new BatchNormalization(any({ center: 'no' }))),
  lay.bad('lstm-units', 'new LSTM({ units: -1 })', ['units'], () => new LSTM({ units: -1 })),
  lay.bad('lstm-returnsequences', "new LSTM({ units: 4, returnSequences: 'yes' })", ['returnSequences'], () => new LSTM(any({ units: 4, returnSequences: 'yes' }))),
  lay.bad('gru-lstm-only-key', 'new GRU({ units: 4, unitForgetBias: true }) (LSTM only)', ['unitForgetBias'], () => new GRU(any({ units: 4, unitForgetBias: true }))),
  lay.bad('timedistributed-missing', 'new TimeDistributed({})', ['layer'], () => new TimeDistributed(any({}))),
  lay.bad('sequential-not-array', "new Sequential({ layers: 'dense' })", ['layers'], () => new Sequential(any({ layers: 'dense' }))),
  lay.bad('sequential-duplicate', 'Sequential with two layers named d', ["'d'"], () => new Sequential({ layers: [new Dense({ units: 2, name: 'd' }), new Dense({ units: 2, name: 'd' })] })),
  lay.bad('fromjson-unknown', "layerFromJSON({ className: 'Dens' })", ['Dens'], () => layerFromJSON({ className: 'Dens', config: {} })),
  lay.bad('fromjson-config-typo', "layerFromJSON Dense config with 'unit'", ['unit'], () => layerFromJSON({ className: 'Dense', config: { units: 3, unit: 4 } })),
  lay.bad('activation-unknown', "new Activation({ activation: 'gelu' })", ['gelu'], () => new Activation(any({ activation: 'gelu' }))),
  lay.ok('control-conv', 'new Conv2D with every documented arg (control)', () => new Conv2D({ filters: 2, kernelSize: [3, 3], strides: 1, padding: 'same', dilationRate: 1, activation: 'relu', useBias: true, kernelInitializer: 'heNormal', biasInitializer: 'zeros', kernelRegularizer: { l2: 1e-4 }, name: 'c' }).name),
];

const opt = group('optimizers & schedules', 'optim');

export const optimCases: Case[] = [
  opt.bad('adam-lr-negative', 'new Adam({ learningRate: -1 })', ['learningRate'], () => new Adam({ learningRate: -1 })),
  opt.bad('adam-lr-string', "new Adam({ learningRate: '0.001' })", ['learningRate'], () => new Adam(any({ learningRate: '0.001' }))),
  opt.bad('adam-unknown-key', 'new Adam({ lr: 0.1 })', ['lr'], () => new Adam(any({ lr: 0.1 }))),
  opt.bad('adam-beta1-one', 'new Adam({ beta1: 1 })', ['beta1'], () => new Adam({ beta1: 1 })),
  opt.bad('adam-beta2-nan', 'new Adam({ beta2: NaN })', ['beta2', 'NaN'], () => new Adam({ beta2: NaN })),
  opt.bad('sgd-momentum-negative', 'new SGD({ momentum: -0.5 })', ['momentum'], () => new SGD({ momentum: -0.5 })),
  opt.bad('sgd-nesterov', 'new SGD({ nesterov: true }) without momentum', ['nesterov'], () => new SGD({ nesterov: true })),
  opt.bad('sgd-null', 'new SGD(null)', ['SGD'], () => new SGD(any(null))),
  opt.bad('rmsprop-rho', 'new RMSProp({ rho: 1.5 })', ['rho'], () => new RMSProp({ rho: 1.5 })),
  opt.bad('adamw-decay', 'new AdamW({ weightDecay: -1 })', ['weightDecay'], () => new AdamW({ weightDecay: -1 })),
  opt.bad('config-unknown-name', "optimizerFromConfig({ name: 'adagrad' })", ['adagrad'], () => optimizerFromConfig(any({ name: 'adagrad' }))),
  opt.bad('config-unknown-field', "optimizerFromConfig({ name: 'adam', learning_rate: 1 })", ['learning_rate'], () => optimizerFromConfig(any({ name: 'adam', learning_rate: 1 }))),
  opt.bad('schedule-unknown-type', "fit({ schedule: { type: 'warp' } })", ['warp'], () => fitTiny({ schedule: { type: 'warp' } })),
  opt.bad('schedule-step-missing', "fit({ schedule: { type: 'step', gamma: 0.5 } })", ['stepSize'], () => fitTiny({ schedule: { type: 'step', gamma: 0.5 } })),
  opt.bad('schedule-gamma-negative', "fit({ schedule: { type: 'exponential', gamma: -1 } })", ['gamma'], () => fitTiny({ schedule: { type: 'exponential', gamma: -1 } })),
  opt.bad('schedule-minlr-negative', "fit({ schedule: { type: 'cosine', totalEpochs: 3, minLr: -1 } })", ['minLr'], () => fitTiny({ schedule: { type: 'cosine', totalEpochs: 3, minLr: -1 } })),
  opt.bad('schedule-plateau-factor', "fit({ schedule: { type: 'reduceOnPlateau', factor: 1.5 } })", ['factor'], () => fitTiny({ schedule: { type: 'reduceOnPlateau', factor: 1.5 } })),
  opt.bad('schedule-unknown-key', "fit({ schedule: { type: 'step', stepSize: 1, gamma: 0.5, warmup: 3 } })", ['warmup'], () => fitTiny({ schedule: { type: 'step', stepSize: 1, gamma: 0.5, warmup: 3 } })),
  opt.bad('schedule-class-type', "new LearningRateSchedule(0.1, { type: 'nope' })", ['nope'], () => new LearningRateSchedule(0.1, any({ type: 'nope' }))),
  opt.bad('schedule-class-lr', 'new LearningRateSchedule(NaN)', [/lr|learning ?rate|baseLr/i], () => new LearningRateSchedule(NaN).lrForEpoch(0)),
  opt.ok('control-adamw', 'new AdamW({ learningRate: 1e-3, weightDecay: 0.01 }) (control)', () => new AdamW({ learningRate: 1e-3, weightDecay: 0.01 }).getConfig()),
];

const pca = group('PCA', 'pca');
const pcaData = () => {
  const x = new Float32Array(40 * 4);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.7) + (i % 4);
  return { x, shape: [40, 4] };
};

export const pcaCases: Case[] = [
  pca.bad('components-zero', 'PCA.fit(data, { components: 0 })', ['components'], () => PCA.fit(pcaData(), { components: 0 })),
  pca.bad('options-typo', 'PCA.fit(data, { component: 2 })', ['component'], () => PCA.fit(pcaData(), any({ component: 2, components: 2 }))),
  pca.bad('options-missing', 'PCA.fit(data) without options', ['components'], () => PCA.fit(pcaData(), any(undefined))),
  pca.bad('data-null', 'PCA.fit(null, { components: 2 })', ['data'], () => PCA.fit(any(null), { components: 2 })),
  pca.bad('data-array', 'PCA.fit({ x: plain Array }, ...)', ['Float32Array'], () => PCA.fit(any({ x: Array.from(pcaData().x), shape: [40, 4] }), { components: 2 })),
  pca.bad('data-nan', 'PCA.fit of data holding a NaN', ['NaN'], () => {
    const d = pcaData();
    d.x[9] = NaN;
    return PCA.fit(d, { components: 2 });
  }),
  pca.bad('transform-nan', 'pca.transform of data holding a NaN', ['NaN'], () => {
    const x = pcaData().x.slice(0, 8);
    x[3] = NaN;
    return PCA.fit(pcaData(), { components: 2 }).transform(x);
  }),
  pca.bad('fromjson-truncated', 'PCA.fromJSON of truncated JSON text', ['PCA.fromJSON'], () => PCA.fromJSON(JSON.stringify(PCA.fit(pcaData(), { components: 2 }).toJSON()).slice(0, 40))),
  pca.bad('fromjson-empty', 'PCA.fromJSON({})', ['format'], () => PCA.fromJSON(any({}))),
  pca.bad('fromjson-no-mean', "PCA.fromJSON without 'mean'", ['mean'], () => {
    const j = any<Record<string, unknown>>(PCA.fit(pcaData(), { components: 2 }).toJSON());
    delete j.mean;
    return PCA.fromJSON(any(j));
  }),
  pca.bad('fromjson-null-axis', "PCA.fromJSON with a null in 'axes'", ['axes'], () => {
    const j = PCA.fit(pcaData(), { components: 2 }).toJSON();
    (j.axes[0] as unknown[])[1] = null;
    return PCA.fromJSON(j).transform(pcaData().x);
  }),
  pca.bad('fromjson-components', "PCA.fromJSON with components -1", ['components'], () => PCA.fromJSON({ ...PCA.fit(pcaData(), { components: 2 }).toJSON(), components: -1, axes: [], explainedVariance: [] })),
  pca.ok('control-fit', 'PCA fit/transform/round trip (control)', () => PCA.fromJSON(JSON.stringify(PCA.fit(pcaData(), { components: 2 }).toJSON())).transform(pcaData()).length),
];
