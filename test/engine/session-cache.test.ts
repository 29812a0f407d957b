/**
 * The optimized-model cache (src/onnx/session-cache.ts): a graph seen before
 * loads ONNX Runtime's optimized model instead of optimizing again, with the
 * same outputs; a changed graph misses; a damaged file is ignored and written
 * again; nothing is cached when the cache is off.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { benchModel } from '../../bench/lib/workloads.js';
import { type TensorData } from '../../src/graph/types.js';
import { initialValues } from '../../src/layers/core.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { pruneCache, readCachedModel, sessionCacheDir } from '../../src/onnx/session-cache.js';
import { Adam } from '../../src/optim/optimizers.js';
import { Rng } from '../../src/data/random.js';
import { packTensors } from '../../src/train/loop.js';
import { type StepArtifacts, buildStep } from '../../src/train/step.js';

const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.onnx') && !f.startsWith('.'));

describe('the optimized-model cache', () => {
  const saved = process.env.AEKIT_CACHE_DIR;
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aekit-ort-cache-'));
    process.env.AEKIT_CACHE_DIR = dir;
  });
  after(() => {
    if (saved === undefined) delete process.env.AEKIT_CACHE_DIR;
    else process.env.AEKIT_CACHE_DIR = saved;
  });

  // The conv workload's training step: Conv + activation fusions, pooling, its gradients and Adam.
  const art = buildStep(benchModel('conv'), { optimizer: new Adam(), seed: 1 });
  const feedsOf = (a: StepArtifacts): Record<string, TensorData> => {
    const named: Record<string, TensorData> = Object.fromEntries(initialValues(a.specs, 1));
    for (const [slot, param] of a.slots) named[slot] = { dtype: 'float32', shape: [...named[param]!.shape], data: new Float32Array(named[param]!.data.length) };
    const rng = new Rng(3);
    return {
      ...named,
      ...packTensors(named, a.packed),
      x: { dtype: 'float32', shape: [4, 1, 28, 28], data: Float32Array.from({ length: 4 * 784 }, () => rng.float()) },
      lr: { dtype: 'float32', shape: [], data: Float32Array.of(1e-3) },
      step: { dtype: 'float32', shape: [], data: Float32Array.of(1) },
    };
  };

  const runOnce = async (bytes: Uint8Array, a: StepArtifacts = art) => {
    const s = await RuntimeSession.create(bytes, { threads: 1 });
    try {
      return { use: s.cache, out: await s.run(feedsOf(a)) };
    } finally {
      await s.release();
    }
  };

  it('stores on the first session, hits on the second with bitwise the same training step', async () => {
    const first = await runOnce(art.train.bytes);
    assert.equal(first.use, 'stored');
    assert.equal(cacheFiles(dir).length, 1);
    const second = await runOnce(art.train.bytes);
    assert.equal(second.use, 'hit');
    assert.deepEqual(Object.keys(second.out).sort(), Object.keys(first.out).sort());
    for (const [name, t] of Object.entries(first.out)) assert.deepEqual(second.out[name]!.data, t.data, name);
  });

  it('hits for the same architecture built again with other layer names, and answers in the caller\'s names', async () => {
    // benchModel builds new layers each call, named by the process-wide counter (conv_5, … after conv_0, …).
    const again = buildStep(benchModel('conv'), { optimizer: new Adam(), seed: 1 });
    assert.notDeepEqual(again.params, art.params, 'the layers have new names');
    const before = cacheFiles(dir).length;
    const s = await RuntimeSession.create(again.train.bytes, { threads: 1 });
    try {
      assert.equal(s.cache, 'hit');
      assert.equal(cacheFiles(dir).length, before);
      for (const p of again.params) assert.ok(s.inputNames.includes(p) || again.packed.some((g) => g.members.includes(p)), `input ${p} under its own name`);
      const feeds = feedsOf(again);
      const out = await s.run(feeds);
      const reference = await runOnce(art.train.bytes);
      assert.deepEqual(Object.keys(out).sort(), [...s.outputNames].sort());
      assert.equal(Object.keys(out).length, Object.keys(reference.out).length);
      const loss = s.outputNames.find((n) => n === 'loss')!;
      assert.deepEqual(out[loss]!.data, reference.out[loss]!.data, 'the same loss as the first build');
      // Caller-owned output buffers, addressed by the caller's names.
      const into = { [loss]: { dtype: 'float32' as const, shape: [], data: new Float32Array(1) } };
      const written = await s.run(feeds, [loss], into);
      assert.equal(written[loss], into[loss]);
      assert.equal(into[loss]!.data[0], (out[loss]!.data as Float32Array)[0]);
    } finally {
      await s.release();
    }
  });

  it('misses for a changed graph', async () => {
    const other = buildStep(benchModel('conv'), { optimizer: new Adam({ learningRate: 0.01 }), seed: 1 });
    assert.equal((await runOnce(other.evaluate.bytes, other)).use, 'stored');
    assert.equal((await runOnce(other.evaluate.bytes, other)).use, 'hit');
    assert.equal(cacheFiles(dir).length, 2);
  });

  it('ignores a damaged file and writes it again', async () => {
    const [file] = cacheFiles(dir).map((f) => join(dir, f)).filter((f) => readFileSync(f).length > 20000);
    const whole = readFileSync(file!);
    writeFileSync(file!, whole.subarray(0, whole.length >> 1));
    assert.equal(readCachedModel(file!), undefined);
    const again = await runOnce(art.train.bytes);
    assert.equal(again.use, 'stored');
    assert.ok(readCachedModel(file!));
    // A file that checks but that ONNX Runtime cannot load (here: not a model) is made again too.
    writeFileSync(file!, Buffer.concat([Buffer.from('not a model'), (await import('node:crypto')).createHash('sha256').update('not a model').digest(), Buffer.from('aekit-ort-cache-1')]));
    assert.ok(readCachedModel(file!));
    assert.equal((await runOnce(art.train.bytes)).use, 'stored');
    assert.equal((await runOnce(art.train.bytes)).use, 'hit');
  });

  it('is off with AEKIT_CACHE_DIR=off, for the WebGPU-free default path too', () => {
    assert.equal(sessionCacheDir({ AEKIT_CACHE_DIR: 'off' }), undefined);
    assert.equal(sessionCacheDir({ AEKIT_CACHE_DIR: '/x/y' }), '/x/y');
    assert.equal(sessionCacheDir({ XDG_CACHE_HOME: '/c' }), join('/c', 'aekit', 'ort'));
  });

  it('keeps the most recently used files when it holds too many, and never touches files it did not write', () => {
    const own = mkdtempSync(join(tmpdir(), 'aekit-ort-prune-'));
    // Cache files: a 64-hex name and the cache's marker at the end.
    const name = (i: number) => `${String(i).padStart(64, '0')}.onnx`;
    for (let i = 0; i < 10; i++) {
      writeFileSync(join(own, name(i)), 'x aekit-ort-cache-1');
      utimesSync(join(own, name(i)), 1000 + i, 1000 + i);
    }
    writeFileSync(join(own, '.scratch.tmp.onnx'), 'x');
    // A user's own models in a folder AEKIT_CACHE_DIR points at: not the cache's, never pruned.
    writeFileSync(join(own, 'my-model.onnx'), 'x');
    writeFileSync(join(own, `${'a'.repeat(64)}.onnx`), 'not a cache file');
    utimesSync(join(own, 'my-model.onnx'), 1, 1);
    utimesSync(join(own, `${'a'.repeat(64)}.onnx`), 1, 1);
    pruneCache(own, 10);
    assert.equal(cacheFiles(own).length, 12);
    pruneCache(own, 5);
    assert.deepEqual(cacheFiles(own).sort(), [name(6), name(7), name(8), name(9), `${'a'.repeat(64)}.onnx`, 'my-model.onnx'].sort());
  });

  it('caches nothing when a session asks not to', async () => {
    const before = cacheFiles(dir).length;
    const s = await RuntimeSession.create(buildStep(benchModel('dense'), { optimizer: new Adam(), seed: 1 }).evaluate.bytes, { cache: false });
    assert.equal(s.cache, 'off');
    await s.release();
    assert.equal(cacheFiles(dir).length, before);
  });
});
