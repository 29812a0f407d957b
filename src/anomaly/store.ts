/**
 * A saved detector's directory:
 *
 *     detector.json      what the detector is (score, threshold, scaler, statistics)
 *                        and which generation of the files below is current
 *     model-<g>/         the autoencoder (`model.save`)
 *     codes-<g>.f32      the training codes, float32 little-endian (latent scores only)
 *
 * A save writes generation g + 1 beside the current one, then replaces
 * detector.json atomically (the commit point), then removes the older
 * generation. A kill at any instant leaves a detector.json whose files are
 * all there. Only names of this pattern are ever written or removed, and a
 * directory holding anything else without a detector.json is refused.
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ScalerJSON, scalerFromJSON } from '../data/preprocess.js';
import { WriteError, fsReason, makeDirs, writeFileAtomic } from '../io/files.js';
import { AutoencoderModel } from '../models/index.js';
import { type LoadOptions } from '../models/front-end.js';
import { CHECKPOINT_FILES, sha256 } from '../train/checkpoint.js';
import { type DetectorState, type ScoreKind, type ScoreStats, SCORE_KINDS } from './types.js';
import { needsCodes } from './scores.js';
import { type SavedThresholdStrategy } from './threshold.js';
import { type StandardScalerJSON } from '../data/preprocess.js';
import { type PartScale, type TabularEnsembleState } from './ensemble.js';

export const DETECTOR_FORMAT = 'aekit-anomaly-detector';
export const DETECTOR_VERSION = 1;
const MODEL_RE = /^model-(\d+)$/;
const CODES_RE = /^codes-(\d+)\.f32$/;
const ENSEMBLE_RE = /^ensemble-(\d+)$/;

/** A detector directory or file that cannot be read or written: names the path (and field) and what was wrong. */
export class DetectorFileError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'DetectorFileError';
  }
}

/** What a save writes and a load gives back. */
export interface SavedDetector {
  state: DetectorState;
  model: AutoencoderModel;
  codes: Float32Array | null;
  /** A block of the caller's own (the time-series detector's), stored as is. */
  extra?: Record<string, unknown>;
}

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DetectorFileError(file, `not valid JSON (${(e as Error).message}); the file is damaged or was not written by aekit`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new DetectorFileError(file, 'expected a JSON object');
  return parsed as Record<string, unknown>;
}

/** The generation of the detector saved in `dir`, 0 when the directory is new or empty; refuses foreign directories. */
function currentGeneration(dir: string): number {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new DetectorFileError(dir, fsReason(e));
  }
  if (!isDir) throw new DetectorFileError(dir, 'is a file; a detector is saved to a directory, and aekit will not replace a file it did not write');
  const entries = readdirSync(dir);
  const file = join(dir, 'detector.json');
  const json = entries.includes('detector.json') ? readJson(file) : undefined;
  if (json) {
    if (json.format !== DETECTOR_FORMAT) throw new DetectorFileError(file, "is not an aekit detector (no format 'aekit-anomaly-detector'); aekit only replaces detectors it wrote: choose a new or empty directory");
    const g = json.generation;
    return Number.isSafeInteger(g) && (g as number) >= 1 ? (g as number) : 0;
  }
  // Leftovers of a first save killed before its detector.json are ours to reuse.
  const foreign = entries.filter((e) => !MODEL_RE.test(e) && !CODES_RE.test(e) && !ENSEMBLE_RE.test(e) && !/^(codes-\d+\.f32|detector\.json)\.tmp-/.test(e));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, … (${foreign.length} entries)` : '');
    throw new DetectorFileError(dir, `is not empty (${shown}) and holds no aekit detector; aekit only replaces detectors it wrote: choose a new or empty directory`);
  }
  return entries.reduce((g, e) => Math.max(g, Number(MODEL_RE.exec(e)?.[1] ?? CODES_RE.exec(e)?.[1] ?? ENSEMBLE_RE.exec(e)?.[1] ?? 0)), 0);
}

function encodeF32(a: Float32Array): Uint8Array {
  const bytes = new Uint8Array(a.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat32(i * 4, a[i]!, true);
  return bytes;
}

function decodeF32(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Whether a `model-<g>` folder holds only what a model save writes (so removing it loses nothing of the user's). */
function onlyModelFiles(folder: string): boolean {
  try {
    return readdirSync(folder).every((e) => CHECKPOINT_FILES.includes(e) || e.startsWith('.aekit-') || CHECKPOINT_FILES.some((f) => e.startsWith(`${f}.tmp-`)));
  } catch {
    return false;
  }
}

/** Checks `dir` (new, empty or a detector aekit saved), creates it, and returns the generation a save writes. */
function nextGeneration(dir: string): number {
  if (typeof dir !== 'string' || dir === '') throw new DetectorFileError(String(dir || "''"), 'expected a directory path');
  const g = currentGeneration(dir) + 1;
  try {
    makeDirs(dir);
  } catch (e) {
    if (e instanceof WriteError) throw new DetectorFileError(e.path, e.message.slice(e.path.length + 2));
    throw e;
  }
  return g;
}

/** Writes a detector to `dir` (see the module comment for the protocol). */
export function writeDetectorDir(dir: string, saved: SavedDetector): void {
  const g = nextGeneration(dir);
  const modelName = `model-${g}`;
  // A folder of this name is a leftover of a killed save (never referenced): model.save replaces it.
  saved.model.save(join(dir, modelName));
  let codes: Record<string, unknown> | null = null;
  if (saved.codes) {
    const bytes = encodeF32(saved.codes);
    const file = `codes-${g}.f32`;
    writeFileAtomic(join(dir, file), bytes);
    codes = { file, count: saved.codes.length, sha256: sha256(bytes) };
  }
  const json = {
    format: DETECTOR_FORMAT,
    version: DETECTOR_VERSION,
    generation: g,
    model: modelName,
    codes,
    ...saved.state,
    ...(saved.extra ? { extra: saved.extra } : {}),
  };
  writeFileAtomic(join(dir, 'detector.json'), `${JSON.stringify(json, null, 2)}\n`);
  removeOldGenerations(dir, g);
}

/** After the commit of generation `g`: removes the files of older ones (only names and contents aekit writes). */
function removeOldGenerations(dir: string, g: number): void {
  for (const e of readdirSync(dir)) {
    const m = MODEL_RE.exec(e) ?? CODES_RE.exec(e) ?? ENSEMBLE_RE.exec(e);
    if (!m || Number(m[1]) === g) continue;
    const path = join(dir, e);
    if (MODEL_RE.test(e)) {
      if (onlyModelFiles(path)) rmSync(path, { recursive: true, force: true });
    } else if (ENSEMBLE_RE.test(e)) {
      if (onlyEnsembleFiles(path)) rmSync(path, { recursive: true, force: true });
    } else {
      rmSync(path, { force: true });
    }
  }
}

function onlyEnsembleFiles(folder: string): boolean {
  try {
    return readdirSync(folder).every((e) => e === 'tails.f32' || /^tails\.f32\.tmp-/.test(e) || (/^member-\d+$/.test(e) && onlyDetectorFiles(join(folder, e))));
  } catch {
    return false;
  }
}

function onlyDetectorFiles(folder: string): boolean {
  return readdirSync(folder).every((e) => e === 'detector.json' || /^detector\.json\.tmp-/.test(e) || CODES_RE.test(e) || /^codes-\d+\.f32\.tmp-/.test(e) || (MODEL_RE.test(e) && onlyModelFiles(join(folder, e))));
}

/** What a detector without a model saves: its ensemble's members and tails, and the outer detector's threshold and statistics. */
export interface SavedEnsembleDetector {
  ensemble: TabularEnsembleState;
  members: Array<(dir: string) => void>;
  sortedColumns: Float32Array;
  rows: number;
  outer: { proba: 'linear' | 'unify'; threshold: number; thresholdStrategy: SavedThresholdStrategy; trainStats: ScoreStats; featureNames: string[] | null };
}

/**
 * Writes a detector without a model: `ensemble-<g>/member-<i>/` (each a
 * detector directory of its own) and `ensemble-<g>/tails.f32` (the sorted
 * training columns), then detector.json, atomically, as the commit point;
 * the same generation protocol as {@link writeDetectorDir}.
 */
export function writeEnsembleDir(dir: string, saved: SavedEnsembleDetector): void {
  const g = nextGeneration(dir);
  const folder = `ensemble-${g}`;
  // A folder of this name is a leftover of a killed save, never referenced: ours to replace.
  if (existsSync(join(dir, folder)) && onlyEnsembleFiles(join(dir, folder))) rmSync(join(dir, folder), { recursive: true, force: true });
  makeDirs(join(dir, folder));
  const members = saved.members.map((write, i) => {
    const name = `${folder}/member-${i}`;
    write(join(dir, name));
    return name;
  });
  const bytes = encodeF32(saved.sortedColumns);
  writeFileAtomic(join(dir, folder, 'tails.f32'), bytes);
  const json = {
    format: DETECTOR_FORMAT,
    version: DETECTOR_VERSION,
    generation: g,
    kind: 'tabular-ensemble',
    ...saved.outer,
    ensemble: { ...saved.ensemble, members, tails: { file: `${folder}/tails.f32`, rows: saved.rows, features: saved.ensemble.features, sha256: sha256(bytes) } },
  };
  writeFileAtomic(join(dir, 'detector.json'), `${JSON.stringify(json, null, 2)}\n`);
  removeOldGenerations(dir, g);
}

/** Whether the detector saved in `dir` is one without a model (a tabular ensemble). */
export function isEnsembleDir(dir: string): boolean {
  return readJson(join(dir, 'detector.json'))?.kind === 'tabular-ensemble';
}

/**
 * Reads a detector without a model; each member through {@link readDetectorDir}
 * (`modelOptions` go to each member's model load: threads, spinning).
 * @throws {DetectorFileError} naming the file and field.
 */
export function readEnsembleDir(dir: string, modelOptions: LoadOptions = {}): { ensemble: TabularEnsembleState; members: SavedDetector[]; sortedColumns: Float32Array; rows: number; outer: SavedEnsembleDetector['outer'] } {
  const file = join(dir, 'detector.json');
  const json = readJson(file);
  if (!json) throw new DetectorFileError(dir, 'no detector here (no detector.json)');
  if (json.format !== DETECTOR_FORMAT) throw new DetectorFileError(file, `field 'format': expected '${DETECTOR_FORMAT}', got ${JSON.stringify(json.format)}`);
  if (json.version !== DETECTOR_VERSION) throw new DetectorFileError(file, `field 'version': this aekit reads version ${DETECTOR_VERSION}, got ${JSON.stringify(json.version)}`);
  const e = json.ensemble as Obj | undefined;
  if (!e || typeof e !== 'object') throw new DetectorFileError(file, "field 'ensemble': expected an object");
  const features = field(e, 'features', file, posInt, 'a positive integer');
  const seed = field(e, 'seed', file, (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : undefined), 'a non-negative integer');
  const partScales = field(e, 'partScales', file, (v) => (Array.isArray(v) && v.length >= 3 && v.length % 2 === 1 && v.every((p) => p !== null && typeof p === 'object' && finite((p as Obj).center) !== undefined && (finite((p as Obj).scale) ?? 0) > 0) ? (v as PartScale[]) : undefined), 'an odd number (at least 3) of part scales { center, scale > 0 }');
  const memberDirs = field(e, 'members', file, (v) => (Array.isArray(v) && v.length === (partScales.length - 1) / 2 && v.every((m) => typeof m === 'string' && /^ensemble-\d+\/member-\d+$/.test(m)) ? (v as string[]) : undefined), `${(partScales.length - 1) / 2} member folders 'ensemble-<g>/member-<i>'`);
  let scaler: StandardScalerJSON;
  try {
    const s = scalerFromJSON(e.scaler as ScalerJSON);
    if ((e.scaler as ScalerJSON).kind !== 'zscore') throw new Error('expected a zscore scaler');
    scaler = s.toJSON() as StandardScalerJSON;
  } catch (err) {
    throw new DetectorFileError(file, `field 'ensemble.scaler': ${(err as Error).message}`);
  }
  const t = e.tails as Obj | undefined;
  if (!t || typeof t !== 'object') throw new DetectorFileError(file, "field 'ensemble.tails': expected an object");
  const tailsFile = field(t, 'file', file, (v) => (typeof v === 'string' && /^ensemble-\d+\/tails\.f32$/.test(v) ? v : undefined), "'ensemble-<g>/tails.f32'");
  const rows = field(t, 'rows', file, posInt, 'a positive integer');
  const hash = field(t, 'sha256', file, (v) => (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? v : undefined), 'a hex SHA-256');
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, tailsFile));
  } catch (err) {
    throw new DetectorFileError(join(dir, tailsFile), `cannot read the training columns (${fsReason(err)})`);
  }
  if (bytes.length !== rows * features * 4) throw new DetectorFileError(join(dir, tailsFile), `holds ${bytes.length} bytes, detector.json says ${rows} rows of ${features} float32 values; the file is truncated or damaged`);
  if (sha256(bytes) !== hash) throw new DetectorFileError(join(dir, tailsFile), 'checksum does not match detector.json; the file is damaged');
  const featureNames = json.featureNames === null || json.featureNames === undefined ? null : field(json, 'featureNames', file, (v) => (Array.isArray(v) && v.length === features && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined), `${features} column names`);
  const outer = {
    proba: field(json, 'proba', file, oneOfStr(['linear', 'unify'] as const), "'linear' or 'unify'"),
    threshold: field(json, 'threshold', file, finite, 'a finite number'),
    thresholdStrategy: field(json, 'thresholdStrategy', file, strategy, 'a threshold strategy object'),
    trainStats: field(json, 'trainStats', file, stats, 'score statistics { n, min, max, mean, std }'),
    featureNames,
  };
  const members = memberDirs.map((m) => readDetectorDir(join(dir, m), modelOptions));
  return { ensemble: { features, scaler, partScales, seed }, members, sortedColumns: decodeF32(bytes), rows, outer };
}

// ----- Reading: every field checked before use, errors naming it -----

type Obj = Record<string, unknown>;

function field<T>(o: Obj, name: string, file: string, check: (v: unknown) => T | undefined, expected: string): T {
  const v = check(o[name]);
  if (v === undefined) throw new DetectorFileError(file, `field '${name}': expected ${expected}, got ${JSON.stringify(o[name]) ?? 'nothing'}`);
  return v;
}

const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const posInt = (v: unknown) => (Number.isSafeInteger(v) && (v as number) >= 1 ? (v as number) : undefined);
const oneOfStr = <T extends string>(values: readonly T[]) => (v: unknown) => (typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : undefined);

function stats(v: unknown): ScoreStats | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Obj;
  const n = posInt(o.n);
  const [min, max, mean, std] = [finite(o.min), finite(o.max), finite(o.mean), finite(o.std)];
  if (n === undefined || min === undefined || max === undefined || mean === undefined || std === undefined || std < 0 || max < min) return undefined;
  return { n, min, max, mean, std };
}

function strategy(v: unknown): SavedThresholdStrategy | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Obj;
  switch (o.type) {
    case 'contamination': return typeof o.contamination === 'number' && o.contamination > 0 && o.contamination <= 0.5 ? { type: 'contamination', contamination: o.contamination } : undefined;
    case 'max': return { type: 'max' };
    case 'meanStd': return finite(o.k) !== undefined ? { type: 'meanStd', k: o.k as number } : undefined;
    case 'manual': return { type: 'manual' };
    case 'bestF1': return finite(o.f1) !== undefined ? { type: 'bestF1', f1: o.f1 as number } : undefined;
    default: return undefined;
  }
}

/**
 * A loaded detector's model sessions: idle ONNX Runtime threads do not spin
 * unless the caller asks. Scoring alternates the model's sessions with the
 * k-NN session and JavaScript work, and a pool spinning on the other core
 * between calls made scoring the demo's detector about twice as slow on two
 * cores (docs/serving.md).
 */
function scoringSessions(modelOptions: LoadOptions): LoadOptions {
  return { ...modelOptions, session: { spinning: false, ...modelOptions.session } };
}

/**
 * Reads and checks a detector directory: detector.json field by field, the
 * model (loaded with `modelOptions`: ONNX Runtime threads, spinning, by default
 * off), and the
 * codes against their recorded size and checksum.
 * @param sameModel a model already in memory to use instead of loading the
 *   saved one; the caller vouches that it is the same (see
 *   src/runs/run-detector.ts, which compares the files).
 * @throws {DetectorFileError} naming the file and field.
 */
export function readDetectorDir(dir: string, modelOptions: LoadOptions = {}, sameModel?: AutoencoderModel): SavedDetector {
  const file = join(dir, 'detector.json');
  if (!existsSync(dir)) throw new DetectorFileError(dir, 'no such directory');
  const json = readJson(file);
  if (!json) throw new DetectorFileError(dir, 'no detector here (no detector.json)');
  if (json.format !== DETECTOR_FORMAT) throw new DetectorFileError(file, `field 'format': expected '${DETECTOR_FORMAT}', got ${JSON.stringify(json.format)}`);
  if (json.version !== DETECTOR_VERSION) throw new DetectorFileError(file, `field 'version': this aekit reads version ${DETECTOR_VERSION}, got ${JSON.stringify(json.version)}`);
  const modelName = field(json, 'model', file, (v) => (typeof v === 'string' && MODEL_RE.test(v) ? v : undefined), "a folder name 'model-<n>'");
  const score = field(json, 'score', file, oneOfStr(SCORE_KINDS), `one of ${SCORE_KINDS.join(', ')}`);
  const k = field(json, 'k', file, posInt, 'a positive integer');
  const metric = field(json, 'metric', file, oneOfStr(['euclidean', 'cosine'] as const), "'euclidean' or 'cosine'");
  const combine = field(json, 'combine', file, (v) => (Array.isArray(v) && v.length >= 2 && v.every((x) => oneOfStr(SCORE_KINDS)(x) && x !== 'combined') ? (v as ScoreKind[]) : undefined), 'an array of at least two score kinds');
  const proba = field(json, 'proba', file, oneOfStr(['linear', 'unify'] as const), "'linear' or 'unify'");
  const threshold = field(json, 'threshold', file, finite, 'a finite number');
  const thresholdStrategy = field(json, 'thresholdStrategy', file, strategy, 'a threshold strategy object');
  const trainStats = field(json, 'trainStats', file, stats, 'score statistics { n, min, max, mean, std }');
  const componentStats: Partial<Record<ScoreKind, ScoreStats>> = {};
  const cs = json.componentStats;
  if (cs === null || typeof cs !== 'object' || Array.isArray(cs)) throw new DetectorFileError(file, "field 'componentStats': expected an object");
  for (const [kind, v] of Object.entries(cs as Obj)) {
    const s = stats(v);
    if (!oneOfStr(SCORE_KINDS)(kind) || !s) throw new DetectorFileError(file, `field 'componentStats.${kind}': expected score statistics of a score kind`);
    componentStats[kind as ScoreKind] = s;
  }
  if (score === 'combined') {
    const missing = combine.find((c) => !componentStats[c]);
    if (missing) throw new DetectorFileError(file, `field 'componentStats': no statistics for component '${missing}' of the combined score`);
  }
  const center = json.center === null ? null : field(json, 'center', file, (v) => (Array.isArray(v) && v.length > 0 && v.every((x) => finite(x) !== undefined) ? (v as number[]) : undefined), 'null or an array of finite numbers');
  let scaler: ScalerJSON | null = null;
  if (json.scaler !== null && json.scaler !== undefined) {
    try {
      scalerFromJSON(json.scaler as ScalerJSON);
    } catch (e) {
      throw new DetectorFileError(file, `field 'scaler': ${(e as Error).message}`);
    }
    scaler = json.scaler as ScalerJSON;
  }
  let model: AutoencoderModel;
  try {
    model = sameModel ?? AutoencoderModel.load(join(dir, modelName), scoringSessions(modelOptions));
  } catch (e) {
    throw new DetectorFileError(join(dir, modelName), `cannot load the detector's model (${(e as Error).message})`);
  }
  if (scaler && scaler.sampleShape.join() !== model.inputShape.join()) {
    throw new DetectorFileError(file, `field 'scaler': fitted on samples of shape [${scaler.sampleShape}], the model takes [${model.inputShape}]`);
  }
  const latent = model.latentShape.reduce((a, b) => a * b, 1);
  let codes: Float32Array | null = null;
  const codesNeeded = needsCodes(score === 'combined' ? combine : [score]);
  if (json.codes !== null && json.codes !== undefined) {
    const c = json.codes as Obj;
    const name = field(c, 'file', file, (v) => (typeof v === 'string' && CODES_RE.test(v) ? v : undefined), "a file name 'codes-<n>.f32'");
    const count = field(c, 'count', file, posInt, 'a positive integer');
    const hash = field(c, 'sha256', file, (v) => (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? v : undefined), 'a hex SHA-256');
    const path = join(dir, name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new DetectorFileError(path, `cannot read the training codes (${fsReason(e)})`);
    }
    if (bytes.length !== count * 4) throw new DetectorFileError(path, `holds ${bytes.length} bytes, detector.json says ${count} float32 values (${count * 4} bytes); the file is truncated or damaged`);
    if (sha256(bytes) !== hash) throw new DetectorFileError(path, 'checksum does not match detector.json; the file is damaged');
    if (count % latent !== 0) throw new DetectorFileError(file, `field 'codes.count': ${count} values are not whole codes of ${latent}`);
    codes = decodeF32(bytes);
  }
  if (codesNeeded && !codes) throw new DetectorFileError(file, `field 'codes': score '${score}' needs the training codes, none recorded`);
  if (codesNeeded && (!center || center.length !== latent)) throw new DetectorFileError(file, `field 'center': expected ${latent} numbers (the model's code size)`);
  const extra = json.extra;
  if (extra !== undefined && (extra === null || typeof extra !== 'object' || Array.isArray(extra))) throw new DetectorFileError(file, "field 'extra': expected an object");
  // Absent in detectors saved before it existed: 1, the sample itself.
  const exclusionZone = json.exclusionZone === undefined ? 1 : field(json, 'exclusionZone', file, posInt, 'a positive integer');
  const state: DetectorState = { score, k, metric, combine, proba, scaler, threshold, thresholdStrategy, trainStats, componentStats, center, exclusionZone };
  return { state, model, codes, ...(extra ? { extra: extra as Record<string, unknown> } : {}) };
}
