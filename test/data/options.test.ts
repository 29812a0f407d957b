/**
 * The options of every public reader, stream, scaler and bundled dataset of
 * aekit/data are checked: an unknown key (a typo such as `delimeter`) is an
 * error naming it, a close match and the allowed keys, instead of being
 * ignored; values that used to be accepted or to fail deep inside (nonFinite
 * 'banana', channels 2, labels 'folders') are rejected naming the option.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pngjs from 'pngjs';
import { ConfigError } from '../../src/config/validate.js';
import * as D from '../../src/data/index.js';
import { tempDir } from './helpers.js';

const any = (v: unknown) => v as never;

/** Asserts a ConfigError whose message matches every pattern. */
function isConfigError(...patterns: RegExp[]) {
  return (e: unknown): true => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}
const throwsConfig = (fn: () => unknown, ...patterns: RegExp[]) => assert.throws(fn, isConfigError(...patterns));
const rejectsConfig = (fn: () => Promise<unknown>, ...patterns: RegExp[]) => assert.rejects(fn, isConfigError(...patterns));

function greyPng(w: number, h: number): Buffer {
  const p = new pngjs.PNG({ width: w, height: h });
  p.data.fill(200);
  return pngjs.PNG.sync.write(p);
}

/** A folder with files of every format, each valid. */
function files() {
  const dir = tempDir();
  writeFileSync(join(dir, 'd.csv'), 'a,b\n1,2\n3,4\n');
  writeFileSync(join(dir, 'd.npy'), D.encodeNpy({ shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) }));
  writeFileSync(join(dir, 'd.npz'), D.encodeNpz({ x: { shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) } }));
  writeFileSync(join(dir, 'd.idx'), D.encodeIdx({ shape: [2, 2], data: Uint8Array.of(1, 2, 3, 4) }));
  mkdirSync(join(dir, 'imgs'));
  writeFileSync(join(dir, 'imgs', 'a.png'), greyPng(4, 4));
  writeFileSync(join(dir, 'imgs', 'b.png'), greyPng(4, 4));
  return { dir, p: (name: string) => join(dir, name) };
}

describe('unknown option keys', () => {
  it('CSV readers: named with a close match and the allowed options', async () => {
    const { p } = files();
    const allowed = /allowed options: delimiter, header, labelColumn, labelNames, columns, naValues, impute, maxLineLength$/;
    await rejectsConfig(() => D.readCsv(p('d.csv'), any({ delimeter: ';' })), /^readCsv\.delimeter: unknown option \(did you mean 'delimiter'\?\)/, allowed);
    // Checked before the file is opened: a typo is reported even for a missing file.
    await rejectsConfig(() => D.readCsv(p('missing.csv'), any({ label_column: 'a' })), /^readCsv\.label_column: unknown option \(did you mean 'labelColumn'\?\)/);
    throwsConfig(() => D.parseCsv('1,2\n', any({ headers: true })), /^parseCsv\.headers: unknown option \(did you mean 'header'\?\)/, allowed);
    throwsConfig(() => D.parseCsv('1,2\n', any(null)), /^parseCsv: options must be an object \(or left out\).*; got null$/);
    assert.deepEqual(D.parseCsv('1,2\n', undefined).shape, [1, 2]);
  });

  it('binary readers (NPY, NPZ, IDX)', async () => {
    const { p } = files();
    const bytes = D.encodeNpy({ shape: [1], data: Float32Array.of(1) });
    await rejectsConfig(() => D.readNpy(p('d.npy'), any({ nonfinite: 'zero' })), /^readNpy\.nonfinite: unknown option \(did you mean 'nonFinite'\?\); allowed options: nonFinite$/);
    await rejectsConfig(() => D.readNpz(p('d.npz'), any({ allowPickle: true })), /^readNpz\.allowPickle: unknown option; allowed options: nonFinite$/);
    await rejectsConfig(() => D.readIdx(p('d.idx'), any({ dtype: 'float32' })), /^readIdx\.dtype: unknown option/);
    throwsConfig(() => D.parseNpy(bytes, 'x.npy', any({ nonFinte: 'allow' })), /^parseNpy\.nonFinte: unknown option \(did you mean 'nonFinite'\?\)/);
    throwsConfig(() => D.parseNpz(D.encodeNpz({ x: { shape: [1], data: Float32Array.of(1) } }), 'x.npz', any({ mmap: true })), /^parseNpz\.mmap: unknown option/);
    throwsConfig(() => D.parseIdx(D.encodeIdx({ shape: [1], data: Uint8Array.of(1) }), 'x.idx', any('zero')), /^parseIdx: options must be an object/);
  });

  it('images and image folders', async () => {
    const { p } = files();
    const img = { width: 1, height: 1, data: new Uint8Array(4) };
    throwsConfig(() => D.imageToChw(img, any({ channel: 3 })), /^imageToChw\.channel: unknown option \(did you mean 'channels'\?\); allowed options: size, resize, channels, normalize$/);
    throwsConfig(() => D.imageToChw(img, any({ labels: 'none' })), /^imageToChw\.labels: unknown option/);
    await rejectsConfig(() => D.loadImageFolder(p('imgs'), any({ sizes: 28 })), /^loadImageFolder\.sizes: unknown option \(did you mean 'size'\?\); allowed options: size, resize, channels, normalize, labels$/);
    await rejectsConfig(() => D.loadImageFolder(p('imgs'), any({ grayscale: true })), /^loadImageFolder\.grayscale: unknown option; allowed options/);
  });

  it('streams and stream sources', async () => {
    const { p } = files();
    await rejectsConfig(() => D.openCsvStream(p('d.csv'), any({ batchSize: 2, batch_size: 2 })), /^openCsvStream\.batch_size: unknown option \(did you mean 'batchSize'\?\)/, /chunkBytes/);
    await rejectsConfig(() => D.openCsvStream(p('d.csv'), any(undefined)), /^openCsvStream: options are required: at least \{ batchSize \}/);
    await rejectsConfig(() => D.openNpyStream(p('d.npy'), any({ batchSize: 2, shufle: true })), /^openNpyStream\.shufle: unknown option \(did you mean 'shuffle'\?\); allowed options: batchSize, scale, shuffle, seed, nonFinite$/);
    throwsConfig(() => new D.CsvStream(p('d.csv'), any({ batchSize: 2, readBlock: 4 })), /^openCsvStream\.readBlock: unknown option/);
    throwsConfig(() => D.streamSource('d.csv', any({ shuffle_buffer: 10 })), /^streamSource\.shuffle_buffer: unknown option \(did you mean 'shuffleBuffer'\?\)/, /allowed options: format, scaler, sampleShape, shuffleBuffer, scale, nonFinite, readBlock, delimiter/);
    throwsConfig(() => D.streamSource('d.csv', any({ batchSize: 10 })), /^streamSource\.batchSize: unknown option/);
    throwsConfig(() => D.streamSource('d.csv', any(7)), /^streamSource: options must be an object/);
  });

  it('scalers and bundled datasets', () => {
    throwsConfig(() => new D.MinMaxScaler(any({ clamp: true })), /^MinMaxScaler\.clamp: unknown option; allowed options: axis, clip$/);
    throwsConfig(() => new D.MinMaxScaler(any({ axes: 'global' })), /^MinMaxScaler\.axes: unknown option \(did you mean 'axis'\?\)/);
    throwsConfig(() => new D.StandardScaler(any({ axis: 'global', clip: true })), /^StandardScaler\.clip: unknown option; allowed options: axis$/);
    throwsConfig(() => new D.StandardScaler(any(null)), /^StandardScaler: options must be an object/);
    throwsConfig(() => D.mnist(any({ spilt: 'test' })), /^mnist\.spilt: unknown option \(did you mean 'split'\?\); allowed options: split, normalize, shape, limit$/);
    throwsConfig(() => D.fashionMnist(any({ limit: 2, normalise: false })), /^fashionMnist\.normalise: unknown option \(did you mean 'normalize'\?\)/);
    throwsConfig(() => D.datasets.mnist(any({ limit: 2, normalize: 'yes' })), /^mnist\.normalize: expected true or false, got "yes"$/);
  });
});

describe('option values', () => {
  it("nonFinite takes 'error', 'allow', 'zero', 'mean' or a finite number", async () => {
    const { p } = files();
    const bytes = D.encodeNpy({ shape: [2], data: Float32Array.of(1, NaN) });
    await rejectsConfig(() => D.readNpy(p('d.npy'), any({ nonFinite: 'banana' })), /^readNpy\.nonFinite: expected 'error', 'allow', 'zero', 'mean' or a finite number, got "banana"$/);
    await rejectsConfig(() => D.readIdx(p('d.idx'), any({ nonFinite: NaN })), /^readIdx\.nonFinite: .* got NaN$/);
    await rejectsConfig(() => D.readNpz(p('d.npz'), any({ nonFinite: null })), /^readNpz\.nonFinite: .* got null$/);
    throwsConfig(() => D.parseNpy(bytes, 'x.npy', any({ nonFinite: 'Zero' })), /^parseNpy\.nonFinite: /);
    assert.deepEqual([...D.parseNpy(bytes, 'x.npy', { nonFinite: 'mean' }).data], [1, 1]);
    assert.deepEqual([...D.parseNpy(bytes, 'x.npy', { nonFinite: -1 }).data], [1, -1]);
    await rejectsConfig(() => D.openNpyStream(p('d.npy'), any({ batchSize: 2, nonFinite: 'banana' })), /^openNpyStream\.nonFinite: expected 'error', 'allow', 'zero' or a finite number, got "banana"$/);
    throwsConfig(() => D.streamSource('d.npy', any({ nonFinite: 'banana' })), /^streamSource\.nonFinite: expected 'error', 'allow', 'zero' or a finite number/);
    throwsConfig(() => D.streamSource('d.npy', any({ nonFinite: 'mean' })), /^streamSource\.nonFinite: 'mean' needs the whole file/);
    throwsConfig(() => D.streamSource('d.npy', { scale: NaN }), /^streamSource\.scale: expected a finite number, got NaN$/);
    throwsConfig(() => D.streamSource('d.dat', any({ format: 'parquet' })), /^streamSource\.format: expected 'npy' or 'csv', got "parquet"$/);
  });

  it('image folders check channels, size and labels before reading anything', async () => {
    const { p } = files();
    await rejectsConfig(() => D.loadImageFolder(p('imgs'), any({ channels: 2 })), /^loadImageFolder\.channels: expected 1 \(grayscale\) or 3 \(RGB\), got 2$/);
    await rejectsConfig(() => D.loadImageFolder(p('imgs'), any({ channels: 4 })), /got 4$/);
    await rejectsConfig(() => D.loadImageFolder(p('imgs'), any({ labels: 'folders' })), /^loadImageFolder\.labels: expected 'subfolders' \(one class per subfolder\) or 'none', got "folders"$/);
    await rejectsConfig(() => D.loadImageFolder(p('imgs'), { size: 0 }), /^loadImageFolder\.size: image size must be a positive integer or \[height, width\]/);
    await rejectsConfig(() => D.loadImageFolder(p('imgs'), any({ size: [28] })), /^loadImageFolder\.size: .*got \[28\]$/);
    await rejectsConfig(() => D.loadImageFolder(p('imgs'), any({ size: NaN })), /got NaN$/);
    await rejectsConfig(() => D.loadImageFolder(p('imgs'), any({ resize: 'yes' })), /^loadImageFolder\.resize: expected true or false, got "yes"$/);
    // Options come first: a bad one is reported even when the folder does not exist.
    await rejectsConfig(() => D.loadImageFolder(p('no-such-folder'), any({ channels: 2 })), /channels/);
    throwsConfig(() => D.imageToChw({ width: 1, height: 1, data: new Uint8Array(4) }, any({ channels: 2 })), /^imageToChw\.channels: expected 1 \(grayscale\) or 3 \(RGB\), got 2$/);
    const ok = await D.loadImageFolder(p('imgs'), { channels: 3, size: [2, 3], labels: 'none', normalize: false, resize: true });
    assert.deepEqual(ok.shape, [2, 3, 2, 3]);
    assert.ok(Math.abs(ok.x[0]! - 200) < 1e-4);
  });

  it('scalers check axis and clip; streams check chunkBytes, scale, shuffle and seed', async () => {
    const { p } = files();
    throwsConfig(() => new D.MinMaxScaler(any({ axis: 'sample' })), /^MinMaxScaler\.axis: expected 'feature' \(statistics per feature\) or 'global' \(over all values\), got "sample"$/);
    throwsConfig(() => new D.MinMaxScaler(any({ clip: 1 })), /^MinMaxScaler\.clip: expected true or false, got 1$/);
    throwsConfig(() => new D.StandardScaler(any({ axis: 0 })), /^StandardScaler\.axis: .*got 0$/);
    assert.equal(new D.MinMaxScaler({ axis: 'global', clip: true }).clip, true);
    await rejectsConfig(() => D.openCsvStream(p('d.csv'), { batchSize: 2, chunkBytes: NaN }), /^openCsvStream\.chunkBytes: expected a positive integer \(bytes per read\), got NaN$/);
    await rejectsConfig(() => D.openNpyStream(p('d.npy'), { batchSize: 2, scale: Infinity }), /^openNpyStream\.scale: expected a finite number, got Infinity$/);
    await rejectsConfig(() => D.openNpyStream(p('d.npy'), any({ batchSize: 2, shuffle: 'yes' })), /^openNpyStream\.shuffle: expected true or false/);
    await rejectsConfig(() => D.openNpyStream(p('d.npy'), any({ batchSize: 2, shuffle: true, seed: '7' })), /^openNpyStream\.seed: expected a finite number or an Rng, got "7"$/);
  });
});

describe('messages', () => {
  it('scalerFromJSON of a non-object says what was expected', () => {
    for (const v of [null, undefined, 5, 'minmax', [1]]) {
      assert.throws(() => D.scalerFromJSON(any(v)), (e: unknown) => e instanceof RangeError && /^scaler JSON: expected an object with kind 'minmax' or 'zscore' \(what a scaler's toJSON\(\) returns\), got /.test(e.message));
    }
    assert.throws(() => D.scalerFromJSON(any({ kind: 'robust' })), /^RangeError: scaler JSON: unknown scaler kind "robust"; expected 'minmax' or 'zscore'$/);
    assert.throws(() => D.scalerFromJSON(any({})), /unknown scaler kind undefined; expected 'minmax' or 'zscore'/);
  });

  it('show NaN as NaN', () => {
    assert.throws(() => D.parseCsv('1\n', { maxLineLength: NaN }), /maxLineLength must be a positive integer, got NaN/);
    assert.throws(() => D.streamSource('d.csv', { shuffleBuffer: NaN }), /shuffleBuffer must be a positive integer, got NaN/);
    assert.throws(() => D.streamSource('d.csv', { sampleShape: [2, NaN] }), /sampleShape\[1\] must be a positive integer, got NaN/);
    assert.throws(() => D.scalerFromJSON(any({ kind: 'zscore', axis: 'feature', sampleShape: [2], count: 4, mean: [0, NaN], std: [1, 1] })), /mean\[1\] must be a finite number, got NaN/);
  });
});
