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
export const NCHWC_REWRITE = 5;
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

/** Doc-string prefix of a ConvTranspose that may run as a blocked sub-pixel Conv: `aekit:nchwc-t <C> <M> <kH> <kW> <H> <W>`. */
export const NCHWC_TRANSPOSED_MARK = `${NCHWC_MARK}-t`;

/** The doc string that marks a ConvTranspose with weight shape [c, m, kh, kw] on inputs of h × w pixels. */
export function nchwcTransposedMark(c: number, m: number, kh: number, kw: number, h: number, w: number): string {
  return `${NCHWC_TRANSPOSED_MARK} ${c} ${m} ${kh} ${kw} ${h} ${w}`;
}

function parseDims(doc: string | null | undefined, prefix: string, count: number): number[] | undefined {
  if (!doc?.startsWith(`${prefix} `)) return undefined;
  const dims = doc.slice(prefix.length + 1).split(' ').map(Number);
  return dims.length === count && dims.every((d) => Number.isInteger(d) && d > 0) ? dims : undefined;
}

function parseMark(doc: string | null | undefined): [number, number, number, number] | undefined {
  return parseDims(doc, NCHWC_MARK, 4) as [number, number, number, number] | undefined;
}

const INT64 = onnx.TensorProto.DataType.INT64;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
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
export function subgraphs(node: onnxProto.onnx.INodeProto): onnxProto.onnx.IGraphProto[] {
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
  const blocked: BlockedConvTools = { block, fresh, shapeConst };
  /** Appends `node` on the blocked kernels when it is a marked Conv that fits the block; false otherwise. */
  const blockConv = (node: onnxProto.onnx.INodeProto): boolean => {
    const dims = node.opType === 'Conv' && (node.domain ?? '') === '' ? parseMark(node.docString) : undefined;
    if (!dims || !fitsBlock(dims, block)) return false;
    const [x, w, bias] = node.input!;
    const attrs = (node.attribute ?? []).filter((a) => ['strides', 'pads', 'dilations', 'group'].includes(a.name!));
    const { nodes: conv, output } = blockedConv(blocked, dims, x!, w!, bias, attrs);
    nodes.push(...conv, { opType: 'ReorderOutput', domain: NCHWC_DOMAIN, input: [output], output: [node.output![0]!], name: fresh('node'), attribute: [{ name: 'channels', type: A.INT, i: dims[0] }] });
    return true;
  };
  for (const node of graph.node ?? []) {
    for (const g of subgraphs(node)) rewritten += rewriteGraph(g, block, fresh);
    const subPixel = node.opType === 'ConvTranspose' && (node.domain ?? '') === '' ? subPixelConv(node, blocked, initializers) : undefined;
    if (subPixel) nodes.push(...subPixel);
    else if (!blockConv(node)) {
      nodes.push(node);
      continue;
    }
    rewritten++;
  }
  graph.node = nodes;
  if (rewritten > 0) keepBlocked(graph, block, fresh);
  return rewritten;
}

/**
 * Standard ops of one input that act on each value alone: on a blocked tensor
 * whose channels fill whole blocks they give the same values, only reordered.
 */
const ELEMENTWISE = new Set(['Elu', 'Relu', 'LeakyRelu', 'Selu', 'Sigmoid', 'Tanh', 'Softplus', 'Softsign', 'HardSigmoid', 'Abs', 'Neg', 'Exp', 'Identity']);
/** Pools MLAS has blocked kernels for, with the attributes its ops accept. */
const BLOCKED_POOLS: Record<string, string[]> = {
  MaxPool: ['auto_pad', 'kernel_shape', 'dilations', 'strides', 'pads', 'ceil_mode'],
  AveragePool: ['auto_pad', 'kernel_shape', 'strides', 'pads', 'count_include_pad', 'ceil_mode'],
};

/**
 * Keeps tensors blocked between layers where nothing else reads them in the
 * plain layout: a ReorderOutput whose only reader is an elementwise op or a
 * pool moves past it (the op runs on the blocked tensor, the pool on MLAS's
 * blocked kernel), and a ReorderOutput read only by a ReorderInput cancels
 * out. In an inference graph (conv, activation, pool, conv, …) the layers
 * then pass blocked tensors from one convolution to the next; in a training
 * step the backward pass also reads each activation, so most stay as they are.
 */
function keepBlocked(graph: onnxProto.onnx.IGraphProto, block: number, fresh: (hint: string) => string): void {
  // Graph outputs and values a subgraph reads keep their plain producer.
  const pinned = new Set((graph.output ?? []).map((o) => o.name!));
  const readInside = (g: onnxProto.onnx.IGraphProto): void => {
    for (const n of g.node ?? []) {
      for (const i of n.input ?? []) pinned.add(i);
      subgraphs(n).forEach(readInside);
    }
  };
  for (const n of graph.node ?? []) subgraphs(n).forEach(readInside);
  const nodes = graph.node ?? [];
  const isReorderOutput = (n: onnxProto.onnx.INodeProto) => n.opType === 'ReorderOutput' && n.domain === NCHWC_DOMAIN
    && Number((n.attribute ?? []).find((a) => a.name === 'channels')?.i ?? 0) % block === 0 && !(n.attribute ?? []).some((a) => a.name === 'channels_last' && Number(a.i) !== 0);
  for (let changed = true; changed;) {
    changed = false;
    const readers = new Map<string, onnxProto.onnx.INodeProto[]>();
    for (const n of nodes) for (const i of n.input ?? []) if (i) readers.set(i, [...(readers.get(i) ?? []), n]);
    for (const reorder of nodes) {
      if (!isReorderOutput(reorder)) continue;
      const plain = reorder.output![0]!;
      const users = readers.get(plain) ?? [];
      const blocked = reorder.input![0]!;
      // A reorder back into blocks reads the blocked tensor itself, whoever else reads the plain one.
      const back = users.find((n) => n.opType === 'ReorderInput' && n.domain === NCHWC_DOMAIN && !pinned.has(n.output![0]!));
      if (back) {
        const again = back.output![0]!;
        for (const n of readers.get(again) ?? []) n.input = n.input!.map((i) => (i === again ? blocked : i));
        nodes.splice(nodes.indexOf(back), 1);
        if (users.length === 1 && !pinned.has(plain)) nodes.splice(nodes.indexOf(reorder), 1);
        changed = true;
        break;
      }
      if (pinned.has(plain) || users.length !== 1) continue;
      const user = users[0]!;
      const standard = (user.domain ?? '') === '';
      if (standard && (ELEMENTWISE.has(user.opType!) || (BLOCKED_POOLS[user.opType!] && (user.output ?? []).filter(Boolean).length === 1))) {
        const result = user.output![0]!;
        const blockedResult = fresh('yb');
        if (ELEMENTWISE.has(user.opType!)) {
          user.input = [blocked];
          user.output = [blockedResult];
        } else {
          const allowed = BLOCKED_POOLS[user.opType!]!;
          nodes[nodes.indexOf(user)] = {
            opType: user.opType, domain: NCHWC_DOMAIN, input: [blocked], output: [blockedResult], name: fresh('node'),
            attribute: (user.attribute ?? []).filter((a) => allowed.includes(a.name!)),
          };
        }
        // The reorder now reads the op's blocked result: it moves to just after the op.
        const at = nodes.indexOf(reorder);
        nodes.splice(at, 1);
        const opAt = nodes.findIndex((n) => n.output?.includes(blockedResult));
        nodes.splice(opAt + 1, 0, reorder);
        reorder.input = [blockedResult];
        reorder.output = [result];
      } else {
        continue;
      }
      changed = true;
      break;
    }
  }
}

/**
 * Whether MLAS's blocked Conv takes a weight [m, c, …] for this block: whole
 * blocks of output channels, and input channels in whole blocks or fewer
 * than one block (read unblocked, as a network's first layer reads an image).
 */
function fitsBlock([m, c]: number[], block: number): boolean {
  return m! % block === 0 && (c! % block === 0 || c! < block);
}

/** What the rewrite of one graph shares between its nodes. */
interface BlockedConvTools {
  block: number;
  /** A name no other value or node has. */
  fresh: (hint: string) => string;
  /** The name of an int64 initializer holding `dims`. */
  shapeConst: (dims: number[]) => string;
}

/**
 * The nodes of a Conv with weight [m, c, kh, kw] on the blocked kernels: the
 * weight reordered in the graph, the input reordered to blocks and the blocked
 * Conv, whose output (returned) is still in blocks.
 */
function blockedConv(
  { block, fresh, shapeConst }: BlockedConvTools, [m, c, kh, kw]: number[], x: string, w: string, bias: string | null | undefined, attrs: onnxProto.onnx.IAttributeProto[],
): { nodes: onnxProto.onnx.INodeProto[]; output: string } {
  // MLAS reads an input of fewer channels than a block as it is (NCHW) and its filter blocked by output channel only.
  const plainInput = c! < block;
  const split = fresh('w6');
  const reordered = fresh('wt');
  const weight = fresh('w');
  const xBlocked = plainInput ? x : fresh('x');
  const output = fresh('y');
  return {
    output,
    nodes: [
      ...(plainInput
        ? [
          // [M, C, kH, kW] → [M/b, b, C, kH, kW] → [M/b, C, kH, kW, b(M)].
          { opType: 'Reshape', input: [w, shapeConst([m! / block, block, c!, kh!, kw!])], output: [split], name: fresh('node') },
          { opType: 'Transpose', input: [split], output: [reordered], name: fresh('node'), attribute: [{ name: 'perm', type: A.INTS, ints: [0, 2, 3, 4, 1] }] },
        ]
        : [
          // [M, C, kH, kW] → [M/b, b, C/b, b, kH, kW] → [M/b, C/b, kH, kW, b(C), b(M)].
          { opType: 'Reshape', input: [w, shapeConst([m! / block, block, c! / block, block, kh!, kw!])], output: [split], name: fresh('node') },
          { opType: 'Transpose', input: [split], output: [reordered], name: fresh('node'), attribute: [{ name: 'perm', type: A.INTS, ints: [0, 2, 4, 5, 3, 1] }] },
          { opType: 'ReorderInput', domain: NCHWC_DOMAIN, input: [x], output: [xBlocked], name: fresh('node') },
        ]),
      { opType: 'Reshape', input: [reordered, shapeConst([m!, c!, kh!, kw!])], output: [weight], name: fresh('node') },
      {
        opType: 'Conv', domain: NCHWC_DOMAIN, input: bias ? [xBlocked, weight, bias] : [xBlocked, weight], output: [output], name: fresh('node'),
        attribute: [...attrs, { name: 'kernel_shape', type: A.INTS, ints: [kh!, kw!] }],
      },
    ],
  };
}

/** One spatial axis of a transposed convolution in its sub-pixel form ({@link subPixelConv}). */
interface SubPixelAxis {
  /** Offset of the first input pixel any output phase reads, relative to the phase's cell (≤ 0). */
  first: number;
  /** Kernel taps per phase: the sub-pixel Conv's kernel size. */
  taps: number;
  /** The sub-pixel Conv's pads before and after. */
  padBegin: number;
  padEnd: number;
  /** Output cells per phase (the Conv's output size) and the transposed convolution's output size. */
  cells: number;
  out: number;
}

/**
 * Along one axis, output pixel o = s·q + p (phase p) of a transposed
 * convolution (kernel k, stride s, pads `begin`/`end`, output padding
 * `extra`, input size `size`) sums input pixels q + d times kernel taps
 * i = p + begin − s·d: a stride-1 correlation per phase over offsets d.
 * Undefined when the offsets would need negative pads.
 */
function subPixelAxis(k: number, s: number, begin: number, end: number, extra: number, size: number): SubPixelAxis | undefined {
  const out = (size - 1) * s + k - begin - end + extra;
  let first = Infinity;
  let last = -Infinity;
  for (let p = 0; p < s; p++) {
    for (let i = 0; i < k; i++) {
      const t = p + begin - i;
      if (t % s !== 0) continue;
      first = Math.min(first, t / s);
      last = Math.max(last, t / s);
    }
  }
  if (!(last >= first) || first > 0 || out < 1) return undefined;
  const taps = last - first + 1;
  const cells = Math.ceil(out / s);
  const padEnd = cells - 1 + taps - size + first;
  return padEnd < 0 ? undefined : { first, taps, padBegin: -first, padEnd, cells, out };
}

/**
 * A marked ConvTranspose rewritten as one blocked stride-1 Conv whose s² · M
 * output channels are the s × s output phases, and a Transpose of whole
 * blocks that interleaves them ("sub-pixel convolution"), or undefined when
 * it does not apply.
 * ONNX Runtime's ConvTranspose multiplies into columns and scatters them
 * back (col2im), several times slower than a blocked Conv: on the conv
 * preset's decoder (32 → 32 channels, 3 × 3, stride 2) the Conv does 16/9
 * of the multiply-adds and still takes a fraction of the time. The Conv's
 * kernel is gathered from the transposed kernel in the graph each run by one
 * MatMul with a constant 0/1 matrix (exact: each value is one weight times 1
 * plus zeros), since the weights are graph inputs.
 */
function subPixelConv(node: onnxProto.onnx.INodeProto, tools: BlockedConvTools, initializers: onnxProto.onnx.ITensorProto[]): onnxProto.onnx.INodeProto[] | undefined {
  const { block, fresh, shapeConst } = tools;
  const dims = parseDims(node.docString, NCHWC_TRANSPOSED_MARK, 6);
  if (!dims) return undefined;
  const [c, m, kh, kw, h, w] = dims as [number, number, number, number, number, number];
  const attr = (name: string) => (node.attribute ?? []).find((a) => a.name === name);
  const ints = (name: string, fallback: number[]) => (attr(name)?.ints ?? fallback).map(Number);
  const [sh, sw] = ints('strides', [1, 1]);
  const pads = ints('pads', [0, 0, 0, 0]);
  const [oph, opw] = ints('output_padding', [0, 0]);
  if (sh !== sw || Number(attr('group')?.i ?? 1) !== 1 || ints('dilations', [1, 1]).some((d) => d !== 1) || attr('output_shape') || attr('auto_pad')) return undefined;
  const s = sh!;
  // The phases are interleaved in blocks, so each phase's channels must fill whole blocks.
  if (m % block !== 0 || !fitsBlock([s * s * m, c], block)) return undefined;
  const ay = subPixelAxis(kh, s, pads[0]!, pads[2]!, oph!, h);
  const ax = subPixelAxis(kw, s, pads[1]!, pads[3]!, opw!, w);
  if (!ay || !ax) return undefined;
  // select[i·kW + j, ((py·s + px)·tH + a)·tW + b] = 1 where tap (a, b) of phase (py, px) is kernel cell (i, j).
  const columns = s * s * ay.taps * ax.taps;
  const select = new Float32Array(kh * kw * columns);
  for (let py = 0; py < s; py++) for (let px = 0; px < s; px++) for (let a = 0; a < ay.taps; a++) for (let b = 0; b < ax.taps; b++) {
    const i = py + pads[0]! - s * (ay.first + a);
    const j = px + pads[1]! - s * (ax.first + b);
    if (i >= 0 && i < kh && j >= 0 && j < kw) select[(i * kw + j) * columns + ((py * s + px) * ay.taps + a) * ax.taps + b] = 1;
  }
  const selectName = fresh('select');
  initializers.push({ name: selectName, dims: [kh * kw, columns], dataType: FLOAT, rawData: new Uint8Array(select.buffer) });
  const [x, weight, bias] = node.input!;
  const flat = fresh('wflat');
  const gathered = fresh('wsel');
  const split = fresh('wphase');
  const ordered = fresh('wordered');
  const kernel = fresh('wsub');
  const tiledBias = bias ? fresh('bias') : undefined;
  const phaseDims = [s * s * m, c, ay.taps, ax.taps];
  const conv = blockedConv(tools, phaseDims, x!, kernel, tiledBias, [
    { name: 'strides', type: A.INTS, ints: [1, 1] },
    { name: 'pads', type: A.INTS, ints: [ay.padBegin, ax.padBegin, ay.padEnd, ax.padEnd] },
    { name: 'dilations', type: A.INTS, ints: [1, 1] },
    { name: 'group', type: A.INT, i: 1 },
  ]);
  const out = node.output![0]!;
  const cropped = ay.cells * s !== ay.out || ax.cells * s !== ax.out;
  const byPhase = fresh('phases');
  const interleaved = fresh('interleaved');
  const joined = fresh('joined');
  const full = cropped ? fresh('full') : out;
  // The blocked output [N, s²M/b, Q, Qw, b] is [N, py, px, M/b, Q, Qw, b] in memory; pixel (s·q + py, s·qw + px) of
  // block k of the result is [N, k, q, py, qw, px, b]. Moved as runs of b values (one cache line at b = 16), this is
  // much cheaper than ONNX Runtime's DepthToSpace on the plain layout (measured 3 times the Conv's own time).
  // Run r = (((py·s + px)·M/b + k)·Q + q)·Qw + qw of the blocked output goes to position ((k·Q + q)·s + py)·Qw·s + qw·s + px.
  const mb = m / block;
  const runs = s * s * mb * ay.cells * ax.cells;
  const positions = new Array<number>(runs);
  for (let py = 0; py < s; py++) for (let px = 0; px < s; px++) for (let k = 0; k < mb; k++) for (let q = 0; q < ay.cells; q++) for (let qw = 0; qw < ax.cells; qw++) {
    positions[((k * ay.cells + q) * s + py) * ax.cells * s + qw * s + px] = (((py * s + px) * mb + k) * ay.cells + q) * ax.cells + qw;
  }
  const order = fresh('order');
  initializers.push({ name: order, dims: [runs], dataType: INT64, int64Data: positions });
  const nodes: onnxProto.onnx.INodeProto[] = [
    { opType: 'Reshape', input: [weight!, shapeConst([c * m, kh * kw])], output: [flat], name: fresh('node') },
    { opType: 'MatMul', input: [flat, selectName], output: [gathered], name: fresh('node') },
    { opType: 'Reshape', input: [gathered, shapeConst([c, m, s, s, ay.taps, ax.taps])], output: [split], name: fresh('node') },
    // [C, M, s, s, tH, tW] → [s, s, M, C, tH, tW]: output channel (py·s + px)·M + m.
    { opType: 'Transpose', input: [split], output: [ordered], name: fresh('node'), attribute: [{ name: 'perm', type: A.INTS, ints: [2, 3, 1, 0, 4, 5] }] },
    { opType: 'Reshape', input: [ordered, shapeConst(phaseDims)], output: [kernel], name: fresh('node') },
    ...(bias && tiledBias ? [{ opType: 'Tile', input: [bias, shapeConst([s * s])], output: [tiledBias], name: fresh('node') }] : []),
    ...conv.nodes,
    { opType: 'Reshape', input: [conv.output, shapeConst([-1, runs, block])], output: [byPhase], name: fresh('node') },
    { opType: 'Gather', input: [byPhase, order], output: [interleaved], name: fresh('node'), attribute: [{ name: 'axis', type: A.INT, i: 1 }] },
    { opType: 'Reshape', input: [interleaved, shapeConst([-1, m, s * ay.cells, s * ax.cells])], output: [joined], name: fresh('node') },
    { opType: 'ReorderOutput', domain: NCHWC_DOMAIN, input: [joined], output: [full], name: fresh('node'), attribute: [{ name: 'channels', type: A.INT, i: m }] },
  ];
  if (cropped) {
    nodes.push({ opType: 'Slice', input: [full, shapeConst([0, 0]), shapeConst([ay.out, ax.out]), shapeConst([2, 3])], output: [out], name: fresh('node') });
  }
  return nodes;
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
