/**
 * Helpers shared by the layer implementations: argument validation, errors that
 * name the layer, window arithmetic mirroring the graph builder, and the
 * regularization penalties.
 */
import { type Graph, type Value } from '../graph/graph.js';
import { type Dim, type Shape, formatShape } from '../graph/types.js';
import { type BuildContext, type Initializer, type Layer } from './core.js';
import { didYouMean } from '../config/validate.js';

// Shared with the optimizers' and data readers' option checks; re-exported so layers keep one import.
export { argNames, closestKey } from '../config/validate.js';

/** A value for an error message; unlike JSON.stringify, keeps NaN, ±Infinity and undefined visible. */
export function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return String(v);
  try {
    return JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Raised for invalid layer arguments and incompatible input shapes; the message names the layer. */
export class LayerError extends Error {
  override name = 'LayerError';
}

/** `ClassName 'name': message` */
export function layerError(layer: Pick<Layer, 'className' | 'name'>, message: string): LayerError {
  return new LayerError(`${layer.className} '${layer.name}': ${message}`);
}

/**
 * Checks a layer constructor's args before anything reads them: a plain
 * object (`undefined` too when every arg is optional) whose keys are all
 * documented args, with a `name`, if any, a non-empty string. Layers call it
 * inside their `super(...)` call, so a typo such as `activaton` fails at once,
 * naming the key and the allowed ones, instead of being ignored.
 * @param allowed the layer's arg names ({@link argNames}).
 * @throws {LayerError} `Dense 'enc': unknown arg 'activaton' (did you mean 'activation'?); allowed args: ...`
 */
export function checkLayerArgs<T>(className: string, args: T | undefined, allowed: readonly string[], optional = false): T & { name?: string } {
  if (args === undefined && optional) return {} as T & { name?: string };
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    const required = optional ? 'an object (or nothing)' : 'an object';
    throw new LayerError(`${className}: args must be ${required} with fields ${allowed.join(', ')}; got ${args === null ? 'null' : Array.isArray(args) ? 'an array' : `${typeof args} ${show(args)}`}`);
  }
  const name = (args as { name?: unknown }).name;
  const who = typeof name === 'string' && name !== '' ? `${className} '${name}'` : className;
  for (const key of Object.keys(args)) {
    if (!allowed.includes(key)) {
      throw new LayerError(`${who}: unknown arg '${key}'${didYouMean(key, allowed)}; allowed args: ${allowed.join(', ')}`);
    }
  }
  if (name !== undefined && (typeof name !== 'string' || name === '')) throw new LayerError(`${className}: name must be a non-empty string, got ${show(name)}`);
  return args as T & { name?: string };
}

/** An optional boolean arg: `undefined` gives the default, anything but true/false is an error. */
export function boolArg(layer: Pick<Layer, 'className' | 'name'>, what: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw layerError(layer, `${what} must be true or false, got ${show(v)}`);
  return v;
}

/** Throws unless `v` is a positive integer. */
export function positiveInt(layer: Pick<Layer, 'className' | 'name'>, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw layerError(layer, `${what} must be a positive integer, got ${show(v)}`);
  return v;
}

/** A number or an [h, w] pair of positive integers, normalized to a pair. */
export function intPair(layer: Pick<Layer, 'className' | 'name'>, what: string, v: unknown): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2) throw layerError(layer, `${what} must be a positive integer or a pair of them, got ${show(v)}`);
  return [positiveInt(layer, what, p[0]), positiveInt(layer, what, p[1])];
}

/** Throws unless `v` is 'same' or 'valid'. */
export function paddingArg(layer: Pick<Layer, 'className' | 'name'>, v: unknown): 'same' | 'valid' {
  if (v !== 'same' && v !== 'valid') throw layerError(layer, `padding must be 'same' or 'valid', got ${show(v)}`);
  return v;
}

/** Validates an initializer argument. */
export function initializerArg(layer: Pick<Layer, 'className' | 'name'>, what: string, v: unknown): Initializer {
  const names = ['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'lecunNormal', 'zeros', 'ones'];
  if (typeof v === 'string' && names.includes(v)) return v as Initializer;
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).every((k) => k === 'constant')) {
    const c = (v as { constant?: unknown }).constant;
    if (typeof c === 'number' && Number.isFinite(c)) return { constant: c };
  }
  throw layerError(layer, `${what} must be one of ${names.join(', ')} or {constant: <finite number>}, got ${show(v)}`);
}

/** Checks the rank of an input shape. */
export function requireRank(layer: Pick<Layer, 'className' | 'name'>, input: Shape, ranks: number[], layout: string): void {
  if (!ranks.includes(input.length)) throw layerError(layer, `expects input ${layout}, got ${formatShape(input)}`);
}

/** A dim that must be a known number (features, channels, spatial sizes, time steps). */
export function knownDim(layer: Pick<Layer, 'className' | 'name'>, input: Shape, axis: number, what: string): number {
  const d = input[axis];
  if (typeof d !== 'number') throw layerError(layer, `${what} (axis ${axis}) must be a known size, got ${String(d)} in ${formatShape(input)}`);
  return d;
}

/** Output length of a 'same' or 'valid' window along one axis (Keras conv_output_length). */
export function windowLength(size: number, kernel: number, stride: number, padding: 'same' | 'valid', dilation = 1): number {
  if (padding === 'same') return Math.ceil(size / stride);
  return Math.floor((size - (dilation * (kernel - 1) + 1)) / stride) + 1;
}

/**
 * Checks that the value a layer built has the shape its computeOutputShape
 * promised, so the two can never drift apart silently.
 */
export function expectShape(layer: Pick<Layer, 'className' | 'name'>, y: Value, expected: Shape): Value {
  if (y.shape.length !== expected.length || y.shape.some((d, i) => d !== expected[i])) {
    throw layerError(layer, `internal error: built ${formatShape(y.shape)} but computeOutputShape gives ${formatShape(expected)}`);
  }
  return y;
}

/** L1/L2 penalty coefficients, as in Keras' `L1L2` regularizer. */
export interface Regularizer {
  /** Coefficient of Σ|w|. Default 0. */
  l1?: number;
  /** Coefficient of Σw². Default 0. */
  l2?: number;
}

/** Validates and normalizes a regularizer argument (undefined when absent or all zero). */
export function regularizerArg(layer: Pick<Layer, 'className' | 'name'>, what: string, v: unknown): Regularizer | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw layerError(layer, `${what} must be {l1?, l2?}, got ${show(v)}`);
  const unknown = Object.keys(v).find((k) => k !== 'l1' && k !== 'l2');
  if (unknown !== undefined) throw layerError(layer, `${what}: unknown key '${unknown}'; allowed keys: l1, l2`);
  const { l1, l2 } = v as Regularizer;
  for (const [k, c] of [['l1', l1], ['l2', l2]] as const) {
    if (c !== undefined && !(typeof c === 'number' && c >= 0 && Number.isFinite(c))) throw layerError(layer, `${what}.${k} must be a non-negative number, got ${show(c)}`);
  }
  const out: Regularizer = {};
  if (l1) out.l1 = l1;
  if (l2) out.l2 = l2;
  return out.l1 || out.l2 ? out : undefined;
}

/** Elementwise l1·|w| + l2·w² (before any reduction). */
function penaltyTerms(g: Graph, w: Value, reg: Regularizer): Value {
  const parts: Value[] = [];
  if (reg.l1) parts.push(g.mul(g.abs(w), reg.l1));
  if (reg.l2) parts.push(g.mul(g.square(w), reg.l2));
  return parts.length === 2 ? g.add(parts[0]!, parts[1]!) : parts[0]!;
}

/** Weight penalty l1·Σ|W| + l2·ΣW², a scalar. */
export function weightPenalty(g: Graph, w: Value, reg: Regularizer): Value {
  return g.reduceSum(penaltyTerms(g, w, reg));
}

/**
 * Activity penalty on a layer output y of shape [N, ...]: the per-sample sum of
 * l1·|y| + l2·y², averaged over the batch (Keras divides the summed penalty by
 * the batch size). A scalar.
 */
export function activityPenalty(g: Graph, y: Value, reg: Regularizer): Value {
  const terms = penaltyTerms(g, y, reg);
  const perSample = terms.rank > 1 ? g.reduceSum(terms, [...Array(terms.rank).keys()].slice(1)) : terms;
  return g.reduceMean(perSample, [0]);
}

/** Adds the kernel penalty (if any) to the context's losses. */
export function addKernelPenalty(ctx: BuildContext, layerName: string, w: Value, reg: Regularizer | undefined): void {
  if (reg) ctx.addLoss(weightPenalty(ctx.g, w, reg), `${layerName}/kernelRegularizer`);
}

/** Adds the activity penalty (if any) to the context's losses. */
export function addActivityPenalty(ctx: BuildContext, layerName: string, y: Value, reg: Regularizer | undefined): void {
  if (reg) ctx.addLoss(activityPenalty(ctx.g, y, reg), `${layerName}/activityRegularizer`);
}

/** Copies a shape into a mutable Dim[]. */
export const dims = (s: Shape): Dim[] => [...s];
