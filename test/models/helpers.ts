import { mnist } from '../../src/data/datasets.js';

/** The first n MNIST training images in [0, 1], shaped as asked. */
export function digits(n: number, shape: 'flat' | 'image' | number[] = 'flat') {
  const d = mnist({ limit: n, shape });
  return { x: d.x, shape: d.shape };
}

/** n short multichannel sine waves with random phases: [n, steps, features], values in [0, 1]. */
export function waves(n: number, steps = 6, features = 3, seed = 1) {
  const x = new Float32Array(n * steps * features);
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < n; i++) {
    const phase = rand() * Math.PI * 2;
    for (let t = 0; t < steps; t++) for (let f = 0; f < features; f++) x[(i * steps + t) * features + f] = 0.5 + 0.4 * Math.sin(phase + t * 0.7 + f);
  }
  return { x, shape: [n, steps, features] };
}

export const arr = (a: ArrayLike<number>) => Array.from(a);
