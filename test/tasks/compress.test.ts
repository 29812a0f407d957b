import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { mnist } from '../../src/data/datasets.js';
import { meanSquaredError, psnrOf } from '../../src/eval/image-quality.js';
import { WriteError } from '../../src/io/files.js';
import { Autoencoder, AutoencoderModel, ConvAutoencoder } from '../../src/models/index.js';
import {
  COMPRESSED_MAGIC, CompressedFileError, compress, decodeCompressed, decompress, dequantizeCodes, encodeCompressed,
  modelIdentity, quantizeCodes, readCompressed,
} from '../../src/tasks/compress.js';
import { rangeDecode, rangeEncode } from '../../src/tasks/range-coder.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-compress-'));
const data = mnist({ limit: 40 });
const x = data.x;

/** A small trained dense autoencoder (one epoch, so its weights are not the initial ones). */
async function trained(seed = 0, code = 6): Promise<Autoencoder> {
  const m = new Autoencoder({ inputShape: [784], encoder: { sizes: [16, code] }, loss: 'bce' });
  m.compile({ seed });
  await m.fit(data, { epochs: 1, batchSize: 20, seed, worker: false });
  return m;
}

/** A deterministic generator for test data (mulberry32). */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('compress → decompress', () => {
  let model: Autoencoder;
  before(async () => {
    model = await trained();
  });

  it('reproduces the model\'s reconstruction of the quantized codes exactly, for every coder and bit depth', async () => {
    const dir = tmp();
    const codes = await model.encode(x);
    for (const coder of ['range', 'deflate'] as const) {
      for (const bits of [1, 3, 8]) {
        const path = join(dir, `d-${coder}-${bits}.aez`);
        const written = await compress(model, data, path, { bits, coder });
        const expectedCodes = dequantizeCodes(quantizeCodes(codes, 6, bits));
        const expected = await model.decode(expectedCodes);
        const back = await decompress(path, model);
        assert.deepEqual(back.shape, [40, 784]);
        assert.deepEqual(back.codes, expectedCodes, `${coder} ${bits} bits: codes`);
        assert.deepEqual(back.x, expected, `${coder} ${bits} bits: reconstruction`);
        assert.deepEqual(written.codes, expectedCodes);
        assert.equal(written.fileBytes, readFileSync(path).length);
        assert.equal(written.bytesPerSample, written.fileBytes / 40);
        assert.equal(back.header.bits, bits);
        assert.equal(back.header.coder, coder);
        assert.equal(back.header.modelId, modelIdentity(model));
        assert.deepEqual(back.header.codeShape, [6]);
      }
    }
  });

  it('8-bit codes decode close to the unquantized reconstruction', async () => {
    const path = join(tmp(), 'close.aez');
    await compress(model, x, path);
    const back = await decompress(path, model);
    const full = await model.reconstruct(x);
    const psnr = psnrOf(meanSquaredError(full, back.x));
    assert.ok(psnr > 35, `PSNR vs unquantized ${psnr}`);
  });

  it('a saved and reloaded model decodes the file (same identity)', async () => {
    const dir = tmp();
    const path = join(dir, 'f.aez');
    await compress(model, x, path, { bits: 5 });
    model.save(join(dir, 'model'));
    const loaded = AutoencoderModel.load(join(dir, 'model'));
    assert.equal(modelIdentity(loaded), modelIdentity(model));
    assert.deepEqual((await decompress(path, loaded)).x, (await decompress(path, model)).x);
  });

  it('works with image-shaped inputs and codes of rank > 1 (conv autoencoder)', async () => {
    const conv = new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [2, 2] } });
    const images = mnist({ limit: 6, shape: 'image' });
    const path = join(tmp(), 'conv.aez');
    await compress(conv, images, path, { bits: 4 });
    const back = await decompress(path, conv);
    assert.deepEqual(back.shape, [6, 1, 28, 28]);
    assert.deepEqual(back.header.codeShape, conv.latentShape);
    assert.deepEqual(back.x, await conv.decode(dequantizeCodes(quantizeCodes(await conv.encode(images.x), conv.latentShape.reduce((a, b) => a * b, 1), 4))));
  });

  it('writes atomically: no temporary file is left, an existing file is replaced, a directory is refused', async () => {
    const dir = tmp();
    const path = join(dir, 'out.aez');
    writeFileSync(path, 'old contents');
    await compress(model, x, path, { bits: 2 });
    assert.deepEqual(readdirSync(dir), ['out.aez']);
    assert.equal(readCompressed(path).header.bits, 2);
    mkdirSync(join(dir, 'folder'));
    await assert.rejects(compress(model, x, join(dir, 'folder'), {}), (e: unknown) => e instanceof WriteError && /folder: is a directory/.test((e as Error).message));
    assert.deepEqual(readdirSync(dir).sort(), ['folder', 'out.aez']);
    await compress(model, x, join(dir, 'new', 'sub', 'f.aez'));
    assert.deepEqual(readdirSync(join(dir, 'new', 'sub')), ['f.aez']);
  });

  it('rejects bad options and data with the option or shape named', async () => {
    const path = join(tmp(), 'x.aez');
    await assert.rejects(compress(model, x, path, { bits: 9 }), /options\.bits must be an integer in 1 … 8, got 9/);
    await assert.rejects(compress(model, x, path, { bits: 2.5 }), /options\.bits/);
    await assert.rejects(compress(model, x, path, { coder: 'zip' as 'range' }), /options\.coder must be one of 'range', 'deflate', got "zip"/);
    await assert.rejects(compress(model, x, path, { bitz: 4 } as object), /unknown option 'bitz'/);
    await assert.rejects(compress(model, x.subarray(0, 100), path), /100 values, not a whole positive number of samples of shape \[784\]/);
    await assert.rejects(compress(model, { x, shape: [40, 28, 28, 1, 2] }, path), /data\.shape \[40,28,28,1,2\]/);
    assert.deepEqual(readdirSync(join(path, '..')), []);
  });
});

describe('compressed files that must be refused', () => {
  let model: Autoencoder;
  let dir: string;
  let path: string;
  let bytes: Uint8Array;
  before(async () => {
    model = await trained(0, 3);
    dir = tmp();
    path = join(dir, 'good.aez');
    await compress(model, x.subarray(0, 10 * 784), path, { bits: 4 });
    bytes = new Uint8Array(readFileSync(path));
  });

  const refused = (b: Uint8Array, pattern: RegExp, what: string) => {
    assert.throws(() => decodeCompressed(b, 'f.aez'), (e: unknown) => {
      assert.ok(e instanceof CompressedFileError, `${what}: ${String(e)}`);
      assert.match((e as Error).message, /^f\.aez: /, what);
      assert.match((e as Error).message, pattern, what);
      return true;
    });
  };

  it('a file made by another model: other weights, other config', async () => {
    const other = await trained(1, 3); // same config, other seed
    await assert.rejects(decompress(path, other), (e: unknown) => e instanceof CompressedFileError && e.message.startsWith(`${path}: made by a different model`));
    const wider = await trained(0, 4);
    await assert.rejects(decompress(path, wider), /made by a different model/);
    // Training one more epoch changes the weights, so the identity too.
    const before = modelIdentity(model);
    const copy = await trained(0, 3);
    assert.equal(modelIdentity(copy), before, 'same config, seed and data: same identity');
    await copy.fit(data, { epochs: 2, batchSize: 20, worker: false }); // up to 2 epochs in all: one more
    assert.notEqual(modelIdentity(copy), before);
  });

  it('every single damaged byte is refused with the file named', () => {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes.slice();
      b[i] ^= 1 << (i % 8);
      refused(b, i < COMPRESSED_MAGIC.length ? /not an aekit compressed file/ : /damaged|version/, `byte ${i}`);
    }
  });

  it('every truncation and appended bytes are refused', () => {
    for (let n = 0; n < bytes.length; n++) refused(bytes.subarray(0, n), /truncated/, `first ${n} bytes`);
    refused(Uint8Array.from([...bytes, 0]), /1 unexpected bytes after its declared end/, 'one extra byte');
  });

  it('names the file when reading it fails or it is not a compressed file', async () => {
    await assert.rejects(decompress(join(dir, 'missing.aez'), model), (e: unknown) => e instanceof CompressedFileError && /missing\.aez: cannot read the file \(no such file or directory\)/.test(e.message));
    const png = join(dir, 'image.png');
    writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    await assert.rejects(decompress(png, model), /image\.png: not an aekit compressed file/);
    const damaged = join(dir, 'damaged.aez');
    const b = bytes.slice();
    b[b.length - 40] ^= 0x10;
    writeFileSync(damaged, b);
    await assert.rejects(decompress(damaged, model), (e: unknown) => e instanceof CompressedFileError && e.message === `${damaged}: damaged: the SHA-256 checksum of its contents does not match`);
  });

  it('a well-formed file of another version is refused by version', () => {
    const b = bytes.slice();
    new DataView(b.buffer).setUint16(8, 2, true);
    // Re-seal the header CRC so the version check, not the checksum, is what fails.
    const crc = (data: Uint8Array) => {
      let c = 0xffffffff;
      for (const v of data) {
        c ^= v;
        for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    new DataView(b.buffer).setUint32(64, crc(b.subarray(0, 64)), true);
    refused(b, /format version 2; this aekit reads version 1/, 'version 2');
  });
});

describe('quantizer', () => {
  it('maps each channel\'s range onto 2^b levels (hand-computed)', () => {
    // Channel 0: range [0, 3] at 2 bits, step 1; channel 1: range [-1, 1], step 2/3; channel 2 constant.
    const q = quantizeCodes(Float32Array.from([0, -1, 5, 1.4, 0.2, 5, 3, 1, 5]), 3, 2);
    assert.deepEqual([...q.q], [0, 0, 0, 1, 2, 0, 3, 3, 0]);
    assert.deepEqual([...q.offset], [0, -1, 5]);
    assert.deepEqual([...q.scale], [1, Math.fround(2 / 3), 0]);
    assert.deepEqual([...dequantizeCodes(q)], [0, -1, 5, 1, Math.fround(-1 + 2 * Math.fround(2 / 3)), 5, 3, 1, 5]);
  });

  it('errors name the sample and channel of a non-finite value', () => {
    assert.throws(() => quantizeCodes(Float32Array.from([0, 1, 2, NaN]), 2, 4), /sample 1 has NaN in channel 1/);
    assert.throws(() => quantizeCodes(new Float32Array(5), 2, 4), /5 values are not a whole number of 2-channel codes/);
    assert.throws(() => quantizeCodes(new Float32Array(4), 2, 0), /bits must be an integer in \[1, 8\], got 0/);
  });
});

describe('range coder', () => {
  it('round-trips random and skewed symbols of every bit depth', () => {
    const r = rng(7);
    for (const bits of [1, 2, 5, 8]) {
      for (const channels of [1, 3, 16]) {
        for (const n of [0, 1, 2, 300]) {
          const s = new Uint8Array(n * channels);
          for (let i = 0; i < s.length; i++) s[i] = Math.floor((1 << bits) * r() ** (1 + (i % channels)));
          assert.deepEqual(rangeDecode(rangeEncode(s, channels, bits), s.length, channels, bits), s, `${bits} bits, ${channels} channels, ${n} rows`);
        }
      }
    }
  });

  it('codes near the entropy, including long runs that carry into 0xFF bytes', () => {
    const r = rng(3);
    for (const p of [0.5, 0.9, 0.999]) {
      const s = Uint8Array.from({ length: 100000 }, () => (r() < p ? 0 : 1));
      const coded = rangeEncode(s, 1, 1);
      assert.deepEqual(rangeDecode(coded, s.length, 1, 1), s);
      const entropyBytes = (-(p * Math.log2(p) + (1 - p) * Math.log2(1 - p)) * s.length) / 8;
      assert.ok(coded.length < entropyBytes * 1.02 + 100, `p ${p}: ${coded.length} bytes vs entropy ${entropyBytes.toFixed(0)}`);
    }
  });

  it('a stream cut short throws instead of inventing symbols', () => {
    const s = Uint8Array.from({ length: 200 }, (_, i) => (i * 37) % 256);
    const coded = rangeEncode(s, 4, 8);
    assert.throws(() => rangeDecode(coded.subarray(0, coded.length - 20), s.length, 4, 8), /ends after \d+ bytes/);
    assert.throws(() => rangeEncode(Uint8Array.from([4]), 1, 2), /symbol 4 at index 0 does not fit in 2 bits/);
  });
});

describe('container without a model (PCA codes in the benchmark)', () => {
  it('encodeCompressed → decodeCompressed returns the quantized codes and the header', () => {
    const codes = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i));
    const id = 'ab'.repeat(32);
    const { bytes, quantized } = encodeCompressed(codes, { inputShape: [784], codeShape: [3] }, id, { bits: 6 });
    const d = decodeCompressed(bytes, 'mem');
    assert.deepEqual(d.quantized.q, quantized.q);
    assert.deepEqual(d.codes, dequantizeCodes(quantized));
    assert.equal(d.header.modelId, id);
    assert.equal(d.header.samples, 10);
    assert.equal(d.header.fileBytes, bytes.length);
    assert.equal(d.header.headerBytes + d.header.payloadBytes + 32, bytes.length);
    assert.throws(() => encodeCompressed(codes, { inputShape: [784], codeShape: [3] }, 'xyz'), /modelId must be 64 lowercase hex digits/);
    assert.throws(() => encodeCompressed(codes, { inputShape: [784], codeShape: [4] }, id), /30 code values are not a whole number of codes of shape \[4\]/);
  });
});
