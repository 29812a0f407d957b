/**
 * Property-based tests: no input makes a parser hang or fail with anything but
 * a DataFormatError; valid data round-trips.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import {
  DataFormatError, decodeImage, parseShortDecimal, encodeIdx, encodeNpy, encodeNpz, jsonErrorOffset, parseCsv, parseFashionClassFile,
  parseIdx, parseJsonData, parseNpy, parseNpz, shapeSize, type CsvOptions,
} from '../../src/data/index.js';

const RUNS = 300;

/** Runs `fn`; passes if it returns or throws a DataFormatError naming `file`. */
function onlyDataErrors(fn: () => unknown, file: string): boolean {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof DataFormatError)) {
      throw new Error(`expected DataFormatError, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
    }
    assert.equal(err.file, file);
    assert.ok(err.message.startsWith(`${file}: `));
    if (err.offset !== undefined) assert.ok(Number.isInteger(err.offset) && err.offset >= 0);
    if (err.line !== undefined) assert.ok(Number.isInteger(err.line) && err.line >= 1);
  }
  return true;
}

/** Valid bytes, then damaged: truncated, a byte overwritten, bytes inserted. */
function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.nat(), fc.nat(255), fc.uint8Array({ maxLength: 8 }), fc.integer({ min: 0, max: 3 }))
    .map(([b, pos, val, ins, kind]) => {
      const p = b.length === 0 ? 0 : pos % b.length;
      if (kind === 0) return b.slice(0, p);
      if (kind === 1) { const c = b.slice(); c[p] = val; return c; }
      if (kind === 2) return Uint8Array.from([...b.subarray(0, p), ...ins, ...b.subarray(p)]);
      return b;
    });
}

const dtypeArrays = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 24 }).map((a) => Uint8Array.from(a)),
  fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 24 }).map((a) => Int32Array.from(a)),
  fc.array(fc.float({ noNaN: true }), { maxLength: 24 }).map((a) => Float32Array.from(a)),
  fc.array(fc.double({ noNaN: true }), { maxLength: 24 }).map((a) => Float64Array.from(a)),
);
/** A typed array with a random shape whose product is its length. */
const tensors = fc.tuple(dtypeArrays, fc.integer({ min: 0, max: 3 })).map(([data, split]) => {
  const n = data.length;
  const shape = split === 0 ? [n] : n % 2 === 0 && n > 0 && split === 1 ? [n / 2, 2] : split === 2 ? [1, n] : [n, 1];
  return { shape, data };
});

test('IDX: round trip, and arbitrary or damaged bytes only ever give DataFormatError', { timeout: 30000 }, () => {
  fc.assert(fc.property(tensors, (t) => {
    const r = parseIdx(encodeIdx(t), 'f.idx', { nonFinite: 'allow' });
    assert.deepEqual(r.shape, t.shape);
    assert.deepEqual(r.data, t.data);
  }), { numRuns: RUNS });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => onlyDataErrors(() => parseIdx(b, 'f.idx'), 'f.idx')), { numRuns: RUNS });
  fc.assert(fc.property(mutated(tensors.map((t) => encodeIdx(t))), (b) => onlyDataErrors(() => {
    const r = parseIdx(b, 'f.idx');
    assert.equal(r.data.length, shapeSize(r.shape));
  }, 'f.idx')), { numRuns: RUNS });
});

test('NPY/NPZ: round trip, and damaged files only ever give DataFormatError', { timeout: 30000 }, () => {
  fc.assert(fc.property(tensors, (t) => {
    const r = parseNpy(encodeNpy(t), 'f.npy', { nonFinite: 'allow' });
    assert.deepEqual(r.shape, t.shape);
    assert.deepEqual(r.data, t.data);
  }), { numRuns: RUNS });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => onlyDataErrors(() => parseNpy(b, 'f.npy'), 'f.npy')), { numRuns: RUNS });
  fc.assert(fc.property(mutated(tensors.map((t) => encodeNpy(t))), (b) => onlyDataErrors(() => {
    const r = parseNpy(b, 'f.npy');
    assert.equal(r.data.length, shapeSize(r.shape));
  }, 'f.npy')), { numRuns: RUNS * 3 });
  // Headers made of Python-literal-ish text.
  const headerText = fc.stringMatching(/^[{}()[\]',: 0-9a-zA-Z<>|_-]{0,80}$/);
  fc.assert(fc.property(headerText, (h) => {
    const b = new Uint8Array(10 + h.length + 8);
    b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length, 0]);
    b.set(new TextEncoder().encode(h), 10);
    return onlyDataErrors(() => parseNpy(b, 'h.npy'), 'h.npy');
  }), { numRuns: RUNS });
  fc.assert(fc.property(mutated(fc.tuple(tensors, fc.boolean()).map(([t, c]) => encodeNpz({ a: t, b: t }, c))),
    (b) => onlyDataErrors(() => parseNpz(b, 'f.npz'), 'f.npz')), { numRuns: RUNS });
});

const cellText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
  fc.constantFrom('', 'NA', 'NaN', 'inf', '-Infinity', '1e999', 'abc', '"q"', '"a,b"', '"', '  3 ', '0x10', '?'),
  fc.string({ maxLength: 6 }),
);
const csvText = fc.array(fc.array(cellText, { minLength: 1, maxLength: 5 }), { maxLength: 8 })
  .chain((rows) => fc.tuple(fc.constant(rows), fc.constantFrom(',', ';', '\t'), fc.constantFrom('\n', '\r\n')))
  .map(([rows, d, nl]) => rows.map((r) => r.join(d)).join(nl));
const csvOptions: fc.Arbitrary<CsvOptions> = fc.record({
  header: fc.constantFrom<CsvOptions['header']>(true, false, 'auto'),
  labelColumn: fc.option(fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constantFrom('a', 'col1', 'label')), { nil: undefined }),
  impute: fc.option(fc.constantFrom<CsvOptions['impute']>('mean', 'zero', 0.5, [1, 2]), { nil: undefined }),
}, { requiredKeys: [] });

test('CSV: random text and options only ever give DataFormatError; results are consistent', { timeout: 30000 }, () => {
  fc.assert(fc.property(fc.oneof(csvText, fc.string({ maxLength: 80 })), csvOptions, (text, opts) => onlyDataErrors(() => {
    const ds = parseCsv(text, opts, 'f.csv');
    assert.equal(ds.x.length, ds.shape[0]! * ds.shape[1]!);
    assert.ok(ds.x.every((v) => Number.isFinite(v)));
    assert.equal(ds.columns.length, ds.shape[1]);
    if (ds.labels) assert.equal(ds.labels.length, ds.shape[0]);
  }, 'f.csv')), { numRuns: RUNS * 3 });
});

test('CSV: float matrices written as text read back as the same float32 values', { timeout: 30000 }, () => {
  const matrix = fc.integer({ min: 1, max: 4 }).chain((d) =>
    fc.array(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: d, maxLength: d }), { minLength: 1, maxLength: 6 }));
  fc.assert(fc.property(matrix, (m) => {
    const text = m.map((r) => r.join(',')).join('\n');
    const ds = parseCsv(text, { header: false });
    assert.deepEqual(ds.shape, [m.length, m[0]!.length]);
    assert.deepEqual(ds.x, Float32Array.from(m.flat(), (v) => v + 0)); // "-0" is written as "0"
  }), { numRuns: RUNS });
});

test('JSON: arbitrary JSON and arbitrary strings only ever give DataFormatError; our syntax check agrees with JSON.parse', { timeout: 30000 }, () => {
  fc.assert(fc.property(fc.oneof(fc.json(), fc.string({ maxLength: 40 }), fc.jsonValue().map((v) => JSON.stringify(v).slice(1))), (text) => {
    let ok = true;
    try { JSON.parse(text); } catch { ok = false; }
    assert.equal(jsonErrorOffset(text) === -1, ok, text);
    return onlyDataErrors(() => {
      const ds = parseJsonData(text, 'f.json');
      assert.equal(ds.x.length, shapeSize(ds.shape));
    }, 'f.json');
  }), { numRuns: RUNS * 3 });
  const nested = fc.array(fc.array(fc.oneof(fc.double(), fc.constant(null), fc.string({ maxLength: 2 }), fc.array(fc.integer(), { maxLength: 2 })), { maxLength: 4 }), { maxLength: 4 });
  fc.assert(fc.property(nested, (v) => onlyDataErrors(() => parseJsonData(JSON.stringify(v), 'n.json'), 'n.json')), { numRuns: RUNS });
});

function smallPng(w: number, h: number, colorType: 0 | 2 | 4 | 6): Uint8Array {
  const p = new pngjs.PNG({ width: w, height: h, colorType, inputColorType: 6 } as pngjs.PNGOptions);
  for (let i = 0; i < p.data.length; i++) p.data[i] = (i * 37) & 255;
  return pngjs.PNG.sync.write(p, { colorType } as pngjs.PackerOptions);
}

test('images: damaged PNG and JPEG only ever give DataFormatError', { timeout: 60000 }, () => {
  const pngs = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.constantFrom<0 | 2 | 4 | 6>(0, 2, 4, 6))
    .map(([w, h, c]) => smallPng(w, h, c));
  fc.assert(fc.property(mutated(pngs), (b) => onlyDataErrors(() => {
    const img = decodeImage(b, 'f.png');
    assert.equal(img.data.length, img.width * img.height * 4);
  }, 'f.png')), { numRuns: RUNS });
  // jpeg-js builds its tables on every encode (~30 ms), so encode a few once.
  const jpgList = [[1, 1], [8, 8], [16, 9], [5, 13]].map(([w, h]) =>
    new Uint8Array(jpeg.encode({ width: w!, height: h!, data: Buffer.alloc(w! * h! * 4, 99) }, 80).data));
  const jpgs = fc.constantFrom(...jpgList);
  fc.assert(fc.property(mutated(jpgs), (b) => onlyDataErrors(() => {
    const img = decodeImage(b, 'f.jpg');
    assert.equal(img.data.length, img.width * img.height * 4);
  }, 'f.jpg')), { numRuns: RUNS });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => onlyDataErrors(() => decodeImage(b, 'r.png'), 'r.png')), { numRuns: RUNS });
});

test('Fashion-MNIST class-file scanner: arbitrary and damaged input only ever give DataFormatError', { timeout: 30000 }, () => {
  const img = Array(784).fill(3).join(',');
  const valid = fc.constant(new TextEncoder().encode(`{"data":[[${img}],[],[${img}]]}`));
  fc.assert(fc.property(fc.oneof(mutated(valid), fc.uint8Array({ maxLength: 40 }), fc.string({ maxLength: 40 }).map((s) => new TextEncoder().encode(s))),
    (b) => onlyDataErrors(() => parseFashionClassFile(b, 'c.json'), 'c.json')), { numRuns: RUNS });
});

test('the CSV fast number path agrees exactly with Number() where it applies', { timeout: 30000 }, () => {
  const decimal = fc.tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^\d{0,9}$/), fc.option(fc.stringMatching(/^\d{0,9}$/)),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '-', '+'), fc.stringMatching(/^\d{0,3}$/))))
    .map(([sg, a, b, e]) => `${sg}${a}${b === null ? '' : `.${b}`}${e === null ? '' : e.join('')}`);
  fc.assert(fc.property(fc.oneof(decimal, fc.string({ maxLength: 12 })), (s) => {
    const v = parseShortDecimal(s);
    if (Number.isNaN(v)) return true; // not handled here: the general path decides
    assert.ok(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s), s);
    assert.ok(Object.is(v, Number(s)), `${s}: ${v} vs ${Number(s)}`);
    return true;
  }), { numRuns: RUNS * 10 });
});
