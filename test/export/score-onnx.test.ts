/**
 * score.onnx, the detector as one standalone ONNX model (src/anomaly/score-onnx.ts,
 * docs/export.md): for each kind of detector aekit exports (a table run's
 * dense model, an image run's conv model, a table ensemble, model detectors
 * of every score kind) the file is read back by Python's onnx package
 * (Debian python3-onnx, independent of aekit's writer: checker, names,
 * dtypes, dims, opset) and run through onnxruntime-node on raw rows, against
 * `aekit detect` / `AnomalyDetector.score` on the same rows. A series
 * detector is refused by name.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import { readTabular } from '../../src/anomaly/tabular.js';
import { TimeSeriesDetector } from '../../src/anomaly/timeseries.js';
import { type ScoreKind } from '../../src/anomaly/types.js';
import { runDetectCommand } from '../../src/cli/commands/detect.js';
import { runExportCommand } from '../../src/cli/commands/export.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { type Io } from '../../src/cli/io.js';
import { mulberry32 } from '../../src/eval/stats.js';
import { OPSET } from '../../src/onnx/serialize.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { Autoencoder, VariationalAutoencoder } from '../../src/models/index.js';
import { loadRunData } from '../../src/runs/run-data.js';
import { readRunConfig } from '../../src/runs/run-config.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-score-onnx-'));
const quietIo = (): Io & { lines: string[] } => {
  const lines: string[] = [];
  return { lines, log: (l) => lines.push(l), out: (l) => lines.push(l), tty: false };
};
const CONTRACT_PY = fileURLToPath(new URL('./onnx_contract.py', import.meta.url));

/** A Python that imports onnx: Debian's python3-onnx lives in /usr/bin/python3, which a pyenv python3 on PATH may shadow. */
function pythonWithOnnx(): string | undefined {
  for (const py of [process.env.AEKIT_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    if (spawnSync(py, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0) return py;
  }
  return undefined;
}

interface Contract {
  onnx: string;
  ir_version: number;
  opsets: Record<string, number>;
  inputs: Array<{ name: string; dtype: string; dims: Array<string | number> }>;
  outputs: Array<{ name: string; dtype: string; dims: Array<string | number> }>;
  metadata: Record<string, string>;
  ops: string[];
}

/** What Python's onnx reads in the files (after onnx.checker.check_model(full_check=True)). */
function contracts(paths: string[]): Contract[] {
  const py = pythonWithOnnx();
  assert.ok(py, "no Python with the onnx package: install Debian's python3-onnx (apt-get install python3-onnx; .ci/run does) or set AEKIT_PYTHON");
  const r = spawnSync(py, [CONTRACT_PY, ...paths], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Contract[];
}

/** Asserts score.onnx's contract: x [N, …shape] float32 in; score [N] float64 and flag [N] bool out; opset 18. */
function assertContract(c: Contract, sampleShape: number[], threshold: number): void {
  assert.deepEqual(c.inputs, [{ name: 'x', dtype: 'FLOAT', dims: ['N', ...sampleShape] }]);
  assert.deepEqual(c.outputs, [{ name: 'score', dtype: 'DOUBLE', dims: ['N'] }, { name: 'flag', dtype: 'BOOL', dims: ['N'] }]);
  assert.deepEqual(c.opsets, { 'ai.onnx': OPSET });
  assert.equal(c.ir_version, 8);
  assert.equal(c.metadata['aekit:threshold'], String(threshold));
  assert.deepEqual(JSON.parse(c.metadata['aekit:sampleShape']!), sampleShape);
}

/** Runs score.onnx on raw rows with onnxruntime-node. */
async function runScore(file: string, x: Float32Array, shape: number[]): Promise<{ score: Float64Array; flag: Uint8Array }> {
  const session = await RuntimeSession.create(new Uint8Array(readFileSync(file)));
  try {
    const out = await session.run({ x: { dtype: 'float32', shape, data: x } });
    assert.equal(out.score!.dtype, 'float64');
    assert.equal(out.flag!.dtype, 'bool');
    return { score: out.score!.data as Float64Array, flag: Uint8Array.from(out.flag!.data as ArrayLike<number>, Number) };
  } finally {
    await session.release();
  }
}

/**
 * The largest relative difference of score.onnx's scores from aekit's, and
 * the rows whose flags differ (each must score within `tolerance` of the threshold).
 */
function compare(got: { score: Float64Array; flag: Uint8Array }, want: ArrayLike<number>, wantFlags: ArrayLike<number>, threshold: number, tolerance: number): { worst: number; flagDisagreements: number } {
  assert.equal(got.score.length, want.length);
  let worst = 0;
  let flagDisagreements = 0;
  for (let i = 0; i < want.length; i++) {
    const rel = Math.abs(got.score[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
    worst = Math.max(worst, rel);
    if (got.flag[i] !== wantFlags[i]) {
      flagDisagreements++;
      assert.ok(Math.abs(want[i]! - threshold) <= tolerance * Math.max(1, Math.abs(threshold)), `row ${i}: flag ${got.flag[i]} vs ${wantFlags[i]} away from the threshold (score ${want[i]}, threshold ${threshold})`);
    }
  }
  assert.ok(worst <= tolerance, `score.onnx differs from aekit by ${worst.toExponential(2)} (relative), tolerance ${tolerance}`);
  return { worst, flagDisagreements };
}

/** `aekit detect --out` rows: index,score,anomaly[,...]. */
function readScores(file: string): { score: number[]; flag: number[] } {
  const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  return { score: rows.map((r) => Number(r[1])), flag: rows.map((r) => Number(r[2])) };
}

/** A table with structure (two latent factors over 5 columns), rows `n`, some pushed out when `outliers`. */
function tableCsv(path: string, n: number, seed: number, outliers = false): Float32Array {
  const rnd = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const x = new Float32Array(n * 5);
  const lines = ['amount,age,visits,score,balance'];
  for (let i = 0; i < n; i++) {
    const a = gauss();
    const b = gauss();
    for (let j = 0; j < 5; j++) {
      // Rounded (some values repeat: ties in the ensemble's tails); the CSV holds each float32 value's exact decimal.
      let v = Math.round(((j % 2 ? a : b) * (1 + j) * 10 + 50 * j + 0.5 * gauss() + (outliers && i % 7 === 0 && j === i % 5 ? 60 : 0)) * 100) / 100;
      if (j === 2) v = Math.round(v);
      x[i * 5 + j] = v;
    }
    lines.push(Array.from(x.subarray(i * 5, i * 5 + 5)).join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return x;
}

/**
 * Tolerance of score.onnx against aekit, relative to max(1, |score|). Measured
 * (printed as diagnostics): 1e-13 or less where the model is dense, where
 * the same float32 model runs in another graph and the rest in float64; about
 * 1e-5 for the conv model, whose float32 kernels ONNX Runtime picks per graph.
 */
const TOLERANCE = 1e-4;

describe('score.onnx: the detector in one ONNX file', () => {
  const exported: Array<{ file: string; sampleShape: number[]; threshold: number; columns?: string[] }> = [];

  it('a table run (dense, zscore): score.onnx on the raw CSV rows gives what aekit detect gives; before a detector there is none', async (t) => {
    const dir = tmp();
    tableCsv(join(dir, 'train.csv'), 240, 1);
    const raw = tableCsv(join(dir, 'new.csv'), 70, 2, true);
    const outcome = (await runTrainCommand({ runs: dir, name: 'table', data: join(dir, 'train.csv'), model: 'dense', scale: 'zscore', epochs: 1, batchSize: 32, figures: false }, quietIo()))!;
    const run = outcome.run.dir;
    // No detector yet: the default export leaves score.onnx out and says why; --part score refuses.
    const io = quietIo();
    const before = runExportCommand(run, { out: join(dir, 'before') }, io);
    assert.ok(!before.some((f) => f.endsWith('score.onnx')));
    assert.ok(io.lines.some((l) => /no score\.onnx: .*aekit detect/.test(l)), io.lines.join('\n'));
    assert.throws(() => runExportCommand(run, { out: join(dir, 'score.onnx'), part: ['score'] }, quietIo()), /--part score: .*has no detector fitted on its current checkpoint: run `aekit detect/);

    const detected = await runDetectCommand(run, { data: join(dir, 'new.csv'), out: join(dir, 'scores.csv') }, quietIo());
    const files = runExportCommand(run, { out: join(dir, 'exported') }, quietIo());
    assert.deepEqual(files.map((f) => f.slice(join(dir, 'exported').length + 1)).sort(), ['decoder.onnx', 'encoder.onnx', 'errors.onnx', 'model.onnx', 'score.onnx']);
    const file = join(dir, 'exported', 'score.onnx');
    const want = readScores(join(dir, 'scores.csv'));
    const got = await runScore(file, raw, [70, 5]);
    const r = compare(got, want.score, want.flag, detected.threshold, TOLERANCE);
    t.diagnostic(`table run (dense, zscore scaler.json, combined mse + knn): max relative difference ${r.worst.toExponential(2)}, flag disagreements ${r.flagDisagreements} of 70`);
    exported.push({ file, sampleShape: [5], threshold: detected.threshold, columns: ['amount', 'age', 'visits', 'score', 'balance'] });
  });

  it('an image run (conv, MNIST): score.onnx on the test images gives what aekit detect gives', async (t) => {
    const dir = tmp();
    const outcome = (await runTrainCommand({ runs: dir, name: 'conv', model: 'conv', data: 'mnist', samples: 256, testSamples: 48, latent: 8, epochs: 1, batchSize: 64, figures: false }, quietIo()))!;
    const run = outcome.run.dir;
    assert.ok(!readdirSync(run).includes('scaler.json'), 'the images are fed as aekit reads them');
    const detected = await runDetectCommand(run, { out: join(dir, 'scores.csv') }, quietIo());
    const [file] = runExportCommand(run, { out: join(dir, 'score.onnx'), part: ['score'] }, quietIo());
    // The rows aekit detect scored: the run's test images, unscaled.
    const data = await loadRunData(readRunConfig(join(run, 'config.json')).data, undefined, { testOnly: true });
    const want = readScores(join(dir, 'scores.csv'));
    const got = await runScore(file!, data.test!.x, [48, 1, 28, 28]);
    const r = compare(got, want.score, want.flag, detected.threshold, TOLERANCE);
    t.diagnostic(`image run (conv, combined mse + knn, cosine): max relative difference ${r.worst.toExponential(2)}, flag disagreements ${r.flagDisagreements} of 48`);
    exported.push({ file: file!, sampleShape: [1, 28, 28], threshold: detected.threshold });
  });

  it('a table detector without a model (the ensemble): score.onnx gives what aekit detect gives on the saved detector', async (t) => {
    const dir = tmp();
    tableCsv(join(dir, 'train.csv'), 160, 3);
    const raw = tableCsv(join(dir, 'new.csv'), 60, 4, true);
    const det = new AnomalyDetector();
    await det.fit(await readTabular(join(dir, 'train.csv')), { train: { epochs: 1 } });
    det.save(join(dir, 'det'));
    await runDetectCommand(join(dir, 'det'), { data: join(dir, 'new.csv'), out: join(dir, 'scores.csv') }, quietIo());
    const files = runExportCommand(join(dir, 'det'), { out: join(dir, 'exported') }, quietIo());
    assert.deepEqual(files, [join(dir, 'exported', 'score.onnx')], 'an ensemble has no one model: score.onnx only');
    assert.throws(() => runExportCommand(join(dir, 'det'), { out: join(dir, 'x'), part: ['encoder'] }, quietIo()), /--part encoder: this detector has parts score/);
    const want = readScores(join(dir, 'scores.csv'));
    const got = await runScore(files[0]!, raw, [60, 5]);
    const r = compare(got, want.score, want.flag, det.threshold, TOLERANCE);
    t.diagnostic(`table ensemble (6 members, tails, median/IQR): max relative difference ${r.worst.toExponential(2)}, flag disagreements ${r.flagDisagreements} of 60`);
    exported.push({ file: files[0]!, sampleShape: [5], threshold: det.threshold, columns: ['amount', 'age', 'visits', 'score', 'balance'] });
  });

  it('model detectors of every score kind and scaler match AnomalyDetector.score', async (t) => {
    const dir = tmp();
    const rnd = mulberry32(5);
    const n = 200;
    const d = 6;
    const x = Float32Array.from({ length: n * d }, () => 10 + 3 * (rnd() + rnd() + rnd() - 1.5));
    const q = Float32Array.from({ length: 40 * d }, () => 10 + 5 * (rnd() + rnd() + rnd() - 1.5));
    const cases: Array<{ score: ScoreKind; scaler?: 'zscore' | 'minmax'; metric?: 'euclidean' | 'cosine'; vae?: boolean; bce?: boolean }> = [
      { score: 'mse', scaler: 'zscore' }, { score: 'mae' }, { score: 'bce', scaler: 'minmax', bce: true }, { score: 'reconstruction', scaler: 'zscore' },
      { score: 'knn', scaler: 'minmax', metric: 'cosine' }, { score: 'center', scaler: 'zscore', metric: 'euclidean' }, { score: 'elbo', scaler: 'zscore', vae: true },
      { score: 'combined', scaler: 'zscore', metric: 'cosine' },
    ];
    for (const c of cases) {
      const model = c.vae
        ? new VariationalAutoencoder({ inputShape: [d], encoder: { type: 'dense', sizes: [8] }, latentDim: 2 })
        : new Autoencoder({ inputShape: [d], encoder: { sizes: [8, 3] }, ...(c.bce ? { loss: 'bce' as const } : {}) });
      const det = new AnomalyDetector(model, { score: c.score, ...(c.scaler ? { scaler: c.scaler } : {}), ...(c.metric ? { metric: c.metric } : {}) });
      await det.fit({ x, shape: [n, d] }, { train: { epochs: 1, batchSize: 50 } });
      const file = join(dir, `${c.score}.onnx`);
      det.exportOnnx(file);
      const got = await runScore(file, q, [40, d]);
      const r = compare(got, await det.score({ x: q, shape: [40, d] }), await det.predict({ x: q, shape: [40, d] }), det.threshold, TOLERANCE);
      t.diagnostic(`${c.score} (${c.scaler ?? 'no scaler'}${c.metric ? `, ${c.metric}` : ''}): max relative difference ${r.worst.toExponential(2)}, flag disagreements ${r.flagDisagreements} of 40`);
      exported.push({ file, sampleShape: [d], threshold: det.threshold });
    }
  });

  it('a series detector is refused by name (its step scores need the whole series); its model parts still export', async () => {
    const dir = tmp();
    const T = 200;
    const series = Float32Array.from({ length: T }, (_, i) => Math.sin(i / 5));
    const det = new TimeSeriesDetector(new Autoencoder({ inputShape: [8], encoder: { sizes: [4, 2] } }), { window: 8, stride: 2, score: 'mse' });
    await det.fit({ x: series, shape: [T, 1] }, { train: { epochs: 1 } });
    det.save(join(dir, 'det'));
    assert.throws(() => runExportCommand(join(dir, 'det'), { out: join(dir, 'score.onnx'), part: ['score'] }, quietIo()), /--part score: .* holds a series detector: a series detector scores steps through overlapping windows/);
    const io = quietIo();
    const files = runExportCommand(join(dir, 'det'), { out: join(dir, 'exported') }, io);
    assert.ok(files.length > 0 && !files.some((f) => f.endsWith('score.onnx')));
    assert.ok(io.lines.some((l) => l.startsWith('no score.onnx: ')));
  });

  it("docs/export.md's Python examples parse, and feed x and fetch score and flag", () => {
    const markdown = readFileSync(fileURLToPath(new URL('../../docs/export.md', import.meta.url)), 'utf8');
    const blocks = [...markdown.matchAll(/^```python\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    assert.ok(blocks.length >= 4, `Python blocks in docs/export.md: ${blocks.length}`);
    // Syntax only: Spark, SynapseML, Ray and Python's ONNX Runtime are not on this machine.
    const parse = spawnSync(pythonWithOnnx() ?? 'python3', ['-c', 'import ast, json, sys\nfor b in json.load(sys.stdin): ast.parse(b)'], { input: JSON.stringify(blocks), encoding: 'utf8' });
    assert.equal(parse.status, 0, parse.stderr);
    for (const b of blocks) {
      assert.match(b, /"x"/, 'feeds the input x');
      assert.match(b, /"score"/, 'fetches score');
      assert.match(b, /"flag"/, 'fetches flag');
    }
  });

  it("Python's onnx reads every exported score.onnx: checker, names, dtypes, dims, opset, metadata", () => {
    assert.ok(exported.length >= 11, `score.onnx files from the tests above (${exported.length})`);
    const read = contracts(exported.map((e) => e.file));
    read.forEach((c, i) => {
      const e = exported[i]!;
      assertContract(c, e.sampleShape, e.threshold);
      if (e.columns) assert.deepEqual(JSON.parse(c.metadata['aekit:columns']!), e.columns);
    });
    // The k-NN part is TopK over the training codes; the ensemble's tails a binary search by Gather.
    assert.ok(read.some((c) => c.ops.includes('TopK')));
    assert.ok(read.some((c) => c.ops.includes('Gather')));
  });
});
