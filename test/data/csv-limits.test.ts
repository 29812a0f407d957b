import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_MAX_LINE_LENGTH, encodeNpy, noSamplesError, openCsvStream, parseCsv, readCsv, streamBatches, streamSource } from '../../src/data/index.js';
import { Trainer } from '../../src/train/trainer.js';
import { TinyAutoencoder } from '../train/tiny-model.js';
import { collect, rejectsData, tempDir, throwsData } from './helpers.js';

test('readCsv bounds the line length like the streams, naming the file and line', async () => {
  const dir = tempDir();
  // 20 MB of "1," without a line break: readCsv used to split it into 10 M strings (1.4 GB).
  const path = join(dir, 'one-line.csv');
  writeFileSync(path, '1,'.repeat(10_000_000));
  const before = process.memoryUsage().rss;
  await rejectsData(readCsv(path), { file: 'one-line.csv', line: 1, message: new RegExp(`line longer than ${DEFAULT_MAX_LINE_LENGTH} characters`) });
  assert.ok(process.memoryUsage().rss - before < 400e6, 'rejected before splitting the line');
  await rejectsData(async () => collect(await openCsvStream(path, { batchSize: 4 })), { file: 'one-line.csv', line: 1, message: new RegExp(`line longer than ${DEFAULT_MAX_LINE_LENGTH}`) });
  // The same option and the same message in both readers; the line is counted as the file is.
  const text = 'a,b\n1,2\n\n' + '3,'.repeat(30) + '4\n5,6\n';
  throwsData(() => parseCsv(text, { maxLineLength: 40 }, 't.csv'), { file: 't.csv', line: 4, message: /line longer than 40 characters.*raise maxLineLength/ });
  writeFileSync(join(dir, 't.csv'), text);
  await rejectsData(async () => collect(await openCsvStream(join(dir, 't.csv'), { batchSize: 4, maxLineLength: 40 })), { file: 't.csv', line: 4, message: /line longer than 40 characters/ });
  // A line of exactly the limit passes, with or without a CRLF ending.
  assert.equal(parseCsv('1,2,3\r\n4,5,6\r\n', { maxLineLength: 5 }).shape[0], 2);
  writeFileSync(join(dir, 'crlf.csv'), '1,2,3\r\n4,5,6\r\n');
  assert.equal((await collect(await openCsvStream(join(dir, 'crlf.csv'), { batchSize: 4, maxLineLength: 5, chunkBytes: 1024 })))[0]!.shape[0], 2);
  assert.throws(() => parseCsv('1\n', { maxLineLength: 0 }), /maxLineLength must be a positive integer, got 0/);
  await assert.rejects(openCsvStream(join(dir, 't.csv'), { batchSize: 1, maxLineLength: 1.5 }), /maxLineLength must be a positive integer, got 1.5/);
});

test('a file without samples: readCsv returns it, training and evaluation paths all say "holds no samples"', async () => {
  const dir = tempDir();
  const path = join(dir, 'header-only.csv');
  writeFileSync(path, 'a,b,c,d,e,f,g,h\n');
  const ds = await readCsv(path);
  assert.deepEqual(ds.shape, [0, 8]);
  assert.equal(ds.columns.length, 8);
  // The raw stream just ends; the batches that fit and evaluate read reject the file.
  assert.equal((await collect(await openCsvStream(path, { batchSize: 2 }))).length, 0);
  const message = noSamplesError('header-only.csv').message;
  assert.equal(message, 'header-only.csv: holds no samples');
  for (const shuffle of [undefined, 3]) {
    await rejectsData(collect(streamBatches(streamSource(path), { batchSize: 2, ...(shuffle === undefined ? {} : { shuffle }) })), { file: 'header-only.csv', message: /^header-only\.csv: holds no samples$/ });
  }
  // Evaluating on it, or validating with it, returned NaN metrics before.
  const trainer = Trainer.create(new TinyAutoencoder(), { seed: 2 });
  await rejectsData(trainer.evaluate(streamSource(path)), { message: /^header-only\.csv: holds no samples$/ });
  await rejectsData(trainer.fit({ x: new Float32Array(16), shape: [2, 8] }, { worker: false, validationData: streamSource(path) }), { message: /^header-only\.csv: holds no samples$/ });
  await rejectsData(trainer.fit(streamSource(path), { worker: false }), { message: /^header-only\.csv: holds no samples$/ });
  const npy = join(dir, 'none.npy');
  writeFileSync(npy, encodeNpy({ shape: [0, 3], data: new Float32Array(0) }));
  await rejectsData(collect(streamBatches(streamSource(npy), { batchSize: 2 })), { message: /^none\.npy: holds no samples$/ });
});
