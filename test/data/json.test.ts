import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseJsonData, readJsonData } from '../../src/data/index.js';
import { tempDir, throwsData } from './helpers.js';

test('nested arrays of any rank', () => {
  const a = parseJsonData('[[1,2,3],[4,5,6]]');
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual([...a.x], [1, 2, 3, 4, 5, 6]);
  const b = parseJsonData('[[[1],[2]],[[3],[4]]]');
  assert.deepEqual(b.shape, [2, 2, 1]);
  assert.deepEqual(parseJsonData('[]').shape, [0]);
  assert.deepEqual(parseJsonData('[0.5, -1]').shape, [2]);
});

test('object form with labels and names', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'd.json'), JSON.stringify({ x: [[0, 1], [1, 0]], labels: [1, 0], labelNames: ['a', 'b'] }));
  const ds = await readJsonData(join(dir, 'd.json'));
  assert.deepEqual(ds.shape, [2, 2]);
  assert.deepEqual([...ds.labels!], [1, 0]);
  assert.deepEqual(ds.labelNames, ['a', 'b']);
  assert.deepEqual(parseJsonData('{"data":[[1]]}').shape, [1, 1]);
});

test('syntax errors carry the byte offset', () => {
  throwsData(() => parseJsonData('[[1,2],[3,]]', 'j.json'), { file: 'j.json', offset: 10, message: /invalid JSON/ });
});

test('ragged arrays, non-numbers, out-of-range values name the path', () => {
  throwsData(() => parseJsonData('[[1,2],[3]]', 'j.json'), { field: '[1]', message: /ragged array: length 1, expected 2/ });
  throwsData(() => parseJsonData('[[1,2],3]', 'j.json'), { field: '[1]', message: /ragged/ });
  throwsData(() => parseJsonData('[[1,"2"]]', 'j.json'), { field: '[0][1]', message: /expected a number, got "2"/ });
  throwsData(() => parseJsonData('[[1,null]]', 'j.json'), { field: '[0][1]', message: /got null/ });
  throwsData(() => parseJsonData('[1e39]', 'j.json'), { field: '[0]', message: /outside the float32 range/ });
  throwsData(() => parseJsonData('{"x":[[1]],"labels":[1.5]}', 'j.json'), { field: 'labels[0]' });
  throwsData(() => parseJsonData('{"x":[[1]],"labels":[1,2]}', 'j.json'), { field: 'labels', message: /2 labels for 1 samples/ });
  throwsData(() => parseJsonData('{"y":1}', 'j.json'), { field: 'x' });
  throwsData(() => parseJsonData('5', 'j.json'), { field: '$', message: /expected an array/ });
});
