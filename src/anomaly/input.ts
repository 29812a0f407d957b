/**
 * Checks of the samples a detector is given, so a wrong width, a NaN or an
 * empty set is reported naming the sample and feature instead of surfacing as
 * a shape error from inside ONNX Runtime or a NaN score.
 */
import { sizeOf } from '../graph/types.js';

/**
 * Samples for a detector: a flat array of n·|sample| values, or `{ x, shape: [n, ...sampleShape] }`
 * (a `Dataset` fits), with the features' names when they have some (`fit` keeps them for explanations).
 */
export type DetectorData = Float32Array | { x: Float32Array; shape: readonly number[]; columns?: readonly string[] };

/** A bad input to a detector: names what was wrong. */
export class AnomalyInputError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'AnomalyInputError';
  }
}

/**
 * Validates samples against a per-sample shape and returns the flat values
 * and the sample count. `what` names the call in messages (`score`, `fit`...).
 */
export function checkSamples(data: DetectorData, sampleShape: readonly number[], what: string): { x: Float32Array; n: number } {
  const size = sizeOf(sampleShape as number[]);
  let x: Float32Array;
  if (data instanceof Float32Array) {
    x = data;
    if (x.length % size !== 0) {
      throw new AnomalyInputError(`${what}: ${x.length} values are not whole samples of shape [${sampleShape}] (${size} values each)`);
    }
  } else if (data !== null && typeof data === 'object' && (data as { x?: unknown }).x instanceof Float32Array && Array.isArray((data as { shape?: unknown }).shape)) {
    x = data.x;
    const shape = data.shape;
    const rest = shape.slice(1);
    if (shape.length < 1 || rest.length !== sampleShape.length || rest.some((d, i) => d !== sampleShape[i])) {
      throw new AnomalyInputError(`${what}: samples of shape [${rest}] (data shape [${shape}]), the detector expects [n, ${sampleShape}]`);
    }
    if (x.length !== sizeOf(shape as number[])) throw new AnomalyInputError(`${what}: x has ${x.length} values, shape [${shape}] needs ${sizeOf(shape as number[])}`);
  } else {
    throw new AnomalyInputError(`${what}: expected a Float32Array or { x: Float32Array, shape: [n, ${sampleShape}] }, got ${describe(data)}`);
  }
  const n = x.length / size;
  if (n === 0) throw new AnomalyInputError(`${what}: no samples (an empty set)`);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v - v !== 0) {
      throw new AnomalyInputError(`${what}: sample ${Math.floor(i / size)}, feature ${i % size} is ${v}; scores need finite values (impute or drop the sample)`);
    }
  }
  return { x, n };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a plain array (use Float32Array.from(...))';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} (use a Float32Array)`;
  return typeof v;
}
