/**
 * A fitted detector as one standalone ONNX model, `score.onnx`: raw samples
 * in, the detector's anomaly score and its flag out. Everything between is
 * baked in: the scaling (a run's scaler, then the detector's own), the
 * autoencoder's weights, and the score's arithmetic with its constants
 * (training codes, centre, training statistics, threshold; for a table
 * detector without a model, the six members, the sorted training columns of
 * the tail part and the parts' medians and IQRs). Engines without Node
 * (Spark, Ray, ONNX Runtime in any language) then score what `det.score` and
 * `aekit detect` score, from the same rows. docs/export.md has the contract.
 *
 * After the model, the arithmetic runs in float64, as aekit's own does; what
 * differs is where ONNX Runtime computes differently from the JavaScript
 * loops: the k-NN distances through ‖q‖² − 2q·t + ‖t‖² (one matrix product)
 * rather than Σ (q − t)², sums in another order, and the model's float32
 * kernels in another graph.
 */
import { type ScalerJSON, scalerFromJSON } from '../data/preprocess.js';
import { Graph, type Value } from '../graph/graph.js';
import { type Dim, type TensorData, sizeOf, tensor } from '../graph/types.js';
import { GraphBuildContext } from '../layers/core.js';
import { type AutoencoderModel, VariationalAutoencoder } from '../models/index.js';
import { type LoweredModel, toOnnx } from '../onnx/serialize.js';
import { writeFileAtomic } from '../io/files.js';
import { type AnomalyDetector } from './detector.js';
import { TABULAR_RULES, type TabularEnsemble } from './ensemble.js';
import { unitRows } from './score-parts.js';
import { type DetectorState, type ScoreKind } from './types.js';

/** Name of score.onnx's input: [N, …sample shape] float32, the samples as the user's data has them (before any scaling). */
export const SCORE_INPUT = 'x';
/** Name of the output holding the anomaly score: [N] float64, higher = more anomalous (what `det.score` returns). */
export const SCORE_OUTPUT = 'score';
/** Name of the output holding the flag: [N] bool, score > threshold (what `det.predict` returns as 0/1). */
export const FLAG_OUTPUT = 'flag';

/** Options of {@link scoreOnnx}. */
export interface ScoreOnnxOptions {
  /**
   * A scaling applied before the detector's own: a run's scaler.json, which
   * scaled the data the run's detector was fitted on.
   */
  prescale?: ScalerJSON;
  /** Extra metadata (string key/value) stored in the file. */
  metadata?: Record<string, string>;
}

const EPS = 1e-7;

/** Applies a scaler to float32 samples as `Scaler.transform` does: (x − shift)·mul in float64, rounded to float32, clamped when `clip`. */
function scaleGraph(g: Graph, x: Value, json: ScalerJSON, what: string): Value {
  const c = scalerFromJSON(json).constants();
  const sample = x.shape.slice(1) as number[];
  if (c.sampleShape.join() !== sample.join()) throw new RangeError(`score.onnx: ${what} was fitted on samples of shape [${c.sampleShape}], the input takes [${sample}]`);
  const shape = c.axis === 'global' ? [] : sample;
  const shift = g.constant(tensor('float64', shape, c.shift), 'scale_shift');
  const mul = g.constant(tensor('float64', shape, c.mul), 'scale_mul');
  const y = g.cast(g.mul(g.sub(g.cast(x, 'float64'), shift), mul), 'float32');
  return c.clip ? g.clip(y, 0, 1) : y;
}

/** Sums every axis but the batch axis. */
function perSample(g: Graph, v: Value): Value {
  return v.rank === 1 ? v : g.reduceSum(v, [...Array(v.rank).keys()].slice(1));
}

/** Rows of a [N, …] value as [N, size] float64. */
function rows64(g: Graph, v: Value): Value {
  return g.cast(v.rank === 2 ? v : g.flatten(v, 1), 'float64');
}

/** Rows scaled to unit length, a zero row kept zero ({@link unitRows}). */
function unitRowsGraph(g: Graph, q: Value): Value {
  const norm = g.sqrt(g.reduceSum(g.square(q), [1], true));
  return g.div(q, g.where(g.greater(norm, 0), norm, 1));
}

/** Mean Euclidean distance from each row of q [N, d] to its k nearest rows of the constant `reference` ([M, d], float64). */
function knnGraph(g: Graph, q: Value, reference: Float64Array, dim: number, k: number): Value {
  const m = reference.length / dim;
  if (k > m) throw new RangeError(`score.onnx: k = ${k} neighbours, but the detector keeps ${m} training codes`);
  const refT = new Float64Array(dim * m);
  const refSq = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < dim; j++) {
      const v = reference[r * dim + j]!;
      refT[j * m + r] = v;
      refSq[r] += v * v;
    }
  }
  // ‖q − t‖² = ‖q‖² − 2 q·t + ‖t‖², clamped at 0 where rounding takes a near-copy below it.
  const cross = g.matmul(q, g.constant(tensor('float64', [dim, m], refT), 'train_codes_t'));
  const d2 = g.add(g.sub(g.reduceSum(g.square(q), [1], true), g.mul(cross, 2)), g.constant(tensor('float64', [1, m], refSq), 'train_codes_sq'));
  const nearest = g.topK(g.clip(d2, 0, Number.MAX_VALUE), k, { axis: 1, largest: false }).values;
  // A sum and a division, as knnMeanDistance computes the mean (and a ReduceSum, unlike
  // ReduceMean, reads the same in opset 17 and 18, so older onnx checkers accept it).
  return g.div(g.reduceSum(g.sqrt(nearest), [1]), k);
}

/** The parts of a model detector: its state, model and training codes. */
interface ModelDetectorParts {
  state: DetectorState;
  model: AutoencoderModel;
  codes: Float32Array | null;
}

function partsOf(det: AnomalyDetector): ModelDetectorParts {
  return { state: det.state(), model: det.model, codes: det.trainingCodes };
}

/**
 * A build context whose parameters are named `<prefix><layer>/<name>`, so
 * several models with the same layer names (a table ensemble's members) live
 * in one graph.
 */
class PrefixedContext extends GraphBuildContext {
  constructor(g: Graph, private readonly prefix: string) {
    super(g, false);
  }

  override param(...args: Parameters<GraphBuildContext['param']>): Value {
    const [layer, ...rest] = args;
    return super.param(`${this.prefix}${layer}`, ...rest);
  }

  override state(...args: Parameters<GraphBuildContext['state']>): Value {
    const [layer, ...rest] = args;
    return super.state(`${this.prefix}${layer}`, ...rest);
  }
}

/**
 * Adds one model detector's raw component scores (float64 [N], by kind) for
 * samples x (float32, scaled as far as the detector's own scaler, which this
 * applies). Records the model's weights to bake in `bake`.
 */
function componentsGraph(g: Graph, x: Value, parts: ModelDetectorParts, prefix: string, bake: Map<Value, TensorData>): Map<ScoreKind, Value> {
  const { state, model, codes } = parts;
  const xs = state.scaler ? scaleGraph(g, x, state.scaler, "the detector's scaler") : x;
  const ctx = prefix ? new PrefixedContext(g, prefix) : new GraphBuildContext(g, false);
  const out = model.scoringOutputs(ctx, xs);
  const tensors = model.trainer.tensors;
  for (const [name, v] of ctx.values) {
    const t = tensors[name.slice(prefix.length)];
    if (!t) throw new Error(`score.onnx: the model has no value for its parameter ${name.slice(prefix.length)}`);
    bake.set(v, t);
  }
  const dim = sizeOf(model.latentShape);
  const code = (): Value => {
    const q = rows64(g, out.code);
    return state.metric === 'cosine' ? unitRowsGraph(g, q) : q;
  };
  const pointwise = (kind: 'mse' | 'mae' | 'bce'): Value => {
    const t = g.cast(xs, 'float64');
    const r = g.cast(out.reconstruction, 'float64');
    if (kind === 'mse') return perSample(g, g.square(g.sub(r, t)));
    if (kind === 'mae') return perSample(g, g.abs(g.sub(r, t)));
    const p = g.clip(r, EPS, 1 - EPS);
    return g.neg(perSample(g, g.add(g.mul(t, g.log(p)), g.mul(g.sub(1, t), g.log(g.sub(1, p))))));
  };
  const component = (kind: ScoreKind): Value => {
    switch (kind) {
      case 'mse': case 'mae': case 'bce':
        return pointwise(kind);
      case 'reconstruction':
        return g.cast(out.errors, 'float64');
      case 'elbo': {
        const vae = model as VariationalAutoencoder;
        if (!(vae instanceof VariationalAutoencoder)) throw new RangeError(`score.onnx: the 'elbo' score needs a VariationalAutoencoder, got a ${model.className}`);
        const mu = rows64(g, out.encoder.mu!);
        const logVar = rows64(g, out.encoder.logVar!);
        const kl = g.mul(g.reduceSum(g.sub(g.sub(g.add(logVar, 1), g.square(mu)), g.exp(logVar)), [1]), -0.5);
        return g.add(g.cast(out.errors, 'float64'), g.mul(kl, vae.beta));
      }
      case 'knn': {
        if (!codes) throw new Error("score.onnx: the 'knn' score needs the detector's training codes");
        const ref = state.metric === 'cosine' ? unitRows(codes, dim) : Float64Array.from(codes);
        return knnGraph(g, code(), ref, dim, state.k);
      }
      case 'center': {
        if (!state.center) throw new Error("score.onnx: the 'center' score needs the detector's centre");
        return perSample(g, g.square(g.sub(code(), g.constant(tensor('float64', [1, dim], state.center), 'center'))));
      }
      case 'combined':
        throw new Error('internal: combined is not a component');
    }
  };
  const kinds = state.score === 'combined' ? state.combine : [state.score];
  return new Map(kinds.map((k) => [k, component(k)]));
}

/** A model detector's score: the one component, or Σ of the components standardized by their training statistics. */
function modelScoreGraph(g: Graph, x: Value, parts: ModelDetectorParts, bake: Map<Value, TensorData>): Value {
  const { state } = parts;
  const components = componentsGraph(g, x, parts, '', bake);
  if (state.score !== 'combined') return components.get(state.score)!;
  let sum: Value | undefined;
  for (const kind of state.combine) {
    const st = state.componentStats[kind]!;
    const z = g.div(g.sub(components.get(kind)!, st.mean), st.std > 0 ? st.std : 1);
    sum = sum ? g.add(sum, z) : z;
  }
  return sum!;
}

/**
 * Counts, per value of x [N, d] (float32), the entries of its column of the
 * sorted constant columns ([d, n], column after column) at or below it
 * (`strict` false) or below it (`strict` true): a binary search of ⌈log₂ n⌉ + 1
 * steps of Gather and compare, so no [N, d, n] tensor is ever made.
 */
function countInSorted(g: Graph, x: Value, columns: Value, d: number, n: number, strict: boolean): Value {
  const offsets = g.constant(tensor('int64', [d], Array.from({ length: d }, (_, j) => j * n)), 'column_offsets');
  let pos = g.cast(g.fillLike(x, 0), 'int64');
  for (let step = 2 ** Math.floor(Math.log2(n)); step >= 1; step /= 2) {
    const cand = g.add(pos, step);
    const beyond = g.greater(cand, n);
    const value = g.gather(columns, g.add(g.sub(g.where(beyond, n, cand), 1), offsets), 0);
    // The count grows to cand when entry cand − 1 is still ≤ x (or < x).
    const grown = strict ? g.where(g.less(value, x), cand, pos) : g.where(g.greater(value, x), pos, cand);
    pos = g.where(beyond, pos, grown);
  }
  return pos;
}

/** The tail score of raw rows x [N, d]: Σ over features of log(n + 1) − log(min(#≤v, #≥v) + 1) ({@link FeatureTails}). */
function tailsGraph(g: Graph, x: Value, ensemble: TabularEnsemble): Value {
  const { features: d, rows: n, sortedColumns } = ensemble.tails.toState();
  const columns = g.constant(tensor('float32', [d * n], sortedColumns), 'sorted_columns');
  const below = countInSorted(g, x, columns, d, n, false);
  const above = g.sub(n, countInSorted(g, x, columns, d, n, true));
  const fewer = g.cast(g.where(g.less(below, above), below, above), 'float64');
  return g.reduceSum(g.sub(Math.log(n + 1), g.log(g.add(fewer, 1))), [1]);
}

/** A table detector's score: members' rescaled error and k-NN parts and the tail part, weighted as `TabularEnsemble` combines them. */
function ensembleScoreGraph(g: Graph, x: Value, ensemble: TabularEnsemble, bake: Map<Value, TensorData>): Value {
  const xs = scaleGraph(g, x, ensemble.state.scaler, "the ensemble's scaler");
  const parts: Value[] = [];
  ensemble.members.forEach((member, i) => {
    const c = componentsGraph(g, xs, partsOf(member), `member_${i}/`, bake);
    parts.push(c.get('mse')!, c.get('knn')!);
  });
  parts.push(tailsGraph(g, x, ensemble));
  const m = ensemble.members.length;
  const { error, neighbours, tails } = TABULAR_RULES.weights;
  let sum: Value | undefined;
  parts.forEach((p, i) => {
    const s = ensemble.state.partScales[i]!;
    const w = i === 2 * m ? tails : (i % 2 === 0 ? error : neighbours) / m;
    const term = g.mul(g.div(g.sub(p, s.center), s.scale), w);
    sum = sum ? g.add(sum, term) : term;
  });
  return sum!;
}

/**
 * Lowers a fitted detector to score.onnx: input {@link SCORE_INPUT}
 * [N, …sampleShape] float32 (raw samples), outputs {@link SCORE_OUTPUT}
 * [N] float64 and {@link FLAG_OUTPUT} [N] bool (score > threshold).
 * Metadata: `aekit:score`, `aekit:threshold`, `aekit:sampleShape`, and
 * `aekit:columns` when the detector knows its feature names.
 * @throws {RangeError} for a detector that is not fitted.
 */
export function scoreOnnx(det: AnomalyDetector, options: ScoreOnnxOptions = {}): LoweredModel {
  if (!det.fitted) throw new RangeError('score.onnx: the detector is not fitted; call fit(data) first');
  const g = new Graph();
  const sampleShape = det.sampleShape;
  const x = g.input(SCORE_INPUT, ['N', ...sampleShape] as Dim[]);
  const pre = options.prescale ? scaleGraph(g, x, options.prescale, "the run's scaler") : x;
  const bake = new Map<Value, TensorData>();
  const ensemble = det.tabularEnsemble;
  const score = ensemble ? ensembleScoreGraph(g, pre, ensemble, bake) : modelScoreGraph(g, pre, partsOf(det), bake);
  const flag = g.greater(score, det.threshold);
  const names = det.featureNames;
  return toOnnx(g, {
    outputs: { [SCORE_OUTPUT]: score, [FLAG_OUTPUT]: flag },
    bake,
    name: 'aekit_score',
    metadata: {
      producer: 'aekit',
      part: 'score',
      'aekit:score': ensemble ? 'table-ensemble' : det.scoreKind,
      'aekit:threshold': String(det.threshold),
      'aekit:sampleShape': JSON.stringify(sampleShape),
      ...(names ? { 'aekit:columns': JSON.stringify(names) } : {}),
      ...options.metadata,
    },
  });
}

/** Writes {@link scoreOnnx}'s model to `path` (atomically). */
export function writeScoreOnnx(det: AnomalyDetector, path: string, options: ScoreOnnxOptions = {}): LoweredModel {
  const lowered = scoreOnnx(det, options);
  writeFileAtomic(path, lowered.bytes);
  return lowered;
}
