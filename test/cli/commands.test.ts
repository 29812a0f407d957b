import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseNpy } from '../../src/data/npy.js';
import { runDemoCommand } from '../../src/cli/commands/demo.js';
import { runEncodeCommand } from '../../src/cli/commands/encode.js';
import { runEvalCommand } from '../../src/cli/commands/eval.js';
import { runCompressCommand, runDecompressCommand } from '../../src/cli/commands/compress.js';
import { runDetectCommand } from '../../src/cli/commands/detect.js';
import { runDenoiseCommand } from '../../src/cli/commands/denoise.js';
import { runGenerateCommand } from '../../src/cli/commands/generate.js';
import { runReconstructCommand } from '../../src/cli/commands/reconstruct.js';
import pngjs from 'pngjs';
import { runExportCommand } from '../../src/cli/commands/export.js';
import { runSummaryCommand } from '../../src/cli/commands/summary.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { type Io } from '../../src/cli/io.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { one, readEvents, text } from '../viz/tb-reader.js';
import { AutoencoderModel } from '../../src/models/base.js';

const { PNG } = pngjs;
const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-cli-'));
function quietIo(): Io & { lines: string[]; outs: string[] } {
  const lines: string[] = [];
  const outs: string[] = [];
  return { lines, outs, log: (l) => lines.push(l), out: (l) => outs.push(l), tty: false };
}
const fast = { samples: 256, testSamples: 128, epochs: 2, batchSize: 64, figures: false } as const;

describe('aekit train', () => {
  it('trains a preset into a run folder: config, checkpoint, metrics per epoch, ONNX parts, results next to PCA', async () => {
    const runs = tmp();
    const io = quietIo();
    const outcome = (await runTrainCommand({ ...fast, runs, model: 'dense', data: 'mnist', latent: 8 }, io))!;
    const dir = outcome.run.dir;
    assert.equal(dir, join(runs, 'dense-mnist-1'));
    for (const f of ['run.json', 'config.json', 'metrics.csv', 'metrics.jsonl', 'results.json', 'model.onnx', 'encoder.onnx', 'decoder.onnx', 'checkpoint/checkpoint.json']) assert.ok(existsSync(join(dir, f)), f);
    const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 3, 'header + one row per epoch');
    assert.match(csv[0]!, /^epoch,loss,/);
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    assert.equal(run.status, 'finished');
    assert.equal(run.epochsDone, 2);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(config.model.className, 'Autoencoder');
    assert.deepEqual(config.model.encoder.sizes, [128, 8]);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    assert.equal(results.test.samples, 128);
    assert.equal(results.test.pca.k, 8);
    assert.ok(results.test.model.mse > 0 && results.test.model.mse < 0.2);
    assert.ok(io.lines.some((l) => l.includes('PCA k=8')));
    // The exported model runs in ONNX Runtime on its own.
    const session = await RuntimeSession.create(new Uint8Array(readFileSync(join(dir, 'encoder.onnx'))));
    const out = await session.run({ x: { dtype: 'float32', shape: [2, 1, 28, 28], data: outcome.data.test!.x.subarray(0, 2 * 784) } });
    assert.deepEqual(Object.values(out)[0]!.shape, [2, 8]);
    await session.release();
    // TensorBoard: events read back independently of the writer (framing CRCs, protobuf).
    const tbFiles = readdirSync(join(dir, 'tb'));
    assert.equal(tbFiles.length, 1);
    const events = readEvents(join(dir, 'tb', tbFiles[0]!));
    const tags = new Set(events.flatMap((e) => e.values.map((v) => text(one(v, 1)))));
    // --no-figures (fast) skips the live reconstructions of each epoch, in TensorBoard too.
    assert.ok(!tags.has('reconstructions'), 'no reconstruction images with --no-figures');
    for (const tag of ['batch/loss', 'epoch/loss', 'epoch/lr', 'weights/encoder/dense_0/kernel']) assert.ok([...tags].some((t) => t === tag || (tag.startsWith('weights/') && t?.startsWith('weights/'))), `${tag} in ${[...tags].join(', ')}`);
    const epochLoss = events.filter((e) => e.values.some((v) => text(one(v, 1)) === 'epoch/loss')).map((e) => e.step);
    assert.deepEqual(epochLoss, [1, 2]);
    // A second run gets the next free name.
    const second = (await runTrainCommand({ ...fast, epochs: 1, runs, model: 'dense', data: 'mnist', latent: 8 }, quietIo()))!;
    assert.equal(second.run.name, 'dense-mnist-2');
  });

  it('--resume continues the epoch count and matches an uninterrupted run', async () => {
    const runs = tmp();
    const straight = (await runTrainCommand({ ...fast, epochs: 3, runs, model: 'dense', latent: 4, name: 'straight' }, quietIo()))!;
    await runTrainCommand({ ...fast, epochs: 1, runs, model: 'dense', latent: 4, name: 'split' }, quietIo());
    const resumed = (await runTrainCommand({ runs, resume: join(runs, 'split'), epochs: 3, figures: false }, quietIo()))!;
    const rows = readFileSync(join(runs, 'split', 'metrics.csv'), 'utf8').trim().split('\n');
    assert.equal(rows.length, 4, 'header + epochs 1..3');
    assert.deepEqual(rows.slice(1).map((r) => r.split(',')[0]), ['1', '2', '3']);
    const a = straight.model.trainer.tensors;
    const b = resumed.model.trainer.tensors;
    for (const k of Object.keys(a)) assert.deepEqual(Array.from(b[k]!.data as Float32Array), Array.from(a[k]!.data as Float32Array), k);
    await assert.rejects(runTrainCommand({ runs, resume: join(runs, 'split'), figures: false }, quietIo()), /already trained 3 epochs; pass --epochs N/);
  });

  it('reads a YAML config, flags override it, and a bad field is named before anything runs', async () => {
    const dir = tmp();
    const file = join(dir, 'run.yaml');
    writeFileSync(file, 'name: from-yaml\nmodel: conv\npreset: { latent: 6 }\ndata: { source: mnist, samples: 128, testSamples: 64 }\ntraining: { epochs: 3, batchSize: 64, optimizer: { name: adam, learningRate: 0.003 } }\n');
    const outcome = (await runTrainCommand({ config: file, epochs: 1, runs: join(dir, 'runs'), figures: false }, quietIo()))!;
    assert.equal(outcome.run.name, 'from-yaml');
    assert.equal(outcome.model.className, 'ConvAutoencoder');
    assert.deepEqual(outcome.model.latentShape, [6]);
    assert.equal(outcome.result.epochs, 1);
    writeFileSync(file, 'model: dense\ndata: { source: mnist }\ntraining: { epochs: 0 }\n');
    await assert.rejects(runTrainCommand({ config: file, runs: join(dir, 'runs') }, quietIo()), (e: Error) => e.name === 'ConfigError' && /run\.yaml\.training\.epochs: expected a positive integer, got 0/.test(e.message));
    writeFileSync(file, 'model: dense\ndata: { source: mnist }\ntraining: { optimiser: adam }\n');
    await assert.rejects(runTrainCommand({ config: file, runs: join(dir, 'runs') }, quietIo()), /training\.optimiser: unknown field; allowed fields: epochs/);
    await assert.rejects(runTrainCommand({ runs: dir, model: 'conv', data: 'nowhere.csv' }, quietIo()), /'nowhere\.csv' is neither a built-in data set/);
    await assert.rejects(runTrainCommand({ runs: dir, model: 'lstm', data: 'mnist' }, quietIo()), /'lstm' needs sequences \[timesteps, features\]/);
    assert.deepEqual(readdirSync(join(dir, 'runs')), ['from-yaml'], 'no run folder for rejected configs');
  });

  it('trains on a CSV with a label column: table defaults (z-score, MSE), 20 % held out, labels kept out', async () => {
    const dir = tmp();
    const rows = ['a,b,c,d,kind'];
    for (let i = 0; i < 120; i++) rows.push(`${i},${i * 2 + 5},${Math.sin(i) * 100},${(i % 7) * 3},${i % 2 ? 'x' : 'y'}`);
    writeFileSync(join(dir, 'table.csv'), rows.join('\n'));
    const io = quietIo();
    const outcome = (await runTrainCommand({ runs: join(dir, 'runs'), model: 'dense', latent: 2, data: join(dir, 'table.csv'), labelColumn: 'kind', epochs: 2, batchSize: 16, figures: false }, io))!;
    assert.deepEqual(outcome.model.inputShape, [4]);
    assert.ok(existsSync(join(outcome.run.dir, 'scaler.json')));
    assert.deepEqual([outcome.model.loss, outcome.data.scale, outcome.data.train.shape[0], outcome.data.test?.shape[0]], ['mse', 'zscore', 96, 24]);
  });
});

describe('aekit train --stream', () => {
  it('trains from a CSV read batch by batch: scaler fitted in one pass, labels kept out, test file evaluated', async () => {
    const dir = tmp();
    const rows = (n: number, from: number) => {
      const out = ['a,b,c,d,e,f,kind'];
      for (let i = from; i < from + n; i++) out.push(`${i % 50},${(i * 7) % 31},${Math.sin(i) * 10},${Math.cos(i) * 3},${i % 3},${(i * i) % 11},${i % 2 ? 'x' : 'y'}`);
      return out.join('\n');
    };
    writeFileSync(join(dir, 'big.csv'), rows(600, 0));
    writeFileSync(join(dir, 'test.csv'), rows(100, 600));
    const io = quietIo();
    const outcome = (await runTrainCommand({ runs: join(dir, 'runs'), model: 'dense', latent: 2, data: join(dir, 'big.csv'), testData: join(dir, 'test.csv'), labelColumn: 'kind', stream: true, epochs: 2, batchSize: 32, figures: false }, io))!;
    assert.ok(outcome.data.trainStream, 'streamed');
    assert.deepEqual(outcome.model.inputShape, [6]);
    assert.equal(outcome.result.epochs, 2);
    assert.equal(outcome.test!.samples, 100);
    assert.ok(io.lines.some((l) => l.includes('streamed from the file')));
    const scaler = JSON.parse(readFileSync(join(outcome.run.dir, 'scaler.json'), 'utf8'));
    assert.deepEqual(scaler.sampleShape, [6]);
    await assert.rejects(runTrainCommand({ runs: join(dir, 'runs'), model: 'dense', data: join(dir, 'big.csv'), stream: true, validationSplit: 0.1 }, quietIo()), /is streamed \(too large to load\); hold out validation data/);
  });
});

describe('commands on a trained run', async () => {
  const runs = tmp();
  const trained = (await runTrainCommand({ ...fast, runs, model: 'vae', latent: 2, name: 'vae' }, quietIo()))!;
  const dir = trained.run.dir;

  it('eval prints loss and reconstruction metrics on the test set, --json for programs', async () => {
    const io = quietIo();
    const m = await runEvalCommand(dir, { batchSize: 64, json: true }, io);
    assert.equal(m.samples, 128);
    assert.ok(Number.isFinite(m.loss) && Number.isFinite(m.psnr));
    assert.deepEqual(JSON.parse(io.outs[0]!), m);
  });

  it('encode writes codes (the VAE means) with labels as NPY or CSV', async () => {
    const out = join(tmp(), 'codes.npy');
    assert.deepEqual(await runEncodeCommand(dir, { out }, quietIo()), [128, 2]);
    const codes = parseNpy(new Uint8Array(readFileSync(out)));
    assert.deepEqual(codes.shape, [128, 2]);
    assert.deepEqual(parseNpy(new Uint8Array(readFileSync(out.replace('.npy', '.labels.npy')))).shape, [128]);
    const csv = join(tmp(), 'codes.csv');
    await runEncodeCommand(dir, { out: csv, samples: 5 }, quietIo());
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'z1,z2,label');
    assert.equal(lines.length, 6);
    await assert.rejects(runEncodeCommand(dir, { out: 'codes.txt' }, quietIo()), /expected a \.npy or \.csv file name/);
  });

  it('export writes every part, or one part to a file', () => {
    const out = tmp();
    const files = runExportCommand(dir, { out }, quietIo());
    const names = files.map((f) => f.slice(out.length + 1)).sort();
    assert.deepEqual(names, Object.keys(trained.model.parts()).map((p) => `${p}.onnx`).sort());
    for (const part of ['decoder.onnx', 'encoder.onnx', 'errors.onnx', 'model.onnx']) assert.ok(names.includes(part), part);
    assert.throws(() => runExportCommand(dir, { out: join(out, 'x.onnx') }, quietIo()), /is one file: name one --part/);
    assert.throws(() => runExportCommand(dir, { out, part: ['nope'] }, quietIo()), /--part nope: this model has parts/);
  });

  it('summary of a run and of a preset before training', async () => {
    const io = quietIo();
    assert.match(await runSummaryCommand(dir, {}, io), /VariationalAutoencoder/);
    assert.match(await runSummaryCommand(undefined, { model: 'conv', data: 'fashion-mnist' }, quietIo()), /ConvAutoencoder\s+input \[1,28,28\]/);
    const unet = await runSummaryCommand(undefined, { model: 'unet-denoising', data: 'mnist' }, quietIo());
    assert.match(unet, /UNetAutoencoder\s+input \[1,28,28\]/);
    assert.match(unet, /encoder_conv_1_1 \(Conv2D\)/);
  });

  it('reconstruct writes NPY and a PNG of inputs above outputs', async () => {
    const out = tmp();
    await runReconstructCommand(dir, { out: join(out, 'rec.npy'), png: join(out, 'rec.png'), samples: 30 }, quietIo());
    assert.deepEqual(parseNpy(new Uint8Array(readFileSync(join(out, 'rec.npy')))).shape, [30, 1, 28, 28]);
    const png = PNG.sync.read(readFileSync(join(out, 'rec.png')));
    assert.ok(png.width > 200 && png.height > 60);
    await assert.rejects(runReconstructCommand(dir, {}, quietIo()), /say where to write/);
  });

  it('detect: threshold from the training data, scores and flags written, evaluation against labels; a saved detector reused', async () => {
    const out = tmp();
    const io = quietIo();
    const r = await runDetectCommand(dir, { contamination: 0.1, anomalyLabels: '1', out: join(out, 'scores.csv'), png: join(out, 'scores.png'), save: join(out, 'det'), score: 'reconstruction' }, io);
    assert.equal(r.samples, 128);
    assert.ok(r.evaluation && r.evaluation.rocAuc >= 0 && r.evaluation.rocAuc <= 1);
    const lines = readFileSync(join(out, 'scores.csv'), 'utf8').trim().split('\n');
    assert.equal(lines[0], 'index,score,anomaly,label');
    assert.equal(lines.length, 129);
    assert.ok(io.lines.some((l) => /ROC-AUC \d\.\d{4}/.test(l)));
    const again = await runDetectCommand(join(out, 'det'), { contamination: 0.1, data: 'mnist', samples: 64 }, quietIo());
    assert.equal(again.threshold, r.threshold);
    await assert.rejects(runDetectCommand(dir, { contamination: 0.1, anomalyLabels: 'eleven' }, quietIo()), /no sample has one of these labels/);
  });

  it('compress → decompress round trip; another model cannot decode the file', async () => {
    const out = tmp();
    const c = await runCompressCommand(dir, { out: join(out, 'd.aez'), bits: 6, coder: 'range', samples: 50 }, quietIo());
    assert.ok(c.bytesPerSample < 784 * 4 / 10);
    const shape = await runDecompressCommand(dir, join(out, 'd.aez'), { out: join(out, 'd.npy'), png: join(out, 'd.png') }, quietIo());
    assert.deepEqual(shape, [50, 1, 28, 28]);
    assert.ok(existsSync(join(out, 'd.png')));
    const other = (await runTrainCommand({ ...fast, epochs: 1, runs, model: 'vae', latent: 2, name: 'other' }, quietIo()))!;
    await assert.rejects(runDecompressCommand(other.run.dir, join(out, 'd.aez'), { out: join(out, 'x.npy') }, quietIo()), /made by a different model/);
  });

  it('generate: prior samples, the latent grid, a traversal and an interpolation as PNG/NPY; a plain AE is refused', async () => {
    const out = tmp();
    assert.deepEqual(await runGenerateCommand(dir, { kind: 'samples', n: 12, seed: 1, steps: 5, png: join(out, 's.png'), out: join(out, 's.npy') }, quietIo()), [12, 1, 28, 28]);
    assert.deepEqual(parseNpy(new Uint8Array(readFileSync(join(out, 's.npy')))).shape, [12, 1, 28, 28]);
    assert.deepEqual(await runGenerateCommand(dir, { kind: 'grid', n: 1, seed: 0, steps: 4, png: join(out, 'g.png') }, quietIo()), [16, 1, 28, 28]);
    assert.deepEqual(await runGenerateCommand(dir, { kind: 'traverse', dims: '1', n: 1, seed: 0, steps: 6, png: join(out, 't.png') }, quietIo()), [6, 1, 28, 28]);
    assert.deepEqual(await runGenerateCommand(dir, { kind: 'interpolate', from: 0, to: 3, n: 1, seed: 0, steps: 7, png: join(out, 'i.png') }, quietIo()), [7, 1, 28, 28]);
    for (const f of ['s.png', 'g.png', 't.png', 'i.png']) assert.ok(PNG.sync.read(readFileSync(join(out, f))).width > 50, f);
    await assert.rejects(runGenerateCommand(dir, { kind: 'traverse', dims: '5', n: 1, seed: 0, steps: 3, png: join(out, 'x.png') }, quietIo()), /--dims 5: one or two latent dimensions in 1\.\.2 \(z1 is the first\)/);
    await assert.rejects(runGenerateCommand(dir, { kind: 'traverse', dims: '0', n: 1, seed: 0, steps: 3, png: join(out, 'x.png') }, quietIo()), /--dims 0: one or two latent dimensions in 1\.\.2/, 'dimensions are numbered from 1, as in the figures');
    const plain = (await runTrainCommand({ ...fast, epochs: 1, runs, model: 'dense', latent: 2, name: 'plain' }, quietIo()))!;
    await assert.rejects(runGenerateCommand(plain.run.dir, { kind: 'samples', n: 4, seed: 0, steps: 3, png: join(out, 'x.png') }, quietIo()), /holds a Autoencoder; generation needs a VariationalAutoencoder/);
  });

  it('denoise: noised copies of the test set, PSNR and SSIM before and after, a picture of the three rows', async () => {
    const out = tmp();
    const report = (await runDenoiseCommand(dir, { noise: 0.5, seed: 1, png: join(out, 'd.png'), out: join(out, 'd.npy'), samples: 40 }, quietIo()))!;
    assert.equal(report.images, 40);
    assert.ok(report.noisy.psnr < 12 && report.denoised.psnr > report.noisy.psnr, JSON.stringify(report));
    assert.deepEqual(parseNpy(new Uint8Array(readFileSync(join(out, 'd.npy')))).shape, [40, 1, 28, 28]);
    assert.ok(existsSync(join(out, 'd.png')));
    await assert.rejects(runDenoiseCommand(dir, {}, quietIo()), /say what to do/);
  });

  it('a bare checkpoint works too, and a wrong path is named', async () => {
    const model = AutoencoderModel.load(join(dir, 'checkpoint'));
    assert.equal(model.className, 'VariationalAutoencoder');
    await assert.rejects(runEvalCommand(join(dir, 'checkpoint'), { batchSize: 64 }, quietIo()), /bare checkpoint with no run config: say which data to use with --data/);
    await assert.rejects(runEvalCommand(join(runs, 'missing'), { batchSize: 64 }, quietIo()), /missing: no such run folder or checkpoint/);
  });
});

describe('aekit demo --quick', () => {
  it('trains both models and the detector, writes figures, report.html and demo.json', async () => {
    const runs = tmp();
    const io = quietIo();
    const r = await runDemoCommand({ runs, quick: true }, io);
    const dir = join(runs, 'demo');
    assert.equal(r.folder, dir);
    for (const f of ['report.html', 'demo.json', 'figures/reconstructions.png', 'figures/anomaly-scores.png', 'figures/anomaly-top.png', 'vae/figures/latent-grid.png', 'vae/figures/samples.png', 'detector', 'checkpoint/checkpoint.json']) {
      assert.ok(existsSync(join(dir, f)), f);
    }
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.match(html, /<img alt="Test digits \(top\) and their reconstructions \(bottom\)" src="data:image\/png;base64,/);
    assert.doesNotMatch(html, /<script|https?:\/\//, 'self-contained: no scripts, no links out');
    assert.ok(r.anomaly.rocAuc > 0 && r.anomaly.rocAuc <= 1);
    assert.ok(r.reconstruction.pca.mse > r.reconstruction.pcaDouble.mse);
    assert.ok(io.lines.some((l) => l.includes('report.html')));
    // A second demo goes into a new folder.
    assert.equal((await runDemoCommand({ runs, quick: true }, quietIo())).folder, join(runs, 'demo-2'));
  });
});
