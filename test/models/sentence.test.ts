import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AutoencoderModel, SentenceAutoencoder } from '../../src/models/index.js';
import { Adam } from '../../src/optim/optimizers.js';
import { Vocabulary, decodeRows, encodeSentences, tokenize } from '../../src/data/text.js';

const CORPUS = [
  'the cat sat on the mat .', 'a dog ran in the park .', 'the bird sang a song .', 'my friend likes green tea .',
  'we walked to the old bridge .', 'the sun rose over the hill .', 'she read a long book .', 'they ate bread and cheese .',
].map((s) => tokenize(s));
const vocab = Vocabulary.build(CORPUS);
const T = 8;
const x = encodeSentences(CORPUS, vocab, T);
const data = { x, shape: [CORPUS.length, T] };

async function trained(variational: boolean) {
  const model = new SentenceAutoencoder({ inputShape: [T], vocabSize: vocab.size, embeddingDim: 16, units: 48, latentDim: 8, variational, klAnnealSteps: 100, vocabulary: vocab.toJSON() });
  model.compile({ seed: 3, optimizer: new Adam({ learningRate: 1e-2 }), session: { threads: 1 } });
  const fit = await model.fit(data, { epochs: 150, batchSize: 8, worker: false });
  return { model, fit };
}

describe('SentenceAutoencoder on a tiny corpus', () => {
  it('the autoencoder learns to reconstruct its sentences greedily; save/load keeps codes and decoding', async () => {
    const { model, fit } = await trained(false);
    const first = fit.history[0]!.loss!;
    const last = fit.history[fit.history.length - 1]!.loss!;
    assert.ok(last < first / 10, `loss ${first} → ${last}`);
    const rec = await model.reconstruct(x);
    const words = decodeRows(rec, T, vocab);
    const exact = words.filter((w, i) => w.join(' ') === CORPUS[i]!.join(' ')).length;
    assert.ok(exact >= 7, `exact reconstructions ${exact}/8: ${words.map((w) => w.join(' ')).join(' | ')}`);
    const dir = join(mkdtempSync(join(tmpdir(), 'aekit-sent-')), 'm');
    model.save(dir);
    const back = AutoencoderModel.load(dir);
    assert.ok(back instanceof SentenceAutoencoder);
    assert.deepEqual(back.vocabulary, vocab.toJSON());
    assert.deepEqual(Array.from(await back.encode(x)), Array.from(await model.encode(x)));
    assert.deepEqual(Array.from(await back.reconstruct(x)), Array.from(rec));
    // Interpolating between two codes decodes to sentences; the ends are the two sentences.
    const codes = await model.encode(x);
    const path = decodeRows(await model.interpolate(codes.slice(0, 8), codes.slice(8, 16), 4), T, vocab);
    assert.equal(path.length, 4);
    assert.deepEqual(path[0], words[0]);
    assert.deepEqual(path[3], words[1]);
  });

  it('the VAE anneals its KL weight, samples ids in range, and has a log-likelihood part', async () => {
    const { model, fit } = await trained(true);
    const h = fit.history;
    assert.ok(h[h.length - 1]!.loss! < h[0]!.loss!, 'the loss falls');
    const [mu] = [await model.encode(x)];
    assert.equal(mu.length, 8 * 8);
    const sampled = await model.sampleFromCodes(new Float32Array(3 * 8));
    assert.equal(sampled.length, 3 * T);
    assert.ok(sampled.every((v) => Number.isInteger(v) && v >= 0 && v < vocab.size));
    const rows = new Float32Array(8 + T);
    rows.set(x.subarray(0, T), 8);
    const { logLikelihood } = await model.runPart('logLikelihood', { x: rows, shape: [1, 8 + T] });
    assert.ok(logLikelihood![0]! < 0 && Number.isFinite(logLikelihood![0]!));
    const step = model.weights()['kl_anneal/step'];
    assert.equal(Number(step!.data[0]), 150, 'one anneal step per training step');
  });

  it('initOutputBias starts the decoder at the add-one smoothed unigram log frequencies', () => {
    const model = new SentenceAutoencoder({ inputShape: [3], vocabSize: 6, embeddingDim: 2, units: 2, latentDim: 1 });
    model.initOutputBias(Float32Array.of(4, 2, 0, 4, 5, 2));
    const bias = Array.from(model.weights()['decoder_output/bias']!.data as Float32Array);
    // counts + 1 over ids 0…5: pad 0+1, bos 0+1, eos 2+1, unk 0+1, 4: 2+1, 5: 1+1; total 5 + 6 = 11.
    const expected = [1, 1, 3, 1, 3, 2].map((c) => Math.log(c / 11));
    bias.forEach((b, i) => assert.ok(Math.abs(b - expected[i]!) < 1e-6, `bias ${i}: ${b} vs ${expected[i]}`));
    assert.throws(() => model.initOutputBias(Float32Array.of(7)), /not an id in \[0, 6\)/);
  });

  it('rejects bad configs with the field named', () => {
    assert.throws(() => new SentenceAutoencoder({ inputShape: [T, 2], vocabSize: 10 }), /config\.inputShape/);
    assert.throws(() => new SentenceAutoencoder({ inputShape: [T], vocabSize: 3 }), /config\.vocabSize/);
    assert.throws(() => new SentenceAutoencoder({ inputShape: [T], vocabSize: 10, vocabulary: ['a'] }), /config\.vocabulary: expected 10/);
    assert.throws(() => new SentenceAutoencoder({ inputShape: [T], vocabSize: 10, wordDropout: 1 }), /config\.wordDropout/);
  });
});
