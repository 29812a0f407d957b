/**
 * Cases on the command line (`aekit train`, `aekit ops`) and on the
 * environment: read-only folders, /proc paths, a full disk (a tiny tmpfs),
 * named pipes where files are expected, symlink loops.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Autoencoder, data as D } from '../../src/index.js';
import { group } from './cases-api.js';
import type { Case } from './types.js';
import { copyCheckpoint, put, tinyData, tinyModel } from './workspace.js';

// ---------- CLI ----------

const CLI_CATEGORY = 'CLI (aekit commands)';
const cliIds = new Set<string>();

function cli(expect: 'reject' | 'accept', name: string, args: string[], mentions: Case['mentions'], extra: Partial<Case> = {}): Case {
  const id = `cli/${name}`;
  if (cliIds.has(id)) throw new Error(`duplicate case id ${id}`);
  cliIds.add(id);
  return { id, category: CLI_CATEGORY, input: `aekit ${args.map((a) => (a === '' || /\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`, expect, mentions, cli: args, ...extra };
}

const train = (...a: string[]) => ['train', ...a];
/** Small, valid train flags: a case that is wrongly accepted still ends in seconds. */
const SMALL = ['--model', 'dense', '--epochs', '1', '--samples', '64', '--test-samples', '64', '--batch-size', '32', '--no-figures'];
const csvTable = 'a,b,c,label\n' + Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 2},${i % 2 ? 'x' : 'y'}`).join('\n') + '\n';
/** A run folder made by the CLI itself would cost a training run per case; a saved checkpoint is accepted where a run is. */
const withCheckpoint = async (ws: string) => { await copyCheckpoint(ws); };

export const cliCases: Case[] = [
  cli('reject', 'epochs-negative', train('--epochs', '-1'), ['--epochs', '-1']),
  cli('reject', 'epochs-word', train('--epochs', 'abc'), ['--epochs', 'abc']),
  cli('reject', 'epochs-fraction', train('--epochs', '1.5'), ['--epochs', '1.5']),
  cli('reject', 'epochs-missing-value', train('--epochs'), ['--epochs']),
  cli('reject', 'samples-zero', train('--samples', '0'), ['--samples']),
  cli('reject', 'samples-too-many', train(...SMALL, '--samples', '99999999'), ['--samples'], { timeoutMs: 90_000 }),
  cli('reject', 'test-samples-zero', train('--test-samples', '0'), ['--test-samples']),
  cli('reject', 'batch-size-zero', train('--batch-size', '0'), ['--batch-size']),
  cli('reject', 'lr-zero', train('--lr', '0'), ['--lr']),
  cli('reject', 'lr-negative', train('--lr', '-1'), ['--lr']),
  cli('reject', 'lr-word', train('--lr', 'fast'), ['--lr', 'fast']),
  cli('reject', 'lr-infinity', train('--lr', 'Infinity'), ['--lr']),
  cli('reject', 'seed-word', train('--seed', 'abc'), ['--seed']),
  cli('reject', 'loss-unknown', train('--loss', 'l3'), ['--loss', 'l3']),
  cli('reject', 'threads-zero', train('--threads', '0'), ['--threads']),
  cli('reject', 'threads-word', train('--threads', 'many'), ['--threads']),
  cli('reject', 'validation-split-one', train('--validation-split', '1'), ['--validation-split']),
  cli('reject', 'latent-zero', train('--latent', '0'), ['--latent']),
  cli('reject', 'noise-negative', train('--model', 'denoising', '--noise', '-1'), ['--noise']),
  cli('reject', 'shape-zero', train('--shape', '0,28'), ['--shape']),
  cli('reject', 'shape-mismatch', train(...SMALL, '--shape', '5,5'), ['--shape']),
  cli('reject', 'model-unknown', train('--model', 'transformer'), ['--model', 'transformer']),
  cli('reject', 'optimizer-unknown', train('--optimizer', 'adagrad'), ['--optimizer', 'adagrad']),
  cli('reject', 'schedule-unknown', train('--schedule', 'warp'), ['--schedule', 'warp']),
  cli('reject', 'data-missing', train(...SMALL, '--data', 'nope.csv'), ['nope.csv']),
  cli('reject', 'data-ragged', train(...SMALL, '--data', 'bad.csv'), ['bad.csv', 'line 3'], { setup: (ws) => { put(ws, 'bad.csv', 'a,b,c\n1,2,3\n4,5\n'); } }),
  cli('reject', 'label-column-unknown', train(...SMALL, '--data', 't.csv', '--label-column', 'klass'), ['klass'], { setup: (ws) => { put(ws, 't.csv', csvTable); } }),
  cli('reject', 'config-missing', train('--config', 'nope.yaml'), ['nope.yaml']),
  cli('reject', 'config-syntax', train('--config', 'run.yaml'), ['run.yaml'], { setup: (ws) => { put(ws, 'run.yaml', 'model:\n  className: [Autoencoder\n'); } }),
  cli('reject', 'config-unknown-field', train('--config', 'run.json'), ['epoch'], { setup: (ws) => { put(ws, 'run.json', JSON.stringify({ model: 'dense', data: { source: 'mnist' }, training: { epoch: 3 } })); } }),
  cli('reject', 'name-escapes', train(...SMALL, '--name', '../outside'), [/--name|config\.name/, '../outside']),
  cli('reject', 'resume-missing', train('--resume', 'runs/nope'), ['runs/nope']),
  cli('reject', 'unknown-flag', train('--epoch', '2'), ['--epoch']),
  cli('reject', 'extra-argument', train('mnist'), [/mnist|too many arguments/]),
  cli('reject', 'unknown-command', ['trian'], ['trian']),
  cli('reject', 'out-empty', train('--out', ''), ['--out']),
  cli('reject', 'out-proc', train(...SMALL, '--out', '/proc/aekit-review-x'), ['--out', '/proc/aekit-review-x'], { timeoutMs: 60_000 }),
  cli('reject', 'out-under-file', train(...SMALL, '--out', 'notes.txt/run'), ['--out', 'notes.txt'], { setup: (ws) => { put(ws, 'notes.txt', 'mine'); } }),
  cli('reject', 'out-foreign-folder', train(...SMALL, '--out', 'mine'), ['--out', 'mine'], { setup: (ws) => { put(ws, 'mine/notes.txt', 'keep me'); } }),
  cli('reject', 'eval-missing-run', ['eval', 'runs/nope'], ['runs/nope']),
  cli('reject', 'eval-foreign-folder', ['eval', 'photos'], ['photos'], { setup: (ws) => { put(ws, 'photos/a.jpg', 'jpeg'); } }),
  cli('reject', 'eval-batch-size', ['eval', 'ck', '--batch-size', '0'], ['--batch-size'], { setup: withCheckpoint }),
  cli('reject', 'eval-data-width', ['eval', 'ck', '--data', 'w.csv'], ['--data'], { setup: async (ws) => { await withCheckpoint(ws); put(ws, 'w.csv', 'a,b\n1,2\n'); } }),
  cli('reject', 'encode-out-format', ['encode', 'ck', '--out', 'codes.txt'], ['codes.txt'], { setup: withCheckpoint }),
  cli('reject', 'export-part-unknown', ['export', 'ck', '--part', 'middle', '--out', 'x'], ['middle'], { setup: withCheckpoint }),
  cli('reject', 'export-two-parts-one-file', ['export', 'ck', '--part', 'encoder', 'decoder', '--out', 'one.onnx'], ['one.onnx'], { setup: withCheckpoint }),
  cli('reject', 'summary-model-unknown', ['summary', '--model', 'transformer'], ['transformer']),
  cli('reject', 'ops-only-unknown', ['ops', '--only', 'NoSuchOp'], ['NoSuchOp']),
  cli('reject', 'ops-only-empty', ['ops', '--only', ''], ['--only']),
  cli('reject', 'ops-unknown-flag', ['ops', '--fast'], ['--fast']),
  cli('accept', 'control-version', ['--version'], undefined),
  cli('accept', 'control-ops-relu', ['ops', '--only', 'Relu'], undefined),
  cli('accept', 'control-summary', ['summary', '--model', 'dense'], undefined),
  cli('accept', 'control-train-small', train(...SMALL, '--out', 'run'), undefined, { mayChange: ['run'], timeoutMs: 120_000 }),
  cli('accept', 'control-eval-checkpoint', ['eval', 'ck', '--data', 'd.csv', '--json'], undefined, {
    setup: async (ws) => { await withCheckpoint(ws); put(ws, 'd.csv', 'a,b,c,d,e,f,g,h\n' + '0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8\n'.repeat(4)); },
    timeoutMs: 60_000,
  }),
];

// ---------- environment ----------

/** Result of trying something that needs privileges or kernel support, once per review. */
const probes = new Map<string, string | undefined>();
function probe(name: string, attempt: () => void): string | undefined {
  if (!probes.has(name)) {
    try {
      attempt();
      probes.set(name, undefined);
    } catch (e) {
      probes.set(name, `${name} not possible here: ${String((e as Error).message).split('\n')[0]}`);
    }
  }
  return probes.get(name);
}

const isRoot = () => process.getuid?.() === 0;

/** Makes `dir` read-only: chmod for a normal user; root ignores modes, so a read-only bind mount. */
function makeReadOnly(dir: string): void {
  if (!isRoot()) {
    execFileSync('chmod', ['a-w', dir]);
    return;
  }
  execFileSync('mount', ['--bind', dir, dir], { stdio: 'pipe' });
  execFileSync('mount', ['-o', 'remount,bind,ro', dir], { stdio: 'pipe' });
}

function undoReadOnly(dir: string): void {
  if (!isRoot()) execFileSync('chmod', ['u+w', dir]);
  else execFileSync('umount', [dir], { stdio: 'pipe' });
}

const roSkip = () => probe('a read-only folder', () => {
  const d = mkdtempSync(join(tmpdir(), 'aekit-ro-probe-'));
  try {
    makeReadOnly(d);
    try {
      let writable = true;
      try {
        writeFileSync(join(d, 'x'), 'x');
      } catch {
        writable = false;
      }
      if (writable) throw new Error('the folder stayed writable');
    } finally {
      undoReadOnly(d);
    }
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

/** A 64 KiB tmpfs at `dir`, filled up to the last block by `filler.bin` after `prepare` ran. */
function fullDisk(dir: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
}

function fill(dir: string): void {
  // Write until the file system refuses: what is left is too little for any checkpoint or export.
  const chunk = new Uint8Array(1024).fill(7);
  const parts: Uint8Array[] = [];
  for (;;) {
    try {
      parts.push(chunk);
      writeFileSync(join(dir, 'filler.bin'), Buffer.concat(parts));
    } catch {
      parts.pop();
      writeFileSync(join(dir, 'filler.bin'), Buffer.concat(parts));
      return;
    }
  }
}

const fullSkip = () => probe('a full disk (a 64 KiB tmpfs)', () => {
  if (!isRoot()) throw new Error('mounting a tmpfs needs root');
  const d = mkdtempSync(join(tmpdir(), 'aekit-tmpfs-probe-'));
  try {
    fullDisk(d);
    execFileSync('umount', [d], { stdio: 'pipe' });
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

const fifoSkip = () => probe('a named pipe', () => {
  const d = mkdtempSync(join(tmpdir(), 'aekit-fifo-probe-'));
  try {
    execFileSync('mkfifo', [join(d, 'p')]);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

const group0 = group('environment faults', 'env');
/** Every environment case runs in a process of its own. */
const env = {
  bad: (...a: Parameters<typeof group0.bad>) => ({ ...group0.bad(...a), isolate: true }),
};
const compiled = () => { const m = tinyModel(); m.compile({ seed: 1 }); return m; };
const umount = (ws: string, rel: string) => { try { execFileSync('umount', [join(ws, rel)], { stdio: 'pipe' }); } catch { /* not mounted */ } };

export const envCases: Case[] = [
  env.bad('ro-save', 'save into a read-only folder', ['ro'], () => compiled().save('ro/ck'), {
    skip: roSkip, setup: (ws) => { put(ws, 'ro/keep.txt', 'mine'); makeReadOnly(join(ws, 'ro')); }, cleanup: (ws) => undoReadOnly(join(ws, 'ro')),
  }),
  env.bad('ro-resave', 'save over a checkpoint inside a read-only folder', ['ro/ck'], () => Autoencoder.load('ro/ck').save('ro/ck'), {
    skip: roSkip, setup: async (ws) => { await copyCheckpoint(ws, 'ro/ck'); makeReadOnly(join(ws, 'ro')); }, cleanup: (ws) => undoReadOnly(join(ws, 'ro')),
  }),
  env.bad('ro-fit-checkpoint', 'fit({ checkpointDir }) in a read-only folder', ['ro'], () => compiled().fit(tinyData(), { epochs: 1, batchSize: 8, checkpointDir: 'ro/ck' }), {
    skip: roSkip, setup: (ws) => { mkdirSync(join(ws, 'ro')); makeReadOnly(join(ws, 'ro')); }, cleanup: (ws) => undoReadOnly(join(ws, 'ro')),
  }),
  env.bad('ro-export', 'exportOnnx into a read-only folder', ['ro'], () => compiled().exportOnnx('ro/m.onnx'), {
    skip: roSkip, setup: (ws) => { mkdirSync(join(ws, 'ro')); makeReadOnly(join(ws, 'ro')); }, cleanup: (ws) => undoReadOnly(join(ws, 'ro')),
  }),
  env.bad('proc-save', "save('/proc/aekit-review-x')", ['/proc/aekit-review-x'], () => compiled().save('/proc/aekit-review-x'), { timeoutMs: 20_000 }),
  env.bad('proc-nested-save', "save('/proc/aekit-review-x/a/b')", ['/proc/aekit-review-x'], () => compiled().save('/proc/aekit-review-x/a/b'), { timeoutMs: 20_000 }),
  env.bad('proc-export', "exportOnnx('/proc/aekit-review.onnx')", ['/proc/aekit-review.onnx'], () => compiled().exportOnnx('/proc/aekit-review.onnx'), { timeoutMs: 20_000 }),
  env.bad('proc-fit-checkpoint', "fit({ checkpointDir: '/proc/aekit-review-x/ck' })", ['/proc/aekit-review-x'], () => compiled().fit(tinyData(), { epochs: 1, batchSize: 8, checkpointDir: '/proc/aekit-review-x/ck' }), { timeoutMs: 20_000 }),
  env.bad('full-resave', 'save over a checkpoint on a full disk (old one must survive)', [/space|ENOSPC|full/i], async () => {
    const m = Autoencoder.load('full/ck');
    await m.fit(tinyData(), { epochs: 1, batchSize: 8 });
    m.save('full/ck');
  }, {
    skip: fullSkip, setup: async (ws) => { fullDisk(join(ws, 'full')); await copyCheckpoint(ws, 'full/ck'); fill(join(ws, 'full')); }, cleanup: (ws) => umount(ws, 'full'),
  }),
  env.bad('full-export', 'exportOnnx onto a full disk', [/space|ENOSPC|full/i], () => compiled().exportOnnx('full/m.onnx'), {
    skip: fullSkip, setup: (ws) => { fullDisk(join(ws, 'full')); fill(join(ws, 'full')); }, cleanup: (ws) => umount(ws, 'full'),
  }),
  env.bad('full-fit-checkpoint', 'fit({ checkpointDir }) on a full disk', [/space|ENOSPC|full/i], () => compiled().fit(tinyData(), { epochs: 2, batchSize: 8, checkpointDir: 'full/ck' }), {
    skip: fullSkip, setup: (ws) => { fullDisk(join(ws, 'full')); fill(join(ws, 'full')); }, cleanup: (ws) => umount(ws, 'full'),
  }),
  env.bad('fifo-csv', 'readCsv of a named pipe nobody writes to', ['pipe.csv'], () => D.readCsv('pipe.csv'), {
    skip: fifoSkip, setup: (ws) => { execFileSync('mkfifo', [join(ws, 'pipe.csv')]); }, timeoutMs: 15_000,
  }),
  env.bad('fifo-image-folder', 'loadImageFolder of a folder whose only "image" a.png is a named pipe', [/imgs|a\.png/], () => D.loadImageFolder('imgs'), {
    skip: fifoSkip, setup: (ws) => { mkdirSync(join(ws, 'imgs')); execFileSync('mkfifo', [join(ws, 'imgs/a.png')]); }, timeoutMs: 15_000,
  }),
  env.bad('fifo-checkpoint', 'load of a checkpoint whose checkpoint.json is a named pipe', ['checkpoint.json'], () => Autoencoder.load('ck'), {
    skip: fifoSkip, setup: async (ws) => { const dir = await copyCheckpoint(ws); rmSync(join(dir, 'checkpoint.json')); execFileSync('mkfifo', [join(dir, 'checkpoint.json')]); }, timeoutMs: 15_000,
  }),
  env.bad('symlink-loop', 'load of a checkpoint path that is a symlink loop', ['loop'], () => Autoencoder.load('loop'), { setup: (ws) => symlinkSync('loop', join(ws, 'loop')) }),
  env.bad('weights-is-dir', 'load of a checkpoint whose weights.safetensors is a folder', ['weights.safetensors'], () => Autoencoder.load('ck'), {
    setup: async (ws) => { const dir = await copyCheckpoint(ws); rmSync(join(dir, 'weights.safetensors')); mkdirSync(join(dir, 'weights.safetensors')); },
  }),
  cli('reject', 'out-read-only', train(...SMALL, '--out', 'ro/run'), ['--out', 'ro'], {
    category: 'environment faults', skip: roSkip, setup: (ws) => { mkdirSync(join(ws, 'ro')); makeReadOnly(join(ws, 'ro')); }, cleanup: (ws) => undoReadOnly(join(ws, 'ro')),
  }),
];
