// Reads the event files back without the writer's code (tb-reader.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { crc32c, maskedCrc32c } from '../../src/viz/crc32c.js';
import { Trainer } from '../../src/train/trainer.js';
import { TensorBoardWriter } from '../../src/viz/tensorboard.js';
import { TinyAutoencoder, curveData } from '../train/tiny-model.js';
import { crcBitwise, decode, doubles, masked, one, readEvents, text } from './tb-reader.js';

test('CRC-32C matches known test vectors and a bit-at-a-time implementation', () => {
  const ascii = new TextEncoder().encode('123456789');
  assert.equal(crc32c(ascii), 0xe3069283);
  assert.equal(crcBitwise(ascii), 0xe3069283);
  // RFC 3720 (iSCSI), appendix B.4.
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  const random = Uint8Array.from({ length: 1000 }, (_, i) => (i * 2654435761) >>> 24);
  assert.equal(crc32c(random), crcBitwise(random));
  assert.equal(maskedCrc32c(random), masked(random));
});

test('event file: file_version first, then scalars, images and histograms that read back', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-tb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let clock = 1_700_000_000_123;
  const tb = TensorBoardWriter.open(join(dir, 'tb'), { hostname: 'test/host', now: () => clock });
  assert.match(tb.file, /events\.out\.tfevents\.1700000000\.test_host$/);
  tb.addScalar('loss/train', 0.25, 1);
  clock += 1500;
  tb.addScalars({ 'loss/train': 0.125, 'loss/validation': 0.5 }, 2);
  tb.addScalar('loss/train', NaN, 3);
  const png = new PNG({ width: 3, height: 2 });
  png.data.fill(255);
  png.data[0] = 7;
  const pngBytes = PNG.sync.write(png);
  tb.addImage('reconstructions', pngBytes, 2);
  const weights = Float32Array.from([0, 0.5, 1, 1, 2, NaN, 4]);
  tb.addHistogram('weights/dense', weights, 2, { bins: 4 });
  tb.addHistogram('constant', [3, 3, 3], 5);
  tb.addHistogram('empty', [NaN], 6);
  tb.addScalar('big step', 1, 2 ** 40);
  tb.close();
  tb.close();
  assert.throws(() => tb.addScalar('late', 1, 9), /closed/);

  assert.deepEqual(readdirSync(join(dir, 'tb')), [tb.file.split('/').at(-1)]);
  const events = readEvents(tb.file);
  assert.equal(events[0]!.fileVersion, 'brain.Event:2');
  assert.equal(events[0]!.values.length, 0);
  assert.equal(events.length, 8, 'file_version + 3 scalar events + image + 2 histograms + big step (nothing for an all-NaN histogram)');

  const [, s1, s2, s3, img, h1, h2, big] = events;
  assert.equal(s1!.step, 1);
  assert.equal(s1!.wallTime, 1_700_000_000.123);
  assert.equal(text(one(s1!.values[0]!, 1)), 'loss/train');
  assert.equal(one(s1!.values[0]!, 2)!.f32, 0.25);
  assert.equal(s2!.wallTime, 1_700_000_001.623);
  assert.deepEqual(
    s2!.values.map((v) => [text(one(v, 1)), one(v, 2)!.f32]),
    [['loss/train', 0.125], ['loss/validation', 0.5]],
  );
  assert.ok(Number.isNaN(one(s3!.values[0]!, 2)!.f32));

  assert.equal(img!.step, 2);
  assert.equal(text(one(img!.values[0]!, 1)), 'reconstructions');
  const image = decode(one(img!.values[0]!, 4)!.bytes!);
  assert.equal(one(image, 1)!.int, 2n, 'height');
  assert.equal(one(image, 2)!.int, 3n, 'width');
  assert.equal(one(image, 3)!.int, 4n, 'colorspace RGBA');
  const back = PNG.sync.read(Buffer.from(one(image, 4)!.bytes!));
  assert.equal(back.width, 3);
  assert.equal(back.data[0], 7);

  const histo = decode(one(h1!.values[0]!, 5)!.bytes!);
  assert.equal(text(one(h1!.values[0]!, 1)), 'weights/dense');
  assert.equal(one(histo, 1)!.f64, 0, 'min');
  assert.equal(one(histo, 2)!.f64, 4, 'max');
  assert.equal(one(histo, 3)!.f64, 6, 'num (NaN left out)');
  assert.equal(one(histo, 4)!.f64, 8.5, 'sum');
  assert.equal(one(histo, 5)!.f64, 0.25 + 1 + 1 + 4 + 16, 'sum of squares');
  assert.deepEqual(doubles(one(histo, 6)), [1, 2, 3, 4], 'bucket right edges');
  assert.deepEqual(doubles(one(histo, 7)), [2, 2, 1, 1], 'bucket counts');
  const constant = decode(one(h2!.values[0]!, 5)!.bytes!);
  assert.deepEqual(doubles(one(constant, 6)), [3]);
  assert.deepEqual(doubles(one(constant, 7)), [3]);
  assert.equal(big!.step, 2 ** 40);
});

test('two writers in the same second get two files; bad input names the call and the tag', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-tb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const now = () => 1_700_000_000_000;
  const a = TensorBoardWriter.open(dir, { hostname: 'h', now });
  const b = TensorBoardWriter.open(dir, { hostname: 'h', now });
  assert.notEqual(a.file, b.file);
  assert.match(b.file, /events\.out\.tfevents\.1700000000\.h\.\d+\.1$/);
  a.addScalar('x', 1, 0);
  b.addScalar('x', 2, 0);
  a.close();
  b.close();
  assert.equal(one(readEvents(a.file)[1]!.values[0]!, 2)!.f32, 1);
  assert.equal(one(readEvents(b.file)[1]!.values[0]!, 2)!.f32, 2);

  const w = TensorBoardWriter.open(dir, { hostname: 'h', now });
  t.after(() => w.close());
  assert.throws(() => w.addScalar('', 1, 0), /addScalar: tag must be a non-empty string/);
  assert.throws(() => w.addScalar('loss', 1, 1.5), /addScalar 'loss': step must be an integer, got 1.5/);
  assert.throws(() => w.addScalar('loss', '1' as unknown as number, 1), /addScalar 'loss': value must be a number/);
  assert.throws(() => w.addImage('img', new Uint8Array([1, 2, 3]), 1), /addImage 'img': expected the bytes of a PNG file/);
  assert.throws(() => w.addHistogram('h', [1], 1, { bins: 0 }), /addHistogram 'h': bins must be an integer/);
  assert.throws(() => TensorBoardWriter.open(''), /logdir must be a non-empty path/);
  const blocker = join(dir, 'file');
  writeFileSync(blocker, '');
  assert.throws(() => TensorBoardWriter.open(join(blocker, 'tb')), /TensorBoardWriter.open: cannot create the log directory .*file\/tb/);
});

test('addScalarSeries: one point per step of a fit, however throttled its progress events and however many steps per call', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-tb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tb = TensorBoardWriter.open(dir, { hostname: 'h' });
  const trainer = Trainer.create(new TinyAutoencoder(), { seed: 3, stepsPerExecution: 'auto' });
  let events = 0;
  const r = await trainer.fit(curveData(960), {
    epochs: 2, batchSize: 8,
    onProgress: (e) => {
      if (e.type !== 'batch') return;
      events++;
      tb.addScalarSeries('batch/loss', e.losses, e.step);
    },
  });
  tb.close();
  const points = readEvents(tb.file).filter((e) => e.values.some((v) => text(one(v, 1)) === 'batch/loss'));
  assert.equal(r.steps, 240);
  assert.deepEqual(points.map((p) => p.step), Array.from({ length: 240 }, (_, i) => i + 1), `${events} progress events`);
  assert.ok(points.every((p) => Number.isFinite(one(p.values[0]!, 2)!.f32)));
  assert.throws(() => tb.addScalarSeries('x', [1], 2), /closed/);
});
