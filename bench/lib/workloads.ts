import { type Value } from '../../src/graph/graph.js';
import { Conv2D, Dense, MaxPool2D, UpSampling2D } from '../../src/layers/index.js';
import { LayerAutoencoder } from '../../src/models/layer-autoencoder.js';
import { type ModelPart, type TrainableModel } from '../../src/train/model.js';

/** The benchmark's training workloads. */
export type BenchWorkload = 'dense' | 'conv' | 'hinton';
/** Every benchmark workload, in the order the benchmark runs them. */
export const BENCH_WORKLOADS: readonly BenchWorkload[] = ['dense', 'conv', 'hinton'];

/** The benchmark's dense workload: 784-128-64-32-64-128-784, ReLU inside, sigmoid out, MSE. */
export function denseBenchModel(): LayerAutoencoder {
  return new LayerAutoencoder({
    inputShape: [784],
    encoder: [new Dense({ units: 128, activation: 'relu' }), new Dense({ units: 64, activation: 'relu' }), new Dense({ units: 32, activation: 'relu' })],
    decoder: [new Dense({ units: 64, activation: 'relu' }), new Dense({ units: 128, activation: 'relu' }), new Dense({ units: 784, activation: 'sigmoid' })],
  });
}

/** The benchmark's conv workload: 3×3 convs with 32 filters, max-pool 2, nearest upsampling 2, MSE (or `loss`). */
export function convBenchModel(loss: 'mse' | 'bce' = 'mse'): LayerAutoencoder {
  const conv = (filters: number, activation: 'relu' | 'sigmoid') => new Conv2D({ filters, kernelSize: 3, padding: 'same', activation });
  return new LayerAutoencoder({
    inputShape: [1, 28, 28],
    encoder: [conv(32, 'relu'), new MaxPool2D({ poolSize: 2 }), conv(32, 'relu'), new MaxPool2D({ poolSize: 2 })],
    decoder: [conv(32, 'relu'), new UpSampling2D({ size: 2 }), conv(32, 'relu'), new UpSampling2D({ size: 2 }), conv(1, 'sigmoid')],
    loss,
  });
}

/**
 * The deep autoencoder of Hinton & Salakhutdinov (Science, 2006) for MNIST:
 * 784-1000-500-250-30 with logistic hidden units and a linear 30-unit code,
 * the mirrored decoder 30-250-500-1000-784 with a logistic output. Trained
 * here from random weights with Adam and squared error (the paper pretrained
 * with RBMs and fine-tuned with cross-entropy; the speed question is the same
 * layer sizes).
 */
export function hintonBenchModel(): LayerAutoencoder {
  const sigmoid = (units: number) => new Dense({ units, activation: 'sigmoid' });
  return new LayerAutoencoder({
    inputShape: [784],
    encoder: [sigmoid(1000), sigmoid(500), sigmoid(250), new Dense({ units: 30 })],
    decoder: [sigmoid(250), sigmoid(500), sigmoid(1000), sigmoid(784)],
  });
}

/** The model of a workload. */
export function benchModel(workload: BenchWorkload): LayerAutoencoder {
  switch (workload) {
    case 'dense': return denseBenchModel();
    case 'conv': return convBenchModel();
    case 'hinton': return hintonBenchModel();
  }
}

/** Batch size each workload trains with. */
export const BENCH_BATCH: Record<BenchWorkload, number> = { dense: 256, conv: 128, hinton: 256 };

const DENSE_MACS = 784 * 128 + 128 * 64 + 64 * 32 + 32 * 64 + 64 * 128 + 128 * 784;
const CONV_MACS = 9 * (1 * 32 * 28 * 28 + 32 * 32 * 14 * 14 + 32 * 32 * 7 * 7 + 32 * 32 * 14 * 14 + 32 * 1 * 28 * 28);
const HINTON_MACS = 2 * (784 * 1000 + 1000 * 500 + 500 * 250 + 250 * 30);

/**
 * Inference FLOPs per sample of the whole autoencoder (multiply-adds counted
 * as 2; activations, pooling and the error are left out).
 */
export const FORWARD_FLOPS_PER_SAMPLE: Record<BenchWorkload, number> = { dense: 2 * DENSE_MACS, conv: 2 * CONV_MACS, hinton: 2 * HINTON_MACS };

/**
 * Training FLOPs per sample (multiply-adds counted as 2), taking the backward
 * pass as twice the forward: a standard estimate for dense and conv layers.
 */
export const TRAIN_FLOPS_PER_SAMPLE: Record<BenchWorkload, number> = {
  dense: 3 * FORWARD_FLOPS_PER_SAMPLE.dense,
  conv: 3 * FORWARD_FLOPS_PER_SAMPLE.conv,
  hinton: 3 * FORWARD_FLOPS_PER_SAMPLE.hinton,
};

/**
 * Multiply-adds of each workload's first layer: its input needs no gradient,
 * so a training step skips that layer's input-gradient product.
 */
const FIRST_LAYER_MACS: Record<BenchWorkload, number> = { dense: 784 * 128, conv: 9 * 1 * 32 * 28 * 28, hinton: 784 * 1000 };

/**
 * The products a training step cannot avoid, per sample: forward, weight
 * gradients, and input gradients of every layer but the first (multiply-adds
 * counted as 2). The floor that {@link ceilingRatio} divides the peak by.
 */
export const MIN_TRAIN_FLOPS_PER_SAMPLE: Record<BenchWorkload, number> = {
  dense: TRAIN_FLOPS_PER_SAMPLE.dense - 2 * FIRST_LAYER_MACS.dense,
  conv: TRAIN_FLOPS_PER_SAMPLE.conv - 2 * FIRST_LAYER_MACS.conv,
  hinton: TRAIN_FLOPS_PER_SAMPLE.hinton - 2 * FIRST_LAYER_MACS.hinton,
};

/**
 * The highest speed-up over a peer that any engine could show on this machine:
 * the samples/s of a step doing only its unavoidable products at the measured
 * matmul peak, divided by the peer's samples/s. A goal above it cannot be met
 * by making aekit faster; it says how efficient the peer already is.
 */
export function ceilingRatio(peakGflops: number, flopsPerSample: number, peerSamplesPerSec: number | null | undefined): number | null {
  return peerSamplesPerSec ? (peakGflops * 1e9) / flopsPerSample / peerSamplesPerSec : null;
}

/** Name of the inference part added by {@link withScoring}. */
export const SCORING_PART = 'scores';

/**
 * The model with one more inference part, {@link SCORING_PART}: the code and
 * the per-sample reconstruction error Σ_features (x̂ − x)² of each sample from
 * one forward pass. It is what an anomaly detector runs over a data set, and
 * what the benchmark times as inference (`trainer.predict(x, { part: 'scores' })`).
 * Training is the model's own.
 */
export function withScoring(model: LayerAutoencoder): TrainableModel {
  const scores: ModelPart = {
    inputShape: model.inputShape,
    build: (ctx, x) => {
      const g = ctx.g;
      const code = model.encoder.call(ctx, x);
      const reconstruction: Value = model.decoder.call(ctx, code);
      const axes = model.inputShape.map((_, i) => i + 1);
      return { code, errors: g.reduceSum(g.square(g.sub(reconstruction, x)), axes) };
    },
  };
  return {
    inputShape: model.inputShape,
    buildObjective: (ctx, x, target) => model.buildObjective(ctx, x, target),
    parts: () => ({ ...model.parts(), [SCORING_PART]: scores }),
    getConfig: () => model.getConfig(),
  };
}
