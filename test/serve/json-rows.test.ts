/**
 * The JSON row reader of `aekit serve` (src/serve/json-rows.ts) gives the
 * same float32 rows as JSON.parse and the general path, to the bit, for
 * every number JSON allows, and leaves every other body to the general path.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rowsFromJson } from '../../src/serve/bodies.js';
import { rowsFromJsonBytes } from '../../src/serve/json-rows.js';

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** Reads `text` both ways and checks every value's bits (−0 included). */
function same(text: string, width: number): void {
  const spec = { width, sampleShape: [width] };
  const fast = rowsFromJsonBytes(Buffer.from(text), spec);
  assert.ok(fast, `read: ${text.slice(0, 120)}`);
  const slow = rowsFromJson(JSON.parse(text), spec);
  assert.equal(fast.n, slow.n);
  assert.equal(fast.single, slow.single);
  assert.equal(fast.x.length, slow.x.length);
  for (let i = 0; i < slow.x.length; i++) assert.ok(Object.is(fast.x[i], slow.x[i]), `value ${i}: ${fast.x[i]} against ${slow.x[i]} in ${text.slice(0, 200)}`);
}

test('json rows: float32 values as JSON.stringify writes them, and short decimals', () => {
  const rand = lcg(1);
  const width = 64;
  for (let body = 0; body < 200; body++) {
    const row = Array.from({ length: width }, (_, j) => {
      const kind = j % 4;
      if (kind === 0) return 0;
      const f = Math.fround((rand() - 0.5) * 10 ** Math.floor(rand() * 74 - 37));
      if (kind === 1) return f; // up to 17 digits
      if (kind === 2) return Math.round(rand() * 1000) / 100; // 2 decimals
      return Math.fround(rand());
    });
    same(JSON.stringify({ row }), width);
  }
  // Extremes of float32: its largest, its smallest normal and subnormal, and values that round to them or to 0.
  same(JSON.stringify({ row: [3.4028234663852886e38, 1.1754943508222875e-38, 1.401298464324817e-45, 7e-46, 7.1e-46, -0, 0, -1e-50] }), 8);
});

test('json rows: decimals of many digits and exponents, and values on float32 rounding boundaries', () => {
  const rand = lcg(7);
  const numbers: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const digits = 1 + Math.floor(rand() * 26);
    let mantissa = String(1 + Math.floor(rand() * 9));
    for (let d = 1; d < digits; d++) mantissa += String(Math.floor(rand() * 10));
    const point = Math.floor(rand() * (digits + 1));
    const text = point === digits ? mantissa : `${mantissa.slice(0, point) || '0'}.${mantissa.slice(point)}`;
    const exponent = rand() < 0.5 ? '' : `${rand() < 0.5 ? 'e' : 'E'}${rand() < 0.5 ? '-' : rand() < 0.5 ? '+' : ''}${Math.floor(rand() * 50)}`;
    numbers.push(`${rand() < 0.3 ? '-' : ''}${text}${exponent}`);
  }
  // Halfway between neighbouring float32 values (exact in a double), and a double's step either side of it.
  for (let i = 0; i < 2000; i++) {
    const f = Math.fround((rand() + 0.01) * 10 ** Math.floor(rand() * 20 - 10));
    const up = new Float32Array([f]);
    new Uint32Array(up.buffer)[0]! += 1;
    const half = (f + up[0]!) / 2;
    const bits = new Float64Array([half]);
    const word = new BigInt64Array(bits.buffer);
    numbers.push(String(half));
    word[0]! += 1n;
    numbers.push(String(bits[0]));
    word[0]! -= 2n;
    numbers.push(String(bits[0]));
  }
  // Beyond float32's range the general path names the value: the reader leaves those to it.
  const inRange = numbers.filter((t) => Number.isFinite(Math.fround(Number(t))));
  assert.ok(inRange.length > 4000, `${inRange.length} numbers in range`);
  for (const t of numbers.filter((t) => !Number.isFinite(Math.fround(Number(t))))) {
    assert.equal(rowsFromJsonBytes(Buffer.from(`{"row":[${t}]}`), { width: 1, sampleShape: [1] }), undefined, t);
  }
  for (let at = 0; at + 100 <= inRange.length; at += 100) same(`{"row":[${inRange.slice(at, at + 100).join(',')}]}`, 100);
});

test('json rows: whitespace, several rows, and one row in "rows"', () => {
  same(' \n{ "rows" :\t[ [ 1 , 2.5 ,-3e2 ] ,\r\n[0,0.1,  7 ] ] }\n ', 3);
  same('{"rows":[[1,2,3]]}', 3);
  same('{"row":[1,2,3]}', 3);
  const rows = Array.from({ length: 50 }, (_, i) => [i, -i / 3, Math.fround(i / 7)]);
  same(JSON.stringify({ rows }), 3);
});

test('json rows: every other body is left to the general path', () => {
  const spec = { width: 3, sampleShape: [3] };
  for (const text of [
    '', '   ', '[1,2,3]', '{"row":[1,2]}', '{"row":[1,2,3,4]}', '{"row":[1,"2",3]}', '{"row":[1,null,3]}', '{"row":[1,[2],3]}',
    '{"row":[1,2,3],"x":1}', '{"row":[1,2,3]} x', '{"rows":[]}', '{"rows":[[1,2,3],]}', '{"rows":[[1,2,3]],"row":[1,2,3]}',
    '{"cols":[1,2,3]}', '{"r\\u006fw":[1,2,3]}', '{"row":[01,2,3]}', '{"row":[1.,2,3]}', '{"row":[.5,2,3]}', '{"row":[+1,2,3]}',
    '{"row":[1e,2,3]}', '{"row":[-,2,3]}', '{"row":[1,2,1e39]}', '{"row":[1,2,-4e38]}', '{"row":[1,2,1e999]}', '{"row":[NaN,2,3]}',
    '{"row":[1,2,3]', '{"row":[1,2,3', '{"row":[1,2,', '\ufeff{"row":[1,2,3]}', '{"row":[1,2,3]}}',
  ]) {
    assert.equal(rowsFromJsonBytes(Buffer.from(text), spec), undefined, text);
  }
  assert.equal(rowsFromJsonBytes(Buffer.from('{"row":[1,2,3]}'), spec, 'rows'), undefined, 'forms: rows leaves a single row to the general path');
  assert.deepEqual(Array.from(rowsFromJsonBytes(Buffer.from('{"rows":[[1,2,3]]}'), spec, 'rows')!.x), [1, 2, 3]);
});
