import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng, Rng } from '../../src/data/index.js';

test('same seed gives the same stream, different seeds differ', () => {
  const a = createRng(42), b = createRng(42), c = createRng(43);
  const sa = Array.from({ length: 8 }, () => a.nextUint32());
  const sb = Array.from({ length: 8 }, () => b.nextUint32());
  const sc = Array.from({ length: 8 }, () => c.nextUint32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  for (const v of sa) assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 32);
});

test('seed 0 works and fractional seeds are distinct', () => {
  assert.notEqual(new Rng(0).nextUint32(), new Rng(1).nextUint32());
  assert.notEqual(new Rng(0.5).nextUint32(), new Rng(1.5).nextUint32());
  assert.throws(() => new Rng(NaN), RangeError);
});

test('float is uniform on [0,1): mean and bucket counts', () => {
  const r = new Rng(7);
  const buckets = new Array(10).fill(0);
  let sum = 0;
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const v = r.float();
    assert.ok(v >= 0 && v < 1);
    sum += v;
    buckets[Math.floor(v * 10)]++;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.01);
  for (const b of buckets) assert.ok(Math.abs(b - n / 10) < n / 100, `bucket ${b}`);
});

test('int(n) stays in range and hits every value', () => {
  const r = new Rng(3);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const v = r.int(7);
    assert.ok(Number.isInteger(v) && v >= 0 && v < 7);
    seen.add(v);
  }
  assert.equal(seen.size, 7);
  assert.equal(r.int(1), 0);
  assert.throws(() => r.int(0), RangeError);
});

test('normal has mean ~0 and variance ~1', () => {
  const r = new Rng(11);
  const n = 50_000;
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const v = r.normal();
    s += v;
    s2 += v * v;
  }
  assert.ok(Math.abs(s / n) < 0.02);
  assert.ok(Math.abs(s2 / n - 1) < 0.03);
});

test('permutation is a permutation and is reproducible', () => {
  const p = new Rng(5).permutation(1000);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(p, new Rng(5).permutation(1000));
  assert.notDeepEqual(p, new Rng(6).permutation(1000));
});

test('state save/restore resumes the same stream; fork is independent', () => {
  const r = new Rng(9);
  r.nextUint32();
  const st = r.getState();
  const next = [r.nextUint32(), r.nextUint32()];
  const r2 = new Rng(123);
  r2.setState(st);
  assert.deepEqual([r2.nextUint32(), r2.nextUint32()], next);
  const f1 = new Rng(1).fork(), f2 = new Rng(1).fork();
  assert.equal(f1.nextUint32(), f2.nextUint32());
});
