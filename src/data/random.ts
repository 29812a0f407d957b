/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman & Vigna), 32-bit state words.
 *
 * Why not `Math.random`: splits, shuffles, noise and initial weights must be
 * reproducible from a seed so that a run can be repeated exactly. xoshiro128**
 * uses only 32-bit integer ops (`Math.imul`, shifts), which are exact in
 * JavaScript, passes BigCrush, and is fast. The 128-bit state is filled from the
 * seed with splitmix32 so that nearby seeds (0, 1, 2...) give unrelated streams.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  /** @param seed any number; non-integers and values beyond 32 bits are folded in. */
  constructor(seed: number = 0) {
    let h = foldSeed(seed);
    const next = (): number => {
      // splitmix32
      h = (h + 0x9e3779b9) | 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // An all-zero state would be stuck at zero forever.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next unsigned 32-bit integer, uniform on [0, 2^32). */
  nextUint32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = rotl(n3, 11);
    this.s0 = n0 | 0;
    this.s1 = n1 | 0;
    this.s2 = n2 | 0;
    this.s3 = n3 | 0;
    return result;
  }

  /** Uniform float on [0, 1) with 32 random bits. */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer on [0, n), without modulo bias. `n` must be in [1, 2^32]. */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296) || !Number.isInteger(n)) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    // Rejection sampling: drop the top partial bucket so that every value is equally likely.
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** Standard normal sample (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `a` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: any }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /**
   * A new generator whose stream is independent of this one's continuation;
   * lets one seed drive several consumers (e.g. shuffling and noise) without
   * one consumer's call count changing the other's numbers.
   */
  fork(): Rng {
    return new Rng(this.nextUint32() ^ Math.imul(this.nextUint32(), 0x27d4eb2d));
  }

  /** The state, so a generator can be saved in a checkpoint and resumed. */
  getState(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Restores a state from {@link getState}. */
  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((v) => !Number.isInteger(v))) {
      throw new RangeError('Rng.setState: expected four 32-bit integers');
    }
    this.s0 = state[0]! | 0;
    this.s1 = state[1]! | 0;
    this.s2 = state[2]! | 0;
    this.s3 = state[3]! | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = undefined;
  }
}

/** Shorthand for `new Rng(seed)`. */
export function createRng(seed: number = 0): Rng {
  return new Rng(seed);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function foldSeed(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`Rng: seed must be a finite number, got ${seed}`);
  if (Number.isInteger(seed) && Math.abs(seed) < 4294967296) return seed | 0;
  // Fold the 64-bit float representation so that 0.5 and 1.5 differ.
  const f = new Float64Array([seed]);
  const w = new Int32Array(f.buffer);
  return (w[0]! ^ Math.imul(w[1]!, 0x9e3779b1)) | 0;
}
