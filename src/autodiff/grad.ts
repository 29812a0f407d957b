import { type Graph, type Node, Value } from '../graph/graph.js';
import { GraphBuildError } from '../graph/ops.js';
import { formatShape, isFloat } from '../graph/types.js';
import { type VjpContext, vjpRules } from './rules.js';

/**
 * Reverse-mode differentiation: appends to `g` the nodes computing
 * d(sum(seed · y)) / d(w) for each w in `wrt`, and returns those gradients in
 * order. Without a seed, y must hold one element and the seed is 1.
 * A variable y does not depend on gets a zero gradient. The new nodes are
 * ordinary IR, so the result can be differentiated again.
 */
export function grad(g: Graph, y: Value, wrt: readonly Value[], seed?: Value): Value[] {
  for (const v of [y, ...wrt, ...(seed ? [seed] : [])]) {
    if (!(v instanceof Value) || v.graph !== g) throw new GraphBuildError(`grad: '${String((v as Value)?.name)}' does not belong to this graph`);
  }
  if (!isFloat(y.dtype)) throw new GraphBuildError(`grad: cannot differentiate ${y.name} of dtype ${y.dtype}`);
  for (const w of wrt) if (!isFloat(w.dtype)) throw new GraphBuildError(`grad: cannot differentiate with respect to ${w.name} of dtype ${w.dtype}`);
  if (!seed && !y.shape.every((d) => d === 1)) {
    throw new GraphBuildError(`grad: ${y.name} has shape ${formatShape(y.shape)}; reduce it to one element or pass a seed of the same shape`);
  }
  if (seed && (seed.dtype !== y.dtype || seed.shape.join() !== y.shape.join())) {
    throw new GraphBuildError(`grad: seed ${seed} must match ${y}`);
  }

  // Forward: which values depend on a variable. Backward: which of those y depends on.
  const nodes: Node[] = [...g.nodes];
  const dependsOnWrt = new Set<Value>(wrt);
  for (const node of nodes) {
    if (node.inputs.some((v) => dependsOnWrt.has(v))) node.outputs.forEach((o) => dependsOnWrt.add(o));
  }
  const grads = new Map<Value, Value>();
  grads.set(y, seed ?? g.onesLike(y));
  const accumulate = (v: Value, d: Value) => {
    const prev = grads.get(v);
    grads.set(v, prev ? g.add(prev, d) : d);
  };

  const last = y.producer ? nodes.indexOf(y.producer) : -1;
  for (let i = last; i >= 0; i--) {
    const node = nodes[i]!;
    const outGrads = node.outputs.map((o) => grads.get(o));
    if (outGrads.every((d) => d === undefined)) continue;
    const needs = node.inputs.map((v) => dependsOnWrt.has(v) && isFloat(v.dtype));
    if (!needs.some(Boolean)) continue;
    const rule = vjpRules[node.op];
    if ('notDifferentiable' in rule) continue;
    const ctx: VjpContext<typeof node.op> = {
      g,
      node,
      inputs: node.inputs,
      outputs: node.outputs,
      attrs: node.attrs,
      dy: outGrads[0] ?? g.zerosLike(node.outputs[0]!),
      needs,
    };
    const inputGrads = (rule as (c: typeof ctx) => readonly (Value | undefined)[])(ctx);
    node.inputs.forEach((v, k) => {
      const d = inputGrads[k];
      if (!d || !needs[k]) return;
      if (d.shape.join() !== v.shape.join() || d.dtype !== v.dtype) {
        throw new GraphBuildError(`internal: ${node.op} rule gave ${d} for input ${v}`);
      }
      accumulate(v, d);
    });
  }
  return wrt.map((w) => grads.get(w) ?? g.zerosLike(w));
}
