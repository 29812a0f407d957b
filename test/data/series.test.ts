import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseSeriesCsv, parseTimestamp, readSeriesCsv } from '../../src/data/series.js';
import { tempDir } from './helpers.js';

test('timestamps: dates, times, fractions and zones; UTC without a zone; NaN for anything else', () => {
  assert.equal(parseTimestamp('2014-04-01 00:05:00'), Date.UTC(2014, 3, 1, 0, 5));
  assert.equal(parseTimestamp('2014-04-01T00:05'), Date.UTC(2014, 3, 1, 0, 5));
  assert.equal(parseTimestamp('2014-04-10 07:15:00.000000'), Date.UTC(2014, 3, 10, 7, 15));
  assert.equal(parseTimestamp('2014-04-10 07:15:00.25Z'), Date.UTC(2014, 3, 10, 7, 15, 0, 250));
  assert.equal(parseTimestamp('2014-04-10 07:15:00+02:00'), Date.UTC(2014, 3, 10, 5, 15));
  assert.equal(parseTimestamp('2014-04-10'), Date.UTC(2014, 3, 10));
  for (const bad of ['2014-02-30', '2014-13-01', '12:00', '1.5', 'soon', '2014-04-10 25:00']) assert.ok(Number.isNaN(parseTimestamp(bad)), bad);
});

test('a series CSV: a timestamp column and numeric channels, steps in file order', () => {
  const s = parseSeriesCsv('timestamp,cpu,mem\n2014-04-01 00:00:00,1,10\n2014-04-01 00:05:00,2,20\n2014-04-01 00:05:00,3,30\n2014-04-01 00:01:00,4,40\n', 's.csv');
  assert.deepEqual(s.shape, [4, 2]);
  assert.deepEqual(s.columns, ['cpu', 'mem']);
  assert.deepEqual(Array.from(s.x), [1, 10, 2, 20, 3, 30, 4, 40]);
  assert.equal(s.timestampColumn, 'timestamp');
  assert.equal(s.timestamps![1], Date.UTC(2014, 3, 1, 0, 5));
  assert.deepEqual(s.timestampText, ['2014-04-01 00:00:00', '2014-04-01 00:05:00', '2014-04-01 00:05:00', '2014-04-01 00:01:00']);
  assert.equal(s.backwards, 1, 'a repeated timestamp is kept as it is; one going back is counted');
  const plain = parseSeriesCsv('value\n1\n2\n3\n');
  assert.equal(plain.timestamps, null);
  assert.deepEqual(plain.shape, [3, 1]);
  assert.deepEqual(parseSeriesCsv('1,2\n3,4\n').shape, [2, 2]);
});

test('bad series name the file, line and field', async () => {
  assert.throws(() => parseSeriesCsv('timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,x\n', 's.csv'), /s\.csv: line 3, field "value": non-numeric value "x"/);
  assert.throws(() => parseSeriesCsv('timestamp,value\n2014-04-01 00:00:00,1\nyesterday,2\n', 's.csv'), /s\.csv: line 3, field "timestamp": "yesterday" is not a timestamp/);
  assert.throws(() => parseSeriesCsv('timestamp,host,value\n2014-04-01 00:00:00,a,1\n', 's.csv'), /field "host": column "host" is neither numeric nor a timestamp/);
  assert.throws(() => parseSeriesCsv('timestamp\n2014-04-01 00:00:00\n', 's.csv'), /s\.csv: no numeric column/);
  assert.throws(() => parseSeriesCsv('timestamp,value\n2014-04-01 00:00:00,\n', 's.csv'), /line 2, field "value": missing value/);
  const file = join(tempDir(), 'series.csv');
  writeFileSync(file, 'timestamp,value\n2014-04-01 00:00:00,1.5\n');
  assert.deepEqual(Array.from((await readSeriesCsv(file)).x), [1.5]);
  await assert.rejects(readSeriesCsv(join(tempDir(), 'missing.csv')), /missing\.csv/);
});
