import { type OpCase } from '../../src/check/gradcheck.js';
import { Graph, type Value } from '../../src/graph/graph.js';
import { type Dim, type TensorData, sizeOf, tensor } from '../../src/graph/types.js';
import { GraphBuildContext, type Layer } from '../../src/layers/index.js';
import { compile } from '../../src/onnx/compile.js';

export const values = (t: { data: ArrayLike<number | bigint> }): number[] => Array.from(t.data as ArrayLike<number>, Number);

/** Seeded uniform draws in [-1, 1). */
export function draws(n: number, seed = 1): number[] {
  let a = seed >>> 0;
  return Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return (a / 4294967296) * 2 - 1;
  });
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4, what = 'value'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} vs ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) throw new Error(`${what}[${i}]: ${a} vs expected ${e}`);
  }
}

export interface LayerRun {
  y: number[];
  shape: readonly number[];
  ctx: GraphBuildContext;
  params: Map<string, TensorData>;
  /** New state values (training runs), by state name. */
  updates: Map<string, number[]>;
  /** Extra loss terms, by label. */
  losses: Map<string, number>;
}

/**
 * Builds `layer` on an input with a symbolic batch, compiles it and runs it on
 * concrete data; parameters are the context's seeded initial values unless given.
 */
export async function runLayer(
  layer: Layer,
  shape: number[],
  x: ArrayLike<number>,
  opts: { training?: boolean; seed?: number; graphSeed?: number; params?: Map<string, TensorData>; override?: Record<string, number[]> } = {},
): Promise<LayerRun> {
  const g = new Graph(opts.graphSeed ?? 0);
  const input = g.input('x', ['N', ...shape.slice(1)] as Dim[]);
  const ctx = new GraphBuildContext(g, opts.training ?? false);
  const y = layer.call(ctx, input);
  const params = opts.params ?? ctx.initialValues(opts.seed ?? 0);
  for (const [name, v] of Object.entries(opts.override ?? {})) {
    const p = params.get(name);
    if (!p) throw new Error(`no parameter ${name}; have ${[...params.keys()].join(', ')}`);
    params.set(name, tensor('float32', p.shape, v));
  }
  const outputs: Record<string, Value> = { y };
  const stateNames: string[] = [];
  for (const [s, next] of ctx.stateUpdates) {
    outputs[`state${stateNames.length}`] = next;
    stateNames.push(s.name);
  }
  ctx.losses.forEach((l, i) => (outputs[`loss${i}`] = l.term));
  const compiled = await compile(g, outputs);
  const feeds: Record<string, TensorData> = { x: tensor('float32', shape, x) };
  for (const [name, t] of params) feeds[name] = t;
  const out = await compiled.run(feeds);
  await compiled.release();
  return {
    y: values(out.y!),
    shape: out.y!.shape,
    ctx,
    params,
    updates: new Map(stateNames.map((n, i) => [n, values(out[`state${i}`]!)])),
    losses: new Map(ctx.losses.map((l, i) => [l.label, values(out[`loss${i}`]!)[0]!])),
  };
}

/**
 * A gradient-check case for a layer: one input (symbolic batch), the layer's
 * parameters declared by build() and so fed and differentiated by checkCase.
 * A reference receives [x, ...params in declaration order].
 */
export function layerCase(
  layer: Layer,
  shape: number[],
  opts: { training?: boolean; reference?: OpCase['reference']; kind?: 'normal' | 'awayFromZero' | 'distinct' | 'positive' } = {},
): OpCase {
  return {
    op: layer.className,
    label: `${layer.className} ${JSON.stringify(shape)}`,
    dtype: 'float32',
    inputs: [{ shape, symbolicBatch: true, kind: opts.kind ?? 'normal' }],
    build: (g, xs) => layer.call(new GraphBuildContext(g, opts.training ?? false), xs[0]!),
    reference: opts.reference,
  };
}

export { sizeOf };
