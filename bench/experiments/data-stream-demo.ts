/**
 * Streams a generated file much larger than a batch (2 GB by default) through
 * the batch readers of aekit/data and reports time and peak memory, to show that
 * memory stays flat however large the file is. Not run in CI (it writes GBs).
 *
 *   node --import tsx bench/experiments/data-stream-demo.ts [--format csv|npy|both] [--gb 2] [--dir /tmp] [--keep] [--no-train]
 *
 * Two passes per file: first StandardScaler.partialFit over a raw stream (the
 * usual first pass that fits preprocessing), then one epoch of training a small
 * dense autoencoder directly from the file with `fit(streamSource(...))`: the
 * training worker reads the file batch by batch through a shuffle buffer.
 * RSS is sampled every 20 ms on the main thread, which stays free while the
 * worker trains; the training worker's memory is part of the process's RSS.
 */
import { open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCsvStream, openNpyStream, Rng, StandardScaler, streamSource, type Batch, type StreamSource } from '../../src/data/index.js';
import { Autoencoder } from '../../src/models/index.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const format = arg('format', 'both');
const gb = Number(arg('gb', '2'));
const dir = arg('dir', tmpdir());
const keep = args.includes('--keep');
const trainToo = !args.includes('--no-train');
const bytesWanted = Math.round(gb * 1e9);

let peakRss = 0;
const sample = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const MB = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;

async function generateNpy(path: string): Promise<void> {
  const d = 784;
  const rows = Math.floor((bytesWanted - 128) / (d * 4));
  const rng = new Rng(1);
  // The header first, then the data chunk by chunk: the array never exists in memory.
  const full = encodeNpyHeaderOnly([rows, d]);
  const fh = await open(path, 'w');
  await fh.write(full);
  const chunkRows = 4096;
  const buf = new Float32Array(chunkRows * d);
  for (let r = 0; r < rows; r += chunkRows) {
    const m = Math.min(chunkRows, rows - r);
    for (let i = 0; i < m * d; i++) buf[i] = rng.float();
    await fh.write(new Uint8Array(buf.buffer, 0, m * d * 4));
  }
  await fh.close();
}

/** The .npy header for a float32 array of `shape`, without materializing the array. */
function encodeNpyHeaderOnly(shape: number[]): Uint8Array {
  const text = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const pad = 64 - ((10 + text.length + 1) % 64);
  const h = text + ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + h.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 255, h.length >> 8]);
  for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i);
  return out;
}

async function generateCsv(path: string): Promise<void> {
  const d = 32;
  const rng = new Rng(2);
  const fh = await open(path, 'w');
  const names = Array.from({ length: d }, (_, j) => `f${j}`);
  await fh.write(`${names.join(',')},label\n`);
  let written = 0;
  while (written < bytesWanted) {
    const lines: string[] = [];
    for (let r = 0; r < 20000; r++) {
      const cells: string[] = [];
      for (let j = 0; j < d; j++) cells.push((rng.float() * 10 - 5).toFixed(4));
      cells.push(String(rng.int(10)));
      lines.push(cells.join(','));
    }
    const chunk = lines.join('\n') + '\n';
    await fh.write(chunk);
    written += Buffer.byteLength(chunk);
  }
  await fh.close();
}

async function consume(what: string, path: string, stream: AsyncIterable<Batch>): Promise<StandardScaler> {
  const size = (await stat(path)).size;
  const scaler = new StandardScaler();
  peakRss = 0;
  sample();
  const before = process.memoryUsage().rss;
  const timer = setInterval(sample, 20);
  const t0 = performance.now();
  let rows = 0;
  let batches = 0;
  for await (const b of stream) {
    scaler.partialFit(b);
    rows += b.shape[0]!;
    batches++;
    sample();
  }
  const secs = (performance.now() - t0) / 1000;
  clearInterval(timer);
  sample();
  const json = scaler.toJSON();
  console.log(`${what}: ${(size / 1e9).toFixed(2)} GB, ${rows} rows × ${json.sampleShape.join('×')} in ${batches} batches`);
  console.log(`  time ${secs.toFixed(1)} s (${(size / 1e6 / secs).toFixed(0)} MB/s); RSS before ${MB(before)}, peak RSS ${MB(peakRss)} ` +
    `(sampled every 20 ms and after each batch)`);
  console.log(`  fitted mean of feature 0: ${json.mean[0]!.toFixed(4)}, std ${json.std[0]!.toFixed(4)}`);
  return scaler;
}

/** One epoch of a small dense autoencoder trained straight from the file. */
async function train(what: string, source: StreamSource, model: Autoencoder, batchSize: number): Promise<void> {
  model.compile({ seed: 1 });
  peakRss = 0;
  sample();
  const before = process.memoryUsage().rss;
  const timer = setInterval(sample, 20);
  const t0 = performance.now();
  let samples = 0;
  let epochSeconds = NaN;
  const result = await model.fit(source, {
    epochs: 1,
    batchSize,
    onProgress: (e) => {
      if (e.type === 'batch') samples = e.samples;
      else epochSeconds = e.seconds;
    },
  });
  const secs = (performance.now() - t0) / 1000;
  clearInterval(timer);
  sample();
  const encoder = model.encoderSizes.join('-');
  console.log(`${what}: dense autoencoder ${model.inputShape[0]}-${encoder}-${model.inputShape[0]}, Adam, batch ${batchSize}, shuffle buffer ${source.shuffleBuffer ?? 'default'}`);
  console.log(`  1 epoch, ${samples} samples, ${result.steps} steps in ${secs.toFixed(1)} s (trainer's epoch time ${epochSeconds.toFixed(1)} s): ${(samples / epochSeconds).toFixed(0)} samples/s`);
  console.log(`  loss ${result.history[0]!.loss!.toFixed(5)}; RSS before ${MB(before)}, peak RSS during training ${MB(peakRss)} (sampled every 20 ms), ` +
    `process maxRSS so far ${MB(process.resourceUsage().maxRSS * 1024)}`);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, target file size ${gb} GB, in ${dir}`);
  if (format === 'npy' || format === 'both') {
    const p = join(dir, 'aekit-stream-demo.npy');
    const t = performance.now();
    await generateNpy(p);
    console.log(`generated ${p} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await consume('NPY float32, batch 1024', p, await openNpyStream(p, { batchSize: 1024 }));
    if (trainToo) {
      const model = new Autoencoder({ inputShape: [784], encoder: { sizes: [64, 32] }, outputActivation: 'sigmoid' });
      await train('train from NPY', streamSource(p), model, 256);
    }
    if (!keep) await rm(p);
  }
  if (format === 'csv' || format === 'both') {
    const p = join(dir, 'aekit-stream-demo.csv');
    const t = performance.now();
    await generateCsv(p);
    console.log(`generated ${p} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const scaler = await consume('CSV, batch 1024, labels from column "label"', p, await openCsvStream(p, { batchSize: 1024, labelColumn: 'label' }));
    if (trainToo) {
      // Standardized with the scaler just fitted; the label column is left out of the features.
      const model = new Autoencoder({ inputShape: [32], encoder: { sizes: [16, 8] } });
      await train('train from CSV (standardized)', streamSource(p, { labelColumn: 'label', scaler }), model, 1024);
    }
    if (!keep) await rm(p);
  }
}

process.on('exit', () => console.log(`process maxRSS over the whole run: ${MB(process.resourceUsage().maxRSS * 1024)}`));

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
