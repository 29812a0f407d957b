/**
 * Whether a run folder can be trusted: is its training process still alive,
 * and are the models it exported whole. Shared by `aekit runs`, `aekit train
 * --resume` and the dashboard, so each shows the same run as running, crashed
 * or damaged.
 */
import { hostname } from 'node:os';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../io/files.js';

/** The standalone models `aekit train` exports into a finished run folder. */
export const EXPORTED_MODEL_FILES = ['model.onnx', 'encoder.onnx', 'decoder.onnx'] as const;

/** What run.json records about the process training a run. */
export interface TrainerRecord {
  pid?: unknown;
  /** The machine the process ran on (absent in run folders written before it was recorded). */
  hostname?: unknown;
}

/** This machine's name, as run.json records it. */
export function thisHost(): string {
  return hostname();
}

/**
 * Where the process of a run's run.json is: `alive` on this machine, `gone`
 * (it died, or never was), or `elsewhere` (another machine's, so it cannot be
 * checked). A record without a hostname is taken to be from this machine.
 */
export function trainerState(record: TrainerRecord): 'alive' | 'gone' | 'elsewhere' {
  if (typeof record.hostname === 'string' && record.hostname !== thisHost()) return 'elsewhere';
  if (typeof record.pid !== 'number' || !Number.isSafeInteger(record.pid) || record.pid <= 0) return 'gone';
  return processAlive(record.pid) ? 'alive' : 'gone';
}

/**
 * Walks the top-level fields of a protocol buffer and returns the numbers of
 * the length-delimited ones that are not empty, or undefined when the bytes
 * are not a well-formed message.
 */
function nonEmptyFields(bytes: Uint8Array): Set<number> | undefined {
  const found = new Set<number>();
  let at = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (at >= bytes.length) return undefined;
      const b = bytes[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    return undefined;
  };
  while (at < bytes.length) {
    const key = varint();
    if (key === undefined) return undefined;
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) return undefined;
    if (wire === 0) {
      if (varint() === undefined) return undefined;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
    } else if (wire === 2) {
      const length = varint();
      if (length === undefined || at + length > bytes.length) return undefined;
      if (length > 0) found.add(field);
      at += length;
    } else {
      return undefined;
    }
  }
  return at === bytes.length ? found : undefined;
}

/** ModelProto's `graph` field: an ONNX file without it is what ONNX Runtime calls "No graph was found in the protobuf". */
const ONNX_GRAPH_FIELD = 7;

const checked = new Map<string, { stamp: string; problem: string | undefined }>();

/**
 * What is wrong with an ONNX model file, in words naming it (`model.onnx is
 * empty (0 bytes)`), or undefined when it is a whole ONNX model or absent.
 * Only the file's outer structure is checked (results are cached by size and
 * modification time, so a dashboard polling many runs reads each file once).
 */
export function onnxFileProblem(path: string, name = path): string | undefined {
  let stamp: string;
  try {
    const st = statSync(path);
    stamp = `${st.size}:${st.mtimeMs}`;
    if (st.size === 0) return `${name} is empty (0 bytes)`;
  } catch {
    return undefined;
  }
  const cached = checked.get(path);
  if (cached?.stamp === stamp) return cached.problem;
  let problem: string | undefined;
  try {
    const fields = nonEmptyFields(readFileSync(path));
    if (!fields) problem = `${name} is not an ONNX model (damaged or cut short)`;
    else if (!fields.has(ONNX_GRAPH_FIELD)) problem = `${name} is not an ONNX model (it holds no graph)`;
  } catch (e) {
    problem = `${name} cannot be read (${(e as Error).message})`;
  }
  checked.set(path, { stamp, problem });
  return problem;
}

/** The damaged exported models of a run folder, each named, e.g. `model.onnx is empty (0 bytes)`. */
export function damagedModelFiles(dir: string): string[] {
  return EXPORTED_MODEL_FILES.map((f) => onnxFileProblem(join(dir, f), f)).filter((p): p is string => p !== undefined);
}

/** A run's condition: run.json's status, or `crashed` / `damaged` where the folder says otherwise. */
export type RunCondition = 'running' | 'finished' | 'stopped' | 'failed' | 'crashed' | 'damaged';

/**
 * What a run folder really is, given its run.json: `crashed` when it says
 * running but its process is gone, `damaged` when an exported model file is
 * empty or not an ONNX model; each with the problem in words naming the file.
 */
export function runCondition(dir: string, info: TrainerRecord & { status: RunCondition }): { condition: RunCondition; problems: string[] } {
  if (info.status === 'running' && trainerState(info) === 'gone') {
    // The trainer died without writing its final status (killed, power cut).
    return { condition: 'crashed', problems: [`run.json says running, but its process ${String(info.pid)} is gone`] };
  }
  const damaged = info.status === 'running' ? [] : damagedModelFiles(dir);
  return damaged.length > 0 ? { condition: 'damaged', problems: damaged } : { condition: info.status, problems: [] };
}
