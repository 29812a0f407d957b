/**
 * A cache of ONNX Runtime's optimized models, so that a graph aekit has
 * compiled before skips ONNX Runtime's graph optimizations when a session is
 * made again (the training step of every `fit`, the inference parts of every
 * CLI command). Session creation was most of aekit's start-up: see
 * docs/performance.md, "Start-up".
 *
 * Never stale: a file's name is the SHA-256 of everything the optimized graph
 * depends on (aekit's graph bytes, ONNX Runtime's version, the optimization
 * level, the execution providers, the CPU), so a changed graph or another
 * ONNX Runtime misses. Never half read: each file ends with the SHA-256 of
 * the model before it and a marker; a file that does not check (truncated,
 * overwritten) is ignored and written again. Files are written atomically
 * (a temporary file and a rename), so concurrent processes at worst both
 * write the same file.
 *
 * Where: `$AEKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/aekit/ort`, else
 * `~/.cache/aekit/ort`. `AEKIT_CACHE_DIR=off` turns the cache off. A folder
 * that cannot be written only turns caching off for that session. The folder
 * keeps the {@link CACHE_FILES} most recently used models (10–50 KB each for
 * the benchmark workloads); older ones are removed when a new one is stored.
 */
import { createHash } from 'node:crypto';
import { cpus, homedir } from 'node:os';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { writeFileAtomic } from '../io/files.js';
import { subgraphs } from './nchwc.js';

const { onnx } = onnxProto;

/** The last bytes of a cache file: the marker after the model's SHA-256. */
const MARKER = Buffer.from('aekit-ort-cache-1');
const HASH_BYTES = 32;
/** Files the cache keeps; storing one more removes the least recently used down to 80 % of it. */
export const CACHE_FILES = 500;

/** What a session's optimized graph depends on, besides the graph itself. */
export interface CacheKeyParts {
  ortVersion: string;
  optimization: string;
  providers: readonly string[];
  /** The rewrite and block the model's marked convolutions took (src/onnx/nchwc.ts), e.g. '1/16'; absent when they were not rewritten. */
  nchwc?: string;
}

/** The cache folder, or undefined when the cache is off. */
export function sessionCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = env.AEKIT_CACHE_DIR;
  if (given !== undefined && given !== '') return given === 'off' ? undefined : given;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'aekit', 'ort');
}

/** The cache file of a graph: named by the SHA-256 of the graph and everything its optimization depends on. */
export function cacheFileFor(dir: string, model: Uint8Array, parts: CacheKeyParts): string {
  const h = createHash('sha256');
  // Layout rewrites and kernel choices follow the CPU: a cache folder shared between machines must not mix them.
  const cpu = `${process.arch} ${cpus()[0]?.model ?? ''}`;
  h.update(JSON.stringify({ ort: parts.ortVersion, optimization: parts.optimization, providers: parts.providers, cpu, ...(parts.nchwc ? { nchwc: parts.nchwc } : {}) }));
  h.update(model);
  return join(dir, `${h.digest('hex')}.onnx`);
}

/** The optimized model stored in `file`, or undefined when there is none or it does not check. */
export function readCachedModel(file: string): Uint8Array | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return undefined;
  }
  const end = data.length - MARKER.length;
  if (end - HASH_BYTES < 1 || !data.subarray(end).equals(MARKER)) return undefined;
  const model = data.subarray(0, end - HASH_BYTES);
  const stored = data.subarray(end - HASH_BYTES, end);
  if (!createHash('sha256').update(model).digest().equals(stored)) return undefined;
  try {
    // Marks it used, for the pruning in storeCachedModel.
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // A read-only cache still serves.
  }
  return model;
}

/** A cache file's name: the key's SHA-256 in hex, `.onnx` (other files in the folder are not the cache's). */
const CACHE_NAME = /^[0-9a-f]{64}\.onnx$/;

/**
 * Removes the least recently used cache files of `dir` when it holds more
 * than `limit`. Only files named as the cache names them and ending with its
 * marker count: `AEKIT_CACHE_DIR` may point at a folder that holds a user's
 * own models.
 */
export function pruneCache(dir: string, limit = CACHE_FILES): void {
  let files: { path: string; used: number }[];
  try {
    files = readdirSync(dir).filter((f) => CACHE_NAME.test(f) && endsWithMarker(join(dir, f))).map((f) => ({ path: join(dir, f), used: statSync(join(dir, f)).mtimeMs }));
  } catch {
    return;
  }
  if (files.length <= limit) return;
  files.sort((a, b) => a.used - b.used);
  for (const f of files.slice(0, files.length - Math.floor(0.8 * limit))) rmSync(f.path, { force: true });
}

/**
 * Stores the optimized model ONNX Runtime wrote to `written` (a temporary
 * file, removed here) as the cache file `file`. A write that fails leaves no
 * file and is not an error: the next session optimizes again.
 */
export function storeCachedModel(file: string, written: string): boolean {
  try {
    const model = readFileSync(written);
    const digest = createHash('sha256').update(model).digest();
    writeFileAtomic(file, Buffer.concat([model, digest, MARKER]), { durable: false });
    pruneCache(dirname(file));
    return true;
  } catch {
    return false;
  } finally {
    rmSync(written, { force: true });
  }
}

/** A temporary path beside the cache files for ONNX Runtime to write an optimized model to, or undefined when the folder cannot be made. */
export function scratchFileIn(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return undefined;
  }
  return join(dir, `.${process.pid}-${Math.random().toString(36).slice(2)}.tmp.onnx`);
}

/** Whether `file` ends with the cache's marker (read from its last bytes only). */
function endsWithMarker(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    if (size < MARKER.length) return false;
    const tail = Buffer.alloc(MARKER.length);
    readSync(fd, tail, 0, MARKER.length, size - MARKER.length);
    return tail.equals(MARKER);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Models larger than this are keyed by their bytes as they are: renaming would cost more than the optimizations it saves. */
export const CANONICAL_MAX_BYTES = 4 << 20;

/** A model with neutral names, and how its main graph's inputs and outputs were renamed. */
export interface CanonicalModel {
  bytes: Uint8Array;
  /** The caller's name of each input → the model's. */
  inputs: Map<string, string>;
  /** The caller's name of each output → the model's. */
  outputs: Map<string, string>;
}

/**
 * `model` with every value renamed `v<i>` and every node `n<i>`, in the order
 * they first appear (subgraphs included), or undefined for a model over
 * {@link CANONICAL_MAX_BYTES}. Two graphs that differ only in names, such
 * as the same architecture built twice in one process (layers are named
 * `dense`, `dense_1`, … by a process-wide counter, as in Keras), then have
 * the same bytes and share one cache file. The session runs the renamed
 * model and translates names at its boundary.
 */
export function canonicalModel(model: Uint8Array): CanonicalModel | undefined {
  if (model.byteLength > CANONICAL_MAX_BYTES) return undefined;
  const proto = onnx.ModelProto.decode(model);
  const graph = proto.graph;
  if (!graph) return undefined;
  const names = new Map<string, string>();
  const rename = (name: string) => {
    if (name === '') return name;
    let neutral = names.get(name);
    if (neutral === undefined) {
      neutral = `v${names.size}`;
      names.set(name, neutral);
    }
    return neutral;
  };
  let nodes = 0;
  const walk = (g: onnxProto.onnx.IGraphProto) => {
    for (const v of g.input ?? []) v.name = rename(v.name!);
    for (const t of g.initializer ?? []) t.name = rename(t.name!);
    for (const n of g.node ?? []) {
      n.input = (n.input ?? []).map(rename);
      subgraphs(n).forEach(walk);
      n.output = (n.output ?? []).map(rename);
      n.name = `n${nodes++}`;
    }
    for (const v of [...(g.output ?? []), ...(g.valueInfo ?? [])]) v.name = rename(v.name!);
  };
  const inputs = (graph.input ?? []).map((v) => v.name!);
  const outputs = (graph.output ?? []).map((v) => v.name!);
  walk(graph);
  return {
    bytes: onnx.ModelProto.encode(proto).finish(),
    inputs: new Map(inputs.map((n) => [n, names.get(n)!])),
    outputs: new Map(outputs.map((n) => [n, names.get(n)!])),
  };
}
