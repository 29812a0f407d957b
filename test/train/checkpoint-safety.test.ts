import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Autoencoder } from '../../src/models/index.js';
import { Trainer } from '../../src/train/trainer.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/train/safetensors.js';
import { sha256 } from '../../src/train/checkpoint.js';
import { TinyAutoencoder, curveData } from './tiny-model.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-safety-'));
const arrays = (t: Record<string, { data: ArrayLike<number | bigint> }>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Array.from(v.data as ArrayLike<number>)]));
/** A pid that no process has: Linux pids stay below 2^22. */
const DEAD_PID = 4_194_999;

async function trained(seed = 1, epochs = 1): Promise<Trainer> {
  const t = Trainer.create(new TinyAutoencoder(), { seed });
  await t.fit(curveData(128), { epochs, batchSize: 32, worker: false });
  return t;
}

/** Every file under a folder with its bytes, to prove nothing was touched. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name)] = readFileSync(join(e.parentPath, e.name)).toString('base64');
  }
  return out;
}

describe('checkpoints never touch what aekit did not write', () => {
  it('refuses a non-empty directory that is not a checkpoint, leaving it as it was', async () => {
    const project = tmp();
    writeFileSync(join(project, 'package.json'), '{"name":"mine"}');
    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'src', 'index.ts'), 'export {}');
    const before = snapshot(project);
    const t = await trained();
    assert.throws(() => t.saveCheckpoint(project), (e: Error) => e.name === 'CheckpointError' && /is not empty \(.*package\.json.*\) and holds no aekit checkpoint/.test(e.message));
    assert.deepEqual(snapshot(project), before);
    assert.deepEqual(readdirSync(project).sort(), ['package.json', 'src']);
  });

  it('refuses a path that is a file, and a checkpoint.json that is not aekit\'s', async () => {
    const dir = tmp();
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'keep me');
    const t = await trained();
    assert.throws(() => t.saveCheckpoint(file), /notes\.txt: is a file; a checkpoint is a directory/);
    assert.equal(readFileSync(file, 'utf8'), 'keep me');
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'checkpoint.json'), '{"format":"somebody-else"}');
    assert.throws(() => t.saveCheckpoint(other), /checkpoint\.json that is not an aekit checkpoint/);
    assert.equal(readFileSync(join(other, 'checkpoint.json'), 'utf8'), '{"format":"somebody-else"}');
  });

  it('keeps an exported model.onnx across a second save (the README flow), and replaces only checkpoint files', async () => {
    const dir = join(tmp(), 'runs', 'dense');
    const m = new Autoencoder({ inputShape: [8], encoder: { sizes: [3] } });
    m.compile({ seed: 2 });
    await m.fit(curveData(64), { epochs: 1, batchSize: 32, worker: false });
    m.save(dir);
    m.exportOnnx(join(dir, 'model.onnx'));
    writeFileSync(join(dir, 'README.txt'), 'my notes');
    const onnx = readFileSync(join(dir, 'model.onnx'));
    await m.fit(curveData(64), { epochs: 2, batchSize: 32, worker: false });
    m.save(dir);
    assert.deepEqual(readFileSync(join(dir, 'model.onnx')), onnx);
    assert.equal(readFileSync(join(dir, 'README.txt'), 'utf8'), 'my notes');
    assert.deepEqual(readdirSync(dir).sort(), ['README.txt', 'checkpoint.json', 'model.json', 'model.onnx', 'optimizer.safetensors', 'weights.safetensors']);
    const loaded = Autoencoder.load(dir);
    assert.deepEqual(arrays(loaded.trainer.tensors), arrays(m.trainer.tensors));
  });

  it('saves to "dir/" with a trailing slash and leaves no temporary folder', async () => {
    const root = tmp();
    const t = await trained();
    t.saveCheckpoint(join(root, 'ckpt') + '/');
    t.saveCheckpoint(join(root, 'ckpt') + '/');
    assert.deepEqual(readdirSync(root), ['ckpt']);
    assert.deepEqual(readdirSync(join(root, 'ckpt')).sort(), ['checkpoint.json', 'optimizer.safetensors', 'weights.safetensors']);
    assert.deepEqual(arrays(Trainer.resume(join(root, 'ckpt/'), new TinyAutoencoder()).tensors), arrays(t.tensors));
  });

  it('removes staging folders of killed saves, and only those of dead processes', async () => {
    const dir = join(tmp(), 'ckpt');
    const t = await trained();
    t.saveCheckpoint(dir);
    mkdirSync(join(dir, `.aekit-staging-${DEAD_PID}-1`));
    writeFileSync(join(dir, `.aekit-staging-${DEAD_PID}-1`, 'weights.safetensors'), 'half');
    mkdirSync(join(dir, `.aekit-staging-${process.ppid}-1`)); // a live process: maybe saving right now
    t.saveCheckpoint(dir);
    assert.ok(!existsSync(join(dir, `.aekit-staging-${DEAD_PID}-1`)));
    assert.ok(existsSync(join(dir, `.aekit-staging-${process.ppid}-1`)));
  });

  it('load finishes a save that was killed after its commit, reading only the new checkpoint', async () => {
    const root = tmp();
    const a = await trained(1, 1);
    const b = await trained(2, 2);
    a.saveCheckpoint(join(root, 'a'));
    b.saveCheckpoint(join(root, 'b'));
    // The state a kill halfway through moving B's files over A's leaves behind.
    const commit = join(root, 'a', '.aekit-commit');
    mkdirSync(commit);
    for (const f of ['checkpoint.json', 'optimizer.safetensors']) cpSync(join(root, 'b', f), join(commit, f));
    cpSync(join(root, 'b', 'weights.safetensors'), join(root, 'a', 'weights.safetensors'));
    writeFileSync(join(commit, 'manifest.json'), JSON.stringify({ files: ['weights.safetensors', 'optimizer.safetensors', 'checkpoint.json'] }));
    const loaded = Trainer.resume(join(root, 'a'), new TinyAutoencoder());
    assert.deepEqual(arrays(loaded.tensors), arrays(b.tensors));
    assert.equal(loaded.history.length, 2);
    assert.ok(!existsSync(commit), 'the interrupted save was finished');
  });

  it('load recovers the swap of older versions that a kill interrupted (no directory, only <dir>.old-<pid>)', async () => {
    const root = tmp();
    const t = await trained();
    t.saveCheckpoint(join(root, 'ckpt'));
    renameSync(join(root, 'ckpt'), join(root, `ckpt.old-${DEAD_PID}`));
    assert.deepEqual(arrays(Trainer.resume(join(root, 'ckpt'), new TinyAutoencoder()).tensors), arrays(t.tensors));
    assert.deepEqual(readdirSync(root), ['ckpt']);
  });

  it('rejects a second fit while one is running, and compile during fit', async () => {
    const m = new Autoencoder({ inputShape: [8], encoder: { sizes: [3] } });
    const data = curveData(256);
    const first = m.fit(data, { epochs: 2, batchSize: 16 });
    await assert.rejects(m.fit(data, { epochs: 1 }), /already training/);
    assert.throws(() => m.compile(), /this model is training/);
    const result = await first;
    assert.equal(result.epochs, 2);
    await m.fit(data, { epochs: 3, batchSize: 16 }); // free again afterwards
  });
});

describe('fit rejects instead of aborting', () => {
  for (const worker of [true, false]) {
    it(`a throwing onProgress callback rejects fit (${worker ? 'worker' : 'inline'}) and the trainer stays usable`, async () => {
      const t = Trainer.create(new TinyAutoencoder(), { seed: 1 });
      const boom = new Error('callback failed');
      await assert.rejects(t.fit(curveData(128), { epochs: 3, batchSize: 16, worker, onProgress: (e) => { if (e.type === 'epoch') throw boom; } }), (e) => e === boom);
      const r = await t.fit(curveData(128), { epochs: 1, batchSize: 16, worker });
      assert.equal(r.history.length, 1);
    });

    it(`a checkpoint that cannot be written rejects fit, naming the directory (${worker ? 'worker' : 'inline'})`, async () => {
      const file = join(tmp(), 'a-file');
      writeFileSync(file, 'x');
      const t = Trainer.create(new TinyAutoencoder(), { seed: 1 });
      await assert.rejects(t.fit(curveData(64), { epochs: 2, batchSize: 16, worker, checkpointDir: join(file, 'ckpt') }), /a-file\/ckpt: cannot save the checkpoint after epoch 1, so training stopped/);
      assert.equal(readFileSync(file, 'utf8'), 'x');
    });
  }

  it("onNonFinite: 'throw' rejects with the stop reason and keeps the last good weights; the default resolves", async () => {
    const t = Trainer.create(new TinyAutoencoder(), { seed: 1 });
    await t.fit(curveData(128), { epochs: 1, batchSize: 32, worker: false });
    const good = arrays(t.tensors);
    const poison = { type: 'step', stepSize: 1, gamma: 1e300 } as const;
    await assert.rejects(t.fit(curveData(128), { epochs: 3, batchSize: 32, worker: false, schedule: poison, onNonFinite: 'throw' }), (e: Error) => e.name === 'NonFiniteError' && /non-finite/.test(e.message));
    assert.deepEqual(arrays(t.tensors), good);
    const r = await t.fit(curveData(128), { epochs: 3, batchSize: 32, worker: false, schedule: poison });
    assert.match(r.stopReason ?? '', /non-finite/);
  });
});

describe('checkpoint corruption is caught, naming the file', () => {
  async function saved(): Promise<string> {
    const dir = join(tmp(), 'ckpt');
    (await trained()).saveCheckpoint(dir);
    return dir;
  }
  const resume = (dir: string) => Trainer.resume(dir, new TinyAutoencoder());

  it('one flipped data byte fails the checksum', async () => {
    const dir = await saved();
    const file = join(dir, 'weights.safetensors');
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] ^= 0x10;
    writeFileSync(file, bytes);
    assert.throws(() => resume(dir), /weights\.safetensors: does not match the checksum/);
  });

  it('a NaN weight is rejected even with a matching checksum', async () => {
    const dir = await saved();
    const file = join(dir, 'weights.safetensors');
    const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(file)));
    (tensors.get('dec/b')!.data as Float32Array)[2] = NaN;
    const bytes = encodeSafetensors(tensors);
    writeFileSync(file, bytes);
    const meta = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
    meta.checksums['weights.safetensors'] = sha256(bytes);
    writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify(meta));
    assert.throws(() => resume(dir), /tensor 'dec\/b' holds NaN at element 2/);
  });

  for (const [what, edit, pattern] of [
    ['truncated', (s: string) => s.slice(0, s.length / 2), /checkpoint\.json: not valid JSON .* damaged or truncated/],
    ['null', () => 'null', /checkpoint\.json: expected a JSON object, got null/],
    ['missing history', (s: string) => { const m = JSON.parse(s); delete m.history; return JSON.stringify(m); }, /field 'history' is undefined, expected an array/],
    ['missing optimizer', (s: string) => { const m = JSON.parse(s); delete m.optimizer; return JSON.stringify(m); }, /field 'optimizer' is undefined/],
    ['epoch "one"', (s: string) => JSON.stringify({ ...JSON.parse(s), epoch: 'one' }), /field 'epoch' is "one", expected a non-negative integer/],
    ['rngState of three', (s: string) => JSON.stringify({ ...JSON.parse(s), rngState: [1, 2, 3] }), /field 'rngState'/],
  ] as const) {
    it(`checkpoint.json ${what}`, async () => {
      const dir = await saved();
      const file = join(dir, 'checkpoint.json');
      writeFileSync(file, edit(readFileSync(file, 'utf8')));
      assert.throws(() => resume(dir), (e: Error) => e.name === 'CheckpointError' && pattern.test(e.message) && e.message.includes(file));
    });
  }

  it('model.json errors name the file', async () => {
    const dir = join(tmp(), 'm');
    const m = new Autoencoder({ inputShape: [8], encoder: { sizes: [3] } });
    m.save(dir);
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...m.getConfig(), encoder: { sizes: [0] } }));
    assert.throws(() => Autoencoder.load(dir), (e: Error) => e.message.startsWith(join(dir, 'model.json')) && /sizes\[0\]: expected a positive integer/.test(e.message));
  });
});

describe('safetensors structure', () => {
  const one = () => encodeSafetensors(new Map([
    ['a', { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }],
    ['b', { dtype: 'float32', shape: [1], data: new Float32Array([3]) }],
  ]));
  /** Rewrites the header (keeping its length by padding) and returns the new bytes. */
  function withHeader(bytes: Uint8Array, edit: (h: Record<string, unknown>) => unknown): Uint8Array {
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
    const text = JSON.stringify(edit(header));
    const padded = Buffer.from(text.padEnd(n, ' '), 'utf8');
    assert.equal(padded.length, n, 'test header must fit');
    const out = new Uint8Array(bytes);
    out.set(padded, 8);
    return out;
  }
  for (const [what, edit, pattern] of [
    ['negative offsets', (h: any) => ({ ...h, a: { ...h.a, data_offsets: [-8, 0] } }), /data_offsets \[-8,0\] is not a pair/],
    ['overlapping offsets', (h: any) => ({ ...h, b: { ...h.b, data_offsets: [4, 8] } }), /overlap|belong to no tensor/],
    ['a gap', (h: any) => ({ ...h, a: { ...h.a, shape: [1], data_offsets: [0, 4] } }), /belong to no tensor/],
    ['negative shape', (h: any) => ({ ...h, a: { ...h.a, shape: [-2] } }), /shape \[-2\] is not a list of non-negative integers/],
    ['null header', () => null, /header is null, expected a JSON object/],
    ['null entry', (h: any) => ({ ...h, a: null }), /tensor 'a': entry is null/],
  ] as const) {
    it(`rejects ${what}`, () => {
      assert.throws(() => decodeSafetensors(withHeader(one(), edit), 'w.safetensors'), (e: Error) => e.message.startsWith('w.safetensors: ') && pattern.test(e.message));
    });
  }
});

describe('checkpoint paths that are not plain files', () => {
  it('a named pipe for checkpoint.json is refused at once (reading it would block forever)', async () => {
    const dir = join(tmp(), 'ckpt');
    (await trained()).saveCheckpoint(dir);
    const file = join(dir, 'checkpoint.json');
    rmSync(file);
    const r = spawnSync('mkfifo', [file]);
    assert.equal(r.status, 0, 'mkfifo');
    const t0 = performance.now();
    assert.throws(() => Trainer.resume(dir, new TinyAutoencoder()), /checkpoint\.json: is not a regular file/);
    assert.ok(performance.now() - t0 < 5000);
    // Saving over it refuses too (its checkpoint.json is not aekit's), without reading the pipe.
    assert.throws(() => (Trainer.create(new TinyAutoencoder())).saveCheckpoint(dir), /checkpoint\.json that is not an aekit checkpoint/);
  });
  it('a symbolic link loop is named in words', () => {
    const root = tmp();
    symlinkSync(join(root, 'b'), join(root, 'a'));
    symlinkSync(join(root, 'a'), join(root, 'b'));
    assert.throws(() => Trainer.resume(join(root, 'a'), new TinyAutoencoder()), /a: too many levels of symbolic links/);
  });
});
