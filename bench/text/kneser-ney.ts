/**
 * The baseline of bench:text: an interpolated, modified Kneser–Ney trigram
 * model (Chen & Goodman 1998, "An empirical study of smoothing techniques for
 * language modeling", §3 and §4.1.6), over the same token ids as the neural
 * models (the same vocabulary, `<unk>` a token like any other).
 *
 * Each sentence w₁ … w_L is followed by `<eos>` = w_{L+1} and preceded by two
 * `<bos>`; every w_i, i = 1 … L + 1, is predicted. With c(·) counts in the
 * training sentences, N₁₊(• v w) the number of distinct words seen before the
 * bigram v w (the continuation count) and N₁₊(• w) the number of distinct
 * words seen before w:
 *
 *   P₃(w | u v) = max(c(uvw) − D₃(c(uvw)), 0) / c(uv•) + γ₃(uv) · P₂(w | v)
 *   P₂(w | v)   = max(N₁₊(•vw) − D₂(N₁₊(•vw)), 0) / Σ_w' N₁₊(•vw') + γ₂(v) · P₁(w)
 *   P₁(w)       = max(N₁₊(•w) − D₁(N₁₊(•w)), 0) / Σ_w' N₁₊(•w') + γ₁ / |W|
 *
 * where W is the set of predictable tokens (every id but `<pad>` and `<bos>`),
 * a context never seen passes its whole mass to the next order (P₃ = P₂,
 * P₂ = P₁), and each γ is the mass the discounts removed, so every P sums to 1:
 * γ(h) = (D(1)·N₁(h•) + D(2)·N₂(h•) + D(3+)·N₃₊(h•)) / (the denominator of h),
 * N_k(h•) the number of words with count (continuation count, below the top
 * order) exactly k after h. The discounts of each order come from its
 * count-of-counts n₁ … n₄ (the number of n-grams seen exactly 1 … 4 times):
 * Y = n₁ / (n₁ + 2 n₂), D(1) = 1 − 2Y n₂/n₁, D(2) = 2 − 3Y n₃/n₂,
 * D(3+) = 3 − 4Y n₄/n₃.
 */

/** Modified Kneser–Ney discounts D(1), D(2), D(3+) from the counts of one order. */
export function discounts(counts: Iterable<number>): [number, number, number] {
  const n = [0, 0, 0, 0, 0];
  for (const c of counts) if (c >= 1 && c <= 4) n[c]! += 1;
  // Too few n-grams for the estimate (tiny corpora): fixed mid-range discounts.
  if (n[1] === 0 || n[2] === 0 || n[3] === 0) return [0.5, 1, 1.5];
  const y = n[1]! / (n[1]! + 2 * n[2]!);
  const clamp = (d: number, max: number) => Math.min(Math.max(d, 0), max);
  return [clamp(1 - 2 * y * n[2]! / n[1]!, 1), clamp(2 - 3 * y * n[3]! / n[2]!, 2), clamp(3 - 4 * y * n[4]! / n[3]!, 3)];
}

/** Per-context totals of one order: the denominator and N₁, N₂, N₃₊ of the words after it. */
interface ContextStats {
  total: number;
  n1: number;
  n2: number;
  n3: number;
}

function contextStats(counts: Map<number, number>, contextOf: (key: number) => number): Map<number, ContextStats> {
  const out = new Map<number, ContextStats>();
  for (const [key, c] of counts) {
    const h = contextOf(key);
    let s = out.get(h);
    if (!s) out.set(h, (s = { total: 0, n1: 0, n2: 0, n3: 0 }));
    s.total += c;
    if (c === 1) s.n1 += 1;
    else if (c === 2) s.n2 += 1;
    else s.n3 += 1;
  }
  return out;
}

const discountOf = (d: [number, number, number], c: number) => (c === 0 ? 0 : c === 1 ? d[0] : c === 2 ? d[1] : d[2]);
const gammaOf = (d: [number, number, number], s: ContextStats) => (d[0] * s.n1 + d[1] * s.n2 + d[2] * s.n3) / s.total;

/** A trained interpolated modified Kneser–Ney trigram model over ids [0, vocabSize). */
export class KneserNeyTrigram {
  private readonly v: number;
  private readonly tri = new Map<number, number>();
  private readonly bi = new Map<number, number>();
  private readonly uni = new Map<number, number>();
  private readonly triCtx: Map<number, ContextStats>;
  private readonly biCtx: Map<number, ContextStats>;
  private readonly uniTotal: ContextStats;
  readonly d3: [number, number, number];
  readonly d2: [number, number, number];
  readonly d1: [number, number, number];
  /** |W|: the ids a sentence can contain, every id but `<pad>` and `<bos>`. */
  readonly predictable: number;

  /**
   * @param sentences training sentences as id arrays, each ending with its `<eos>` id
   * @param bos the `<bos>` id; `pad` the `<pad>` id (neither is ever predicted)
   */
  constructor(sentences: readonly (readonly number[])[], vocabSize: number, bos: number, pad: number) {
    const v = (this.v = vocabSize);
    this.predictable = vocabSize - (bos === pad ? 1 : 2);
    for (const s of sentences) {
      let u = bos;
      let w1 = bos;
      for (const w of s) {
        const key = (u * v + w1) * v + w;
        this.tri.set(key, (this.tri.get(key) ?? 0) + 1);
        [u, w1] = [w1, w];
      }
    }
    // Continuation counts: each distinct trigram u v w adds one to N₁₊(• v w); each distinct bigram v w one to N₁₊(• w).
    for (const key of this.tri.keys()) {
      const vw = key % (v * v);
      this.bi.set(vw, (this.bi.get(vw) ?? 0) + 1);
    }
    for (const vw of this.bi.keys()) {
      const w = vw % v;
      this.uni.set(w, (this.uni.get(w) ?? 0) + 1);
    }
    this.d3 = discounts(this.tri.values());
    this.d2 = discounts(this.bi.values());
    this.d1 = discounts(this.uni.values());
    this.triCtx = contextStats(this.tri, (k) => Math.floor(k / v));
    this.biCtx = contextStats(this.bi, (k) => Math.floor(k / v));
    this.uniTotal = contextStats(this.uni, () => 0).get(0)!;
  }

  /** P₁(w). */
  private p1(w: number): number {
    const c = this.uni.get(w) ?? 0;
    const s = this.uniTotal;
    return Math.max(c - discountOf(this.d1, c), 0) / s.total + gammaOf(this.d1, s) / this.predictable;
  }

  /** P₂(w | v). */
  private p2(v1: number, w: number): number {
    const s = this.biCtx.get(v1);
    if (!s) return this.p1(w);
    const c = this.bi.get(v1 * this.v + w) ?? 0;
    return Math.max(c - discountOf(this.d2, c), 0) / s.total + gammaOf(this.d2, s) * this.p1(w);
  }

  /** P₃(w | u v). */
  prob(u: number, v1: number, w: number): number {
    const h = u * this.v + v1;
    const s = this.triCtx.get(h);
    if (!s) return this.p2(v1, w);
    const c = this.tri.get(h * this.v + w) ?? 0;
    return Math.max(c - discountOf(this.d3, c), 0) / s.total + gammaOf(this.d3, s) * this.p2(v1, w);
  }

  /** −log p(sentence) in nats, the sentence's ids ending with `<eos>`; and the number of tokens predicted. */
  sentenceNll(sentence: readonly number[], bos: number): number {
    let nll = 0;
    let u = bos;
    let w1 = bos;
    for (const w of sentence) {
      nll -= Math.log(this.prob(u, w1, w));
      [u, w1] = [w1, w];
    }
    return nll;
  }
}

/** The sentences of [n, length] id rows: each row's ids up to and including its `<eos>`. */
export function rowsToSentences(rows: Float32Array, length: number, eos: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i * length < rows.length; i++) {
    const s: number[] = [];
    for (let j = 0; j < length; j++) {
      const id = rows[i * length + j]!;
      s.push(id);
      if (id === eos) break;
    }
    if (s[s.length - 1] !== eos) throw new Error(`rowsToSentences: row ${i} has no <eos>`);
    out.push(s);
  }
  return out;
}
