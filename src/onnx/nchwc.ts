/**
 * Blocked-channel (NCHWc) convolutions for ONNX Runtime's CPU provider.
 *
 * MLAS, ONNX Runtime's CPU math library, has convolution kernels that read
 * and write activations with the channels cut into blocks of 8 (AVX2) or 16
 * (AVX-512) values stored next to each other, `[N, C/b, H, W, b]`, and
 * weights in a matching blocked order. ONNX Runtime only switches to them by
 * itself at optimization level 'all' and only for convolutions whose weights
 * are constants; aekit feeds its weights as graph inputs (the same graph
 * trains and infers), so none of its convolutions got them. Measured on a
 * 32 → 32-channel 3 × 3 convolution at 14 × 14 (docs/performance.md), the
 * blocked kernel with its two layout reorders takes about two thirds of the
 * time of the plain one.
 *
 * The block size belongs to the machine that runs the graph, not the one that
 * built it, so the graph is rewritten when a session is created: the lowering
 * (serialize.ts) marks each convolution that could take the blocked kernels
 * with {@link NCHWC_MARK} in the node's doc string, and {@link rewriteNchwc}
 * replaces each marked node whose channel counts are multiples of the block
 * by: the weight reordered in the graph (Reshape, Transpose, Reshape, a few
 * thousand values per step), the input reordered to blocks, the blocked Conv,
 * and the output reordered back. The block size is asked of ONNX Runtime
 * itself ({@link nchwcBlockSize}), never guessed from CPU flags: a wrong
 * block would give wrong numbers, not an error.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Doc-string prefix of a Conv node that may take the blocked kernels: `aekit:nchwc <M> <C> <kH> <kW>`. */
export const NCHWC_MARK = 'aekit:nchwc';
/** ONNX Runtime's operator domain of the blocked kernels. */
export const NCHWC_DOMAIN = 'com.microsoft.nchwc';
/**
 * Version of {@link rewriteNchwc}'s output, part of the optimized-model cache
 * key: a cached model rewritten by an older rule must not be reused.
 */
export const NCHWC_REWRITE = 4;
/** The smallest block MLAS uses; convolutions with other channel counts are never marked. */
export const MIN_NCHWC_BLOCK = 8;

/** Channels of the block-size probe's input. */
export const PROBE_CHANNELS = 4;

const MARK_BYTES = new TextEncoder().encode(NCHWC_MARK);

/** Whether a serialized model has any marked convolution (a byte search, no decoding). */
export function hasNchwcMarks(model: Uint8Array): boolean {
  return Buffer.from(model.buffer, model.byteOffset, model.byteLength).indexOf(MARK_BYTES) >= 0;
}

/** The doc string that marks a Conv with weight shape [m, c, kh, kw]. */
export function nchwcMark(m: number, c: number, kh: number, kw: number): string {
  return `${NCHWC_MARK} ${m} ${c} ${kh} ${kw}`;
}

function parseMark(doc: string | null | undefined): [number, number, number, number] | undefined {
  if (!doc?.startsWith(`${NCHWC_MARK} `)) return undefined;
  const dims = doc.slice(NCHWC_MARK.length + 1).split(' ').map(Number);
  return dims.length === 4 && dims.every((d) => Number.isInteger(d) && d > 0) ? dims as [number, number, number, number] : undefined;
}

const INT64 = onnx.TensorProto.DataType.INT64;
const A = onnx.AttributeProto.AttributeType;

/**
 * `model` with every marked convolution whose input and output channels are
 * multiples of `block` running on the blocked kernels, or undefined when no
 * node qualifies (the caller keeps the original bytes).
 */
export function rewriteNchwc(model: Uint8Array, block: number): Uint8Array | undefined {
  const proto = onnx.ModelProto.decode(model);
  const names = new Set<string>();
  collectNames(proto.graph!, names);
  let count = 0;
  const fresh = (hint: string) => {
    let name: string;
    do name = `aekit_nchwc${count++}_${hint}`;
    while (names.has(name));
    names.add(name);
    return name;
  };
  // Merged first, while every node is a standard op: see mergeCommonSubexpressions.
  mergeCommonSubexpressions(proto.graph!);
  const rewritten = rewriteGraph(proto.graph!, block, fresh);
  if (rewritten === 0) return undefined;
  proto.opsetImport = [...(proto.opsetImport ?? []).filter((o) => o.domain !== NCHWC_DOMAIN), { domain: NCHWC_DOMAIN, version: 1 }];
  return onnx.ModelProto.encode(proto).finish();
}

/** Ops whose two calls on the same inputs may give different values: never merged. */
const NONDETERMINISTIC = new Set(['RandomNormal', 'RandomNormalLike', 'RandomUniform', 'RandomUniformLike', 'Multinomial', 'Bernoulli', 'Dropout']);

/**
 * Common-subexpression elimination over `graph` (not into subgraphs, whose
 * references to merged values are renamed): a node with the same op,
 * attributes and inputs as an earlier one is dropped and its outputs read
 * the earlier node's.
 *
 * An evaluation graph computes the objective and an inference part from the
 * same input as two separate chains of nodes (src/train/step.ts) and relies
 * on ONNX Runtime's own elimination to run what they share once. That pass
 * merges standard ops but not the blocked kernels, so after the rewrite
 * every layer from the first blocked convolution on would run twice (an
 * `aekit eval` of the conv preset measured 1.5 times slower): the chains
 * are merged here, before the rewrite.
 */
export function mergeCommonSubexpressions(graph: onnxProto.onnx.IGraphProto): void {
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name!));
  const alias = new Map<string, string>();
  const seen = new Map<string, string[]>();
  const kept: onnxProto.onnx.INodeProto[] = [];
  for (const node of graph.node ?? []) {
    node.input = (node.input ?? []).map((n) => alias.get(n) ?? n);
    const inner = subgraphs(node);
    for (const g of inner) renameInputs(g, alias);
    if (inner.length > 0 || NONDETERMINISTIC.has(node.opType!)) {
      kept.push(node);
      continue;
    }
    const attrs = (node.attribute ?? []).map((a) => Buffer.from(onnx.AttributeProto.encode(a).finish()).toString('base64'));
    const key = JSON.stringify([node.domain ?? '', node.opType, node.input, attrs]);
    const earlier = seen.get(key);
    const outs = node.output ?? [];
    if (earlier === undefined || outs.some((o, i) => o !== '' && !earlier[i])) {
      if (earlier === undefined) seen.set(key, outs);
      kept.push(node);
      continue;
    }
    outs.forEach((o, i) => {
      if (o === '') return;
      // A graph output keeps its name: it becomes a copy of the earlier value.
      if (graphOutputs.has(o)) kept.push({ opType: 'Identity', input: [earlier[i]!], output: [o], name: `${o}__merged` });
      else alias.set(o, earlier[i]!);
    });
  }
  graph.node = kept;
}

function renameInputs(graph: onnxProto.onnx.IGraphProto, alias: Map<string, string>): void {
  for (const node of graph.node ?? []) {
    node.input = (node.input ?? []).map((n) => alias.get(n) ?? n);
    for (const g of subgraphs(node)) renameInputs(g, alias);
  }
}

/** Subgraphs held by a node's attributes (a Loop's body: a chunked training step runs its steps in one). */
function subgraphs(node: onnxProto.onnx.INodeProto): onnxProto.onnx.IGraphProto[] {
  return (node.attribute ?? []).flatMap((a) => [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]);
}

function collectNames(graph: onnxProto.onnx.IGraphProto, names: Set<string>): void {
  for (const v of [...(graph.input ?? []), ...(graph.initializer ?? []), ...(graph.output ?? [])]) names.add(v.name!);
  for (const n of graph.node ?? []) {
    for (const v of [...(n.input ?? []), ...(n.output ?? [])]) names.add(v);
    if (n.name) names.add(n.name);
    for (const g of subgraphs(n)) collectNames(g, names);
  }
}

/** Rewrites the marked convolutions of `graph` and of its subgraphs in place; returns how many. */
function rewriteGraph(graph: onnxProto.onnx.IGraphProto, block: number, fresh: (hint: string) => string): number {
  const initializers = (graph.initializer ??= []);
  // One initializer per distinct shape: two convolutions of the same weight (the objective's forward pass
  // and an inference part's, in an evaluation graph) then rewrite to identical nodes, which ONNX Runtime's
  // common-subexpression elimination merges as it merged the plain ones.
  const shapes = new Map<string, string>();
  const shapeConst = (dims: number[]) => {
    const key = dims.join(',');
    let name = shapes.get(key);
    if (name === undefined) {
      name = fresh('shape');
      initializers.push({ name, dims: [dims.length], dataType: INT64, int64Data: dims });
      shapes.set(key, name);
    }
    return name;
  };
  const nodes: onnxProto.onnx.INodeProto[] = [];
  let rewritten = 0;
  for (const node of graph.node ?? []) {
    for (const g of subgraphs(node)) rewritten += rewriteGraph(g, block, fresh);
    const dims = node.opType === 'Conv' && (node.domain ?? '') === '' ? parseMark(node.docString) : undefined;
    if (!dims || dims[0] % block !== 0 || dims[1] % block !== 0) {
      nodes.push(node);
      continue;
    }
    const [m, c, kh, kw] = dims;
    const [x, w, bias] = node.input!;
    const attrs = (node.attribute ?? []).filter((a) => ['strides', 'pads', 'dilations', 'group'].includes(a.name!));
    // [M, C, kH, kW] → [M/b, b, C/b, b, kH, kW] → [M/b, C/b, kH, kW, b(C), b(M)]: MLAS's blocked filter order.
    const split = fresh('w6');
    const blocked = fresh('wt');
    const weight = fresh('w');
    const xBlocked = fresh('x');
    const yBlocked = fresh('y');
    nodes.push(
      { opType: 'Reshape', input: [w!, shapeConst([m / block, block, c / block, block, kh, kw])], output: [split], name: fresh('node') },
      { opType: 'Transpose', input: [split], output: [blocked], name: fresh('node'), attribute: [{ name: 'perm', type: A.INTS, ints: [0, 2, 4, 5, 3, 1] }] },
      { opType: 'Reshape', input: [blocked, shapeConst([m, c, kh, kw])], output: [weight], name: fresh('node') },
      { opType: 'ReorderInput', domain: NCHWC_DOMAIN, input: [x!], output: [xBlocked], name: fresh('node') },
      {
        opType: 'Conv', domain: NCHWC_DOMAIN, input: bias ? [xBlocked, weight, bias] : [xBlocked, weight], output: [yBlocked], name: fresh('node'),
        attribute: [...attrs, { name: 'kernel_shape', type: A.INTS, ints: [kh, kw] }],
      },
      { opType: 'ReorderOutput', domain: NCHWC_DOMAIN, input: [yBlocked], output: [node.output![0]!], name: fresh('node'), attribute: [{ name: 'channels', type: A.INT, i: m }] },
    );
    rewritten++;
  }
  graph.node = nodes;
  return rewritten;
}

/**
 * The model `nchwcBlockSize` (runtime.ts) runs: one ReorderInput of a
 * 4-channel tensor (the kernel takes multiples of 4), whose output has its
 * channels padded to one block.
 */
export function blockProbeModel(): Uint8Array {
  const F = onnx.TensorProto.DataType.FLOAT;
  const info = (name: string, shape?: number[]) => ({ name, type: { tensorType: { elemType: F, ...(shape ? { shape: { dim: shape.map((d) => ({ dimValue: d })) } } : {}) } } });
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'aekit',
    opsetImport: [{ domain: '', version: 18 }, { domain: NCHWC_DOMAIN, version: 1 }],
    graph: {
      name: 'nchwc_block_probe',
      node: [{ opType: 'ReorderInput', domain: NCHWC_DOMAIN, input: ['x'], output: ['y'], name: 'probe' }],
      input: [info('x', [1, PROBE_CHANNELS, 1, 1])],
      output: [info('y')],
    },
  }).finish();
}
