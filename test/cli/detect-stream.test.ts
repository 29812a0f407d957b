/**
 * `aekit detect <saved-detector> --data <file|->` streaming CSV/NDJSON: scores
 * equal the detector's own on the same rows, stdin and stdout work in a
 * pipeline, bad values and wrong columns are named. The bounded-memory test
 * is in detect-stream-memory.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import { type DetectStdio, runDetectStream } from '../../src/cli/detect-stream.js';
import { runDetectCommand } from '../../src/cli/commands/detect.js';
import { type Io } from '../../src/cli/io.js';
import { Autoencoder } from '../../src/models/dense.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-detect-stream-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

const D = 5;
const N = 2600; // more than two batches of 1,024
/** Deterministic rows: normal ones near a plane, every 40th far off it. */
function table(n: number, seed: number): { x: Float32Array; csv: string; ndjson: string } {
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const x = new Float32Array(n * D);
  const csv = ['id,f1,f2,f3,f4,f5,kind'];
  const ndjson: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = r();
    const odd = i % 40 === 7;
    for (let j = 0; j < D; j++) x[i * D + j] = Number((t * (j + 1) + 0.05 * r() + (odd ? 3 * r() : 0)).toFixed(4));
    const row = Array.from(x.subarray(i * D, (i + 1) * D));
    csv.push(`r${i},${row.join(',')},${odd ? 'odd' : 'ok'}`);
    ndjson.push(JSON.stringify({ id: `r${i}`, ...Object.fromEntries(row.map((v, j) => [`f${j + 1}`, v])), kind: odd ? 'odd' : 'ok' }));
  }
  return { x, csv: `${csv.join('\n')}\n`, ndjson: `${ndjson.join('\n')}\n` };
}

function quietIo(): Io & { lines: string[]; outs: string[] } {
  const lines: string[] = [];
  const outs: string[] = [];
  return { lines, outs, log: (l) => lines.push(l), out: (l) => outs.push(l), tty: false };
}

/** Runs the streaming scorer in-process over `input` as stdin; returns stdout and stderr lines. */
async function stream(detDir: string, flags: Parameters<typeof runDetectStream>[1], input = '') {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  const err: string[] = [];
  const stdio: DetectStdio = { stdin, stdout, err: (l) => err.push(l), progress: () => {} };
  stdin.end(input);
  const io = quietIo();
  const outcome = await runDetectStream(detDir, flags, io, stdio);
  return { outcome, out, err, io };
}

const parseCsvOut = (text: string) => text.trim().split('\n').slice(1).map((l) => l.split(','));

let det: AnomalyDetector;
let data: ReturnType<typeof table>;
const detDir = join(dir, 'det');

before(async () => {
  const train = table(600, 1);
  det = new AnomalyDetector(new Autoencoder({ inputShape: [D], encoder: { sizes: [4, 2] } }), { scaler: 'zscore' });
  await det.fit({ x: train.x, shape: [600, D] }, { train: { epochs: 2, batchSize: 64 } });
  det.save(detDir);
  data = table(N, 2);
});

describe('aekit detect <saved detector> --data <csv|ndjson|->', () => {
  it('scores every row exactly as det.score does on the whole set, batch by batch, text columns dropped, id and label passed through', async () => {
    const expected = await AnomalyDetector.load(detDir).score({ x: data.x, shape: [N, D] });
    const { out, err, io, outcome } = await stream(detDir, { data: '-', out: '-', idColumn: 'id', labelColumn: 'kind' }, data.csv);
    const lines = out.trim().split('\n');
    assert.equal(lines[0], 'index,score,anomaly,id,label');
    const rows = parseCsvOut(out);
    assert.equal(rows.length, N);
    for (let i = 0; i < N; i++) {
      const [index, score, flag, id, kind] = rows[i]!;
      assert.equal(Number(index), i);
      assert.equal(Number(score), expected[i], `row ${i}: the printed score reads back as the same double`);
      assert.equal(Number(flag), expected[i]! > det.threshold ? 1 : 0);
      assert.equal(id, `r${i}`);
      assert.equal(kind, i % 40 === 7 ? 'odd' : 'ok');
    }
    assert.equal(outcome.samples, N);
    assert.equal(outcome.flagged, Array.from(expected).filter((s) => s > det.threshold).length);
    assert.deepEqual(io.lines, [], '--out -: nothing for people on stdout');
    assert.match(err.join('\n'), new RegExp(`combined scores of 2,600 rows \\(stdin, streamed in [\\d.]+ s\\); threshold [\\d.]+: ${outcome.flagged} flagged`));
  });

  it('NDJSON in, NDJSON out (from the extension), written atomically; --samples, --anomaly-labels and --json', async () => {
    const file = join(dir, 'in.ndjson');
    writeFileSync(file, data.ndjson);
    const out = join(dir, 'out', 'scores.jsonl');
    const { outcome, io } = await stream(detDir, { data: file, out, idColumn: 'id', labelColumn: 'kind', samples: 2000, anomalyLabels: 'odd', json: true });
    const objs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(objs.length, 2000);
    const expected = await det.score({ x: data.x.subarray(0, 2000 * D), shape: [2000, D] });
    assert.deepEqual(objs[7], { index: 7, score: expected[7], anomaly: expected[7]! > det.threshold ? 1 : 0, id: 'r7', label: 'odd' });
    assert.deepEqual(objs.map((o) => o.score), Array.from(expected));
    assert.deepEqual(readdirSync(join(dir, 'out')), ['scores.jsonl'], 'no temporary file left');
    assert.equal(outcome.samples, 2000);
    assert.ok(outcome.evaluation && outcome.evaluation.rocAuc > 0.9, `ROC-AUC ${outcome.evaluation?.rocAuc}`);
    assert.deepEqual(JSON.parse(io.outs[0]!), JSON.parse(JSON.stringify(outcome)));
  });

  it('runDetectCommand dispatches a saved detector with a CSV file to the stream; a bad value is named by line and column and leaves no output file', async () => {
    const good = join(dir, 'good.csv');
    writeFileSync(good, data.csv);
    const out = join(dir, 'cmd', 'scores.csv');
    const r = await runDetectCommand(detDir, { data: good, out, labelColumn: 'kind', png: join(dir, 'hist.png') }, quietIo());
    assert.equal(r.samples, N);
    assert.ok(readFileSync(join(dir, 'hist.png')).subarray(1, 4).toString() === 'PNG', '--png: a histogram of every score');
    assert.equal(readFileSync(out, 'utf8').split('\n', 1)[0], 'index,score,anomaly,label');
    const lines = data.csv.split('\n');
    lines[1500] = lines[1500]!.replace(/,[^,]+,/, ',abc,');
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, lines.join('\n'));
    const badOut = join(dir, 'cmd', 'bad-scores.csv');
    await assert.rejects(runDetectCommand(detDir, { data: bad, out: badOut, labelColumn: 'kind' }, quietIo()), /^DataFormatError: bad\.csv: line 1501, field "f1": non-numeric value "abc"$/m);
    assert.deepEqual(readdirSync(join(dir, 'cmd')), ['scores.csv'], 'a failed run leaves neither its output nor a temporary file');
    // --skip-bad-rows: reported with its line, skipped, and the other rows keep their indices.
    const skipped = await stream(detDir, { data: bad, out: '-', labelColumn: 'kind', skipBadRows: true });
    const rows = parseCsvOut(skipped.out);
    assert.equal(rows.length, N - 1);
    assert.deepEqual([rows[1498]![0], rows[1499]![0]], ['1498', '1500'], 'line 1501 is data row 1499');
    assert.deepEqual(skipped.err[0], 'skipped bad.csv: line 1501, field "f1": non-numeric value "abc"');
    assert.match(skipped.err.at(-1)!, /1 bad rows skipped/);
  });

  it('refuses columns the detector was not fitted on: by count (detector.json has no names), or by name when saved with them', async () => {
    const four = 'a,b,c,d\n1,2,3,4\n';
    await assert.rejects(stream(detDir, { data: '-', out: '-' }, four),
      /<stdin>: 4 feature columns \(a, b, c, d\) but the detector takes 5 values per sample \(shape \[5\]\); its detector records no column names \(fit it on a table read with readTabular to keep them\), so only the count can be checked/);
    await assert.rejects(stream(detDir, { data: '-', out: '-' }, 'a,b,c,d,e,y\n1,2,3,4,5,0\n'), /6 feature columns .* \(is one of them a label or an id\? name it with --label-column or --id-column\)/);
    const named = join(dir, 'named');
    det.save(named, { columns: ['f1', 'f2', 'f3', 'f4', 'f5'] });
    const ok = await stream(named, { data: '-', out: '-', labelColumn: 'kind' }, data.csv);
    assert.equal(ok.outcome.samples, N);
    await assert.rejects(stream(named, { data: '-', out: '-' }, 'f1,f2,f3,f4,g5\n1,2,3,4,5\n'), /feature columns f1, f2, f3, f4, g5 do not match the detector's f1, f2, f3, f4, f5; missing: f5; not the detector's: g5/);
    await assert.rejects(stream(detDir, { data: '-', out: '-', json: true }, four), /--json prints to stdout, where --out - writes the scores/);
    await assert.rejects(stream(detDir, { data: '-', out: '-' }, 'a,b,c,d,e\n'), /<stdin>: holds no samples/);
  });

  it('the CLI in a pipeline: CSV on stdin, scores on stdout, the summary on stderr; errors end in one line with exit code 1', async () => {
    const run = (args: string[], input: string) => new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', tsx, main, 'detect', detDir, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
      child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out, err }));
      child.stdin.end(input);
    });
    const expected = await det.score({ x: data.x, shape: [N, D] });
    const ok = await run(['--data', '-', '--out', '-', '--label-column', 'kind'], data.csv);
    assert.equal(ok.code, 0, ok.err);
    const rows = parseCsvOut(ok.out);
    assert.deepEqual(rows.map((r) => Number(r[1])), Array.from(expected));
    assert.match(ok.err, /combined scores of 2,600 rows \(stdin/);
    const bad = await run(['--data', '-', '--out', '-'], 'f1,f2,f3,f4,f5\n1,2,3,4,5\n1,2,x,4,5\n');
    assert.equal(bad.code, 1);
    assert.equal(bad.err, 'aekit: <stdin>: line 3, field "f3": non-numeric value "x"\n');
    assert.equal(existsSync(join(dir, '-')), false);
  });
});
