import { type Graph, type Value } from '../graph/graph.js';
import { type Dim, type Shape } from '../graph/types.js';
import { type BuildContext, type Initializer, Layer, registerLayer } from './core.js';
import { argNames, boolArg, checkLayerArgs, expectShape, initializerArg, knownDim, positiveInt, requireRank } from './utils.js';

/** Shared args of the recurrent layers. */
export interface RecurrentArgs {
  /** Size of the hidden state. */
  units: number;
  /** Return every step's hidden state [N, T, units] rather than the last one [N, units]. Default false. */
  returnSequences?: boolean;
  /** Input kernel [features, gates·units]. Default 'glorotUniform'. */
  kernelInitializer?: Initializer;
  /**
   * Recurrent kernel [units, gates·units]. Default 'glorotUniform' (Keras uses
   * an orthogonal initializer, which aekit's initializers do not offer).
   */
  recurrentInitializer?: Initializer;
  /** Default 'zeros'. */
  biasInitializer?: Initializer;
  /**
   * Start from a state learned from the first step's input instead of from
   * zero: h₀ = tanh(x₀·S + s) (an LSTM also gets c₀ = x₀·S_c + s_c). Meant for
   * a decoder fed a repeated code (RepeatVector): the code then sets where the
   * recurrence starts, not only what it is driven by, so the decoder need not
   * build its whole trajectory out of a zero state. Default false.
   */
  stateFromInput?: boolean;
  /**
   * Run from the last step to the first. The returned sequence stays in the
   * input's time order (position t holds the state after reading step t); the
   * last state is the one after step 0. `stateFromInput` then reads step T−1.
   * Default false.
   */
  reverse?: boolean;
  name?: string;
}

/** v[..., start:end] along the last axis. */
function lastAxis(g: Graph, v: Value, start: number, end: number): Value {
  return g.slice(v, [start], [end], [v.rank - 1]);
}

/** Base of LSTM and GRU: input checks, the up-front input projection and the output assembly. */
abstract class Recurrent extends Layer {
  readonly units: number;
  readonly returnSequences: boolean;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly stateFromInput: boolean;
  readonly reverse: boolean;

  constructor(args: RecurrentArgs, className: string, nameBase: string, allowed: readonly string[]) {
    super(checkLayerArgs(className, args, allowed).name, nameBase);
    const who = { className, name: this.name };
    this.units = positiveInt(who, 'units', args.units);
    this.returnSequences = boolArg(who, 'returnSequences', args.returnSequences, false);
    this.kernelInitializer = initializerArg(who, 'kernelInitializer', args.kernelInitializer ?? 'glorotUniform');
    this.recurrentInitializer = initializerArg(who, 'recurrentInitializer', args.recurrentInitializer ?? 'glorotUniform');
    this.biasInitializer = initializerArg(who, 'biasInitializer', args.biasInitializer ?? 'zeros');
    this.stateFromInput = boolArg(who, 'stateFromInput', args.stateFromInput, false);
    this.reverse = boolArg(who, 'reverse', args.reverse, false);
  }

  computeOutputShape(input: Shape): Shape {
    requireRank(this, input, [3], '[N, T, features] (T fixed: the layer is unrolled)');
    knownDim(this, input, 1, 'the sequence length T');
    knownDim(this, input, 2, 'the feature dim');
    return this.returnSequences ? [input[0]!, input[1]!, this.units] : [input[0]!, this.units];
  }

  /** x·W + b for every time step in one MatMul, then cut into T values [N, gates·units], in the order the steps are read. */
  protected projectSteps(g: Graph, x: Value, w: Value, b: Value): Value[] {
    const projected = g.add(g.matmul(x, w), b);
    const [n, t, width] = projected.shape as [Dim, number, number];
    const steps = Array.from({ length: t }, (_, i) => g.reshape(g.slice(projected, [i], [i + 1], [1]), [n, width]));
    return this.reverse ? steps.reverse() : steps;
  }

  /**
   * The initial state learned from the step read first (step 0, or T−1 in
   * reverse): `parts` vectors of `units` each ([h₀] or [h₀, c₀]), or undefined
   * for a zero state. One Gemm for all parts; h₀ goes through tanh, c₀ stays linear.
   * Parameters: `${name}/stateKernel` [F, parts·U], `${name}/stateBias` [parts·U].
   */
  protected initialState(ctx: BuildContext, x: Value, parts: 1 | 2): Value[] | undefined {
    if (!this.stateFromInput) return undefined;
    const { g } = ctx;
    const u = this.units;
    const features = x.shape[2] as number;
    const kernel = ctx.param(this.name, 'stateKernel', [features, parts * u], this.kernelInitializer);
    const bias = ctx.param(this.name, 'stateBias', [parts * u], 'zeros');
    const t = this.reverse ? (x.shape[1] as number) - 1 : 0;
    const first = g.reshape(g.slice(x, [t], [t + 1], [1]), [x.shape[0]!, features]);
    const s = g.gemm(first, kernel, bias);
    const h = g.tanh(parts === 1 ? s : lastAxis(g, s, 0, u));
    return parts === 1 ? [h] : [h, lastAxis(g, s, u, 2 * u)];
  }

  /**
   * Per-step masks [N, 1] in the order the steps are read, from a mask [N, T]
   * (1 at real steps, 0 at padding), or undefined without one.
   */
  protected maskSteps(g: Graph, mask: Value | undefined, x: Value): Value[] | undefined {
    if (!mask) return undefined;
    const [n, t] = x.shape as [Dim, number];
    if (mask.rank !== 2 || mask.shape[1] !== t || mask.shape[0] !== n || mask.dtype !== x.dtype) {
      throw new Error(`${this.className} '${this.name}': mask must be [${n}, ${t}] ${x.dtype} (1 at real steps, 0 at padding), got ${mask.dtype} [${mask.shape.join(', ')}]`);
    }
    const steps = Array.from({ length: t }, (_, i) => g.slice(mask, [i], [i + 1], [1]));
    return this.reverse ? steps.reverse() : steps;
  }

  /**
   * A state after a masked step: the new state where m = 1, the previous one
   * where m = 0 (prev + m ⊙ (next − prev)), so padding leaves the state as the
   * last real step left it; without a previous state (zero), m ⊙ next.
   */
  protected static carry(g: Graph, m: Value | undefined, prev: Value | undefined, next: Value): Value {
    if (!m) return next;
    return prev ? g.add(prev, g.mul(m, g.sub(next, prev))) : g.mul(m, next);
  }

  /** The output from the states in the order they were computed: the last one, or all in time order. */
  protected assemble(g: Graph, hs: Value[], out: Shape): Value {
    const last = hs[hs.length - 1]!;
    if (!this.returnSequences) return expectShape(this, last, out);
    const steps = (this.reverse ? [...hs].reverse() : hs).map((h) => g.reshape(h, [h.shape[0]!, 1, this.units]));
    return expectShape(this, steps.length === 1 ? steps[0]! : g.concat(steps, 1), out);
  }

  protected baseConfig(): Record<string, unknown> {
    return {
      name: this.name,
      units: this.units,
      returnSequences: this.returnSequences,
      kernelInitializer: this.kernelInitializer,
      recurrentInitializer: this.recurrentInitializer,
      biasInitializer: this.biasInitializer,
      stateFromInput: this.stateFromInput,
      reverse: this.reverse,
    };
  }
}

export interface LSTMArgs extends RecurrentArgs {
  /** Initialize the forget-gate bias to 1 (Keras unit_forget_bias). Default true. */
  unitForgetBias?: boolean;
}

const LSTM_ARGS = argNames<LSTMArgs>()(['units', 'returnSequences', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'stateFromInput', 'reverse', 'unitForgetBias', 'name']);

/**
 * Long short-term memory over [N, T, F], unrolled over the fixed T. Gates in
 * Keras order i, f, c, o; with z = x_t·W + h_{t−1}·U + b split into four:
 *
 *   i = σ(z_i), f = σ(z_f), g = tanh(z_c), o = σ(z_o)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
 *
 * The initial state is zero (the first step then has no recurrent term) or,
 * with `stateFromInput`, learned from the first step's input. The input
 * projection of all steps is one MatMul up front; each later step is one Gemm
 * (h·U plus the projected input) on the concatenated gate weights.
 * Parameters: `${name}/kernel` [F, 4U], `${name}/recurrentKernel` [U, 4U], and
 * the gate biases `${name}/bias_i`, `bias_f`, `bias_c`, `bias_o` [U] (separate
 * so that the forget bias can start at 1), concatenated in the graph.
 */
export class LSTM extends Recurrent {
  readonly className = 'LSTM';
  readonly unitForgetBias: boolean;

  constructor(args: LSTMArgs) {
    super(args, 'LSTM', 'lstm', LSTM_ARGS);
    this.unitForgetBias = boolArg(this, 'unitForgetBias', args.unitForgetBias, true);
  }

  /**
   * With a mask [N, T] (1 at real steps, 0 at padding, the input's dtype),
   * padded steps carry the state through unchanged (h and c), so the last
   * state is the one after each sequence's last real step, wherever its
   * padding begins.
   */
  call(ctx: BuildContext, x: Value, mask?: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const { g } = ctx;
    const u = this.units;
    const features = x.shape[2] as number;
    const masks = this.maskSteps(g, mask, x);
    const w = ctx.param(this.name, 'kernel', [features, 4 * u], this.kernelInitializer);
    const rw = ctx.param(this.name, 'recurrentKernel', [u, 4 * u], this.recurrentInitializer);
    const biases = (['i', 'f', 'c', 'o'] as const).map((gate) =>
      ctx.param(this.name, `bias_${gate}`, [u], gate === 'f' && this.unitForgetBias ? 'ones' : this.biasInitializer),
    );
    const steps = this.projectSteps(g, x, w, g.concat(biases, 0));
    const hs: Value[] = [];
    let [h, c] = this.initialState(ctx, x, 2) ?? [];
    steps.forEach((xt, t) => {
      const z = h ? g.gemm(h, rw, xt) : xt;
      const s = g.sigmoid(z);
      const i = lastAxis(g, s, 0, u);
      const f = lastAxis(g, s, u, 2 * u);
      const o = lastAxis(g, s, 3 * u, 4 * u);
      const cand = g.tanh(lastAxis(g, z, 2 * u, 3 * u));
      const cNext = c ? g.add(g.mul(f, c), g.mul(i, cand)) : g.mul(i, cand);
      const hNext = g.mul(o, g.tanh(cNext));
      c = Recurrent.carry(g, masks?.[t], c, cNext);
      h = Recurrent.carry(g, masks?.[t], h, hNext);
      hs.push(h);
    });
    return this.assemble(g, hs, out);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), unitForgetBias: this.unitForgetBias };
  }
}

export type GRUArgs = RecurrentArgs;

const GRU_ARGS = argNames<GRUArgs>()(['units', 'returnSequences', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'stateFromInput', 'reverse', 'name']);

/**
 * Gated recurrent unit over [N, T, F], unrolled over the fixed T, in the
 * "reset after" form (Keras' default reset_after=true, the same equations as
 * PyTorch). Gates in Keras order z, r, h; with a = x_t·W + b_x and
 * q = h_{t−1}·U + b_h split into three:
 *
 *   z = σ(a_z + q_z), r = σ(a_r + q_r), n = tanh(a_h + r ⊙ q_h)
 *   h_t = z ⊙ h_{t−1} + (1 − z) ⊙ n
 *
 * Resetting after the matrix product lets each step be one Gemm on the
 * concatenated gate weights. The initial state is zero (q = b_h at the first
 * step) or, with `stateFromInput`, learned from the first step's input.
 * Parameters: `${name}/kernel` [F, 3U], `${name}/recurrentKernel` [U, 3U],
 * `${name}/bias` and `${name}/recurrentBias` [3U].
 */
export class GRU extends Recurrent {
  readonly className = 'GRU';

  constructor(args: GRUArgs) {
    super(args, 'GRU', 'gru', GRU_ARGS);
  }

  /**
   * With a mask [N, T] (1 at real steps, 0 at padding, the input's dtype),
   * padded steps carry the state through unchanged, so the last state is the
   * one after each sequence's last real step, wherever its padding begins.
   */
  call(ctx: BuildContext, x: Value, mask?: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const { g } = ctx;
    const { w, rw, b, rb } = this.params(ctx, x.shape[2] as number);
    const masks = this.maskSteps(g, mask, x);
    const steps = this.projectSteps(g, x, w, b);
    const hs: Value[] = [];
    let [h] = this.initialState(ctx, x, 1) ?? [];
    steps.forEach((a, t) => {
      h = Recurrent.carry(g, masks?.[t], h, this.update(g, a, h, rw, rb));
      hs.push(h);
    });
    return this.assemble(g, hs, out);
  }

  /**
   * The cell one step at a time, on the same parameters as {@link call} (for
   * step-by-step decoding, where each step's input depends on the previous
   * step's output): `initial` is the learned initial state of `stateFromInput`
   * from the first input [N, F] (undefined for a zero state), `step` maps an
   * input [N, F] and the state [N, U] (undefined: zero) to the next state.
   */
  cell(ctx: BuildContext, features: number): { initial(x0: Value): Value | undefined; step(x: Value, h: Value | undefined): Value } {
    const { g } = ctx;
    const { w, rw, b, rb } = this.params(ctx, features);
    return {
      initial: (x0) => this.initialState(ctx, g.reshape(x0, [x0.shape[0]!, 1, features]), 1)?.[0],
      step: (x, h) => this.update(g, g.gemm(x, w, b), h, rw, rb),
    };
  }

  private params(ctx: BuildContext, features: number): { w: Value; rw: Value; b: Value; rb: Value } {
    const u = this.units;
    return {
      w: ctx.param(this.name, 'kernel', [features, 3 * u], this.kernelInitializer),
      rw: ctx.param(this.name, 'recurrentKernel', [u, 3 * u], this.recurrentInitializer),
      b: ctx.param(this.name, 'bias', [3 * u], this.biasInitializer),
      rb: ctx.param(this.name, 'recurrentBias', [3 * u], this.biasInitializer),
    };
  }

  /** One GRU update from the projected input a = x·W + b [N, 3U] and the previous state (undefined: zero). */
  private update(g: Graph, a: Value, h: Value | undefined, rw: Value, rb: Value): Value {
    const u = this.units;
    const q = h ? g.gemm(h, rw, rb) : rb;
    const zr = g.sigmoid(g.add(lastAxis(g, a, 0, 2 * u), lastAxis(g, q, 0, 2 * u)));
    const z = lastAxis(g, zr, 0, u);
    const r = lastAxis(g, zr, u, 2 * u);
    const n = g.tanh(g.add(lastAxis(g, a, 2 * u, 3 * u), g.mul(r, lastAxis(g, q, 2 * u, 3 * u))));
    // h = z ⊙ h + (1 − z) ⊙ n = n + z ⊙ (h − n)
    return g.add(n, g.mul(z, h ? g.sub(h, n) : g.neg(n)));
  }

  getConfig(): Record<string, unknown> {
    return this.baseConfig();
  }
}

registerLayer('LSTM', (c) => new LSTM(c as unknown as LSTMArgs));
registerLayer('GRU', (c) => new GRU(c as unknown as GRUArgs));
