/**
 * Property-based tests: a damaged checkpoint loads with exactly the saved
 * tensors or fails with an error naming the checkpoint, never anything in
 * between; every public numeric option is accepted when valid and otherwise
 * rejected with its name.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Trainer } from '../../src/train/trainer.js';
import { TinyAutoencoder, curveData } from './tiny-model.js';

const FILES = ['checkpoint.json', 'weights.safetensors', 'optimizer.safetensors'] as const;
const values = (t: Trainer) => Object.fromEntries(Object.entries(t.tensors).map(([k, v]) => [k, Array.from(v.data as Float32Array)]));

describe('checkpoint loading under random corruption', () => {
  it('flipped bytes, truncation or appended bytes: the saved tensors or an error naming the file', async () => {
    const trainer = Trainer.create(new TinyAutoencoder(), { seed: 4 });
    await trainer.fit(curveData(64), { epochs: 1, batchSize: 16, worker: false });
    const root = mkdtempSync(join(tmpdir(), 'aekit-ckfuzz-'));
    const pristine = join(root, 'pristine');
    trainer.saveCheckpoint(pristine);
    const expected = values(trainer);
    const damage = fc.record({
      file: fc.constantFrom(...FILES),
      kind: fc.constantFrom('flip', 'truncate', 'append'),
      at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      bits: fc.integer({ min: 1, max: 255 }),
      count: fc.integer({ min: 1, max: 3 }),
    });
    let runs = 0;
    fc.assert(fc.property(damage, (d) => {
      const dir = join(root, `case-${runs++}`);
      cpSync(pristine, dir, { recursive: true });
      const file = join(dir, d.file);
      const bytes = readFileSync(file);
      const pos = Math.floor(d.at * bytes.length);
      let changed: Buffer;
      if (d.kind === 'flip') {
        changed = Buffer.from(bytes);
        for (let i = 0; i < d.count; i++) changed[(pos + i * 7) % changed.length] ^= d.bits;
      } else if (d.kind === 'truncate') {
        changed = bytes.subarray(0, pos);
      } else {
        changed = Buffer.concat([bytes, Buffer.alloc(d.count * 4, d.bits)]);
      }
      writeFileSync(file, changed);
      try {
        const loaded = Trainer.resume(dir, new TinyAutoencoder());
        assert.deepEqual(values(loaded), expected, `${d.kind} of ${d.file} at ${pos} loaded different tensors`);
      } catch (e) {
        const err = e as Error;
        if (err instanceof assert.AssertionError) throw err;
        assert.ok(err.message.includes(dir), `${d.kind} of ${d.file} at ${pos}: error does not name the checkpoint: ${err.name}: ${err.message}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }), { numRuns: 150, seed: 20261130 });
  });
});

describe('numeric options: valid values are accepted, anything else names the option', () => {
  const trainer = Trainer.create(new TinyAutoencoder(), { seed: 1 });
  const data = curveData(16);
  const anyValue = fc.oneof(
    fc.integer({ min: -5, max: 40 }), fc.double({ min: -10, max: 10 }), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e300),
    fc.string({ maxLength: 3 }), fc.constant(null), fc.boolean(), fc.constant([8]),
  );
  const positiveInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  const nonNegativeInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

  const cases: [string, (v: unknown) => boolean, (v: unknown) => Promise<unknown>, RegExp][] = [
    ['predict.batchSize', positiveInt, (v) => trainer.predict(data.x, { batchSize: v as number }), /predict\.batchSize/],
    ['evaluate.batchSize', positiveInt, (v) => trainer.evaluate(data, { batchSize: v as number }), /evaluate\.batchSize/],
    ['fit.batchSize', positiveInt, (v) => trainer.fit(data, { batchSize: v as number, epochs: 0, worker: false }), /fit\.batchSize/],
    ['fit.epochs', nonNegativeInt, (v) => trainer.fit(data, { epochs: v as number, batchSize: 16, worker: false }), /fit\.epochs/],
    ['fit.validationSplit', (v) => typeof v === 'number' && v > 0 && v < 1 && Math.floor(16 * (1 - v)) >= 1 && Math.floor(16 * (1 - v)) < 16, (v) => trainer.fit(data, { validationSplit: v as number, epochs: 0, worker: false }), /fit\.validationSplit/],
    ['fit.seed', (v) => typeof v === 'number' && Number.isSafeInteger(v), (v) => trainer.fit(data, { seed: v as number, epochs: 0, worker: false }), /fit\.seed/],
    ['Trainer.create.clipNorm', (v) => typeof v === 'number' && v > 0 && Number.isFinite(v), async (v) => Trainer.create(new TinyAutoencoder(), { clipNorm: v as number }), /Trainer\.create\.clipNorm/],
    ['session.threads', positiveInt, async (v) => Trainer.create(new TinyAutoencoder(), { session: { threads: v as number } }), /session\.threads/],
  ];
  for (const [name, valid, call, pattern] of cases) {
    it(name, async () => {
      await fc.assert(fc.asyncProperty(anyValue, async (v) => {
        // Large epoch counts are valid but slow: the property is about validation, so keep runs short.
        if (name === 'fit.epochs' && valid(v) && (v as number) > 2) return;
        try {
          await call(v);
        } catch (e) {
          assert.ok(!valid(v), `${name} = ${String(v)} is valid but was rejected: ${(e as Error).message}`);
          assert.match((e as Error).message, pattern, `${name} = ${String(v)}`);
          return;
        }
        assert.ok(valid(v), `${name} = ${JSON.stringify(v)} was accepted`);
      }), { numRuns: 40, seed: 7 });
    });
  }
});
