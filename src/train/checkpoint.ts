/**
 * The checkpoint directory: how aekit replaces a saved model without ever
 * touching a file it did not write, and so that a kill at any instant leaves
 * the old or the new checkpoint loadable.
 *
 * A save writes every file of the new checkpoint, flushed, into a staging
 * folder inside the directory, with a manifest naming them. Renaming that
 * folder to `.aekit-commit` is the single atomic step that makes the new
 * checkpoint the current one; the files are then moved over the old ones one
 * by one and the folder removed. A reader that finds `.aekit-commit` takes
 * each file from it while it is still there (the next save finishes the move),
 * so it never mixes old and new files. Files aekit did not write (an exported
 * `model.onnx`, notes) stay where they are.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { firstNonFinite } from '../data/dtype.js';
import type { TensorData } from '../graph/types.js';
import { WriteError, fsReason, makeDirs, processAlive, syncDirectory, writeFileDurable } from '../io/files.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

/** The files a checkpoint may consist of: the only names a save replaces or removes. */
export const CHECKPOINT_FILES: readonly string[] = ['checkpoint.json', 'weights.safetensors', 'optimizer.safetensors', 'model.json', 'classifier.json'];

const COMMIT_DIR = '.aekit-commit';
const STAGING_PREFIX = '.aekit-staging-';
const MANIFEST = 'manifest.json';

/** A checkpoint that cannot be written or read: names the directory or file and what was wrong. */
export class CheckpointError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'CheckpointError';
  }
}

/** Hex SHA-256 of a file's bytes, as stored in `checkpoint.json` to catch corruption. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function kindOf(path: string): 'dir' | 'file' | undefined {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CheckpointError(path, fsReason(e));
  }
}

/** Whether `path` is a regular file: reading a named pipe or a device would block or never end. */
function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isAekitCheckpointJson(file: string): boolean {
  if (!isRegularFile(file)) return false;
  try {
    const meta = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown } | null;
    return meta?.format === 'aekit-checkpoint';
  } catch {
    return false;
  }
}

/** A staging folder's owner, from its name `.aekit-staging-<pid>-<n>`. */
function stagingPid(name: string): number | undefined {
  const m = /^\.aekit-staging-(\d+)-\d+$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * Refuses a directory that is neither empty nor an aekit checkpoint, so a save
 * can never replace a user's project, data or an unrelated folder.
 */
function assertReplaceable(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    throw new CheckpointError(dir, `cannot list the directory (${fsReason(e)})`);
  }
  if (entries.length === 0 || entries.includes(COMMIT_DIR)) return;
  if (entries.includes('checkpoint.json')) {
    if (isAekitCheckpointJson(join(dir, 'checkpoint.json'))) return;
    throw new CheckpointError(dir, "holds a checkpoint.json that is not an aekit checkpoint; aekit only replaces checkpoints it wrote: choose a new or empty directory");
  }
  if (entries.every((e) => e.startsWith(STAGING_PREFIX))) return;
  const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, … (${entries.length} entries)` : '');
  throw new CheckpointError(dir, `is not empty (${shown}) and holds no aekit checkpoint; aekit only replaces checkpoints it wrote: choose a new or empty directory`);
}

function readManifest(commit: string): string[] | undefined {
  const file = join(commit, MANIFEST);
  if (!existsSync(file)) return undefined;
  if (!isRegularFile(file)) throw new CheckpointError(file, 'is not a regular file');
  let files: unknown;
  try {
    files = (JSON.parse(readFileSync(file, 'utf8')) as { files?: unknown } | null)?.files;
  } catch (e) {
    throw new CheckpointError(file, `unreadable manifest of an interrupted save (${(e as Error).message})`);
  }
  if (!Array.isArray(files) || !files.every((f) => typeof f === 'string' && CHECKPOINT_FILES.includes(f))) {
    throw new CheckpointError(file, `manifest of an interrupted save lists ${JSON.stringify(files)}, expected checkpoint file names`);
  }
  return files as string[];
}

/**
 * Finishes a save that was killed after its commit: moves the remaining new
 * files into place, removes checkpoint files the new checkpoint does not have,
 * then the commit folder. Safe to repeat after a kill at any point.
 */
function rollForward(dir: string): void {
  const commit = join(dir, COMMIT_DIR);
  if (kindOf(commit) !== 'dir') return;
  const files = readManifest(commit);
  if (files) {
    for (const name of files) {
      const staged = join(commit, name);
      if (existsSync(staged)) renameSync(staged, join(dir, name));
    }
    for (const name of CHECKPOINT_FILES) {
      if (!files.includes(name)) rmSync(join(dir, name), { force: true });
    }
    syncDirectory(dir);
    rmSync(join(commit, MANIFEST), { force: true });
  }
  // Without a manifest the folder is empty: a kill came between removing the manifest and the folder.
  rmdirSync(commit);
  syncDirectory(dir);
}

/** Removes staging folders of saves whose process is gone (killed before their commit). */
function removeDeadStaging(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = stagingPid(name);
    if (pid !== undefined && !processAlive(pid)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** Whether every entry of a folder is a checkpoint file (or a temporary file of one). */
function holdsOnlyCheckpointFiles(folder: string): boolean {
  try {
    return readdirSync(folder).every((e) => CHECKPOINT_FILES.some((f) => e === f || e.startsWith(`${f}.tmp-`)));
  } catch {
    return false;
  }
}

/**
 * Versions of aekit before this protocol built `<dir>.tmp-<pid>` beside the
 * directory and swapped it in with two renames (`<dir>` → `<dir>.old-<pid>`,
 * then the new one → `<dir>`). A kill between the two left no `<dir>`: put
 * the newest complete checkpoint back, and remove what dead saves left
 * (only folders holding nothing but checkpoint files).
 */
function recoverLegacySwap(dir: string): void {
  const parent = dirname(dir);
  const base = basename(dir);
  let siblings: string[];
  try {
    siblings = readdirSync(parent);
  } catch {
    return;
  }
  const leftovers = siblings
    .map((name) => ({ name, m: new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)$`).exec(name) }))
    .filter((s) => s.m && !processAlive(Number(s.m[2])) && holdsOnlyCheckpointFiles(join(parent, s.name)))
    .map((s) => ({ path: join(parent, s.name), kind: s.m![1]!, pid: s.m![2]! }));
  if (leftovers.length === 0) return;
  if (!existsSync(dir)) {
    // The staged copy was complete when the swap began, i.e. when its `.old` twin exists.
    const swapped = leftovers.find((l) => l.kind === 'tmp' && leftovers.some((o) => o.kind === 'old' && o.pid === l.pid) && existsSync(join(l.path, 'checkpoint.json')));
    const old = leftovers.find((l) => l.kind === 'old' && existsSync(join(l.path, 'checkpoint.json')));
    const restore = swapped ?? old;
    if (restore) renameSync(restore.path, dir);
  }
  for (const l of leftovers) if (existsSync(l.path)) rmSync(l.path, { recursive: true, force: true });
}

let stagingCounter = 0;

/**
 * Writes a checkpoint (file name → contents) into `dir`, replacing the
 * checkpoint there, if any, in one atomic step. `dir` must be new, empty, or
 * hold an aekit checkpoint; files in it that are not checkpoint files are kept.
 * @throws {CheckpointError} when `dir` is a file or a directory aekit did not write.
 * @throws {WriteError} when the disk refuses (permission, no space...), naming the path.
 */
export function writeCheckpointDir(dirPath: string, files: ReadonlyMap<string, Uint8Array | string>): void {
  if (dirPath === '') throw new CheckpointError("''", 'expected a directory path, got an empty string');
  for (const name of files.keys()) if (!CHECKPOINT_FILES.includes(name)) throw new Error(`internal: '${name}' is not a checkpoint file name`);
  const dir = resolve(dirPath);
  try {
    recoverLegacySwap(dir);
  } catch {
    // Best effort: a leftover we cannot move is left for the user, and the save goes on.
  }
  const kind = kindOf(dir);
  if (kind === 'file') throw new CheckpointError(dir, 'is a file; a checkpoint is a directory, and aekit will not replace a file it did not write');
  if (kind === 'dir') assertReplaceable(dir);
  else makeDirs(dir);
  const staging = join(dir, `${STAGING_PREFIX}${process.pid}-${++stagingCounter}`);
  let committed = false;
  try {
    rollForward(dir);
    removeDeadStaging(dir);
    makeDirs(staging);
    for (const [name, data] of files) writeFileDurable(join(staging, name), data);
    writeFileDurable(join(staging, MANIFEST), JSON.stringify({ files: [...files.keys()] }));
    syncDirectory(staging);
    renameSync(staging, join(dir, COMMIT_DIR)); // the commit point
    committed = true;
    syncDirectory(dir);
    rollForward(dir);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    // A directory this save created and could not fill goes again (a full disk, say), so no empty folder is left behind.
    if (kind === undefined && !committed) {
      try {
        rmdirSync(dir);
      } catch {
        // Not empty or already gone: leave it.
      }
    }
    if (e instanceof CheckpointError || e instanceof WriteError) throw e;
    throw new WriteError(dir, `cannot save the checkpoint (${fsReason(e)})`);
  }
}

/** The files of a checkpoint as a reader sees them, an interrupted save resolved. */
export interface CheckpointFiles {
  readonly dir: string;
  /** Whether the checkpoint has this file. */
  has(name: string): boolean;
  /** Where to read a file of the checkpoint. */
  path(name: string): string;
  /** A file's bytes, the error naming it when it is missing or unreadable. */
  read(name: string): Buffer;
}

/**
 * Opens a checkpoint directory for reading. An interrupted save is finished
 * first where the directory is writable; where it is not, each file is read
 * from wherever the committed save left it.
 * @throws {CheckpointError} when there is no checkpoint at `dir`.
 */
export function openCheckpointDir(dirPath: string): CheckpointFiles {
  const dir = resolve(dirPath);
  try {
    recoverLegacySwap(dir);
  } catch {
    // A read-only location: read what is there.
  }
  const kind = kindOf(dir);
  if (kind === undefined) throw new CheckpointError(dirPath, 'no such directory');
  if (kind === 'file') throw new CheckpointError(dirPath, 'is a file; expected a checkpoint directory');
  const commit = join(dir, COMMIT_DIR);
  try {
    rollForward(dir);
  } catch {
    // Read-only, or another process is finishing the same save: resolve file by file below.
  }
  const pending = kindOf(commit) === 'dir' ? readManifest(commit) : undefined;
  const has = (name: string) => (pending ? pending.includes(name) : existsSync(join(dir, name)));
  const path = (name: string) => (pending && existsSync(join(commit, name)) ? join(commit, name) : join(dir, name));
  if (!has('checkpoint.json')) throw new CheckpointError(dirPath, 'no checkpoint here (no checkpoint.json)');
  return {
    dir: dirPath,
    has,
    path,
    read(name: string): Buffer {
      const file = path(name);
      if (!has(name)) throw new CheckpointError(join(dirPath, name), 'missing from the checkpoint');
      if (existsSync(file) && !isRegularFile(file)) throw new CheckpointError(join(dirPath, name), 'is not a regular file (a named pipe, device or folder); a checkpoint holds plain files');
      try {
        return readFileSync(file);
      } catch (e) {
        throw new CheckpointError(join(dirPath, name), `cannot read (${fsReason(e)})`);
      }
    },
  };
}

/** What `checkpoint.json` holds, checked field by field. */
export interface CheckpointMeta {
  format: 'aekit-checkpoint';
  /** 1: before checksums; 2: with `checksums`. */
  version: 1 | 2;
  model: Record<string, unknown>;
  optimizer: Record<string, unknown> & { name: string };
  /** The discriminator's optimizer, for adversarial models. */
  discriminatorOptimizer?: Record<string, unknown> & { name: string };
  seed: number;
  clipNorm: number | null;
  epoch: number;
  step: number;
  rngState?: number[];
  scheduleState?: Record<string, unknown>;
  history: Record<string, number>[];
  /** SHA-256 of each tensor file (version 2). */
  checksums?: Record<string, string>;
  /** Where a stop by request left an unfinished epoch (see PartialEpoch in loop.ts). */
  partialEpoch?: { batch: number; samples: number; rngState: number[]; sums: Record<string, number> };
}

export const CHECKPOINT_VERSION = 2;

/**
 * Parses and checks `checkpoint.json`, so a truncated or hand-edited file is
 * reported by file and field rather than failing later inside training.
 * @throws {CheckpointError} naming the file, the field and what was expected.
 */
export function parseCheckpointMeta(text: string, file: string): CheckpointMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(file, `not valid JSON (${(e as Error).message}); the file is damaged or truncated`);
  }
  const bad = (field: string, expected: string, got: unknown) => new CheckpointError(file, `field '${field}' is ${JSON.stringify(got) ?? String(got)}, expected ${expected}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CheckpointError(file, `expected a JSON object, got ${JSON.stringify(raw)}`);
  const m = raw as Record<string, unknown>;
  if (m.format !== 'aekit-checkpoint') throw bad('format', "'aekit-checkpoint'", m.format);
  if (m.version !== 1 && m.version !== 2) throw bad('version', `1 or ${CHECKPOINT_VERSION} (a newer aekit may have written it)`, m.version);
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (!isObject(m.model)) throw bad('model', 'the model config object', m.model);
  if (!isObject(m.optimizer) || typeof m.optimizer.name !== 'string') throw bad('optimizer', 'an optimizer config object with a name', m.optimizer);
  if (m.discriminatorOptimizer !== undefined && !(isObject(m.discriminatorOptimizer) && typeof m.discriminatorOptimizer.name === 'string')) {
    throw bad('discriminatorOptimizer', 'an optimizer config object with a name', m.discriminatorOptimizer);
  }
  if (typeof m.seed !== 'number' || !Number.isFinite(m.seed)) throw bad('seed', 'a number', m.seed);
  if (m.clipNorm !== null && m.clipNorm !== undefined && !(typeof m.clipNorm === 'number' && m.clipNorm > 0 && Number.isFinite(m.clipNorm))) throw bad('clipNorm', 'null or a positive number', m.clipNorm);
  if (!count(m.epoch)) throw bad('epoch', 'a non-negative integer', m.epoch);
  if (!count(m.step)) throw bad('step', 'a non-negative integer', m.step);
  if (m.rngState !== undefined && !(Array.isArray(m.rngState) && m.rngState.length === 4 && m.rngState.every((v) => count(v) && (v as number) < 2 ** 32))) {
    throw bad('rngState', 'four 32-bit unsigned integers', m.rngState);
  }
  if (m.scheduleState !== undefined && !(isObject(m.scheduleState) && Object.values(m.scheduleState).every((v) => typeof v === 'number' || v === null))) {
    throw bad('scheduleState', 'an object of numbers', m.scheduleState);
  }
  if (!Array.isArray(m.history)) throw bad('history', 'an array of per-epoch metrics', m.history);
  m.history.forEach((h, i) => {
    // JSON has no NaN: a NaN metric was saved as null.
    if (!isObject(h) || !Object.values(h).every((v) => typeof v === 'number' || v === null)) throw bad(`history[${i}]`, 'an object of metric numbers', h);
  });
  if (m.partialEpoch !== undefined) {
    const p = m.partialEpoch as Record<string, unknown> | null;
    const ok = isObject(p) && count(p.batch) && (p.batch as number) > 0 && count(p.samples) && Array.isArray(p.rngState) && p.rngState.length === 4
      && p.rngState.every((v) => count(v) && (v as number) < 2 ** 32) && isObject(p.sums) && Object.values(p.sums).every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!ok) throw bad('partialEpoch', '{ batch, samples, rngState, sums } of an epoch stopped part-way', p);
  }
  if (m.version === 2) {
    const c = m.checksums;
    if (!isObject(c) || !Object.values(c).every((v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v))) throw bad('checksums', 'an object of SHA-256 hex digests by file name', c);
  }
  return {
    ...(m as unknown as CheckpointMeta),
    clipNorm: (m.clipNorm as number | null | undefined) ?? null,
    ...(m.scheduleState ? { scheduleState: Object.fromEntries(Object.entries(m.scheduleState as Record<string, number | null>).filter(([, v]) => v !== null)) } : {}),
    history: (m.history as Record<string, number | null>[]).map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v ?? NaN]))),
  };
}

/** The two tensor files of a checkpoint: parameters and state, then the optimizer's slots. */
const TENSOR_FILES = ['weights.safetensors', 'optimizer.safetensors'] as const;

/** What a checkpoint records besides its format fields and checksums. */
export type CheckpointContent = Omit<CheckpointMeta, 'format' | 'version' | 'checksums'>;

/**
 * Writes a version-2 checkpoint: the tensors (those in `slotNames` to
 * optimizer.safetensors, the rest to weights.safetensors), checkpoint.json
 * with their checksums, and `configFiles`, all replacing `dir`'s checkpoint
 * in one atomic step (see {@link writeCheckpointDir}).
 */
export function writeCheckpoint(dir: string, content: CheckpointContent, tensors: Record<string, TensorData>, slotNames: ReadonlySet<string>, configFiles: Record<string, string> = {}): void {
  const weights = encodeSafetensors(new Map(Object.entries(tensors).filter(([k]) => !slotNames.has(k))), { format: 'aekit' });
  const slots = encodeSafetensors(new Map(Object.entries(tensors).filter(([k]) => slotNames.has(k))), { format: 'aekit' });
  const meta: CheckpointMeta = {
    format: 'aekit-checkpoint', version: CHECKPOINT_VERSION, ...content,
    checksums: { 'weights.safetensors': sha256(weights), 'optimizer.safetensors': sha256(slots) },
  };
  writeCheckpointDir(dir, new Map<string, Uint8Array | string>([
    ['weights.safetensors', weights],
    ['optimizer.safetensors', slots],
    ['checkpoint.json', JSON.stringify(meta, null, 2)],
    ...Object.entries(configFiles),
  ]));
}

/**
 * Reads and checks a checkpoint's metadata and tensors: the checksums of
 * version 2, the safetensors structure, and that every value is finite.
 * @throws {CheckpointError} naming the file and what is wrong with it.
 */
export function readCheckpoint(files: CheckpointFiles): { meta: CheckpointMeta; tensors: Record<string, TensorData> } {
  const metaFile = files.path('checkpoint.json');
  const meta = parseCheckpointMeta(files.read('checkpoint.json').toString('utf8'), metaFile);
  const tensors: Record<string, TensorData> = {};
  for (const name of TENSOR_FILES) {
    const bytes = files.read(name);
    const file = files.path(name);
    const expected = meta.checksums?.[name];
    if (meta.version >= 2 && expected === undefined) throw new CheckpointError(metaFile, `field 'checksums' has no entry for ${name}`);
    if (expected !== undefined && sha256(bytes) !== expected) throw new CheckpointError(file, 'does not match the checksum in checkpoint.json: the file is damaged or was changed after saving');
    let decoded: Map<string, TensorData>;
    try {
      decoded = decodeSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file).tensors;
    } catch (e) {
      throw new CheckpointError(file, (e as Error).message.replace(`${file}: `, ''));
    }
    for (const [tname, t] of decoded) {
      const data = t.data as Float32Array;
      const i = firstNonFinite(data);
      if (i >= 0) throw new CheckpointError(file, `tensor '${tname}' holds ${data[i]} at element ${i}; a checkpoint must hold finite values`);
      tensors[tname] = t;
    }
  }
  return { meta, tensors };
}
