/**
 * Documents as rows of numbers: bag-of-words TF-IDF, the representation a
 * practitioner reaches for first when texts are to be compared, clustered or
 * screened for outliers (scikit-learn's TfidfVectorizer with sublinear_tf and
 * its smoothed idf, written here). Plus the parsing of a raw e-mail into the
 * text a content model should see.
 *
 * A document becomes one row of `vocabulary.length` values:
 *   tf(t, d)  = 1 + ln(count of t in d)   (0 when t is absent)
 *   idf(t)    = ln((1 + n) / (1 + df(t))) + 1
 *   row(d)    = tf · idf, scaled to unit Euclidean length
 * with n the training documents and df(t) those containing t. The vocabulary
 * is fixed by the training documents: words seen in fewer than `minDf` of
 * them, or in more than `maxDf` of them, are left out, and of the rest the
 * `maxFeatures` most frequent (by document frequency; ties by word) are kept.
 */

/** Options of {@link TfidfVectorizer}. */
export interface TfidfOptions {
  /** Most words kept (default 5,000). */
  maxFeatures?: number;
  /** Fewest training documents a word must appear in (default 2). */
  minDf?: number;
  /** Largest share of training documents a word may appear in (default 0.95): words in nearly every document say nothing. */
  maxDf?: number;
}

/** A fitted vectorizer's state (JSON). */
export interface TfidfState {
  vocabulary: string[];
  idf: number[];
}

/**
 * Lower-cased words: runs of letters, digits and inner apostrophes, at least
 * two characters, at most 30 (longer runs are encodings, hashes or URLs).
 */
export function bagOfWordsTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu)) {
    const w = m[0];
    if (w.length >= 2 && w.length <= 30) out.push(w);
  }
  return out;
}

/** Bag-of-words TF-IDF rows; see the module comment for the formulas. */
export class TfidfVectorizer {
  private index = new Map<string, number>();
  private state: TfidfState | undefined;

  constructor(private readonly options: TfidfOptions = {}) {
    const { maxFeatures = 5000, minDf = 2, maxDf = 0.95 } = options;
    if (!(Number.isInteger(maxFeatures) && maxFeatures >= 1)) throw new RangeError(`TfidfVectorizer: maxFeatures must be a positive integer, got ${maxFeatures}`);
    if (!(Number.isInteger(minDf) && minDf >= 1)) throw new RangeError(`TfidfVectorizer: minDf must be a positive integer, got ${minDf}`);
    if (!(maxDf > 0 && maxDf <= 1)) throw new RangeError(`TfidfVectorizer: maxDf must be in (0, 1], got ${maxDf}`);
  }

  /** The words kept, in column order (after {@link fit}). */
  get vocabulary(): readonly string[] {
    return this.fitted().vocabulary;
  }

  /**
   * Fixes the vocabulary and the idf weights from the training documents.
   * @throws {Error} when no word passes the document-frequency limits.
   */
  fit(documents: readonly string[]): this {
    const { maxFeatures = 5000, minDf = 2, maxDf = 0.95 } = this.options;
    const n = documents.length;
    if (n === 0) throw new Error('TfidfVectorizer.fit: no documents');
    const df = new Map<string, number>();
    for (const doc of documents) for (const w of new Set(bagOfWordsTokens(doc))) df.set(w, (df.get(w) ?? 0) + 1);
    const kept = [...df].filter(([, c]) => c >= minDf && c <= maxDf * n).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, maxFeatures);
    if (kept.length === 0) throw new Error(`TfidfVectorizer.fit: no word appears in at least ${minDf} of the ${n} documents and at most ${maxDf * 100}% of them`);
    // Columns in alphabetical order, as scikit-learn orders them: the same words give the same columns.
    kept.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    this.setState({ vocabulary: kept.map(([w]) => w), idf: kept.map(([, c]) => Math.log((1 + n) / (1 + c)) + 1) });
    return this;
  }

  /** Rows of unit length, one per document, `vocabulary.length` values each (a document with no known word is a row of zeros). */
  transform(documents: readonly string[]): Float32Array {
    const { idf } = this.fitted();
    const width = idf.length;
    const out = new Float32Array(documents.length * width);
    const counts = new Map<number, number>();
    documents.forEach((doc, i) => {
      counts.clear();
      for (const w of bagOfWordsTokens(doc)) {
        const j = this.index.get(w);
        if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + 1);
      }
      let norm = 0;
      const row = new Map<number, number>();
      for (const [j, c] of counts) {
        const v = (1 + Math.log(c)) * idf[j]!;
        row.set(j, v);
        norm += v * v;
      }
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (const [j, v] of row) out[i * width + j] = v * scale;
    });
    return out;
  }

  /** The fitted state, for saving next to a detector. */
  toJSON(): TfidfState {
    const s = this.fitted();
    return { vocabulary: [...s.vocabulary], idf: [...s.idf] };
  }

  /**
   * A vectorizer from a saved state.
   * @throws {Error} when the state's lists are missing or of different lengths.
   */
  static fromJSON(state: TfidfState): TfidfVectorizer {
    if (!Array.isArray(state?.vocabulary) || !Array.isArray(state?.idf) || state.vocabulary.length !== state.idf.length || state.vocabulary.length === 0) {
      throw new Error('TfidfVectorizer.fromJSON: expected { vocabulary: string[], idf: number[] } of the same non-zero length');
    }
    const v = new TfidfVectorizer();
    v.setState({ vocabulary: state.vocabulary.map(String), idf: state.idf.map(Number) });
    return v;
  }

  private setState(state: TfidfState): void {
    this.state = state;
    this.index = new Map(state.vocabulary.map((w, j) => [w, j]));
  }

  private fitted(): TfidfState {
    if (!this.state) throw new Error('TfidfVectorizer: call fit first');
    return this.state;
  }
}

/**
 * The text of a raw e-mail (RFC 822: headers, a blank line, the body) that a
 * content model should see: the Subject line and the body, with HTML tags,
 * entities and MIME part headers taken out. The other headers are dropped:
 * they carry routing (servers, dates, list names) that says where a corpus
 * was collected, not what a message says.
 */
export function emailText(raw: string): string {
  const text = raw.replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const head = split >= 0 ? text.slice(0, split) : text;
  const body = split >= 0 ? text.slice(split + 2) : '';
  // A header may continue on lines that start with whitespace.
  const subject = /^subject:[ \t]*(.*(?:\n[ \t].*)*)/im.exec(head)?.[1]?.replace(/\n[ \t]+/g, ' ') ?? '';
  const cleaned = body
    .replace(/^content-[\w-]+:.*$/gim, ' ') // MIME part headers
    .replace(/^--[\w'()+,./:=?-]{6,}\s*$/gm, ' ') // MIME boundaries
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&[#\w]+;/g, ' ');
  return `${subject}\n${cleaned}`;
}
