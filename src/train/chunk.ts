/**
 * Several training steps in one ONNX Runtime call: the step graph becomes the
 * body of an ONNX Loop whose loop-carried values are the parameters and
 * optimizer state.
 *
 * Why: onnxruntime-node (1.30) copies every output of a run into a fresh
 * JavaScript ArrayBuffer, even an output the caller preallocated and ONNX
 * Runtime already wrote in place. A step returns all parameters and optimizer
 * slots, so that copy (plus the allocation and its garbage) was a third of the
 * Hinton workload's step and of the dense one's (docs/performance.md, "The
 * copy of every output"). Inside a Loop the state passes from one iteration
 * to the next as ONNX Runtime values, without a copy, and leaves the session
 * once per chunk.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.IModelProto;
type GraphProto = onnxProto.onnx.IGraphProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;

/** Outer-graph input holding a per-step input stacked over the chunk's steps: [steps, ...shape]. */
export const chunkInputName = (name: string) => `chunk:${name}`;
/**
 * Outer-graph input of a model built with `rows`: the sample indices of each
 * step, int32 [steps, batch], into the per-step inputs' tables.
 */
export const CHUNK_ROWS = 'chunk:rows';
/** Outer-graph input: how many steps this call runs (int64 scalar, at most the stacked length). */
export const CHUNK_STEPS = 'chunk:steps';
/** Outer-graph input: the step counter's value at the chunk's first step (replaces the step input). */
export const CHUNK_FIRST_STEP = 'chunk:firstStep';

/** How the step graph's inputs and outputs take part in the loop. */
export interface ChunkSpec {
  /** Inputs a step updates; each one's next value is the output `next(name)`. */
  carried: readonly string[];
  /** Output name of a carried input's updated value. */
  next: (name: string) => string;
  /** Inputs that differ per step (the batch), fed stacked under {@link chunkInputName}. */
  perStep: readonly string[];
  /**
   * Feed each per-step input as a table of samples instead ([n, ...sample]
   * under {@link chunkInputName}, e.g. the whole training set, which ONNX
   * Runtime reads in place) plus {@link CHUNK_ROWS}: step k's batch is rows
   * `chunk:rows[k]` of the table, gathered by ONNX Runtime. A shuffled epoch
   * then needs no copy in JavaScript (that copy was 18 % of the dense
   * benchmark's epoch).
   */
  rows?: boolean;
  /**
   * The float scalar input counting steps from 1, if the step takes one (an
   * optimizer without bias correction does not): step k of the chunk gets
   * `chunk:firstStep` + k.
   */
  counter?: string;
  /** Scalar outputs returned per step, stacked: [steps]. */
  perStepOutputs: readonly string[];
  /**
   * Scalar outputs that must stay finite: after a step where one is not, the
   * loop stops (its stacked outputs are then shorter than the steps asked for).
   */
  stopUnlessFinite: readonly string[];
}

/** The names of a serialized model's graph inputs and outputs. */
export function graphSignature(modelBytes: Uint8Array): { inputs: string[]; outputs: string[] } {
  const graph = (onnx.ModelProto.decode(modelBytes) as ModelProto).graph!;
  return { inputs: (graph.input ?? []).map((i) => i.name!), outputs: (graph.output ?? []).map((o) => o.name!) };
}

/** Marks a value of the step graph as living inside the loop body. */
const inBody = (name: string) => `${name}@step`;

function scalarInfo(name: string, elemType: number): ValueInfo {
  return { name, type: { tensorType: { elemType, shape: { dim: [] } } } };
}

function withName(info: ValueInfo, name: string): ValueInfo {
  return { ...info, name };
}

/**
 * `info` with a new leading dim `dim`: prepended (a per-step value stacked
 * over the steps), or replacing the batch dim (a table of samples).
 */
function withLeadingDim(info: ValueInfo, name: string, dim: string, replaceBatch = false): ValueInfo {
  const t = info.type!.tensorType!;
  const rest = (t.shape?.dim ?? []).slice(replaceBatch ? 1 : 0);
  return { name, type: { tensorType: { elemType: t.elemType, shape: { dim: [{ dimParam: dim }, ...rest] } } } };
}

/**
 * Wraps a serialized training step in a Loop that runs `chunk:steps` steps.
 * The returned model takes the carried inputs under their own names, each
 * per-step input stacked as `chunk:<name>` (or as a table with `chunk:rows`,
 * see {@link ChunkSpec.rows}), `chunk:firstStep` and
 * `chunk:steps`, plus every other input of the step (shared by all steps),
 * and returns the carried values after the last step run (`next(name)`) and
 * the per-step outputs stacked over the steps run.
 */
export function chunkedStep(stepModel: Uint8Array, spec: ChunkSpec): Uint8Array {
  const model = onnx.ModelProto.decode(stepModel) as ModelProto;
  const step = model.graph!;
  const inputs = new Map((step.input ?? []).map((i) => [i.name!, i]));
  const outputs = new Map((step.output ?? []).map((o) => [o.name!, o]));
  const need = (map: Map<string, ValueInfo>, name: string, what: string) => {
    const v = map.get(name);
    if (!v) throw new Error(`chunkedStep: the step graph has no ${what} '${name}'`);
    return v;
  };
  for (const name of [...spec.carried, ...spec.perStep]) need(inputs, name, 'input');
  const counter = spec.counter !== undefined && inputs.has(spec.counter) ? spec.counter : undefined;
  for (const name of [...spec.carried.map(spec.next), ...spec.perStepOutputs, ...spec.stopUnlessFinite]) need(outputs, name, 'output');
  for (const name of spec.stopUnlessFinite) if (!spec.perStepOutputs.includes(name)) throw new Error(`chunkedStep: '${name}' must be a per-step output to stop on`);

  // Inside the body, the carried inputs and every graph output get a name of
  // their own: the outer graph uses the plain names for the same tensors.
  const renamed = new Map<string, string>();
  for (const name of spec.carried) renamed.set(name, inBody(name));
  for (const name of outputs.keys()) renamed.set(name, inBody(name));
  const rename = (n: string) => renamed.get(n) ?? n;

  const iteration = 'chunk:iteration';
  const goIn = 'chunk:continue';
  const goOut = inBody('chunk:continue');
  const bodyNodes: onnxProto.onnx.INodeProto[] = [];
  const bodyInit: onnxProto.onnx.ITensorProto[] = [];
  const axis0 = [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }];
  if (spec.rows) bodyNodes.push({ opType: 'Gather', name: 'chunk_take_rows', input: [CHUNK_ROWS, iteration], output: ['chunk:stepRows'], attribute: axis0 });
  for (const name of spec.perStep) {
    bodyNodes.push({ opType: 'Gather', name: `chunk_take_${name}`, input: [chunkInputName(name), spec.rows ? 'chunk:stepRows' : iteration], output: [name], attribute: axis0 });
  }
  const float = onnx.TensorProto.DataType.FLOAT;
  if (counter) {
    bodyNodes.push({ opType: 'Cast', name: 'chunk_iteration_float', input: [iteration], output: ['chunk:iterationFloat'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: float }] });
    bodyNodes.push({ opType: 'Add', name: 'chunk_counter', input: [CHUNK_FIRST_STEP, 'chunk:iterationFloat'], output: [counter] });
  }
  for (const node of step.node ?? []) {
    bodyNodes.push({ ...node, input: (node.input ?? []).map(rename), output: (node.output ?? []).map(rename) });
  }
  // Continue while every watched output is finite: Σ (v·0) is 0 then, NaN otherwise.
  bodyInit.push({ name: 'chunk:zero', dims: [], dataType: float, floatData: [0] });
  let probe = '';
  spec.stopUnlessFinite.forEach((name, i) => {
    const zeroed = `chunk:zeroed${i}`;
    bodyNodes.push({ opType: 'Mul', name: `chunk_zero_${i}`, input: [rename(name), 'chunk:zero'], output: [zeroed] });
    if (!probe) probe = zeroed;
    else {
      const sum = `chunk:probe${i}`;
      bodyNodes.push({ opType: 'Add', name: `chunk_probe_${i}`, input: [probe, zeroed], output: [sum] });
      probe = sum;
    }
  });
  if (probe) bodyNodes.push({ opType: 'Equal', name: 'chunk_continue', input: [probe, 'chunk:zero'], output: [goOut] });
  else bodyNodes.push({ opType: 'Identity', name: 'chunk_continue', input: [goIn], output: [goOut] });

  // Step inputs that are neither carried nor per-step (the learning rate,
  // overridable constants) become outer inputs the body reads by name; an
  // initializer that backs such an input moves out with it.
  const shared = (step.input ?? []).filter((i) => !spec.carried.includes(i.name!) && !spec.perStep.includes(i.name!) && i.name !== counter);
  const sharedNames = new Set(shared.map((i) => i.name!));
  const outerInit = (step.initializer ?? []).filter((t) => sharedNames.has(t.name!));
  bodyInit.push(...(step.initializer ?? []).filter((t) => !sharedNames.has(t.name!)));

  const bool = onnx.TensorProto.DataType.BOOL;
  const int64 = onnx.TensorProto.DataType.INT64;
  const carriedNext = spec.carried.map(spec.next);
  const body: GraphProto = {
    name: `${step.name ?? 'step'}_body`,
    node: bodyNodes,
    initializer: bodyInit,
    input: [scalarInfo(iteration, int64), scalarInfo(goIn, bool), ...spec.carried.map((c) => withName(inputs.get(c)!, inBody(c)))],
    output: [scalarInfo(goOut, bool), ...carriedNext.map((n) => withName(outputs.get(n)!, inBody(n))), ...spec.perStepOutputs.map((n) => withName(outputs.get(n)!, inBody(n)))],
    valueInfo: (step.valueInfo ?? []).map((v) => withName(v, rename(v.name!))),
  };
  const graphAttr = onnx.AttributeProto.AttributeType.GRAPH;
  const outer: GraphProto = {
    name: `${step.name ?? 'step'}_chunk`,
    node: [{ opType: 'Loop', name: 'chunk_loop', input: [CHUNK_STEPS, 'chunk:go', ...spec.carried], output: [...carriedNext, ...spec.perStepOutputs], attribute: [{ name: 'body', type: graphAttr, g: body }] }],
    initializer: [{ name: 'chunk:go', dims: [], dataType: bool, int32Data: [1] }, ...outerInit],
    input: [
      ...spec.carried.map((c) => inputs.get(c)!),
      ...spec.perStep.map((p) => (spec.rows ? withLeadingDim(inputs.get(p)!, chunkInputName(p), 'chunk_samples', true) : withLeadingDim(inputs.get(p)!, chunkInputName(p), 'chunk_steps'))),
      ...(spec.rows ? [{ name: CHUNK_ROWS, type: { tensorType: { elemType: onnx.TensorProto.DataType.INT32, shape: { dim: [{ dimParam: 'chunk_steps' }, { dimParam: 'chunk_batch' }] } } } }] : []),
      ...(counter ? [scalarInfo(CHUNK_FIRST_STEP, float)] : []),
      scalarInfo(CHUNK_STEPS, int64),
      ...shared,
    ],
    output: [...carriedNext.map((n) => outputs.get(n)!), ...spec.perStepOutputs.map((n) => withLeadingDim(outputs.get(n)!, n, 'chunk_steps_run'))],
  };
  return onnx.ModelProto.encode({ ...model, graph: outer }).finish();
}
