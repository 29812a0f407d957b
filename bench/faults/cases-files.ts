/**
 * Cases on files: checkpoints on disk (damaged, forged, foreign folders and
 * files in their way), ONNX exports, data files (CSV, NPY, NPZ, IDX, JSON,
 * PNG/JPEG, image folders), stream sources and scalers.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Autoencoder, ConvAutoencoder, Trainer, data as D, decodeSafetensors, loadSafetensors, streamSource,
} from '../../src/index.js';
import { group } from './cases-api.js';
import {
  concat, f32le, greyPng, greyRows, idx, ihdr, jpegScanStart, jpegWithSize, npy, png, pngChunk, PNG_SIGNATURE, readSafetensors, safetensors,
  validJpeg, zipStored,
} from './fixtures.js';
import type { Case } from './types.js';
import { copyCheckpoint, editMeta, forge, put, tinyData, tinyModel } from './workspace.js';

const any = <T>(v: unknown) => v as T;

/** The checkpoint's own files: what a save may replace. */
const CK_FILES = ['checkpoint.json', 'weights.safetensors', 'optimizer.safetensors', 'model.json'].map((f) => `ck/${f}`);

/** Edits the header of a safetensors file (keeps the data), for forged checkpoints. */
function editHeader(edit: (h: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void) {
  return (bytes: Uint8Array) => {
    const { header, data } = readSafetensors(bytes);
    edit(any(header));
    return safetensors(header, data);
  };
}

const firstTensor = (h: Record<string, unknown>) => Object.keys(h).find((k) => k !== '__metadata__')!;

const ck = group('checkpoints', 'ckpt');
const load = (dir = 'ck') => Autoencoder.load(dir);

export const checkpointCases: Case[] = [
  ck.bad('missing-dir', 'Autoencoder.load of a folder that does not exist', ['no-such-ck'], () => load('no-such-ck')),
  ck.bad('empty-dir', 'load of an empty folder', ['empty'], () => load('empty'), { setup: (ws) => mkdirSync(join(ws, 'empty')) }),
  ck.bad('file-not-dir', 'load of a path that is a file', ['notes.txt'], () => load('notes.txt'), { setup: (ws) => { put(ws, 'notes.txt', 'hello'); } }),
  ck.bad('weights-truncated', 'weights.safetensors cut in half', ['weights.safetensors'], () => load(), {
    setup: async (ws) => {
      const dir = await copyCheckpoint(ws);
      const f = join(dir, 'weights.safetensors');
      const b = readFileSync(f);
      writeFileSync(f, b.subarray(0, b.length >> 1));
    },
  }),
  ck.bad('weights-flipped-byte', 'one flipped byte in the weight data', ['weights.safetensors'], () => load(), {
    setup: async (ws) => {
      const f = join(await copyCheckpoint(ws), 'weights.safetensors');
      const b = readFileSync(f);
      b[b.length - 3]! ^= 0x40;
      writeFileSync(f, b);
    },
  }),
  ck.bad('weights-deleted', 'weights.safetensors deleted', ['weights.safetensors'], () => load(), { setup: async (ws) => rmSync(join(await copyCheckpoint(ws), 'weights.safetensors')) }),
  ck.bad('meta-truncated', 'checkpoint.json truncated', ['checkpoint.json'], () => Trainer.resume('ck', tinyModel()), {
    setup: async (ws) => {
      const f = join(await copyCheckpoint(ws), 'checkpoint.json');
      writeFileSync(f, readFileSync(f).subarray(0, 200));
    },
  }),
  ck.bad('meta-null', 'checkpoint.json holding null', ['checkpoint.json'], () => Trainer.resume('ck', tinyModel()), { setup: async (ws) => editMeta(await copyCheckpoint(ws), () => null) }),
  ck.bad('meta-no-history', "checkpoint.json without 'history'", ['history'], () => Trainer.resume('ck', tinyModel()), { setup: async (ws) => editMeta(await copyCheckpoint(ws), (m) => { delete m.history; }) }),
  ck.bad('meta-no-optimizer', "checkpoint.json without 'optimizer'", ['optimizer'], () => Trainer.resume('ck', tinyModel()), { setup: async (ws) => editMeta(await copyCheckpoint(ws), (m) => { delete m.optimizer; }) }),
  ck.bad('meta-lr-string', 'checkpoint.json optimizer.learningRate "fast"', ['learningRate'], () => load(), { setup: async (ws) => editMeta(await copyCheckpoint(ws), (m) => { (m.optimizer as Record<string, unknown>).learningRate = 'fast'; }) }),
  ck.bad('meta-epoch-string', 'checkpoint.json epoch "one"', ['epoch'], () => load(), { setup: async (ws) => editMeta(await copyCheckpoint(ws), (m) => { m.epoch = 'one'; }) }),
  ck.bad('meta-version', 'checkpoint.json version 99', ['version'], () => load(), { setup: async (ws) => editMeta(await copyCheckpoint(ws), (m) => { m.version = 99; }) }),
  ck.bad('meta-no-checksums', 'checkpoint.json without its checksums', [/checksum/i], () => load(), { setup: async (ws) => editMeta(await copyCheckpoint(ws), (m) => { delete m.checksums; }) }),
  ck.bad('meta-bad-class', "checkpoint.json and model.json naming className 'Nope'", ['Nope'], () => load(), {
    setup: async (ws) => {
      const dir = await copyCheckpoint(ws);
      editMeta(dir, (m) => { (m.model as Record<string, unknown>).className = 'Nope'; });
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), className: 'Nope' }));
    },
  }),
  ck.bad('model-json-truncated', 'model.json truncated', ['model.json'], () => load(), {
    setup: async (ws) => {
      const f = join(await copyCheckpoint(ws), 'model.json');
      writeFileSync(f, readFileSync(f).subarray(0, 30));
    },
  }),
  ck.bad('model-json-null', 'model.json holding null', ['model.json'], () => load(), { setup: async (ws) => { writeFileSync(join(await copyCheckpoint(ws), 'model.json'), 'null'); } }),
  ck.bad('model-json-mismatch', 'model.json of a bigger model than the saved weights', [/shape|encoder_0/], () => load(), {
    setup: async (ws) => { writeFileSync(join(await copyCheckpoint(ws), 'model.json'), JSON.stringify({ className: 'Autoencoder', inputShape: [8], encoder: { sizes: [5] } })); },
  }),
  ck.bad('forged-negative-offset', 'safetensors offsets negative (checksum re-signed)', ['weights.safetensors'], () => load(), {
    setup: async (ws) => forge(await copyCheckpoint(ws), 'weights.safetensors', editHeader((h) => { h[firstTensor(h)]!.data_offsets = [-4, 28]; })),
  }),
  ck.bad('forged-overlap', 'two tensors sharing bytes (checksum re-signed)', ['weights.safetensors'], () => load(), {
    setup: async (ws) => forge(await copyCheckpoint(ws), 'weights.safetensors', editHeader((h) => {
      const [a, b] = Object.keys(h).filter((k) => k !== '__metadata__');
      const len = h[b!]!.data_offsets[1]! - h[b!]!.data_offsets[0]!;
      h[b!]!.data_offsets = [h[a!]!.data_offsets[0]!, h[a!]!.data_offsets[0]! + len];
    })),
  }),
  ck.bad('forged-past-end', 'a tensor reaching past the end of the data (re-signed)', ['weights.safetensors'], () => load(), {
    setup: async (ws) => forge(await copyCheckpoint(ws), 'weights.safetensors', editHeader((h) => {
      const k = firstTensor(h);
      h[k]!.data_offsets = [h[k]!.data_offsets[0]! + 1e6, h[k]!.data_offsets[1]! + 1e6];
    })),
  }),
  ck.bad('forged-nan-weight', 'a NaN weight (checksum re-signed)', ['weights.safetensors'], () => load(), {
    setup: async (ws) => forge(await copyCheckpoint(ws), 'weights.safetensors', (b) => {
      const out = b.slice();
      new DataView(out.buffer).setFloat32(out.length - 4, NaN, true);
      return out;
    }),
  }),
  ck.bad('forged-negative-shape', 'a tensor of shape [-8] (re-signed)', ['weights.safetensors'], () => load(), {
    setup: async (ws) => forge(await copyCheckpoint(ws), 'weights.safetensors', editHeader((h) => { h['decoder_output/bias']!.shape = [-8]; })),
  }),
  ck.bad('forged-header-length', 'header length field 2^40 (re-signed)', ['weights.safetensors'], () => load(), {
    setup: async (ws) => forge(await copyCheckpoint(ws), 'weights.safetensors', (b) => {
      const out = b.slice();
      new DataView(out.buffer).setBigUint64(0, 2n ** 40n, true);
      return out;
    }),
  }),
  ck.bad('forged-missing-tensor', 'a weight tensor removed from the header (re-signed)', ['weights.safetensors'], () => load(), {
    setup: async (ws) => forge(await copyCheckpoint(ws), 'weights.safetensors', editHeader((h) => { delete h['encoder_0/kernel']; })),
  }),
  ck.bad('forged-dtype', "a tensor of dtype 'F16' (re-signed)", ['weights.safetensors'], () => load(), {
    setup: async (ws) => forge(await copyCheckpoint(ws), 'weights.safetensors', editHeader((h) => { h['decoder_output/bias']!.dtype = 'F16'; })),
  }),
  ck.bad('forged-header-null', 'safetensors header JSON null (re-signed)', ['weights.safetensors'], () => load(), {
    setup: async (ws) => forge(await copyCheckpoint(ws), 'weights.safetensors', () => safetensors(null, new Uint8Array(8))),
  }),
  ck.bad('wrong-class', 'ConvAutoencoder.load of a dense Autoencoder checkpoint', ['ConvAutoencoder'], () => ConvAutoencoder.load('ck'), { setup: async (ws) => { await copyCheckpoint(ws); } }),
  ck.bad('resume-unknown-option', 'Trainer.resume(dir, model, { thread: 2 })', ['thread'], () => Trainer.resume('ck', tinyModel(), any({ thread: 2 })), { setup: async (ws) => { await copyCheckpoint(ws); } }),
  ck.bad('safetensors-negative-shape', 'loadSafetensors of a file with shape [-1]', ['t.safetensors'], () => loadSafetensors('t.safetensors'), {
    setup: (ws) => { put(ws, 't.safetensors', safetensors({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4))); },
  }),
  ck.bad('safetensors-entry-null', 'decodeSafetensors of a header with a null entry', [/safetensors/], () => decodeSafetensors(safetensors({ a: null }, new Uint8Array(0)))),
  ck.bad('safetensors-garbage', 'decodeSafetensors of 5 bytes', [/safetensors/], () => decodeSafetensors(Uint8Array.of(1, 2, 3, 4, 5))),
  // Saves over things that are not (only) aekit checkpoints: nothing may be lost.
  ck.bad('save-project-cwd', 'save(process.cwd()) in a project folder (package.json, src/)', [/checkpoint/i], () => { const m = tinyModel(); m.compile({ seed: 1 }); m.save(process.cwd()); }, {
    setup: (ws) => { put(ws, 'package.json', '{"name":"my-project"}'); put(ws, 'src/index.ts', 'export {};\n'); },
  }),
  ck.bad('save-onto-file', 'save(path of an existing file)', ['notes.txt'], () => { const m = tinyModel(); m.compile({ seed: 1 }); m.save('notes.txt'); }, { setup: (ws) => { put(ws, 'notes.txt', 'my notes'); } }),
  ck.bad('save-foreign-dir', 'save into a non-empty folder that is not a checkpoint', ['photos'], () => { const m = tinyModel(); m.compile({ seed: 1 }); m.save('photos'); }, { setup: (ws) => { put(ws, 'photos/a.jpg', 'jpeg bytes'); } }),
  ck.bad('save-symlink-foreign', 'save into a symlink to a non-empty foreign folder', ['link'], () => { const m = tinyModel(); m.compile({ seed: 1 }); m.save('link'); }, {
    setup: (ws) => { put(ws, 'data/keep.csv', '1,2\n'); symlinkSync(join(ws, 'data'), join(ws, 'link')); },
  }),
  ck.bad('fit-checkpointdir-foreign', 'fit({ checkpointDir }) naming a non-empty foreign folder', ['photos'], () => {
    const m = tinyModel();
    m.compile({ seed: 1 });
    return m.fit(tinyData(), { epochs: 1, batchSize: 8, checkpointDir: 'photos' });
  }, { setup: (ws) => { put(ws, 'photos/a.jpg', 'jpeg bytes'); }, isolate: true }),
  ck.bad('fit-checkpointdir-under-file', 'fit({ checkpointDir }) under a regular file', ['notes.txt'], () => {
    const m = tinyModel();
    m.compile({ seed: 1 });
    return m.fit(tinyData(), { epochs: 1, batchSize: 8, checkpointDir: 'notes.txt/ck' });
  }, { setup: (ws) => { put(ws, 'notes.txt', 'my notes'); }, isolate: true }),
  ck.ok('control-resave-keeps-export', 'save twice onto a checkpoint folder holding model.onnx and notes (control: both kept)', async () => {
    const m = Autoencoder.load('ck');
    m.save('ck');
    m.save('ck/');
    return 'saved';
  }, { setup: async (ws) => { await copyCheckpoint(ws); put(ws, 'ck/model.onnx', 'onnx bytes'); put(ws, 'ck/notes.txt', 'mine'); }, mayChange: CK_FILES }),
  ck.ok('control-load-after-interrupted-save', 'load a checkpoint with a staged save left by a killed process (control)', () => load().className, {
    setup: async (ws) => {
      await copyCheckpoint(ws);
      // A killed save leaves its staging folder inside the checkpoint; load must still work (and may clean it up).
      put(ws, 'ck/.tmp-999999/weights.safetensors', 'partial');
    },
    mayChange: ['ck/'],
  }),
];

const ex = group('ONNX export', 'export');
const trained = () => { const m = tinyModel(); m.compile({ seed: 1 }); return m; };

export const exportCases: Case[] = [
  ex.bad('onto-dir', 'exportOnnx onto an existing folder', ['out'], () => trained().exportOnnx('out'), { setup: (ws) => mkdirSync(join(ws, 'out')) }),
  ex.bad('trailing-slash', "exportOnnx('model.onnx/')", ['model.onnx'], () => trained().exportOnnx('model.onnx/')),
  ex.bad('empty-path', "exportOnnx('')", [/path|""/], () => trained().exportOnnx('')),
  ex.bad('number-path', 'exportOnnx(5)', [/path|5/], () => trained().exportOnnx(any(5))),
  ex.bad('under-file', 'exportOnnx under a regular file', ['notes.txt'], () => trained().exportOnnx('notes.txt/model.onnx'), { setup: (ws) => { put(ws, 'notes.txt', 'mine'); } }),
  ex.bad('unknown-part', "exportOnnx('m.onnx', 'middle')", ['middle'], () => trained().exportOnnx('m.onnx', 'middle')),
  ex.ok('control-new-folder', 'exportOnnx into a folder not yet there (created; control)', () => trained().exportOnnx('new-dir/m.onnx'), { mayChange: ['new-dir'] }),
  ex.ok('control-overwrite', 'exportOnnx over its own earlier export (control)', () => { const m = trained(); m.exportOnnx('m.onnx'); m.exportOnnx('m.onnx', 'encoder'); return 'ok'; }, { mayChange: ['m.onnx'] }),
];

// ---------- data files ----------

const csv = group('CSV', 'csv');

export const csvCases: Case[] = [
  csv.bad('missing', 'readCsv of a missing file', ['missing.csv'], () => D.readCsv('missing.csv')),
  csv.bad('directory', 'readCsv of a folder', ['folder.csv'], () => D.readCsv('folder.csv'), { setup: (ws) => mkdirSync(join(ws, 'folder.csv')) }),
  csv.bad('ragged', 'a row with 2 cells under a 3-column header', ['bad.csv', 'line 3'], () => D.readCsv('bad.csv'), { setup: (ws) => { put(ws, 'bad.csv', 'a,b,c\n1,2,3\n4,5\n'); } }),
  csv.bad('text-cell', "a cell 'abc' in a numeric column", ['bad.csv', 'line 3'], () => D.readCsv('bad.csv'), { setup: (ws) => { put(ws, 'bad.csv', 'a,b\n1,2\nabc,4\n'); } }),
  csv.bad('nan-cell', 'a NaN cell without impute', ['bad.csv', 'line 2'], () => D.readCsv('bad.csv'), { setup: (ws) => { put(ws, 'bad.csv', 'a,b\nNaN,2\n3,4\n'); } }),
  csv.bad('unterminated-quote', 'an unterminated quoted cell', ['bad.csv'], () => D.readCsv('bad.csv'), { setup: (ws) => { put(ws, 'bad.csv', 'a,b\n"1,2\n3,4\n'); } }),
  csv.bad('binary', 'PNG bytes in a .csv file', ['bad.csv'], () => D.readCsv('bad.csv'), { setup: (ws) => { put(ws, 'bad.csv', greyPng(8, 8)); } }),
  csv.bad('empty-file', 'a 0-byte CSV file', ['empty.csv'], () => D.readCsv('empty.csv'), { setup: (ws) => { put(ws, 'empty.csv', ''); } }),
  csv.bad('long-line', 'a 20 MB CSV with no line break (memory)', ['long.csv'], () => D.readCsv('long.csv'), { setup: (ws) => { put(ws, 'long.csv', '1,'.repeat(10_000_000)); }, isolate: true }),
  csv.bad('label-column', "labelColumn 'nope' (no such column)", ['nope'], () => D.readCsv('ok.csv', { labelColumn: 'nope' }), { setup: (ws) => { put(ws, 'ok.csv', 'a,b\n1,2\n'); } }),
  csv.bad('columns-range', 'columns [99] on a 2-column file', ['99'], () => D.readCsv('ok.csv', { columns: [99] }), { setup: (ws) => { put(ws, 'ok.csv', 'a,b\n1,2\n'); } }),
  csv.bad('delimiter-empty', "delimiter ''", ['delimiter'], () => D.readCsv('ok.csv', { delimiter: '' }), { setup: (ws) => { put(ws, 'ok.csv', 'a,b\n1,2\n'); } }),
  csv.bad('option-typo', "readCsv(file, { delimeter: ';' })", ['delimeter'], () => D.readCsv('ok.csv', any({ delimeter: ';' })), { setup: (ws) => { put(ws, 'ok.csv', 'a,b\n1,2\n'); } }),
  csv.bad('impute-unknown', "impute 'median' (not offered)", ['impute'], () => D.readCsv('ok.csv', any({ impute: 'median' })), { setup: (ws) => { put(ws, 'ok.csv', 'a,b\n1,\n3,4\n'); } }),
  csv.bad('maxlinelength-zero', 'maxLineLength 0', ['maxLineLength'], () => D.readCsv('ok.csv', { maxLineLength: 0 }), { setup: (ws) => { put(ws, 'ok.csv', 'a,b\n1,2\n'); } }),
  csv.bad('header-only-fit', 'fit(streamSource(CSV with a header and no rows))', ['head.csv', 'no samples'], () => trained().fit(streamSource('head.csv'), { epochs: 1 }), { setup: (ws) => { put(ws, 'head.csv', 'a,b,c,d,e,f,g,h\n'); } }),
  csv.ok('control-bom-crlf', 'CSV with a BOM, CRLF line ends and a quoted header (control)', async () => (await D.readCsv('ok.csv')).shape, { setup: (ws) => { put(ws, 'ok.csv', '\uFEFF"a","b"\r\n1,2\r\n3,4\r\n'); } }),
];

const npyCases = group('NPY/NPZ', 'npy');
const goodNpy = () => npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }", f32le([1, 2, 3, 4, 5, 6, 7, 8]));

export const npyFileCases: Case[] = [
  npyCases.bad('bad-magic', 'a .npy file with a wrong magic string', ['bad.npy'], () => D.readNpy('bad.npy'), { setup: (ws) => { const b = goodNpy(); b[1] = 0x41; put(ws, 'bad.npy', b); } }),
  npyCases.bad('truncated-header', 'a .npy file cut inside its header', ['bad.npy'], () => D.readNpy('bad.npy'), { setup: (ws) => { put(ws, 'bad.npy', goodNpy().subarray(0, 80)); } }),
  npyCases.bad('truncated-data', 'a .npy file cut inside its data', ['bad.npy'], () => D.readNpy('bad.npy'), { setup: (ws) => { const b = goodNpy(); put(ws, 'bad.npy', b.subarray(0, b.length - 8)); } }),
  npyCases.bad('header-garbage', 'a header dict that does not parse', ['bad.npy'], () => D.readNpy('bad.npy'), { setup: (ws) => { put(ws, 'bad.npy', npy("{'descr': '<f4', 'fortran_order': Fa", f32le([1]))); } }),
  npyCases.bad('complex-dtype', "dtype '<c8' (complex)", ['bad.npy', 'c8'], () => D.readNpy('bad.npy'), { setup: (ws) => { put(ws, 'bad.npy', npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8))); } }),
  npyCases.bad('object-dtype', "dtype '|O' (pickled objects)", ['bad.npy'], () => D.readNpy('bad.npy'), { setup: (ws) => { put(ws, 'bad.npy', npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8))); } }),
  npyCases.bad('fortran', 'fortran_order True', ['bad.npy', 'fortran'], () => D.readNpy('bad.npy'), { setup: (ws) => { put(ws, 'bad.npy', npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 4), }", f32le([1, 2, 3, 4, 5, 6, 7, 8]))); } }),
  npyCases.bad('negative-shape', 'shape (-1, 4)', ['bad.npy'], () => D.readNpy('bad.npy'), { setup: (ws) => { put(ws, 'bad.npy', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 4), }", f32le([1, 2, 3, 4]))); } }),
  npyCases.bad('huge-shape', 'shape (10**12, 4) in a 100-byte file (memory)', ['bad.npy'], () => D.readNpy('bad.npy'), { setup: (ws) => { put(ws, 'bad.npy', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 4), }", f32le([1, 2, 3, 4]))); }, isolate: true }),
  npyCases.bad('nan-values', 'float32 data holding a NaN', ['bad.npy', 'NaN'], () => D.readNpy('bad.npy'), { setup: (ws) => { put(ws, 'bad.npy', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", f32le([1, NaN]))); } }),
  npyCases.bad('nonfinite-option', "readNpy(file, { nonFinite: 'banana' })", ['nonFinite'], () => D.readNpy('ok.npy', any({ nonFinite: 'banana' })), { setup: (ws) => { put(ws, 'ok.npy', goodNpy()); } }),
  npyCases.bad('npz-truncated', 'an .npz archive cut in half', ['bad.npz'], () => D.readNpz('bad.npz'), { setup: (ws) => { const z = D.encodeNpz({ x: { shape: [2, 4], data: new Float32Array(8) } }); put(ws, 'bad.npz', z.subarray(0, z.length >> 1)); } }),
  npyCases.bad('npz-not-zip', 'a text file named .npz', ['bad.npz'], () => D.readNpz('bad.npz'), { setup: (ws) => { put(ws, 'bad.npz', 'this is not a zip archive at all'); } }),
  npyCases.bad('npz-entry-not-npy', 'an .npz entry x.npy holding text', ['bad.npz', 'x.npy'], () => D.readNpz('bad.npz'), { setup: (ws) => { put(ws, 'bad.npz', zipStored([{ name: 'x.npy', data: new TextEncoder().encode('hello world, not npy') }])); } }),
  npyCases.bad('npz-bomb', 'an .npz stored entry declaring 4 GB (memory)', ['bad.npz'], () => D.readNpz('bad.npz'), { setup: (ws) => { put(ws, 'bad.npz', zipStored([{ name: 'x.npy', data: goodNpy(), declaredSize: 0xfffffff0 }])); }, isolate: true }),
  npyCases.bad('npz-crc', 'an .npz entry whose data does not match its CRC-32', ['bad.npz'], () => D.readNpz('bad.npz'), {
    setup: (ws) => {
      const z = zipStored([{ name: 'x.npy', data: goodNpy() }]);
      z[30 + 'x.npy'.length + 130]! ^= 0x01; // one data byte of the stored entry
      put(ws, 'bad.npz', z);
    },
  }),
  npyCases.ok('control-big-endian', "a '>f8' (big-endian float64) .npy file (control)", async () => (await D.readNpy('ok.npy')).shape, { setup: (ws) => { const b = new Uint8Array(16); new DataView(b.buffer).setFloat64(0, 1.5, false); new DataView(b.buffer).setFloat64(8, -2, false); put(ws, 'ok.npy', npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", b)); } }),
];

const idxCases = group('IDX', 'idx');

export const idxFileCases: Case[] = [
  idxCases.bad('bad-magic', 'an IDX file starting with 0x01', ['bad.idx'], () => D.readIdx('bad.idx'), { setup: (ws) => { put(ws, 'bad.idx', Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 1, 7)); } }),
  idxCases.bad('type-code', 'type code 0x07', ['bad.idx', '0x07'], () => D.readIdx('bad.idx'), { setup: (ws) => { put(ws, 'bad.idx', idx(0x07, [1], Uint8Array.of(1))); } }),
  idxCases.bad('truncated', '10 items declared, 5 present', ['bad.idx'], () => D.readIdx('bad.idx'), { setup: (ws) => { put(ws, 'bad.idx', idx(0x08, [10], new Uint8Array(5))); } }),
  idxCases.bad('header-short', 'rank 200 with a 12-byte file', ['bad.idx'], () => D.readIdx('bad.idx'), { setup: (ws) => { put(ws, 'bad.idx', Uint8Array.of(0, 0, 8, 200, 0, 0, 0, 1, 0, 0, 0, 1)); } }),
  idxCases.bad('huge-dims', 'dims 2^32−1 × 2^32−1 in a tiny file (memory)', ['bad.idx'], () => D.readIdx('bad.idx'), { setup: (ws) => { put(ws, 'bad.idx', idx(0x08, [0xffffffff, 0xffffffff], new Uint8Array(16))); }, isolate: true }),
  idxCases.bad('float-nan', 'float32 IDX holding a NaN', ['bad.idx', 'NaN'], () => D.readIdx('bad.idx'), { setup: (ws) => { const d = new Uint8Array(8); new DataView(d.buffer).setFloat32(4, NaN, false); put(ws, 'bad.idx', idx(0x0d, [2], d)); } }),
  idxCases.ok('control-uint8', 'a valid uint8 IDX file (control)', async () => (await D.readIdx('ok.idx')).shape, { setup: (ws) => { put(ws, 'ok.idx', idx(0x08, [2, 3], Uint8Array.of(1, 2, 3, 4, 5, 6))); } }),
];

const json = group('JSON data', 'json');

export const jsonFileCases: Case[] = [
  json.bad('syntax', 'JSON with a missing bracket', ['bad.json'], () => D.readJsonData('bad.json'), { setup: (ws) => { put(ws, 'bad.json', '[[1, 2], [3, 4]'); } }),
  json.bad('ragged', 'rows of 2 and 3 values', ['bad.json', '[1]'], () => D.readJsonData('bad.json'), { setup: (ws) => { put(ws, 'bad.json', '[[1, 2], [3, 4, 5]]'); } }),
  json.bad('string-value', 'a string among the numbers', ['bad.json'], () => D.readJsonData('bad.json'), { setup: (ws) => { put(ws, 'bad.json', '[[1, "2"], [3, 4]]'); } }),
  json.bad('labels-length', '{ x: 2 rows, labels: 3 }', ['bad.json', 'labels'], () => D.readJsonData('bad.json'), { setup: (ws) => { put(ws, 'bad.json', '{"x": [[1, 2], [3, 4]], "labels": [0, 1, 1]}'); } }),
  json.bad('deep', 'an array nested 100,000 levels deep', ['bad.json'], () => D.readJsonData('bad.json'), { setup: (ws) => { put(ws, 'bad.json', '['.repeat(100_000) + ']'.repeat(100_000)); }, isolate: true }),
  json.bad('float32-range', 'the value 1e39 (outside float32)', ['bad.json'], () => D.readJsonData('bad.json'), { setup: (ws) => { put(ws, 'bad.json', '[[1, 1e39]]'); } }),
  json.bad('no-x', 'an object without x or data', ['bad.json'], () => D.readJsonData('bad.json'), { setup: (ws) => { put(ws, 'bad.json', '{"y": [[1]]}'); } }),
  json.bad('empty-file', 'a 0-byte .json file', ['empty.json'], () => D.readJsonData('empty.json'), { setup: (ws) => { put(ws, 'empty.json', ''); } }),
];

const img = group('PNG/JPEG images', 'image');
const decode = (file: string) => () => D.decodeImage(new Uint8Array(readFileSync(file)), file);

export const imageCases: Case[] = [
  img.bad('png-missing-rows', 'PNG whose data holds 2 of its 8 rows', ['img.png'], decode('img.png'), { setup: (ws) => { put(ws, 'img.png', png(ihdr(8, 8), greyRows(8, 2))); } }),
  img.bad('png-huge-declared', '68-byte PNG declaring 9999×10000 pixels (memory)', ['img.png'], decode('img.png'), { setup: (ws) => { put(ws, 'img.png', png(ihdr(9999, 10000), new Uint8Array(0))); }, isolate: true }),
  img.bad('png-bad-crc', 'PNG with a damaged IDAT CRC', ['img.png'], decode('img.png'), { setup: (ws) => { const b = greyPng(8, 8); b[b.length - 13]! ^= 0xff; put(ws, 'img.png', b); } }),
  img.bad('png-truncated', 'PNG cut inside IDAT', ['img.png'], decode('img.png'), { setup: (ws) => { put(ws, 'img.png', greyPng(8, 8).subarray(0, 50)); } }),
  img.bad('png-palette-missing', 'palette PNG (colour type 3) without a PLTE chunk', ['img.png'], decode('img.png'), { setup: (ws) => { put(ws, 'img.png', png(ihdr(4, 4, 8, 3), greyRows(4, 4).map((v, i) => (i % 5 === 0 ? 0 : 0)))); } }),
  img.bad('png-palette-index', 'palette PNG using index 200 of a 2-entry palette', ['img.png'], decode('img.png'), {
    setup: (ws) => { const rows = greyRows(4, 4).map((_, i) => (i % 5 === 0 ? 0 : 200)); put(ws, 'img.png', png(ihdr(4, 4, 8, 3), rows, [pngChunk('PLTE', Uint8Array.of(0, 0, 0, 255, 255, 255))])); },
  }),
  img.bad('png-filter', 'PNG row with filter type 9', ['img.png'], decode('img.png'), { setup: (ws) => { put(ws, 'img.png', png(ihdr(4, 4), greyRows(4, 4, 9))); } }),
  img.bad('png-bit-depth', 'PNG with bit depth 3', ['img.png'], decode('img.png'), { setup: (ws) => { put(ws, 'img.png', png(ihdr(4, 4, 3, 0), greyRows(4, 4))); } }),
  img.bad('png-zero-width', 'PNG of width 0', ['img.png'], decode('img.png'), { setup: (ws) => { put(ws, 'img.png', png(ihdr(0, 4), new Uint8Array(4))); } }),
  img.bad('png-no-idat', 'PNG with IHDR and IEND only', ['img.png'], decode('img.png'), { setup: (ws) => { put(ws, 'img.png', concat(PNG_SIGNATURE, pngChunk('IHDR', ihdr(4, 4)), pngChunk('IEND', new Uint8Array(0)))); } }),
  img.bad('jpeg-truncated', 'JPEG cut in the middle of its scan data', ['img.jpg'], decode('img.jpg'), { setup: (ws) => { const j = validJpeg(32, 32); put(ws, 'img.jpg', j.subarray(0, jpegScanStart(j) + 40)); } }),
  img.bad('jpeg-huge-declared', 'JPEG declaring 65535×65535 pixels in a few hundred bytes (memory)', ['img.jpg'], decode('img.jpg'), { setup: (ws) => { put(ws, 'img.jpg', jpegWithSize(validJpeg(8, 8), 65535, 65535)); }, isolate: true }),
  img.bad('jpeg-soi-only', 'a JPEG of 3 bytes (SOI only)', ['img.jpg'], decode('img.jpg'), { setup: (ws) => { put(ws, 'img.jpg', Uint8Array.of(0xff, 0xd8, 0xff)); } }),
  img.bad('jpeg-garbage', 'JPEG signature followed by random bytes', ['img.jpg'], decode('img.jpg'), { setup: (ws) => { const b = new Uint8Array(400); for (let i = 0; i < b.length; i++) b[i] = (i * 73 + 11) & 0xff; b.set([0xff, 0xd8, 0xff, 0xe0]); put(ws, 'img.jpg', b); } }),
  img.bad('not-image', 'a text file named .png', ['img.png'], decode('img.png'), { setup: (ws) => { put(ws, 'img.png', 'not an image'); } }),
  img.ok('control-interlaced', 'a valid interlaced (Adam7) PNG (control)', () => decode('img.png')().width, {
    setup: (ws) => {
      // Adam7 passes of a 1×1 image: only pass 1 has a pixel.
      put(ws, 'img.png', png(ihdr(1, 1, 8, 0, 1), Uint8Array.of(0, 128)));
    },
  }),
];

const folder = group('image folders', 'folder');
const twoImages = (ws: string) => { put(ws, 'imgs/a.png', greyPng(4, 4)); put(ws, 'imgs/b.png', greyPng(4, 4)); };

export const folderCases: Case[] = [
  folder.bad('missing', 'loadImageFolder of a missing folder', ['no-such-folder'], () => D.loadImageFolder('no-such-folder')),
  folder.bad('empty', 'loadImageFolder of an empty folder', ['empty'], () => D.loadImageFolder('empty'), { setup: (ws) => mkdirSync(join(ws, 'empty')) }),
  folder.bad('mixed-sizes', 'images of 4×4 and 6×6 without a size option', ['b.png'], () => D.loadImageFolder('imgs'), { setup: (ws) => { put(ws, 'imgs/a.png', greyPng(4, 4)); put(ws, 'imgs/b.png', greyPng(6, 6)); } }),
  folder.bad('one-corrupt', 'one truncated PNG among valid ones', ['c.png'], () => D.loadImageFolder('imgs'), { setup: (ws) => { twoImages(ws); put(ws, 'imgs/c.png', greyPng(4, 4).subarray(0, 40)); } }),
  folder.bad('size-zero', 'loadImageFolder(dir, { size: 0 })', ['size'], () => D.loadImageFolder('imgs', { size: 0 }), { setup: twoImages }),
  folder.bad('channels-two', 'loadImageFolder(dir, { channels: 2 })', ['channels'], () => D.loadImageFolder('imgs', any({ channels: 2 })), { setup: twoImages }),
  folder.bad('option-typo', 'loadImageFolder(dir, { sizes: 28 })', ['sizes'], () => D.loadImageFolder('imgs', any({ sizes: 28 })), { setup: twoImages }),
  folder.bad('labels-value', "loadImageFolder(dir, { labels: 'folders' })", ['labels'], () => D.loadImageFolder('imgs', any({ labels: 'folders' })), { setup: twoImages }),
  folder.ok('control', 'a folder of two classes (control)', async () => (await D.loadImageFolder('imgs', { size: 4 })).shape, {
    setup: (ws) => { put(ws, 'imgs/cat/a.png', greyPng(4, 4)); put(ws, 'imgs/dog/b.png', greyPng(6, 6)); },
  }),
];

const stream = group('stream sources', 'stream');
const csv8 = (rows: number) => 'a,b,c,d,e,f,g,h\n' + Array.from({ length: rows }, (_, r) => Array.from({ length: 8 }, (_, j) => ((r * 8 + j) % 10) / 10).join(',')).join('\n') + '\n';

export const streamCases: Case[] = [
  stream.bad('unknown-format', "streamSource('data.parquet')", ['parquet'], () => streamSource('data.parquet')),
  stream.bad('option-typo', "streamSource('d.csv', { shuffle_buffer: 10 })", ['shuffle_buffer'], () => streamSource('d.csv', any({ shuffle_buffer: 10 }))),
  stream.bad('shufflebuffer-zero', 'streamSource(file, { shuffleBuffer: 0 })', ['shuffleBuffer'], () => streamSource('d.csv', { shuffleBuffer: 0 })),
  stream.bad('npy-option-on-csv', "streamSource('d.csv', { readBlock: 4 }) (an NPY option)", ['readBlock'], () => streamSource('d.csv', { readBlock: 4 })),
  stream.bad('missing-file', 'fit(streamSource of a missing file)', ['missing.csv'], () => trained().fit(streamSource('missing.csv'), { epochs: 1 })),
  stream.bad('sample-shape', 'fit(streamSource(file, { sampleShape: [3, 3] })) for 8 columns', ['sampleShape'], () => trained().fit(streamSource('d.csv', { sampleShape: [3, 3] }), { epochs: 1 }), { setup: (ws) => { put(ws, 'd.csv', csv8(20)); } }),
  stream.bad('width-mismatch', 'fit(streamSource) of a 5-column CSV for an 8-feature model', ['d.csv'], () => trained().fit(streamSource('d.csv'), { epochs: 1 }), { setup: (ws) => { put(ws, 'd.csv', 'a,b,c,d,e\n1,2,3,4,5\n'); } }),
  stream.bad('npy-nan', 'fit(streamSource of an .npy holding a NaN)', ['d.npy', 'NaN'], () => trained().fit(streamSource('d.npy'), { epochs: 1, batchSize: 4 }), {
    setup: (ws) => { const v = Array.from({ length: 64 }, (_, i) => (i === 37 ? NaN : i / 64)); put(ws, 'd.npy', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (8, 8), }", f32le(v))); },
  }),
  stream.bad('csv-bad-row', 'fit(streamSource) of a CSV with a text cell on line 12', ['d.csv', 'line 12'], () => trained().fit(streamSource('d.csv'), { epochs: 1, batchSize: 4 }), {
    setup: (ws) => { const lines = csv8(20).split('\n'); lines[11] = 'x,1,1,1,1,1,1,1'; put(ws, 'd.csv', lines.join('\n')); },
  }),
  stream.bad('scaler-shape', 'streamSource with a scaler fitted on 3 features', ['scaler'], () => {
    const s = new D.MinMaxScaler().fit({ x: new Float32Array([0, 1, 2, 3, 4, 5]), shape: [2, 3] });
    return trained().fit(streamSource('d.csv', { scaler: s }), { epochs: 1 });
  }, { setup: (ws) => { put(ws, 'd.csv', csv8(20)); } }),
  stream.bad('scaler-json-bad', 'scalerFromJSON with a negative std', ['std'], () => D.scalerFromJSON(any({ kind: 'zscore', axis: 'feature', sampleShape: [2], count: 4, mean: [0, 0], std: [1, -1] }))),
  stream.bad('scaler-json-null', 'scalerFromJSON(null)', ['scaler', /null|object/], () => D.scalerFromJSON(any(null))),
  stream.bad('scaler-unfitted', 'MinMaxScaler.transform before fit', ['fit'], () => new D.MinMaxScaler().transform({ x: new Float32Array(4), shape: [2, 2] })),
  stream.ok('control-csv-stream', 'fit one epoch from a CSV stream (control)', async () => (await trained().fit(streamSource('d.csv'), { epochs: 1, batchSize: 4 })).epochs, { setup: (ws) => { put(ws, 'd.csv', csv8(20)); } }),
];
