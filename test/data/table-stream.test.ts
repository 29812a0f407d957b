import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { DataFormatError, parseCsv, readTableRows, type TableBatch, type TableRowsOptions } from '../../src/data/index.js';
import { collect, rejectsData } from './helpers.js';

/** Text cut into pieces of `size` characters: lines split anywhere, as a pipe delivers them. */
function pieces(text: string, size: number): AsyncIterable<string> {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return Readable.from(out, { objectMode: true });
}

async function rows(text: string, options: Partial<TableRowsOptions> = {}, size = 7): Promise<TableBatch[]> {
  return collect(readTableRows(pieces(text, size), 't', { batchSize: 4, ...options }));
}

const flat = (bs: TableBatch[], key: 'x' | 'index' | 'lines') => bs.flatMap((b) => [...b[key]]);

test('CSV rows in batches equal parseCsv of the whole text; text columns dropped, id and label passed through', async () => {
  const lines = ['id,a,b,kind'];
  for (let i = 0; i < 11; i++) lines.push(`r${i},${i * 0.25},${-i}e-1,${i % 3 === 0 ? 'bad' : 'ok'}`);
  const text = `\ufeff${lines.join('\r\n')}\r\n\r\n`;
  const seen: string[][] = [];
  const bs = await rows(text, { passColumns: ['id', 'kind'], onColumns: (c, f) => seen.push([...c, f]) });
  assert.deepEqual(seen, [['a', 'b', 'csv']]);
  assert.deepEqual(bs.map((b) => b.shape), [[4, 2], [4, 2], [3, 2]]);
  const whole = parseCsv(lines.join('\n'), { columns: ['a', 'b'] });
  assert.deepEqual(Float32Array.from(flat(bs, 'x')), whole.x);
  assert.deepEqual(flat(bs, 'index'), [...Array(11).keys()]);
  assert.deepEqual(flat(bs, 'lines'), [...Array(11).keys()].map((i) => i + 2));
  assert.deepEqual(bs.flatMap((b) => b.passed[0]!), [...Array(11).keys()].map((i) => `r${i}`));
  assert.equal(bs[0]!.passed[1]![0], 'bad');
  // Without a header (found by the same rule as parseCsv), columns are col1, col2...; a numeric id passed by index is no feature.
  const bare = await rows('7,1,2\n8,3,4\n', { passColumns: [0] });
  assert.deepEqual([...bare[0]!.x], [1, 2, 3, 4]);
  assert.deepEqual(bare[0]!.passed, [['7', '8']]);
});

test('NDJSON: objects (numeric keys are features, strings dropped) and arrays; format found from the first line', async () => {
  const obj = '{"id":"a","x":1.5,"y":-2}\n\n{"id":"b","x":3,"y":4e2,"extra":true}\n';
  let format = '';
  const bs = await rows(obj, { passColumns: ['id'], onColumns: (_, f) => { format = f; } }, 5);
  assert.equal(format, 'ndjson');
  assert.deepEqual([...bs[0]!.x], [1.5, -2, 3, 400]);
  assert.deepEqual([...bs[0]!.lines], [1, 3]);
  assert.deepEqual(bs[0]!.passed, [['a', 'b']]);
  const arr = await rows('[1,2,3]\n[4,5,6]\n', { passColumns: [2] });
  assert.deepEqual([...arr[0]!.x], [1, 2, 4, 5]);
  assert.deepEqual(arr[0]!.passed, [['3', '6']]);
  // A forced format: these lines are CSV cells, not JSON (and not numbers).
  await rejectsData(rows('[1,2]\n[3,4]\n', { format: 'csv' }), { line: 1, message: /no numeric feature columns/ });
});

test('errors name the line and the column; a bad row stops the read unless onBadRow takes it', async () => {
  const csv = 'a,b\n1,2\n3,4\n5,x\n7,8\n9\n';
  await rejectsData(rows(csv), { file: 't', line: 4, field: 'b', message: /^t: line 4, field "b": non-numeric value "x"/ });
  await rejectsData(rows('a,b\n1,2\n,3\n'), { line: 3, field: 'a', message: /missing value/ });
  await rejectsData(rows('{"a":1,"b":2}\n{"a":1,"b":"2"}\n'), { line: 2, field: 'b', message: /non-numeric value "2"$/ });
  await rejectsData(rows('{"a":1,"b":2}\n{"a":1}\n'), { line: 2, field: 'b', message: /missing: the first line has this key/ });
  await rejectsData(rows('{"a":1,"b":2}\n{"a":1,"b":null}\n'), { line: 2, field: 'b', message: /missing value \(null\)/ });
  await rejectsData(rows('[1,2]\n[1,"z"]\n'), { line: 2, field: 2, message: /non-numeric value/ });
  await rejectsData(rows('[1,2]\n[1,2,3]\n'), { line: 2, message: /ragged row: expected 2 values .* found 3/ });
  await rejectsData(rows('{"a":1}\n{"a":1e39}\n'), { line: 2, field: 'a', message: /outside the float32 range/ });
  await rejectsData(rows('{"a":1}\n{"a": 1,, }\n'), { line: 2, message: /invalid JSON at column 9: unexpected ","/ });
  await rejectsData(rows(''), { message: /no data: the input is empty/ });
  await rejectsData(rows('id\nx\n'), { message: /no numeric feature columns/ });
  await rejectsData(rows('a,b\n1,2\n', { passColumns: ['c'] }), { line: 1, field: 'c', message: /no column named "c"/ });
  const bad: DataFormatError[] = [];
  const bs = await rows(csv, { onBadRow: (e) => bad.push(e) });
  assert.deepEqual(bad.map((e) => [e.line, e.field]), [[4, 'b'], [6, undefined]]);
  assert.deepEqual(flat(bs, 'x'), [1, 2, 3, 4, 7, 8]);
  assert.deepEqual(flat(bs, 'index'), [0, 1, 3], 'a skipped row keeps its index: the rows after it keep theirs');
  // A refused layout ends the read before any row.
  await assert.rejects(rows(csv, { onColumns: () => { throw new RangeError('not mine'); } }), /not mine/);
});

test('limit stops early; the source is read only as fast as batches are taken (backpressure)', async () => {
  const limited = await rows('a\n1\n2\n3\n4\n5\n6\n', { limit: 5 });
  assert.deepEqual(flat(limited, 'x'), [1, 2, 3, 4, 5]);
  let pulled = 0;
  const source = Readable.from((function* () {
    yield 'a,b\n';
    for (let i = 0; i < 100_000; i++) { pulled++; yield `${i},${i}\n`; }
  })(), { objectMode: true, highWaterMark: 16 });
  const it = readTableRows(source, 'gen', { batchSize: 10 });
  const first = await it.next();
  assert.equal((first.value as TableBatch).shape[0], 10);
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(pulled < 200, `one batch taken, ${pulled} lines pulled from the source`);
  await it.return(undefined);
  assert.ok(source.destroyed, 'stopping early releases the source');
});
