/**
 * The byte-level reading of plain JSON rows (rowsFromJsonBytes) gives what
 * JSON.parse and rowsFromJson give, to the bit, for numbers written every
 * way JSON allows; anything it does not read returns undefined (the server
 * then parses the body and explains the refusal).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RowSpec, rowsFromJson, rowsFromJsonBytes } from '../../src/serve/bodies.js';

const spec = (width: number): RowSpec => ({ width, sampleShape: [width] });
const bytes = (text: string) => Buffer.from(text, 'utf8');

function viaJsonParse(text: string, s: RowSpec) {
  return rowsFromJson(JSON.parse(text), s);
}

test('plain rows read from bytes equal JSON.parse and rowsFromJson to the bit', () => {
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const write = (v: number, form: number): string => {
    switch (form) {
      case 0: return String(v);
      case 1: return v.toFixed(Math.floor(next() * 8));
      case 2: return v.toExponential(Math.floor(next() * 10));
      case 3: return v.toExponential(5).replace('e', 'E').replace('+', '');
      case 4: return String(Math.round(v * 1000));
      default: return v.toPrecision(17);
    }
  };
  let read = 0;
  for (let trial = 0; trial < 200; trial++) {
    const width = 1 + Math.floor(next() * 12);
    const n = 1 + Math.floor(next() * 5);
    const rows = Array.from({ length: n }, () => Array.from({ length: width }, () => {
      const scale = 10 ** Math.floor(next() * 12 - 6);
      const digits = 10 ** Math.floor(next() * 9);
      const v = (Math.round((next() - 0.5) * digits) / digits) * scale;
      return write(next() < 0.05 ? -0 : v, next() < 0.02 ? 5 : Math.floor(next() * 5));
    }));
    const space = [' ', '', '\n', '\t', ' \r\n '][trial % 5]!;
    const join = (xs: string[]) => xs.join(`,${space}`);
    const single = trial % 7 === 0;
    const text = single
      ? `{${space}"row"${space}:${space}[${space}${join(rows[0]!)}${space}]${space}}`
      : `${space}{"rows":${space}[${join(rows.map((r) => `[${join(r)}]`))}]}${space}`;
    const s = spec(width);
    const fast = rowsFromJsonBytes(bytes(text), s);
    const slow = viaJsonParse(text, s);
    // Forms the fast reading leaves to JSON.parse (17 significant digits, large exponents) may return undefined.
    if (!fast) continue;
    read++;
    assert.equal(fast.n, slow.n, text);
    assert.equal(fast.single, slow.single, text);
    assert.deepEqual(new Uint32Array(fast.x.buffer, fast.x.byteOffset, fast.x.length), new Uint32Array(slow.x.buffer, slow.x.byteOffset, slow.x.length), text);
  }
  // Bodies with a 17-digit form somewhere (the products of the scale often need one) go to JSON.parse.
  assert.ok(read >= 50, `only ${read} of 200 bodies read from bytes`);
});

test('the fast reading takes the common forms: decimals, integers, exponents, -0', () => {
  const r = rowsFromJsonBytes(bytes('{"rows": [[0.25, -3, 1e-3, 2.5E+2, -0], [0, 12345.678, 0.1, -0.0001, 7e22]]}'), spec(5));
  assert.ok(r);
  assert.deepEqual(Array.from(r.x), [0.25, -3, Math.fround(1e-3), 250, -0, 0, Math.fround(12345.678), Math.fround(0.1), Math.fround(-0.0001), Math.fround(7e22)]);
  assert.ok(Object.is(r.x[4], -0));
  assert.deepEqual(rowsFromJsonBytes(bytes('{"row":[1,2]}'), spec(2)), { x: Float32Array.from([1, 2]), n: 1, single: true });
});

test('what the fast reading leaves to JSON.parse and rowsFromJson', () => {
  const s = spec(2);
  for (const text of [
    '', '   ', '[[1, 2]]', '{"rows": [[1, 2]], "rows": [[3, 4]]}', '{"rows": [[1, 2]], "extra": 1}', '{"rows": [[1, 2, 3]]}',
    '{"rows": [[1]]}', '{"rows": []}', '{"rows": [[1, "2"]]}', '{"rows": [[1, null]]}', '{"rows": [[01, 2]]}', '{"rows": [[.5, 2]]}',
    '{"rows": [[1., 2]]}', '{"rows": [[1e, 2]]}', '{"rows": [[-, 2]]}', '{"rows": [[1, 2]]} x', '{"rows": [[1, 2],]}',
    '{"rows": [[1e400, 2]]}', '{"rows": [[1e39, 2]]}', '{"rows": [[12345678901234567890, 2]]}', '{"rows": [[1e-30, 2]]}',
    '{"\\u0072ows": [[1, 2]]}', '{"row": [[1, 2]]}', '{"rows": [1, 2]}', '\ufeff{"rows": [[1, 2]]}', '{"rows": [[NaN, 2]]}',
  ]) {
    assert.equal(rowsFromJsonBytes(bytes(text), s), undefined, text);
  }
});
