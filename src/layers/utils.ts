/**
 * Helpers shared by the layer implementations: argument validation, errors that
 * name the layer, window arithmetic mirroring the graph builder, and the
 * regularization penalties.
 */
import { type Graph, type Value } from '../graph/graph.js';
import { type Dim, type Shape, formatShape } from '../graph/types.js';
import { type BuildContext, type Initializer, type Layer } from './core.js';

/** Raised for invalid layer arguments and incompatible input shapes; the message names the layer. */
export class LayerError extends Error {
  override name = 'LayerError';
}

/** `ClassName 'name': message` */
export function layerError(layer: Pick<Layer, 'className' | 'name'>, message: string): LayerError {
  return new LayerError(`${layer.className} '${layer.name}': ${message}`);
}

/** Throws unless `v` is a positive integer. */
export function positiveInt(layer: Pick<Layer, 'className' | 'name'>, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw layerError(layer, `${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** A number or an [h, w] pair of positive integers, normalized to a pair. */
export function intPair(layer: Pick<Layer, 'className' | 'name'>, what: string, v: unknown): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2) throw layerError(layer, `${what} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  return [positiveInt(layer, what, p[0]), positiveInt(layer, what, p[1])];
}

/** Throws unless `v` is 'same' or 'valid'. */
export function paddingArg(layer: Pick<Layer, 'className' | 'name'>, v: unknown): 'same' | 'valid' {
  if (v !== 'same' && v !== 'valid') throw layerError(layer, `padding must be 'same' or 'valid', got ${JSON.stringify(v)}`);
  return v;
}

/** Validates an initializer argument. */
export function initializerArg(layer: Pick<Layer, 'className' | 'name'>, what: string, v: unknown): Initializer {
  const names = ['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'lecunNormal', 'zeros', 'ones'];
  if (typeof v === 'string' && names.includes(v)) return v as Initializer;
  if (v && typeof v === 'object' && typeof (v as { constant?: unknown }).constant === 'number') return { constant: (v as { constant: number }).constant };
  throw layerError(layer, `${what} must be one of ${names.join(', ')} or {constant: number}, got ${JSON.stringify(v)}`);
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
  if (typeof v !== 'object') throw layerError(layer, `${what} must be {l1?, l2?}, got ${JSON.stringify(v)}`);
  const { l1, l2 } = v as Regularizer;
  for (const [k, c] of [['l1', l1], ['l2', l2]] as const) {
    if (c !== undefined && !(typeof c === 'number' && c >= 0 && Number.isFinite(c))) throw layerError(layer, `${what}.${k} must be a non-negative number, got ${JSON.stringify(c)}`);
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
