/**
 * The options every benchmark protocol takes (a smoke run, the seed, ONNX
 * Runtime's threads, a progress log) and, for the MNIST protocols, the slice
 * of training and test images, with their defaults resolved in one place.
 */
import { type SessionOptions } from '../../src/onnx/runtime.js';

/** Options shared by every protocol's `run…Benchmark`. */
export interface BenchRunOptions {
  /** A smoke run on the protocol's `QUICK` slice and schedule. */
  quick?: boolean;
  /** Seed of initialization, shuffling and the protocol's random draws (default 1). */
  seed?: number;
  /** ONNX Runtime intra-op threads (default: its choice). */
  threads?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** {@link BenchRunOptions} with the MNIST slice a protocol trains and tests on. */
export interface MnistSliceOptions extends BenchRunOptions {
  /** Training images (default: all 60,000; quick: the protocol's slice). */
  trainSamples?: number;
  /** Test images (default: all 10,000; quick: the protocol's slice). */
  testSamples?: number;
}

/** The resolved {@link BenchRunOptions}, with the session options a model's compile takes. */
export interface BenchRun {
  quick: boolean;
  seed: number;
  log: (line: string) => void;
  session: SessionOptions | undefined;
}

/** Fills in the defaults of {@link BenchRunOptions}. */
export function resolveRun(options: BenchRunOptions): BenchRun {
  return {
    quick: options.quick ?? false,
    seed: options.seed ?? 1,
    log: options.log ?? (() => {}),
    session: options.threads ? { threads: options.threads } : undefined,
  };
}

/** Fills in the defaults of {@link MnistSliceOptions}: all of MNIST, or `quickSlice` under `quick`. */
export function resolveSlice(options: MnistSliceOptions, quickSlice: { trainSamples: number; testSamples: number }): BenchRun & { trainSamples: number; testSamples: number } {
  const run = resolveRun(options);
  return {
    ...run,
    trainSamples: options.trainSamples ?? (run.quick ? quickSlice.trainSamples : 60000),
    testSamples: options.testSamples ?? (run.quick ? quickSlice.testSamples : 10000),
  };
}
