/**
 * The `device` session option (issue 16): validation, the error without a
 * WebGPU adapter, and 'auto' falling back to the CPU. The adapter cases run in
 * child processes whose Vulkan loader is pointed at no driver, so they behave
 * the same on a machine with a GPU; each has a timeout, since a probe that
 * hangs is the failure they guard against.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '../../src/config/validate.js';
import { Autoencoder } from '../../src/models/dense.js';
import { RuntimeError, RuntimeSession } from '../../src/onnx/runtime.js';
import { checkSessionOptions } from '../../src/train/options.js';
import { Trainer } from '../../src/train/trainer.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHILD_TIMEOUT_MS = 90_000;

/**
 * Runs an ES module body in a fresh Node process (own probe cache) whose
 * Vulkan loader finds no driver, and returns the JSON it prints last.
 */
function runWithoutGpu(body: string): Record<string, unknown> {
  const src = (path: string) => pathToFileURL(join(root, 'src', path)).href;
  // A module file rather than --eval: the training worker inherits the process's flags, and --input-type would stop it.
  const code = `
    import { RuntimeSession, probeWebGpu, resolveDevice } from '${src('onnx/runtime.ts')}';
    import { Trainer } from '${src('train/trainer.ts')}';
    import { Autoencoder } from '${src('models/dense.ts')}';
    import { Graph } from '${src('graph/graph.ts')}';
    import { toOnnx } from '${src('onnx/serialize.ts')}';
    const out = {};
    const model = () => { const g = new Graph(); const x = g.input('x', ['N', 2]); return toOnnx(g, { outputs: { y: g.mul(x, 2) } }).bytes; };
    ${body}
    console.log(JSON.stringify(out));
    process.exit(0);
  `;
  const dir = mkdtempSync(join(tmpdir(), 'aekit-webgpu-'));
  try {
    const file = join(dir, 'child.mts');
    writeFileSync(file, code);
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      encoding: 'utf8',
      timeout: CHILD_TIMEOUT_MS,
      // Both spellings of the loader's driver list (old and new loaders).
      env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ADD_DRIVER_FILES: '' },
    });
    assert.equal(r.error, undefined, `child process: ${String(r.error)}`);
    assert.equal(r.status, 0, `child process failed:\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('device option', () => {
  it('accepts cpu, webgpu and auto, and rejects anything else by name', () => {
    for (const device of ['cpu', 'webgpu', 'auto']) checkSessionOptions({ device }, 'compile.session');
    assert.throws(() => checkSessionOptions({ device: 'gpu' }, 'compile.session'), (e: Error) => e instanceof ConfigError && /^compile\.session\.device: expected one of 'cpu', 'webgpu', 'auto', got "gpu"$/.test(e.message));
    assert.throws(() => checkSessionOptions({ device: 1 }, 'compile.session'), /compile\.session\.device: expected one of/);
    assert.throws(() => checkSessionOptions({ device: 'cpu', executionProviders: ['cpu'] }, 'compile.session'), /compile\.session\.device: give either 'device' or 'executionProviders', not both/);
  });

  it('is checked by compile and Trainer.create before anything is built', () => {
    const model = new Autoencoder({ inputShape: [4], encoder: { sizes: [2] } });
    assert.throws(() => model.compile({ session: { device: 'cuda' as never } }), /compile\.session\.device: expected one of 'cpu', 'webgpu', 'auto', got "cuda"/);
    assert.throws(() => Trainer.create(model, { session: { device: 'WebGPU' as never } }), /Trainer\.create\.session\.device: expected one of/);
  });

  it('cpu is the default and needs no probe', async () => {
    const model = new Autoencoder({ inputShape: [4], encoder: { sizes: [2] } });
    const trainer = Trainer.create(model, { session: { device: 'cpu' } });
    assert.equal(trainer.artifacts.device, 'cpu');
    const session = await RuntimeSession.create(trainer.artifacts.evaluate.bytes);
    assert.equal(session.device, 'cpu');
    await session.release();
    await assert.rejects(RuntimeSession.create(trainer.artifacts.evaluate.bytes, { device: 'cpu', executionProviders: ['cpu'] }), (e: Error) => e instanceof RuntimeError && /give 'device' \(cpu\) or 'executionProviders' \(\[cpu\]\), not both/.test(e.message));
  });

  it('webgpu without an adapter fails with one clear message naming the device and what is missing', { timeout: CHILD_TIMEOUT_MS + 10_000 }, () => {
    const out = runWithoutGpu(`
      try { await RuntimeSession.create(model(), { device: 'webgpu' }); out.session = 'created'; }
      catch (e) { out.session = { name: e.name, device: e.device, message: e.message, stack: e.stack }; }
      try { Trainer.create(new Autoencoder({ inputShape: [4], encoder: { sizes: [2] } }), { session: { device: 'webgpu' } }); out.trainer = 'created'; }
      catch (e) { out.trainer = { name: e.name, message: e.message }; }
    `);
    const session = out.session as { name: string; device: string; message: string; stack: string };
    assert.notEqual(out.session, 'created');
    assert.equal(session.name, 'DeviceUnavailableError');
    assert.equal(session.device, 'webgpu');
    assert.match(session.message, /^device 'webgpu': no usable WebGPU adapter \(ONNX Runtime: Failed to get a WebGPU adapter[^)]*\); a GPU with a Vulkan driver .* is needed — use device 'cpu'/);
    // The provider's own text comes without its source paths and assertion.
    assert.doesNotMatch(session.message, /onnxruntime_src|webgpu_context\.cc|was false/);
    assert.doesNotMatch(session.stack.split('\n').slice(1).join('\n'), /onnxruntime-node/);
    // compile / Trainer.create fail the same way, before any training starts.
    assert.deepEqual(out.trainer, { name: 'DeviceUnavailableError', message: session.message });
  });

  it('auto falls back to the CPU, says so, and probes once per process', { timeout: CHILD_TIMEOUT_MS + 10_000 }, () => {
    const out = runWithoutGpu(`
      let t = performance.now();
      out.probe = probeWebGpu();
      out.firstMs = performance.now() - t;
      t = performance.now();
      out.again = probeWebGpu() === probeWebGpu();
      out.secondMs = performance.now() - t;
      out.resolved = resolveDevice('auto');
      const session = await RuntimeSession.create(model(), { device: 'auto' });
      out.sessionDevice = session.device;
      out.y = Array.from((await session.run({ x: { dtype: 'float32', shape: [1, 2], data: new Float32Array([1, -3]) } })).y.data);
      const trainer = Trainer.create(new Autoencoder({ inputShape: [4], encoder: { sizes: [2] } }), { seed: 1, session: { device: 'auto' } });
      out.trainerDevice = trainer.artifacts.device;
      out.optionsDevice = trainer.options.session.device;
      // Training runs in a worker thread, which gets the decided device.
      const fit = await trainer.fit({ x: new Float32Array(32).map((_, i) => (i % 5) / 5), shape: [8, 4] }, { epochs: 1, batchSize: 4 });
      out.loss = fit.history[0].loss;
    `);
    const probe = out.probe as { available: boolean; reason: string };
    assert.equal(probe.available, false);
    assert.match(probe.reason, /WebGPU adapter/);
    assert.equal(out.again, true);
    assert.ok((out.secondMs as number) < 5, `a second probe took ${String(out.secondMs)} ms: not cached`);
    assert.equal(out.resolved, 'cpu');
    assert.equal(out.sessionDevice, 'cpu');
    assert.deepEqual(out.y, [2, -6]);
    assert.equal(out.trainerDevice, 'cpu');
    assert.equal(out.optionsDevice, 'cpu');
    assert.ok(Number.isFinite(out.loss as number));
  });
});
