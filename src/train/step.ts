import { grad } from '../autodiff/grad.js';
import { differentiateForWebGpu } from '../autodiff/rules.js';
import { Graph, type Value } from '../graph/graph.js';
import { type TensorData } from '../graph/types.js';
import { GraphBuildContext, type ParamSpec } from '../layers/core.js';
import { type ResolvedDevice } from '../onnx/runtime.js';
import { type LoweredModel, toOnnx } from '../onnx/serialize.js';
import { type Optimizer, clipByGlobalNorm } from '../optim/optimizers.js';
import { type DiscriminatorObjective, type ModelPart, type TrainableModel } from './model.js';

/** Name of the output carrying a tensor's value after a step. */
export const nextName = (name: string) => `next/${name}`;
/** Output that is 0 when every updated parameter is finite, NaN otherwise. */
export const NON_FINITE_CHECK = 'nonFiniteCheck';
/** Name of an optimizer slot input for a parameter. */
export const slotName = (param: string, slot: string) => `${param}:${slot}`;

/** Graph input holding every trainable parameter back to back (when the update is fused). */
export const PACKED_PARAMS = 'packed:params';
/** Graph input holding one optimizer slot of every parameter back to back. */
export const packedSlotName = (slot: string) => `packed:${slot}`;

/**
 * Tensors that the training graph takes as one flat input: `members` (named as
 * everywhere else: checkpoints, exports) stored back to back in this order.
 */
export interface PackedGroup {
  name: string;
  members: string[];
}

/** The compiled artifacts of a training set-up, serializable to a worker. */
export interface StepArtifacts {
  /** The training step, lowered on first use. */
  readonly train: LoweredModel;
  /** The evaluation graph (the objective without corruption or updates), built and lowered on first use. */
  readonly evaluate: LoweredModel;
  /** Trainable parameters, in order. */
  params: string[];
  /** Optimizer slot tensors (all zeros at start), as [slot tensor name, parameter name]. */
  slots: [string, string][];
  /** Non-trainable state updated by training steps (running statistics). */
  state: string[];
  /** Scalar metrics every step and evaluation returns, 'loss' first. */
  metrics: string[];
  targetIsInput: boolean;
  specs: ParamSpec[];
  /**
   * Flat inputs of the training graph, each standing for the listed tensors;
   * empty when every parameter and slot is an input of its own. The training
   * loop packs before the first step and unpacks what it hands back.
   */
  packed: PackedGroup[];
  /** The device the graphs are lowered for. */
  device: ResolvedDevice;
  /** The trainable parameters (a subset of `params`) that the discriminator's optimizer updates; empty for one-player models. */
  discriminatorParams: string[];
}

export interface StepOptions {
  optimizer: Optimizer;
  /** The discriminator's optimizer, for models whose objective has one. Default: `optimizer` (same rule, own slots). */
  discriminatorOptimizer?: Optimizer;
  /** Clip gradients to this global L2 norm. */
  clipNorm?: number;
  /** Seed of the graph's random ops. */
  seed?: number;
  /**
   * Store the parameters and each optimizer slot as one flat tensor apiece and
   * run an elementwise optimizer's update once over them (same numbers as
   * per-parameter updates, far fewer graph nodes and session feeds). Default
   * true; optimizers that are not elementwise, and parameters that are not all
   * float32, always get per-parameter updates.
   */
  fuseUpdate?: boolean;
  /**
   * The device the step will run on. Default 'cpu'. 'webgpu' lowers the few
   * ops whose CPU formulation ONNX Runtime's WebGPU provider cannot run (or runs
   * on the CPU) to equivalent ones: the same values, tested against each other.
   */
  device?: ResolvedDevice;
}

/** A graph for `device`: gradients built in it avoid what that device's provider lacks. */
function graphFor(device: ResolvedDevice, seed: number): Graph {
  const g = new Graph(seed);
  if (device === 'webgpu') differentiateForWebGpu(g);
  return g;
}

/**
 * A scalar that is 0 when every element of `v` is finite and NaN otherwise:
 * (Σ v) · 0. One native pass over the updated parameters instead of scanning
 * them in JS, and one pass rather than the two of Σ (v · 0), which matters
 * when the parameters are millions (a full-size pass of the Hinton workload's
 * 2.8M parameters measured about 3% of its step). A NaN or ±∞ element makes
 * the sum NaN or ±∞, and either times 0 is NaN. The sum of finite elements
 * overflows only when |Σ v| exceeds float32's 3.4e38, i.e. for parameters of
 * magnitude around 1e32 and more, which only a diverged run reaches; it is
 * reported as non-finite then, as the loss soon would be.
 */
function nonFiniteProbe(g: Graph, v: Value): Value {
  return g.mul(g.reduceSum(v), 0);
}

function canPack(opts: StepOptions, params: Value[]): boolean {
  return (opts.fuseUpdate ?? true) && opts.optimizer.elementwise === true && params.length > 0 && params.every((p) => p.dtype === 'float32' && p.shape.every((d) => typeof d === 'number'));
}

function inputsFor(g: Graph, model: TrainableModel): { x: Value; target: Value; targetIsInput: boolean } {
  const x = g.input('x', ['N', ...model.inputShape]);
  if (!model.targetShape) return { x, target: x, targetIsInput: true };
  return { x, target: g.input('target', ['N', ...model.targetShape]), targetIsInput: false };
}

function objective(ctx: GraphBuildContext, model: TrainableModel, x: Value, target: Value) {
  const { loss, metrics, discriminator } = model.buildObjective(ctx, x, target);
  let total = loss;
  const outputs: Record<string, Value> = {};
  for (const { term, label } of ctx.losses) {
    total = ctx.g.add(total, ctx.g.reshape(term, []));
    outputs[label] = term;
  }
  const adversary: Record<string, Value> = discriminator ? { discriminatorLoss: ctx.g.identity(discriminator.loss) } : {};
  return { total, outputs: { loss: total, ...metrics, ...outputs, ...adversary }, discriminator };
}

/** Names the tensors of one player's update: '' for the model (generator), 'discriminator' for the adversary. */
function packedNames(player: string): { params: string; slot: (s: string) => string } {
  if (player === '') return { params: PACKED_PARAMS, slot: packedSlotName };
  return { params: `packed:${player}:params`, slot: (s) => `packed:${player}:${s}` };
}

/** What {@link updatePlayer} adds to the step. */
interface PlayerUpdate {
  outputs: Record<string, Value>;
  slots: [string, string][];
  packed: PackedGroup[];
  exportPacked: { input: Value; members: Value[] }[];
  /** Scalars that are 0 when the updated parameters are finite (see {@link nonFiniteProbe}). */
  poisoned: Value[];
}

/**
 * Appends one player's optimizer update: gradients (clipped when asked), then
 * the update of its parameters, fused into flat tensors when the optimizer
 * allows (see {@link canPack}), else parameter by parameter.
 */
function updatePlayer(g: Graph, opts: StepOptions, optimizer: Optimizer, paramValues: Value[], loss: Value, lr: Value, step: Value, player: string): PlayerUpdate {
  let grads = grad(g, loss, paramValues);
  const outputs: Record<string, Value> = {};
  if (opts.clipNorm) {
    const clipped = clipByGlobalNorm(g, grads, opts.clipNorm);
    grads = clipped.grads;
    outputs[player === '' ? 'gradNorm' : `${player}GradNorm`] = clipped.norm;
  }
  const slots: [string, string][] = [];
  const packed: PackedGroup[] = [];
  const exportPacked: { input: Value; members: Value[] }[] = [];
  if (canPack({ ...opts, optimizer }, paramValues)) {
    // Parameters and each optimizer slot live in one flat tensor apiece: an
    // elementwise update gives the same numbers on the flat vectors as on each
    // parameter apart, in a dozen nodes instead of a dozen per parameter, and a
    // step feeds and returns a handful of tensors instead of dozens. The forward
    // pass reads each parameter through a view of the flat input (one Split).
    const names = packedNames(player);
    const sizes = paramValues.map((p) => p.shape.reduce<number>((a, b) => a * (b as number), 1));
    const total = sizes.reduce((a, b) => a + b, 0);
    const flatGrads = g.concat(grads.map((v, i) => g.reshape(v, [sizes[i]!])), 0);
    const flatParams = g.input(names.params, [total]);
    exportPacked.push({ input: flatParams, members: paramValues });
    packed.push({ name: names.params, members: paramValues.map((p) => p.name) });
    const flatSlots: Record<string, Value> = {};
    for (const s of optimizer.slotNames) {
      flatSlots[s] = g.input(names.slot(s), [total]);
      packed.push({ name: names.slot(s), members: paramValues.map((p) => slotName(p.name, s)) });
      for (const p of paramValues) slots.push([slotName(p.name, s), p.name]);
    }
    const updated = optimizer.update(g, { param: flatParams, grad: flatGrads, slots: flatSlots, lr, step });
    outputs[nextName(names.params)] = updated.param;
    for (const s of optimizer.slotNames) outputs[nextName(names.slot(s))] = updated.slots[s]!;
    return { outputs, slots, packed, exportPacked, poisoned: [nonFiniteProbe(g, updated.param)] };
  }
  const poisoned: Value[] = [];
  paramValues.forEach((param, i) => {
    const slotValues: Record<string, Value> = {};
    for (const s of optimizer.slotNames) {
      const name = slotName(param.name, s);
      slotValues[s] = g.input(name, param.shape);
      slots.push([name, param.name]);
    }
    const updated = optimizer.update(g, { param, grad: grads[i]!, slots: slotValues, lr, step });
    outputs[nextName(param.name)] = updated.param;
    for (const s of optimizer.slotNames) outputs[nextName(slotName(param.name, s))] = updated.slots[s]!;
    poisoned.push(nonFiniteProbe(g, updated.param));
  });
  return { outputs, slots, packed, exportPacked, poisoned };
}

/**
 * The two players of an adversarial model: the model's own parameters
 * (encoder, decoder: the generator) and the discriminator's, which the model
 * names through `discriminator.owns`. Each must hold at least one trainable
 * parameter.
 */
function splitPlayers(model: TrainableModel, trainable: ParamSpec[], discriminator: DiscriminatorObjective | undefined): { generator: ParamSpec[]; discriminator: ParamSpec[] } {
  if (!discriminator) return { generator: trainable, discriminator: [] };
  const d = trainable.filter((s) => discriminator.owns(s.name));
  const gen = trainable.filter((s) => !discriminator.owns(s.name));
  const what = (model as { className?: string }).className ?? 'model';
  if (!d.length) throw new Error(`${what}: its objective has a discriminator loss, but none of its trainable parameters belongs to the discriminator`);
  if (!gen.length) throw new Error(`${what}: every trainable parameter belongs to the discriminator; the generator has none to train`);
  return { generator: gen, discriminator: d };
}

/**
 * Builds the training step (forward, backward, optimizer update in one
 * graph) and the evaluation graph, and lowers both to ONNX.
 *
 * A model whose objective returns a `discriminator` (a two-player, adversarial
 * model) gets both players' updates in the same graph, from one forward pass:
 * the generator's parameters move along −∇ of the model's loss, the
 * discriminator's along −∇ of the discriminator's loss, each with its own
 * optimizer and slots (simultaneous gradient steps, as in GAN training with
 * the fakes detached for the discriminator). Each gradient is taken with
 * respect to its own player's parameters only, so neither loss moves the
 * other player's weights.
 */
export function buildStep(model: TrainableModel, opts: StepOptions): StepArtifacts {
  const device = opts.device ?? 'cpu';
  const g = graphFor(device, opts.seed ?? 0);
  const ctx = new GraphBuildContext(g, true);
  const { x, target, targetIsInput } = inputsFor(g, model);
  const { total, outputs, discriminator } = objective(ctx, model, x, target);
  const players = splitPlayers(model, ctx.specs.filter((s) => s.trainable), discriminator);
  const values = (specs: ParamSpec[]) => specs.map((s) => ctx.values.get(s.name)!);
  const lr = g.input('lr', []);
  const step = g.input('step', []);
  const updates = [updatePlayer(g, opts, opts.optimizer, values(players.generator), total, lr, step, '')];
  if (discriminator) {
    const dOpt = opts.discriminatorOptimizer ?? opts.optimizer;
    if (!(opts.optimizer.learningRate > 0)) throw new Error(`training an adversarial model needs a generator learning rate > 0 (the discriminator's rate is fed as a multiple of it), got ${opts.optimizer.learningRate}`);
    // One 'lr' input drives both players: a schedule scales both rates alike.
    const dLr = g.mul(lr, dOpt.learningRate / opts.optimizer.learningRate);
    updates.push(updatePlayer(g, opts, dOpt, values(players.discriminator), discriminator.loss, dLr, step, 'discriminator'));
  }
  const trainOutputs: Record<string, Value> = { ...outputs };
  for (const u of updates) Object.assign(trainOutputs, u.outputs);
  for (const [state, next] of ctx.stateUpdates) trainOutputs[nextName(state.name)] = next;
  const poisoned = updates.flatMap((u) => u.poisoned);
  if (poisoned.length) trainOutputs[NON_FINITE_CHECK] = poisoned.reduce((a, b) => g.add(a, b));

  const metrics = Object.keys(outputs);
  // Both graphs are lowered on first use: a model loaded for inference (every CLI command after
  // `train`) needs neither, and `evaluate`'s is a second build of the whole forward pass.
  let train: LoweredModel | undefined;
  let evaluate: LoweredModel | undefined;
  const lowerEvaluate = (): LoweredModel => buildEvaluation(model, { seed: opts.seed ?? 0, device });
  return {
    get train() {
      return (train ??= toOnnx(g, { outputs: trainOutputs, name: 'train_step', packed: updates.flatMap((u) => u.exportPacked), device }));
    },
    get evaluate() {
      return (evaluate ??= lowerEvaluate());
    },
    params: [...players.generator, ...players.discriminator].map((s) => s.name),
    slots: updates.flatMap((u) => u.slots),
    state: [...ctx.stateUpdates.keys()].map((v) => v.name),
    metrics,
    targetIsInput,
    specs: ctx.specs,
    packed: updates.flatMap((u) => u.packed),
    device,
    discriminatorParams: players.discriminator.map((s) => s.name),
  };
}

/** Output name of an inference part's output in an evaluation graph built with that part (see {@link buildEvaluation}). */
export const partOutputName = (part: string, output: string) => `${part}:${output}`;

/**
 * The evaluation graph: the objective built in inference mode (no corruption,
 * no updates), its metrics as outputs. With `part`, the graph also computes
 * that inference part on the same input, its outputs named
 * {@link partOutputName}: one run gives both the loss and, say, the
 * reconstruction. The two forward passes are built separately and ONNX
 * Runtime's common-subexpression elimination (level 'basic' and up) merges
 * what they share, so a plain autoencoder's forward pass runs once; where the
 * objective differs (a VAE samples its code, the part decodes μ), both run.
 */
export function buildEvaluation(model: TrainableModel, opts: { seed: number; device: ResolvedDevice }, part?: { name: string; part: ModelPart }): LoweredModel {
  const g = graphFor(opts.device, opts.seed);
  const ctx = new GraphBuildContext(g, false);
  const io = inputsFor(g, model);
  const outputs: Record<string, Value> = objective(ctx, model, io.x, io.target).outputs;
  if (part) {
    for (const [name, v] of Object.entries(part.part.build(ctx, io.x))) outputs[partOutputName(part.name, name)] = v;
  }
  return toOnnx(g, { outputs, name: part ? `evaluate+${part.name}` : 'evaluate', device: opts.device });
}

/**
 * Output name of the sum of a part's input batch, added by {@link buildPart}
 * with `inputSum` for `Trainer.predict`: a finite sum means every value is
 * finite, so ONNX Runtime's one threaded pass replaces a JavaScript scan of
 * each sample (measured 4.9 ms per 10,000 MNIST images, 15 % of the dense
 * model's inference); only a non-finite sum is searched for its cause.
 */
export const INPUT_SUM = 'aekit:inputSum';

/**
 * Lowers an inference part; with `bake`, weights become initializers so the
 * file stands alone. `device` as in {@link StepOptions} (exports keep the default).
 * `inputSum` adds the output {@link INPUT_SUM}.
 */
export function buildPart(part: ModelPart, name: string, bake?: Map<string, TensorData>, metadata?: Record<string, string>, device: ResolvedDevice = 'cpu', inputSum = false): LoweredModel {
  const g = graphFor(device, 0);
  const ctx = new GraphBuildContext(g, false);
  const x = g.input('x', ['N', ...part.inputShape]);
  const outputs = part.build(ctx, x);
  if (inputSum) outputs[INPUT_SUM] = g.reduceSum(x);
  const baked = new Map<Value, TensorData>();
  if (bake) {
    for (const [pname, v] of ctx.values) {
      const t = bake.get(pname);
      if (!t) throw new Error(`export ${name}: no value for parameter ${pname}`);
      baked.set(v, t);
    }
  }
  return toOnnx(g, { outputs, name, bake: bake ? baked : undefined, metadata, device });
}
