/**
 * The arithmetic of the detector's scores that needs no model: pointwise
 * reconstruction errors, unit-length codes for the cosine metric, and the
 * `combined` score's sum of standardized components. Free of ONNX Runtime
 * and Node, so the dashboard's page scores a drawing in the browser with the
 * very code `AnomalyDetector` uses.
 */
import { centerDistance, knnMeanDistance } from './knn.js';
import { type DetectorState, type ScoreKind, type ScoreStats } from './types.js';
import { unitRows } from '../eval/stats.js';

export { unitRows };

const EPS = 1e-7;

/** Per-sample Σ over features of a pointwise error between x and its reconstruction (`size` features a sample). */
export function pointwiseError(x: ArrayLike<number>, rec: ArrayLike<number>, size: number, kind: 'mse' | 'mae' | 'bce'): Float64Array {
  const n = x.length / size;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * size; j < (i + 1) * size; j++) {
      const t = x[j]!;
      const r = rec[j]!;
      if (kind === 'mse') s += (r - t) * (r - t);
      else if (kind === 'mae') s += Math.abs(r - t);
      else {
        const p = Math.min(1 - EPS, Math.max(EPS, r));
        s -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
      }
    }
    out[i] = s;
  }
  return out;
}

/** Each feature's pointwise error (the terms {@link pointwiseError} sums), row after row. */
export function pointwiseParts(x: ArrayLike<number>, rec: ArrayLike<number>, kind: 'mse' | 'mae' | 'bce'): Float64Array {
  const out = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) {
    const t = x[j]!;
    const r = rec[j]!;
    if (kind === 'mse') out[j] = (r - t) * (r - t);
    else if (kind === 'mae') out[j] = Math.abs(r - t);
    else {
      const p = Math.min(1 - EPS, Math.max(EPS, r));
      out[j] = -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
    }
  }
  return out;
}

/** The `combined` score: Σ over `combine` of each component standardized by its training statistics. */
export function combineStandardized(components: ReadonlyMap<ScoreKind, ArrayLike<number>>, combine: readonly ScoreKind[], stats: Partial<Record<ScoreKind, ScoreStats>>): Float64Array {
  const out = new Float64Array(components.get(combine[0]!)!.length);
  for (const kind of combine) {
    const s = components.get(kind)!;
    const st = stats[kind]!;
    const sd = st.std > 0 ? st.std : 1;
    for (let i = 0; i < out.length; i++) out[i] += (s[i]! - st.mean) / sd;
  }
  return out;
}

/** What {@link scoreOneFromParts} needs of a saved detector (detector.json's fields). */
export type DetectorScoreState = Pick<DetectorState, 'score' | 'combine' | 'k' | 'metric' | 'componentStats' | 'center' | 'scaler'>;

/** One sample as the model saw it, its reconstruction and its code, with the model's loss. */
export interface ScoreParts {
  x: ArrayLike<number>;
  reconstruction: ArrayLike<number>;
  code: ArrayLike<number>;
  /** The model's reconstruction loss (what the `reconstruction` kind sums). */
  loss: string;
}

/**
 * A saved detector's score of one sample from the model's outputs, without
 * the model: what the dashboard's page computes from ONNX Runtime Web's
 * outputs, with the functions `AnomalyDetector.score` uses.
 * @param trainCodes the detector's training codes (codes-<g>.f32), for `knn`.
 * @throws {Error} for what needs more than these parts: the `elbo` kind, the
 *   `reconstruction` kind of a loss other than mse, mae or bce, or a detector
 *   with its own input scaler.
 */
export function scoreOneFromParts(state: DetectorScoreState, parts: ScoreParts, trainCodes: ArrayLike<number> | null): number {
  if (state.scaler) throw new Error('this detector scales its inputs itself; the page cannot score for it');
  const dim = parts.code.length;
  const byMetric = (codes: ArrayLike<number>) => (state.metric === 'cosine' ? unitRows(codes, dim) : codes);
  const component = (kind: ScoreKind): number => {
    switch (kind) {
      case 'mse': case 'mae': case 'bce':
        return pointwiseError(parts.x, parts.reconstruction, parts.x.length, kind)[0]!;
      case 'reconstruction':
        if (parts.loss !== 'mse' && parts.loss !== 'mae' && parts.loss !== 'bce') throw new Error(`the model's '${parts.loss}' loss cannot be computed in the page`);
        return pointwiseError(parts.x, parts.reconstruction, parts.x.length, parts.loss)[0]!;
      case 'knn':
        if (!trainCodes) throw new Error("the 'knn' score needs the detector's training codes");
        return knnMeanDistance(byMetric(trainCodes), byMetric(parts.code), dim, state.k)[0]!;
      case 'center':
        if (!state.center) throw new Error("the 'center' score needs the detector's centre");
        return centerDistance(byMetric(parts.code), state.center)[0]!;
      default:
        throw new Error(`the '${kind}' score cannot be computed in the page`);
    }
  };
  if (state.score !== 'combined') return component(state.score);
  const components = new Map(state.combine.map((k) => [k, [component(k)]] as const));
  return combineStandardized(components, state.combine, state.componentStats)[0]!;
}
