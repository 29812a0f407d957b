import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compactYaml, figureCaption, renderReport } from '../../src/cli/report.js';

const png = (byte: number) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, byte]);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('report.html', () => {
  it('includes every figure of the run folders: those no section shows go under "More figures", captioned', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-report-'));
    mkdirSync(join(dir, 'figures'));
    writeFileSync(join(dir, 'figures', 'loss.png'), png(1));
    writeFileSync(join(dir, 'figures', 'latent.png'), png(2));
    writeFileSync(join(dir, 'figures', 'my-own_plot.png'), png(3));
    const html = renderReport('t', 'intro', [{ title: 'Training', figures: [{ png: png(1), caption: 'the loss' }] }], {}, { runs: [{ title: 'the model', dir }] });
    assert.equal(html.split(b64(png(1))).length - 1, 1, 'a figure a section shows is not repeated');
    assert.ok(html.includes(b64(png(2))) && html.includes(b64(png(3))));
    assert.match(html, /More figures: the model/);
    assert.ok(html.includes(`${figureCaption('latent.png')} (latent.png)`));
    assert.match(html, /my own plot \(my-own_plot\.png\)/);
    const none = renderReport('t', 'intro', [{ title: 'Training', figures: [{ png: png(1), caption: 'the loss' }] }], {}, { runs: [{ title: 'empty', dir: join(dir, 'nowhere') }] });
    assert.doesNotMatch(none, /More figures/);
  });

  it('prints the config as compact YAML, arrays of numbers on one line, one block per run', () => {
    const model = { className: 'Autoencoder', inputShape: [1, 28, 28], encoder: { sizes: [256, 128, 16], activation: 'elu' } };
    assert.equal(compactYaml(model), 'className: Autoencoder\ninputShape: [ 1, 28, 28 ]\nencoder:\n  sizes: [ 256, 128, 16 ]\n  activation: elu\n');
    const html = renderReport('t', 'intro', [], { autoencoder: { model }, vae: { model: { ...model, className: 'VariationalAutoencoder' } } });
    assert.match(html, /<h3>autoencoder<\/h3><pre>model:\n  className: Autoencoder\n  inputShape: \[ 1, 28, 28 \]/);
    assert.match(html, /<h3>vae<\/h3>/);
    assert.doesNotMatch(html, /"inputShape"/, 'no JSON, one number per line');
  });
});
