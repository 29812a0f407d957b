import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseCsv } from '../../src/data/csv.js';
import { mnist } from '../../src/data/datasets.js';
import { parseNpy, parseNpz } from '../../src/data/npy.js';
import { Autoencoder, ConvAutoencoder, PCA, VariationalAutoencoder, embed, evaluateCodes, labelsPathFor, writeCodes } from '../../src/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'aekit-embed-'));

describe('embed', () => {
  const data = mnist({ limit: 40 });

  it('returns [n, ...latentShape] codes equal to encode(), with labels and class names', async () => {
    const ae = new Autoencoder({ inputShape: [784], encoder: { sizes: [16, 3] } });
    const e = await embed(ae, data, { batchSize: 16 });
    assert.deepEqual(e.shape, [40, 3]);
    assert.equal(e.x.length, 120);
    assert.deepEqual(Array.from(e.x), Array.from(await ae.encode(data.x)));
    assert.deepEqual(e.labels, data.labels);
    assert.deepEqual(e.labelNames, data.labelNames);
  });

  it('gives a VAE\'s means (deterministic) and a conv model\'s code shape', async () => {
    const vae = new VariationalAutoencoder({ inputShape: [784], latentDim: 2, encoder: { type: 'dense', sizes: [8] } });
    const a = await embed(vae, data);
    const b = await embed(vae, data);
    assert.deepEqual(a.shape, [40, 2]);
    assert.deepEqual(a.x, b.x);
    const mu = (await vae.trainer.predict(data.x, { part: 'encoder' })).mu!.data as Float32Array;
    assert.deepEqual(Array.from(a.x), Array.from(mu));
    const images = mnist({ limit: 5, shape: 'image' });
    const conv = new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [4, 2] } });
    const c = await embed(conv, images);
    assert.deepEqual(c.shape, [5, ...conv.latentShape]);
    assert.equal(c.x.length, 5 * conv.latentShape.reduce((x, y) => x * y, 1));
  });

  it('projects with a PCA, and the codes evaluate as features', async () => {
    const train = mnist({ limit: 300 });
    const pca = PCA.fit(train, { components: 4 });
    const e = await embed(pca, data);
    assert.deepEqual(e.shape, [40, 4]);
    assert.deepEqual(e.x, pca.transform(data.x));
    const r = await evaluateCodes(await embed(pca, train), e, { probe: false, clustering: { restarts: 2 } });
    assert.ok(r.knn.accuracy > 0.3, `4-D PCA 5-NN accuracy ${r.knn.accuracy}`);
  });

  it('names what is wrong with the data', async () => {
    const ae = new Autoencoder({ inputShape: [1, 28, 28], encoder: { sizes: [4] } });
    await assert.rejects(embed(ae, data), /data samples have shape \[784\], the Autoencoder takes \[1,28,28\] \(same size: load the data with that shape/);
    await assert.rejects(embed(ae, { x: [1, 2] as never, shape: [1, 1, 28, 28] }), /data must be \{ x: Float32Array, shape: \[n, 1,28,28\] \}.*x is not a Float32Array/);
    await assert.rejects(embed(ae, { x: new Float32Array(784), shape: [1, 1, 28, 28], labels: [1, 2] }), /1 samples but 2 labels/);
    await assert.rejects(embed(PCA.fit(data, { components: 2 }), { x: new Float32Array(10), shape: [2, 5] }), /5 values \(shape \[5\]\), the PCA was fitted on 784 features/);
    await assert.rejects(embed(ae, mnist({ limit: 2, shape: 'image' }), { batchSize: 0 }), /batchSize must be a positive integer/);
  });
});

describe('writeCodes', () => {
  const embedding = { x: Float32Array.of(0.1, -2.5, 1e-8, 3, 0, 7.25), shape: [3, 2], labels: Int32Array.of(4, 0, 9) };

  it('writes .npy codes and .labels.npy labels that read back exactly', () => {
    const dir = tmp();
    const path = join(dir, 'codes.npy');
    assert.deepEqual(writeCodes(path, embedding), [path, join(dir, 'codes.labels.npy')]);
    const codes = parseNpy(readFileSync(path));
    assert.deepEqual(codes.shape, [3, 2]);
    assert.deepEqual(codes.data, embedding.x);
    const labels = parseNpy(readFileSync(labelsPathFor(path)));
    assert.deepEqual(labels.data, embedding.labels);
    assert.deepEqual(readdirSync(dir).sort(), ['codes.labels.npy', 'codes.npy'], 'no temporary files left');
    // Without labels, one file.
    assert.deepEqual(writeCodes(join(dir, 'plain.npy'), { x: embedding.x, shape: [3, 2] }), [join(dir, 'plain.npy')]);
  });

  it('writes .npz with codes and labels in one archive', () => {
    const path = join(tmp(), 'codes.npz');
    writeCodes(path, embedding);
    const arrays = parseNpz(readFileSync(path));
    assert.deepEqual(arrays.codes!.data, embedding.x);
    assert.deepEqual(arrays.labels!.data, embedding.labels);
  });

  it('writes CSV with a header and a label column; values read back as the same float32', () => {
    const path = join(tmp(), 'codes.csv');
    writeCodes(path, embedding);
    const text = readFileSync(path, 'utf8');
    assert.equal(text.split('\n')[0], 'z0,z1,label');
    assert.equal(text.split('\n')[1], '0.1,-2.5,4');
    const back = parseCsv(text, { labelColumn: 'label' });
    assert.deepEqual(back.x, embedding.x);
    assert.deepEqual(Array.from(back.labels!), [4, 0, 9]);
  });

  it('rejects an unknown format and inconsistent embeddings', () => {
    const dir = tmp();
    assert.throws(() => writeCodes(join(dir, 'codes.txt'), embedding), /cannot tell the format of '.*codes\.txt'; expected a \.npy, \.npz or \.csv file/);
    assert.throws(() => writeCodes(join(dir, 'codes'), embedding, { format: 'json' as never }), /format "json"/);
    assert.throws(() => writeCodes(join(dir, 'codes.csv'), { ...embedding, labels: Int32Array.of(1) }), /3 codes but 1 labels/);
    assert.throws(() => writeCodes(dir, embedding, { format: 'csv' }), /is a directory/);
  });
});
