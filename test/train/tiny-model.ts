import { type Value } from '../../src/graph/graph.js';
import { type GraphBuildContext } from '../../src/layers/core.js';
import { mse } from '../../src/losses/index.js';
import { type TrainableModel } from '../../src/train/model.js';

/** A 8-3-8 dense autoencoder written directly against the graph builder, for trainer tests. */
export class TinyAutoencoder implements TrainableModel {
  readonly inputShape = [8];
  constructor(readonly code = 3, readonly dropout = 0) {}

  encode(ctx: GraphBuildContext, x: Value): Value {
    const w = ctx.param('enc', 'w', [8, this.code], 'glorotUniform');
    const b = ctx.param('enc', 'b', [this.code], 'zeros');
    return ctx.g.tanh(ctx.g.gemm(ctx.g.dropout(x, this.dropout, ctx.training), w, b));
  }

  decode(ctx: GraphBuildContext, h: Value): Value {
    const w = ctx.param('dec', 'w', [this.code, 8], 'glorotUniform');
    const b = ctx.param('dec', 'b', [8], 'zeros');
    return ctx.g.sigmoid(ctx.g.gemm(h, w, b));
  }

  buildObjective(ctx: GraphBuildContext, x: Value, target: Value) {
    const terms = mse(this.decode(ctx, this.encode(ctx, x)), target);
    return { loss: terms.perElement, metrics: { msePerSample: terms.perSample } };
  }

  parts() {
    return {
      model: { inputShape: [8], build: (ctx: GraphBuildContext, x: Value) => ({ reconstruction: this.decode(ctx, this.encode(ctx, x)) }) },
      encoder: { inputShape: [8], build: (ctx: GraphBuildContext, x: Value) => ({ code: this.encode(ctx, x) }) },
      decoder: { inputShape: [this.code], build: (ctx: GraphBuildContext, h: Value) => ({ reconstruction: this.decode(ctx, h) }) },
    };
  }

  getConfig() {
    return { className: 'TinyAutoencoder', code: this.code, dropout: this.dropout };
  }
}

/** Samples on a 2-D curve embedded in 8 dimensions, so a 3-unit code can capture them. */
export function curveData(n: number, seed = 1): { x: Float32Array; shape: number[] } {
  const x = new Float32Array(n * 8);
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < n; i++) {
    const t = rand() * Math.PI;
    const u = rand();
    for (let j = 0; j < 8; j++) x[i * 8 + j] = 0.5 + 0.4 * Math.sin(t * (j + 1) * 0.5 + u * j * 0.3);
  }
  return { x, shape: [n, 8] };
}
