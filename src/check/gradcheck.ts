/**
 * Finite-difference gradient checking through ONNX Runtime, after ONNX
 * Runtime's own gradient checker: for L = sum(r · f(x)) with a fixed random r,
 * compare the analytic dL/dx from our VJP rules with central differences
 * (L(x + ε) − L(x − ε)) / 2ε, element by element, and report the largest error.
 */
import { grad } from '../autodiff/grad.js';
import { Graph, type Value } from '../graph/graph.js';
import { type DType, type TensorData, sizeOf, tensor } from '../graph/types.js';
import { compile } from '../onnx/compile.js';
import { RuntimeError, RuntimeSession } from '../onnx/runtime.js';
import { toOnnx } from '../onnx/serialize.js';
import { type NDArray, type ReferenceOpName, nd, referenceOps } from './reference.js';
import { mulberry32 } from '../eval/stats.js';

/** How a check input's values are drawn (chosen to keep away from kinks of non-smooth ops). */
export type InputKind = 'normal' | 'positive' | 'awayFromZero' | 'distinct' | 'uniform01' | 'index' | 'fixed';

export interface CheckInput {
  shape: number[];
  kind?: InputKind;
  /** Declare the first axis symbolic ('N') to exercise batch-agnostic graphs. */
  symbolicBatch?: boolean;
  /** For 'index': values drawn in [0, indexRange); for 'fixed': the values. */
  indexRange?: number;
  values?: number[];
  /** Not differentiated (labels, indices, masks). */
  constant?: boolean;
}

/** One gradient-check scenario. */
export interface OpCase {
  /** The op (or composite) this case counts for in the report. */
  op: string;
  label: string;
  inputs: CheckInput[];
  build(g: Graph, xs: Value[]): Value;
  /** Forward reference for the output, from the input data. */
  reference?: (xs: Float64Array[], shapes: number[][]) => Float64Array;
  /** Random ops: each evaluation uses a fresh session, whose seeded generators start over. */
  freshSessions?: boolean;
  /** Force a dtype (e.g. float32-only casts). */
  dtype?: DType;
  /** Custom forward check of the output; returns an error message or null. */
  forwardCheck?: (y: Float64Array, xs: Float64Array[]) => string | null;
}

export interface CaseResult {
  op: string;
  label: string;
  dtype: DType;
  forward: 'ok' | 'failed' | 'unchecked';
  forwardError: number;
  gradient: 'ok' | 'failed' | 'none';
  /** max over checked elements of |numeric − analytic| / max(1, |numeric|, |analytic|) */
  gradError: number;
  checkedElements: number;
  message?: string;
}

/** Small seeded generator so checks are reproducible. */
export const seededRandom = mulberry32;

function drawValues(input: CheckInput, rand: () => number): number[] {
  const n = sizeOf(input.shape);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  switch (input.kind ?? 'normal') {
    case 'normal': return Array.from({ length: n }, normal);
    case 'positive': return Array.from({ length: n }, () => 0.5 + 1.5 * rand());
    case 'awayFromZero': return Array.from({ length: n }, () => (rand() < 0.5 ? -1 : 1) * (0.2 + rand()));
    case 'uniform01': return Array.from({ length: n }, () => 0.05 + 0.9 * rand());
    case 'distinct': {
      // A shuffled ramp: ties and near-ties (where max is not differentiable) cannot occur.
      const values = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [values[i], values[j]] = [values[j]!, values[i]!];
      }
      return values;
    }
    case 'index': return Array.from({ length: n }, () => Math.floor(rand() * (input.indexRange ?? 2)));
    case 'fixed': return input.values!;
  }
}

const TOLERANCE: Record<'float32' | 'float64', { eps: number; atol: number; rtol: number; fwd: number }> = {
  float64: { eps: 1e-6, atol: 1e-6, rtol: 1e-5, fwd: 1e-9 },
  float32: { eps: 1e-2, atol: 5e-3, rtol: 2e-2, fwd: 1e-4 },
};

/** Elements perturbed per input at most; larger inputs get a seeded sample. */
const MAX_ELEMENTS = 48;

function toFloat64(t: TensorData): Float64Array {
  return Float64Array.from(t.data as ArrayLike<number>, Number);
}

interface Built {
  g: Graph;
  xs: Value[];
  y: Value;
  loss: Value;
  grads: Value[];
  diffIndex: number[];
}

function buildCase(c: OpCase, dtype: DType, seed: number): Built {
  const g = new Graph(seed);
  const xs = c.inputs.map((inp, i) => {
    const isIndex = inp.kind === 'index';
    const shape = inp.symbolicBatch ? ['N', ...inp.shape.slice(1)] : inp.shape;
    return g.input(`x${i}`, shape, isIndex ? 'int64' : dtype);
  });
  const y = c.build(g, xs);
  // Parameters (and inputs) that build() declared itself, e.g. a layer's weights,
  // are fed normal draws and differentiated like the declared inputs.
  for (const v of [...g.inputs, ...g.params]) {
    if (xs.includes(v)) continue;
    if (v.shape.some((d) => typeof d !== 'number')) throw new Error(`check case ${c.label}: extra input ${v.name} must have a concrete shape`);
    xs.push(v);
    c.inputs.push({ shape: v.shape as number[], kind: 'normal' });
  }
  const r = g.input('r', y.shape, y.dtype);
  const loss = g.reduceSum(g.mul(y, r));
  const diffIndex = c.inputs.map((inp, i) => (inp.constant || inp.kind === 'index' ? -1 : i)).filter((i) => i >= 0);
  const grads = diffIndex.length ? grad(g, loss, diffIndex.map((i) => xs[i]!)) : [];
  return { g, xs, y, loss, grads, diffIndex };
}

/** Runs one case: forward against its reference, then the gradient check. */
export async function checkCase(c: OpCase, seed = 1): Promise<CaseResult> {
  const dtypes: DType[] = c.dtype ? [c.dtype] : ['float64', 'float32'];
  let lastError: unknown;
  for (const dtype of dtypes) {
    try {
      return await checkWithDtype(c, dtype as 'float32' | 'float64', seed);
    } catch (e) {
      // Some ONNX Runtime CPU kernels (Conv, ConvTranspose, ...) exist only for float32.
      if (e instanceof RuntimeError && /NOT_IMPLEMENTED|Could not find an implementation|not implemented/i.test(e.message)) {
        lastError = e;
        continue;
      }
      throw e;
    }
  }
  throw lastError;
}

async function checkWithDtype(c: OpCase, dtype: 'float32' | 'float64', seed: number): Promise<CaseResult> {
  const tol = TOLERANCE[dtype];
  const rand = seededRandom(seed * 9973 + 17);
  c = { ...c, inputs: [...c.inputs] };
  const { g, xs, y, loss, grads, diffIndex } = buildCase(c, dtype, seed);
  const data = c.inputs.map((inp) => drawValues(inp, rand));
  const rValues = Array.from({ length: sizeOf(y.shape.map((d, i) => (typeof d === 'number' ? d : c.inputs[0]!.shape[i]!))) }, () => rand() * 2 - 1);
  const concreteY = y.shape.map((d, i) => (typeof d === 'number' ? d : c.inputs[0]!.shape[i]!));
  const feedsFor = (values: number[][]): Record<string, TensorData> => {
    const feeds: Record<string, TensorData> = { r: tensor(y.dtype, concreteY, rValues) };
    xs.forEach((x, i) => (feeds[x.name] = tensor(x.dtype, c.inputs[i]!.shape, values[i]!)));
    return feeds;
  };

  const outputs: Record<string, Value> = { y, loss };
  grads.forEach((gv, k) => (outputs[`grad${k}`] = gv));
  const full = await compile(g, outputs);
  const analytic = await full.run(feedsFor(data));
  await full.release();

  const result: CaseResult = {
    op: c.op, label: c.label, dtype, forward: 'unchecked', forwardError: 0, gradient: 'none', gradError: 0, checkedElements: 0,
  };
  const yData = toFloat64(analytic.y!);
  const xData = data.map((d) => Float64Array.from(d));
  const reference = c.reference ?? nodeReference(y, xs, xData, c.inputs.map((i) => i.shape));
  if (reference) {
    const expected = reference(xData, c.inputs.map((i) => i.shape));
    let worst = expected.length === yData.length ? 0 : Infinity;
    for (let i = 0; i < expected.length && worst < Infinity; i++) {
      worst = Math.max(worst, Math.abs(expected[i]! - yData[i]!) / Math.max(1, Math.abs(expected[i]!)));
    }
    result.forwardError = worst;
    result.forward = worst <= tol.fwd ? 'ok' : 'failed';
    if (result.forward === 'failed') result.message = `forward differs from the reference by ${worst.toExponential(2)}`;
  }
  if (c.forwardCheck) {
    const message = c.forwardCheck(yData, xData);
    if (message) {
      result.forward = 'failed';
      result.message = message;
    } else if (result.forward === 'unchecked') result.forward = 'ok';
  }
  if (diffIndex.length === 0) return result;

  // Numeric side: a forward-only model evaluated at perturbed inputs.
  const lossModel = toOnnx(g, { outputs: { loss } });
  let shared = c.freshSessions ? undefined : await RuntimeSession.create(lossModel.bytes);
  const evalLoss = async (values: number[][]): Promise<number> => {
    const session = shared ?? (await RuntimeSession.create(lossModel.bytes));
    const out = await session.run(feedsFor(values));
    if (!shared) await session.release();
    return Number(out.loss!.data[0]);
  };
  let worst = 0;
  let checked = 0;
  for (const [k, i] of diffIndex.entries()) {
    const ana = toFloat64(analytic[`grad${k}`]!);
    const n = data[i]!.length;
    const picks = n <= MAX_ELEMENTS ? [...Array(n).keys()] : Array.from({ length: MAX_ELEMENTS }, () => Math.floor(rand() * n));
    for (const j of picks) {
      const original = data[i]![j]!;
      data[i]![j] = original + tol.eps;
      const plus = await evalLoss(data);
      data[i]![j] = original - tol.eps;
      const minus = await evalLoss(data);
      data[i]![j] = original;
      const numeric = (plus - minus) / (2 * tol.eps);
      const a = ana[j]!;
      const err = Math.abs(numeric - a);
      const scaled = err / Math.max(1, Math.abs(numeric), Math.abs(a));
      worst = Math.max(worst, scaled);
      checked += 1;
      if (err > tol.atol + tol.rtol * Math.max(Math.abs(numeric), Math.abs(a)) && result.gradient !== 'failed') {
        result.gradient = 'failed';
        result.message = `d/d(input ${i})[${j}]: numeric ${numeric.toPrecision(6)} vs analytic ${a.toPrecision(6)}`;
      }
    }
  }
  if (shared) await shared.release();
  shared = undefined;
  if (result.gradient !== 'failed') result.gradient = 'ok';
  result.gradError = worst;
  result.checkedElements = checked;
  return result;
}

/**
 * For a case whose output comes straight from one op fed by case inputs and
 * constants, the plain-TypeScript reference of that op.
 */
function nodeReference(y: Value, xs: Value[], xData: Float64Array[], shapes: number[][]): OpCase['reference'] {
  const node = y.producer;
  if (!node || !(node.op in referenceOps)) return undefined;
  const args: NDArray[] = [];
  for (const v of node.inputs) {
    const k = xs.indexOf(v);
    if (k >= 0) args.push(nd(shapes[k]!, xData[k]!));
    else if (v.data) args.push(nd([...v.data.shape], Float64Array.from(v.data.data as ArrayLike<number>, Number)));
    else return undefined;
  }
  const op = referenceOps[node.op as ReferenceOpName] as (inputs: NDArray[], attrs: unknown) => NDArray[];
  return () => op(args, node.attrs)[y.outputIndex]!.data;
}

/** Aggregated status of one op over its cases. */
export interface OpReport {
  op: string;
  cases: number;
  dtypes: DType[];
  forward: 'ok' | 'failed' | 'unchecked';
  gradient: 'ok' | 'failed' | 'none';
  maxGradError: number;
  maxForwardError: number;
  failures: string[];
}

export function summarize(results: CaseResult[]): OpReport[] {
  const byOp = new Map<string, OpReport>();
  for (const r of results) {
    const rep = byOp.get(r.op) ?? {
      op: r.op, cases: 0, dtypes: [], forward: 'unchecked', gradient: 'none', maxGradError: 0, maxForwardError: 0, failures: [],
    };
    rep.cases += 1;
    if (!rep.dtypes.includes(r.dtype)) rep.dtypes.push(r.dtype);
    if (r.forward === 'failed' || rep.forward === 'failed') rep.forward = 'failed';
    else if (r.forward === 'ok') rep.forward = 'ok';
    if (r.gradient === 'failed' || rep.gradient === 'failed') rep.gradient = 'failed';
    else if (r.gradient === 'ok') rep.gradient = 'ok';
    rep.maxGradError = Math.max(rep.maxGradError, r.gradError);
    rep.maxForwardError = Math.max(rep.maxForwardError, r.forwardError);
    if (r.message) rep.failures.push(`${r.label}: ${r.message}`);
    byOp.set(r.op, rep);
  }
  return [...byOp.values()];
}
