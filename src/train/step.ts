import { grad } from '../autodiff/grad.js';
import { Graph, type Value } from '../graph/graph.js';
import { type TensorData } from '../graph/types.js';
import { GraphBuildContext, type ParamSpec } from '../layers/core.js';
import { type LoweredModel, toOnnx } from '../onnx/serialize.js';
import { type Optimizer, clipByGlobalNorm } from '../optim/optimizers.js';
import { type ModelPart, type TrainableModel } from './model.js';

/** Name of the output carrying a tensor's value after a step. */
export const nextName = (name: string) => `next/${name}`;
/** Output that is 0 when every updated parameter is finite, NaN otherwise. */
export const NON_FINITE_CHECK = 'nonFiniteCheck';
/** Name of an optimizer slot input for a parameter. */
export const slotName = (param: string, slot: string) => `${param}:${slot}`;

/** The compiled artifacts of a training set-up, serializable to a worker. */
export interface StepArtifacts {
  train: LoweredModel;
  evaluate: LoweredModel;
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
}

export interface StepOptions {
  optimizer: Optimizer;
  /** Clip gradients to this global L2 norm. */
  clipNorm?: number;
  /** Seed of the graph's random ops. */
  seed?: number;
  /**
   * Run an elementwise optimizer's update once over all parameters concatenated
   * (same numbers, a dozen nodes instead of a dozen per parameter, plus Concat and
   * Split copies). Default false: it measured neutral on the benchmark's dense
   * autoencoder (docs/performance.md); it pays off once parameters and slots are
   * stored flat, so that the copies go away.
   */
  fuseUpdate?: boolean;
}

function inputsFor(g: Graph, model: TrainableModel): { x: Value; target: Value; targetIsInput: boolean } {
  const x = g.input('x', ['N', ...model.inputShape]);
  if (!model.targetShape) return { x, target: x, targetIsInput: true };
  return { x, target: g.input('target', ['N', ...model.targetShape]), targetIsInput: false };
}

function objective(ctx: GraphBuildContext, model: TrainableModel, x: Value, target: Value) {
  const { loss, metrics } = model.buildObjective(ctx, x, target);
  let total = loss;
  const outputs: Record<string, Value> = {};
  for (const { term, label } of ctx.losses) {
    total = ctx.g.add(total, ctx.g.reshape(term, []));
    outputs[label] = term;
  }
  return { total, outputs: { loss: total, ...metrics, ...outputs } };
}

/**
 * Builds the training step (forward, backward, optimizer update in one
 * graph) and the evaluation graph, and lowers both to ONNX.
 */
export function buildStep(model: TrainableModel, opts: StepOptions): StepArtifacts {
  const g = new Graph(opts.seed ?? 0);
  const ctx = new GraphBuildContext(g, true);
  const { x, target, targetIsInput } = inputsFor(g, model);
  const { total, outputs } = objective(ctx, model, x, target);
  const trainable = ctx.specs.filter((s) => s.trainable);
  const paramValues = trainable.map((s) => ctx.values.get(s.name)!);
  let grads = grad(g, total, paramValues);
  const trainOutputs: Record<string, Value> = { ...outputs };
  if (opts.clipNorm) {
    const clipped = clipByGlobalNorm(g, grads, opts.clipNorm);
    grads = clipped.grads;
    trainOutputs.gradNorm = clipped.norm;
  }
  const lr = g.input('lr', []);
  const step = g.input('step', []);
  const slots: [string, string][] = [];
  const slotInputs = paramValues.map((param) => {
    const slotValues: Record<string, Value> = {};
    for (const s of opts.optimizer.slotNames) {
      const name = slotName(param.name, s);
      slotValues[s] = g.input(name, param.shape);
      slots.push([name, param.name]);
    }
    return slotValues;
  });
  const fused = (opts.fuseUpdate ?? false) && opts.optimizer.elementwise === true && paramValues.length > 1 && paramValues.every((p) => p.dtype === paramValues[0]!.dtype);
  let poisoned: Value[];
  if (fused) {
    // An elementwise update gives the same numbers on one flat vector holding every
    // parameter as on each parameter apart, in a dozen nodes instead of a dozen per
    // parameter; the results are sliced back to the parameters' shapes.
    const sizes = paramValues.map((p) => (p.shape as number[]).reduce((a, b) => a * b, 1));
    const flat = (vs: Value[]) => g.concat(vs.map((v, i) => g.reshape(v, [sizes[i]!])), 0);
    const slotsFlat: Record<string, Value> = {};
    for (const s of opts.optimizer.slotNames) slotsFlat[s] = flat(slotInputs.map((sv) => sv[s]!));
    const updated = opts.optimizer.update(g, { param: flat(paramValues), grad: flat(grads), slots: slotsFlat, lr, step });
    let offset = 0;
    paramValues.forEach((param, i) => {
      const piece = (v: Value) => g.reshape(g.slice(v, [offset], [offset + sizes[i]!], [0]), param.shape);
      trainOutputs[nextName(param.name)] = piece(updated.param);
      for (const s of opts.optimizer.slotNames) trainOutputs[nextName(slotName(param.name, s))] = piece(updated.slots[s]!);
      offset += sizes[i]!;
    });
    poisoned = [g.reduceSum(g.mul(updated.param, 0))];
  } else {
    paramValues.forEach((param, i) => {
      const updated = opts.optimizer.update(g, { param, grad: grads[i]!, slots: slotInputs[i]!, lr, step });
      trainOutputs[nextName(param.name)] = updated.param;
      for (const s of opts.optimizer.slotNames) trainOutputs[nextName(slotName(param.name, s))] = updated.slots[s]!;
    });
    poisoned = paramValues.map((p) => g.reduceSum(g.mul(trainOutputs[nextName(p.name)]!, 0)));
  }
  for (const [state, next] of ctx.stateUpdates) trainOutputs[nextName(state.name)] = next;
  // Σ reduceSum(p · 0) over the updated parameters is 0 unless one of them became
  // NaN or infinite: a one-pass native check instead of scanning arrays in JS.
  if (poisoned.length) trainOutputs[NON_FINITE_CHECK] = poisoned.reduce((a, b) => g.add(a, b));

  const ge = new Graph(opts.seed ?? 0);
  const ectx = new GraphBuildContext(ge, false);
  const eio = inputsFor(ge, model);
  const evalOutputs = objective(ectx, model, eio.x, eio.target).outputs;
  const metrics = Object.keys(outputs);
  return {
    train: toOnnx(g, { outputs: trainOutputs, name: 'train_step' }),
    evaluate: toOnnx(ge, { outputs: evalOutputs, name: 'evaluate' }),
    params: trainable.map((s) => s.name),
    slots,
    state: [...ctx.stateUpdates.keys()].map((v) => v.name),
    metrics,
    targetIsInput,
    specs: ctx.specs,
  };
}

/** Lowers an inference part; with `bake`, weights become initializers so the file stands alone. */
export function buildPart(part: ModelPart, name: string, bake?: Map<string, TensorData>, metadata?: Record<string, string>): LoweredModel {
  const g = new Graph(0);
  const ctx = new GraphBuildContext(g, false);
  const x = g.input('x', ['N', ...part.inputShape]);
  const outputs = part.build(ctx, x);
  const baked = new Map<Value, TensorData>();
  if (bake) {
    for (const [pname, v] of ctx.values) {
      const t = bake.get(pname);
      if (!t) throw new Error(`export ${name}: no value for parameter ${pname}`);
      baked.set(v, t);
    }
  }
  return toOnnx(g, { outputs, name, bake: bake ? baked : undefined, metadata });
}
