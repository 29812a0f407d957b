import { writeFileAtomic } from '../io/files.js';
import { type Graph, type Value } from '../graph/graph.js';
import { type TensorData } from '../graph/types.js';
import { RuntimeSession, type SessionOptions } from './runtime.js';
import { type ExportSpec, type LoweredModel, toOnnx } from './serialize.js';

/** A graph lowered to ONNX and loaded into ONNX Runtime. */
export class CompiledGraph {
  private constructor(
    readonly model: LoweredModel,
    private readonly session: RuntimeSession,
  ) {}

  /** Lowers the outputs' part of `g` and creates a session for it. */
  static async create(g: Graph, spec: ExportSpec, options: SessionOptions = {}): Promise<CompiledGraph> {
    const model = toOnnx(g, spec);
    return new CompiledGraph(model, await RuntimeSession.create(model.bytes, options));
  }

  get inputNames(): string[] {
    return this.model.inputs.map((i) => i.name);
  }

  /** One session.run: feeds by input name, results by output name. */
  run(feeds: Record<string, TensorData>, outputs?: readonly string[]): Promise<Record<string, TensorData>> {
    return this.session.run(feeds, outputs);
  }

  /** Writes the ONNX model (atomically) for inspection, e.g. with Netron. */
  save(path: string): void {
    writeFileAtomic(path, this.model.bytes);
  }

  endProfiling(): string {
    return this.session.endProfiling();
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Compiles a graph: shorthand for CompiledGraph.create. */
export function compile(g: Graph, outputs: Record<string, Value>, options: SessionOptions & Omit<ExportSpec, 'outputs'> = {}): Promise<CompiledGraph> {
  const { bake, name, metadata, ...session } = options;
  return CompiledGraph.create(g, { outputs, bake, name, metadata }, session);
}

export { writeFileAtomic };
