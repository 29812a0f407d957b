import { Conv2D, Dense, MaxPool2D, UpSampling2D } from '../layers/index.js';
import { LayerAutoencoder } from '../models/layer-autoencoder.js';

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
 * Training FLOPs per sample (multiply-adds counted as 2), taking the backward
 * pass as twice the forward: a standard estimate for dense and conv layers.
 */
export const TRAIN_FLOPS_PER_SAMPLE = {
  dense: 3 * 2 * (784 * 128 + 128 * 64 + 64 * 32 + 32 * 64 + 64 * 128 + 128 * 784),
  conv: 3 * 2 * 9 * (1 * 32 * 28 * 28 + 32 * 32 * 14 * 14 + 32 * 32 * 7 * 7 + 32 * 32 * 14 * 14 + 32 * 1 * 28 * 28),
};
