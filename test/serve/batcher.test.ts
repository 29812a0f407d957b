/**
 * The micro-batcher on its own, with a fake model: requests of one turn of
 * the event loop share one call and each gets its own rows back, a lone
 * request does not wait for the window, --max-batch caps a call, one call
 * runs at a time, and a failing request fails alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MicroBatcher } from '../../src/serve/batcher.js';

/** A model of 2 values a row whose output is each row's sum, recording every call's row count. */
function fakeModel(options: { failOn?: number; delayMs?: number } = {}) {
  const calls: number[] = [];
  let running = 0;
  let overlapped = false;
  const fn = async (x: Float32Array, n: number) => {
    running++;
    if (running > 1) overlapped = true;
    calls.push(n);
    await new Promise((r) => setTimeout(r, options.delayMs ?? 0));
    running--;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (x[2 * i] === options.failOn) throw new RangeError(`row ${i} holds ${options.failOn}`);
      out[i] = x[2 * i]! + x[2 * i + 1]!;
    }
    return out;
  };
  return { fn, calls, overlapped: () => overlapped };
}

const rows = (...values: number[]) => Float32Array.from(values.flatMap((v) => [v, 0.5]));

describe('MicroBatcher', () => {
  it('puts requests that arrive in one turn of the event loop into one call and gives each caller its own rows', async () => {
    const m = fakeModel();
    const b = new MicroBatcher(m.fn, { width: 2, windowMs: 30, maxBatch: 256 });
    const answers = await Promise.all([b.submit(rows(1), 1), b.submit(rows(2, 3), 2), b.submit(rows(4), 1)]);
    assert.deepEqual(m.calls, [4]);
    assert.deepEqual(answers.map((a) => Array.from(a)), [[1.5], [2.5, 3.5], [4.5]]);
  });

  it('does not hold a lone request for the window: a turn of the event loop without another request sends it', async () => {
    const m = fakeModel();
    const b = new MicroBatcher(m.fn, { width: 2, windowMs: 60_000, maxBatch: 256 });
    const t0 = performance.now();
    assert.deepEqual(Array.from(await b.submit(rows(1), 1)), [1.5]);
    assert.ok(performance.now() - t0 < 1_000, `answered after ${performance.now() - t0} ms`);
    // Requests queued while a call runs go together right after it.
    const slow = fakeModel({ delayMs: 30 });
    const c = new MicroBatcher(slow.fn, { width: 2, windowMs: 60_000, maxBatch: 256 });
    const first = c.submit(rows(1), 1);
    await new Promise((r) => setTimeout(r, 10));
    await Promise.all([first, c.submit(rows(2), 1), c.submit(rows(3), 1)]);
    assert.deepEqual(slow.calls, [1, 2]);
  });

  it('sends a call as soon as max-batch rows are queued, and never more than max-batch rows but for one large request', async () => {
    const m = fakeModel({ delayMs: 5 });
    const b = new MicroBatcher(m.fn, { width: 2, windowMs: 10_000, maxBatch: 4 });
    const t0 = performance.now();
    const answers = await Promise.all([b.submit(rows(1, 2), 2), b.submit(rows(3, 4), 2), b.submit(rows(5, 6, 7), 3), b.submit(rows(8, 9, 10, 11, 12, 13), 6)]);
    assert.ok(performance.now() - t0 < 5_000, 'full batches do not wait for the window');
    assert.deepEqual(m.calls, [4, 3, 6]);
    assert.deepEqual(answers.map((a) => a.length), [2, 2, 3, 6]);
    assert.equal(answers[3]![5], 13.5);
    assert.equal(m.overlapped(), false, 'one call at a time');
  });

  it('serves a window that closed during a call right after it', async () => {
    const m = fakeModel({ delayMs: 40 });
    const b = new MicroBatcher(m.fn, { width: 2, windowMs: 5, maxBatch: 256 });
    const first = b.submit(rows(1), 1);
    await new Promise((r) => setTimeout(r, 15)); // the first call is running
    const later = [b.submit(rows(2), 1), b.submit(rows(3), 1)];
    await Promise.all([first, ...later]);
    assert.deepEqual(m.calls, [1, 2]);
    await b.idle();
  });

  it('runs each request of a failed call alone: only the request with the bad row fails', async () => {
    const m = fakeModel({ failOn: 7 });
    const b = new MicroBatcher(m.fn, { width: 2, windowMs: 20, maxBatch: 256 });
    const settled = await Promise.allSettled([b.submit(rows(1), 1), b.submit(rows(2, 7), 2), b.submit(rows(3), 1)]);
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((settled[1] as PromiseRejectedResult).reason), /row 1 holds 7/);
    assert.deepEqual(Array.from((settled[2] as PromiseFulfilledResult<Float64Array>).value), [3.5]);
    assert.deepEqual(m.calls, [4, 1, 2, 1]);
  });

  it('refuses rows of the wrong width and bad options', async () => {
    const b = new MicroBatcher(fakeModel().fn, { width: 2, windowMs: 1, maxBatch: 8 });
    await assert.rejects(b.submit(new Float32Array(3), 2), /3 values are not 2 rows of 2/);
    assert.throws(() => new MicroBatcher(fakeModel().fn, { width: 2, windowMs: -1, maxBatch: 8 }), /windowMs/);
    assert.throws(() => new MicroBatcher(fakeModel().fn, { width: 2, windowMs: 1, maxBatch: 0 }), /maxBatch/);
  });
});
