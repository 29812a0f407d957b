import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCsv, readCsv, splitCsvLine } from '../../src/data/index.js';
import { rejectsData, tempDir, throwsData } from './helpers.js';

test('detects a header, keeps numeric columns, takes labels from a named column', () => {
  const ds = parseCsv('a,b,label\n1,2,0\n3.5,-4e-1,1\n\n', { labelColumn: 'label' }, 'd.csv');
  assert.equal(ds.header, true);
  assert.deepEqual(ds.columns, ['a', 'b']);
  assert.deepEqual(ds.shape, [2, 2]);
  assert.deepEqual([...ds.x], [1, 2, 3.5, Math.fround(-0.4)]);
  assert.deepEqual([...ds.labels!], [0, 1]);
  assert.equal(ds.labelNames, undefined);
  assert.equal(ds.missing.count, 0);
});

test('no header when the first row is numeric; semicolon and tab delimiters are guessed', () => {
  const a = parseCsv('1;2;3\r\n4;5;6\r\n');
  assert.equal(a.header, false);
  assert.equal(a.delimiter, ';');
  assert.deepEqual(a.columns, ['col1', 'col2', 'col3']);
  assert.deepEqual([...a.x], [1, 2, 3, 4, 5, 6]);
  const b = parseCsv('x\ty\n1\t2\n');
  assert.equal(b.delimiter, '\t');
  assert.equal(b.header, true);
  assert.deepEqual(parseCsv('1,2\n', { header: true }).shape, [0, 2]);
});

test('text labels become sorted class names; quoted fields work', () => {
  const ds = parseCsv('"f,1",f2,kind\n1,2,"dog"\n3,4,cat\n5,6,dog\n', { labelColumn: 2 });
  assert.deepEqual(ds.columns, ['f,1', 'f2']);
  assert.deepEqual(ds.labelNames, ['cat', 'dog']);
  assert.deepEqual([...ds.labels!], [1, 0, 1]);
  assert.deepEqual(splitCsvLine('"a ""q""",b', ',', 'f', 1), ['a "q"', 'b']);
  const fixed = parseCsv('a,k\n1,dog\n2,cat\n', { labelColumn: 'k', labelNames: ['dog', 'cat'] });
  assert.deepEqual([...fixed.labels!], [0, 1]);
});

test('a chosen subset of columns, by name and index', () => {
  const ds = parseCsv('a,b,c\n1,2,3\n4,5,6\n', { columns: ['c', 0] });
  assert.deepEqual(ds.columns, ['c', 'a']);
  assert.deepEqual([...ds.x], [3, 1, 6, 4]);
});

test('ragged rows: line and counts in the message', () => {
  throwsData(() => parseCsv('a,b\n1,2\n3\n', {}, 'r.csv'), { file: 'r.csv', line: 3, message: /^r\.csv: line 3: ragged row: expected 2 fields .* found 1/ });
  throwsData(() => parseCsv('1,2\n3,4,5\n', {}, 'r.csv'), { line: 2, message: /found 3/ });
});

test('non-numeric cells name the line and field', () => {
  throwsData(() => parseCsv('a,b\n1,2\n3,x7\n', {}, 'n.csv'), { line: 3, field: 'b', message: /field "b": non-numeric value "x7"/ });
  throwsData(() => parseCsv('1,2\n0x10,2\n', {}, 'n.csv'), { line: 2, field: 'col1' });
  throwsData(() => parseCsv('a,b\n1,"2\n', {}, 'q.csv'), { line: 2, message: /unterminated quoted field/ });
});

test('missing values are rejected by default and reported when imputed', () => {
  throwsData(() => parseCsv('a,b\n1,\n3,4\n', {}, 'm.csv'), { line: 2, field: 'b', message: /missing value/ });
  const ds = parseCsv('a,b\n1,NA\n3,4\n5,?\n', { impute: 'mean' }, 'm.csv');
  assert.deepEqual([...ds.x], [1, 4, 3, 4, 5, 4]);
  assert.equal(ds.missing.count, 2);
  assert.deepEqual(ds.missing.perColumn, [0, 2]);
  assert.deepEqual(ds.missing.first, [{ line: 2, field: 'b' }, { line: 4, field: 'b' }]);
  assert.match(ds.description, /2 missing\/non-finite cells imputed \(mean\)/);
  assert.deepEqual([...parseCsv('1,\n2,3\n', { impute: 'zero' }).x], [1, 0, 2, 3]);
  assert.deepEqual([...parseCsv('1,\n2,3\n', { impute: [9, 8] }).x], [1, 8, 2, 3]);
  throwsData(() => parseCsv('1,\n', { impute: [1] }, 'm.csv'), { message: /impute has 1 values but there are 2/ });
});

test('NaN and Inf are rejected, or imputed when asked', () => {
  for (const cell of ['NaN', 'nan', 'inf', '-Infinity', '1e999', '1e39']) {
    throwsData(() => parseCsv(`a,b\n1,2\n3,${cell}\n`, {}, 'f.csv'), { line: 3, field: 'b', message: /non-finite value/ });
  }
  const ds = parseCsv('a\n1\nNaN\n3\n', { impute: 'mean' });
  assert.deepEqual([...ds.x], [1, 2, 3]);
  assert.equal(ds.missing.count, 1);
});

test('bad label values and unknown columns', () => {
  throwsData(() => parseCsv('a,y\n1,0\n2,1.5\n', { labelColumn: 'y' }, 'l.csv'), { line: 3, field: 'y', message: /not an integer class index/ });
  throwsData(() => parseCsv('a,y\n1,0\n2,\n', { labelColumn: 'y' }, 'l.csv'), { line: 3, field: 'y', message: /missing label/ });
  throwsData(() => parseCsv('a,y\n1,0\n', { labelColumn: 'z' }, 'l.csv'), { field: 'z', message: /no column named "z"/ });
  throwsData(() => parseCsv('1,0\n', { labelColumn: 5 }, 'l.csv'), { field: 6, message: /out of range/ });
  throwsData(() => parseCsv('a,a\n1,2\n', {}, 'l.csv'), { line: 1, message: /duplicate column/ });
  throwsData(() => parseCsv('a,k\n1,cow\n', { labelColumn: 'k', labelNames: ['dog'] }, 'l.csv'), { line: 2, message: /not one of labelNames/ });
});

test('empty file; reading from disk names the file', async () => {
  throwsData(() => parseCsv('\n \n', {}, 'e.csv'), { file: 'e.csv', message: /empty/ });
  const dir = tempDir();
  writeFileSync(join(dir, 'ok.csv'), '\uFEFFa,b\n1,2\n');
  const ds = await readCsv(join(dir, 'ok.csv'));
  assert.deepEqual(ds.columns, ['a', 'b']);
  await rejectsData(readCsv(join(dir, 'missing.csv')), { file: 'missing.csv', message: /file not found/ });
});

test("columns: 'numeric' drops text columns such as ids", () => {
  const ds = parseCsv('id,date,a,b,label\nx1,2024-01-01,1,,cat\nx2,2024-01-02,3,4,dog\n', { columns: 'numeric', labelColumn: 'label', impute: 'zero' }, 'n.csv');
  assert.deepEqual(ds.columns, ['a', 'b']);
  assert.deepEqual([...ds.x], [1, 0, 3, 4]);
  assert.deepEqual(ds.labelNames, ['cat', 'dog']);
  // A later text cell in a numeric column is still an error.
  throwsData(() => parseCsv('id,a\nx,1\ny,z\n', { columns: 'numeric' }, 'n.csv'), { line: 3, field: 'a' });
});
