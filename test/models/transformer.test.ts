import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AutoencoderModel, ConfigError, TransformerAutoencoder, modelFromConfig } from '../../src/models/index.js';
import { Adam } from '../../src/optim/optimizers.js';
import { Vocabulary, decodeRows, encodeSentences, tokenize } from '../../src/data/text.js';
import { presetConfig } from '../../src/runs/presets.js';
import { digits } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-tae-'));
const small = { embedDim: 16, numHeads: 2, mlpDim: 32, encoderDepth: 1, decoderDepth: 1, latentDim: 8 };

/** Sine windows [n, T, 1] of random phase and period: what a series code must carry. */
function sines(n: number, t: number, seed = 1): { x: Float32Array; shape: number[] } {
  let a = seed;
  const rand = () => ((a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 4294967296);
  const x = new Float32Array(n * t);
  for (let i = 0; i < n; i++) {
    const phase = 2 * Math.PI * rand();
    const period = 6 + 10 * rand();
    for (let s = 0; s < t; s++) x[i * t + s] = Math.sin(phase + (2 * Math.PI * s) / period);
  }
  return { x, shape: [n, t, 1] };
}

const CORPUS = [
  'the cat sat on the mat .', 'a dog ran in the park .', 'the bird sang a song .', 'my friend likes green tea .',
  'we walked to the old bridge .', 'the sun rose over the hill .', 'she read a long book .', 'they ate bread and cheese .',
].map((s) => tokenize(s));

describe('TransformerAutoencoder', () => {
  it('reads tokens, series and images (rows or patches); config round-trips; summary counts every parameter; bad configs name the field', () => {
    const series = new TransformerAutoencoder({ inputShape: [16, 3], ...small });
    assert.deepEqual([series.kind, series.steps, series.tokenFeatures, series.latentShape], ['series', 16, 3, [8]]);
    const rows = new TransformerAutoencoder({ inputShape: [1, 28, 28], ...small, loss: 'bce' });
    assert.deepEqual([rows.kind, rows.patchSize, rows.steps, rows.tokenFeatures, rows.outputActivation], ['image', [1, 28], 28, 28, 'sigmoid']);
    const patches = new TransformerAutoencoder({ inputShape: [3, 8, 8], patchSize: 4, ...small });
    assert.deepEqual([patches.steps, patches.tokenFeatures], [4, 48]);
    const tokens = new TransformerAutoencoder({ inputShape: [6], vocabSize: 20, ...small, pooling: 'mean' });
    assert.deepEqual([tokens.kind, tokens.tokenFeatures], ['tokens', 20]);
    for (const m of [series, rows, patches, tokens]) {
      assert.deepEqual(modelFromConfig(JSON.parse(JSON.stringify(m.getConfig()))).getConfig(), m.getConfig());
    }
    // Series, by hand: embed 3·16+16; position 16·16; 1 encoder block; LN 32; pool query 16 + pool MHA 4·(16·16+16);
    // code 16·8+8; memory 8·64+64; decoder position 16·16; 1 decoder block with cross-attention; LN 32; head 16·3+3.
    const block = 2 * 32 + 4 * (16 * 16 + 16) + (16 * 32 + 32) + (32 * 16 + 16);
    const cross = block + 32 + 4 * (16 * 16 + 16);
    const expected = 64 + 256 + block + 32 + 16 + 4 * 272 + 136 + 576 + 256 + cross + 32 + 51;
    assert.equal(series.countParams(), expected);
    assert.match(series.summary(), /decoder\/decoder_block_0 \(TransformerBlock\)\s+\[N, 16, 16\]\s+3,344/);
    assert.match(series.summary(), /pooling attention; the code read by the decoder as 4 memory tokens/);
    assert.throws(() => new TransformerAutoencoder({ inputShape: [10], ...small }), (e: unknown) => e instanceof ConfigError && /config.inputShape/.test(e.message));
    assert.throws(() => new TransformerAutoencoder({ inputShape: [6], vocabSize: 20, loss: 'bce' }), /config.loss: token ids are trained with the cross-entropy/);
    assert.throws(() => new TransformerAutoencoder({ inputShape: [16, 3], embedDim: 10, numHeads: 4 }), /config.numHeads: 4 heads must divide embedDim 10/);
    assert.throws(() => new TransformerAutoencoder({ inputShape: [1, 28, 28], patchSize: 5 }), /config.patchSize: patches of 5×5 must tile the 28×28/);
    assert.throws(() => new TransformerAutoencoder({ inputShape: [16, 3], patchSize: 2 }), /config.patchSize: applies to images/);
    assert.throws(() => new TransformerAutoencoder({ inputShape: [6], vocabSize: 20, vocabulary: ['a'] }), /config.vocabulary: expected 20/);
    assert.throws(() => new TransformerAutoencoder({ inputShape: [16, 3], pooling: 'max' as 'mean' }), /config.pooling/);
    assert.throws(() => (series as TransformerAutoencoder).initOutputBias(new Float32Array(1)), /only a model of token ids/);
  });

  it('series windows: the loss falls well below the variance; attention weights are distributions; save/load keeps codes', async () => {
    const data = sines(64, 16);
    const model = new TransformerAutoencoder({ inputShape: [16, 1], ...small });
    model.compile({ seed: 2, optimizer: new Adam({ learningRate: 3e-3 }), session: { threads: 1 } });
    const fit = await model.fit(data, { epochs: 40, batchSize: 16, worker: false });
    const first = fit.history[0]!.loss!;
    const last = fit.history[fit.history.length - 1]!.loss!;
    // The windows' variance is 0.5: predicting their mean, as a model that ignored its code would, scores that.
    assert.ok(last < 0.2 && last < first / 5, `loss ${first} → ${last}`);
    const x = data.x.subarray(0, 2 * 16);
    const att = await model.runPart('attention', { x, shape: [2, 16, 1] });
    const rowsSumToOne = (w: Float32Array, len: number) => {
      for (let r = 0; r < w.length / len; r++) assert.ok(Math.abs(w.subarray(r * len, (r + 1) * len).reduce((a, b) => a + b, 0) - 1) < 1e-4);
    };
    assert.equal(att.weights!.length, 2 * 2 * 16 * 16);
    rowsSumToOne(att.weights!, 16);
    assert.equal(att.pooling!.length, 2 * 2 * 16);
    rowsSumToOne(att.pooling!, 16);
    assert.equal(att.cross!.length, 2 * 2 * 16 * 4);
    rowsSumToOne(att.cross!, 4);
    const dir = join(tmp(), 'm');
    model.save(dir);
    const back = AutoencoderModel.load(dir);
    assert.ok(back instanceof TransformerAutoencoder);
    assert.deepEqual(Array.from(await back.encode(x)), Array.from(await model.encode(x)));
    assert.deepEqual(Array.from(await back.reconstruct(x)), Array.from(await model.reconstruct(x)));
  });

  it('images as rows and as patches: one training epoch lowers the BCE; reconstructions keep the image shape', async () => {
    const data = digits(64, 'image');
    for (const patchSize of [undefined, 7] as const) {
      const model = new TransformerAutoencoder({ inputShape: [1, 28, 28], ...small, loss: 'bce', ...(patchSize ? { patchSize } : {}) });
      model.compile({ seed: 1, optimizer: new Adam({ learningRate: 3e-3 }), session: { threads: 1 } });
      const fit = await model.fit(data, { epochs: 6, batchSize: 32, worker: false });
      const h = fit.history;
      assert.ok(h[h.length - 1]!.loss! < h[0]!.loss! * 0.9, `${patchSize ?? 'rows'}: loss ${h[0]!.loss} → ${h[h.length - 1]!.loss}`);
      const rec = await model.reconstruct(data.x.subarray(0, 784 * 2));
      assert.equal(rec.length, 784 * 2);
      assert.ok(rec.every((v) => v >= 0 && v <= 1));
    }
  });

  it('token ids: learns to reconstruct a tiny corpus greedily; samples ids in range; save/load keeps the vocabulary and decoding', async () => {
    const vocab = Vocabulary.build(CORPUS);
    const T = 8;
    const x = encodeSentences(CORPUS, vocab, T);
    const model = new TransformerAutoencoder({ inputShape: [T], vocabSize: vocab.size, vocabulary: vocab.toJSON(), ...small });
    model.compile({ seed: 3, optimizer: new Adam({ learningRate: 1e-2 }), session: { threads: 1 } });
    model.initOutputBias(x);
    const fit = await model.fit({ x, shape: [CORPUS.length, T] }, { epochs: 80, batchSize: 8, worker: false });
    const h = fit.history;
    assert.ok(h[h.length - 1]!.loss! < h[0]!.loss! / 10, `loss ${h[0]!.loss} → ${h[h.length - 1]!.loss}`);
    const words = decodeRows(await model.reconstruct(x), T, vocab);
    const exact = words.filter((w, i) => w.join(' ') === CORPUS[i]!.join(' ')).length;
    assert.ok(exact >= 7, `exact reconstructions ${exact}/8: ${words.map((w) => w.join(' ')).join(' | ')}`);
    const sampled = await model.sampleFromCodes(new Float32Array(3 * 8));
    assert.equal(sampled.length, 3 * T);
    assert.ok(sampled.every((v) => Number.isInteger(v) && v >= 0 && v < vocab.size));
    const dir = join(tmp(), 'm');
    model.save(dir);
    const back = AutoencoderModel.load(dir) as TransformerAutoencoder;
    assert.deepEqual(back.vocabulary, vocab.toJSON());
    assert.deepEqual(Array.from(await back.reconstruct(x)), Array.from(await model.reconstruct(x)));
  });

  it("presets: 'transformer' for series and images, 'text-transformer' for sentences", () => {
    const s = modelFromConfig(presetConfig('transformer', [64, 1])) as TransformerAutoencoder;
    assert.deepEqual([s.kind, s.latentDim], ['series', 16]);
    const i = modelFromConfig(presetConfig('transformer', [1, 28, 28], { latent: 8 })) as TransformerAutoencoder;
    assert.deepEqual([i.kind, i.patchSize, i.latentDim, i.outputActivation], ['image', [1, 28], 8, 'sigmoid']);
    assert.throws(() => presetConfig('transformer', [10]), /'transformer' needs sequences \[timesteps, features\] or images/);
    assert.throws(() => presetConfig('text-transformer', [10]), /needs sentences/);
  });
});
