import assert from 'node:assert/strict';
import { type Graph, type Value, compile, tensor } from '../../src/index.js';

export type Feeds = Record<string, { shape: number[]; values: number[] }>;

/** Compiles `outputs` of `g`, runs it once (feeds in `dtype`, float64 by default) and returns plain numbers. */
export async function evaluate(g: Graph, outputs: Record<string, Value>, feeds: Feeds, dtype: 'float32' | 'float64' = 'float64'): Promise<Record<string, number[]>> {
  const compiled = await compile(g, outputs);
  try {
    const data = Object.fromEntries(Object.entries(feeds).map(([name, f]) => [name, tensor(dtype, f.shape, f.values)]));
    const out = await compiled.run(data);
    return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, Array.from(t.data as ArrayLike<number>, Number)]));
  } finally {
    await compiled.release();
  }
}

/** Elementwise |actual − expected| ≤ tol · max(1, |expected|). */
export function close(actual: number[] | undefined, expected: number[], tol = 1e-9): void {
  assert.ok(actual, 'missing output');
  assert.equal(actual.length, expected.length, `length ${actual.length} vs ${expected.length}`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tol * Math.max(1, Math.abs(expected[i]!)), `element ${i}: ${a} vs ${expected[i]}`));
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
export const mean = (xs: number[]): number => sum(xs) / xs.length;
