/**
 * Perceptual loss demo (not a test): trains a small MNIST classifier, then the
 * same conv autoencoder twice, once with a pixel loss alone and once with the
 * perceptual loss (classifier features) plus that pixel loss, and prints how
 * well the classifier recognizes the reconstructions of the test images next
 * to the originals, with the pixel MSE of each autoencoder.
 *
 *   node --import tsx bench/experiments/perceptual-demo.ts [--train 12000] [--classifier-epochs 3] [--epochs 2] [--test 10000]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mnist } from '../../src/data/datasets.js';
import { ConvAutoencoder, type ConvAutoencoderConfig, ImageClassifier } from '../../src/models/index.js';

const { values } = parseArgs({
  options: {
    train: { type: 'string', default: '12000' },
    'classifier-epochs': { type: 'string', default: '3' },
    epochs: { type: 'string', default: '2' },
    test: { type: 'string', default: '10000' },
  },
});
const nTrain = Number(values.train);
const nTest = Number(values.test);
const classifierEpochs = Number(values['classifier-epochs']);
const epochs = Number(values.epochs);

const train = mnist({ limit: nTrain, shape: 'image' });
const test = mnist({ split: 'test', limit: nTest, shape: 'image' });
const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

console.log(`MNIST: ${train.shape[0]} training images, ${test.shape[0]} test images`);
let t0 = performance.now();
const classifier = new ImageClassifier({ inputShape: [1, 28, 28], filters: [16, 32], hidden: [64] }).compile({ seed: 1 });
await classifier.fit({ x: train.x, shape: train.shape, labels: train.labels! }, {
  epochs: classifierEpochs, batchSize: 64,
  onProgress: (e) => { if (e.type === 'epoch') console.log(`  classifier epoch ${e.epoch}: loss ${e.metrics.loss!.toFixed(4)}, train accuracy ${e.metrics.accuracy!.toFixed(4)}`); },
});
const originalAccuracy = await classifier.accuracy(test.x, test.labels!);
console.log(`classifier (${classifier.countParams()} weights, ${classifierEpochs} epochs, ${seconds(t0)} s): test accuracy on the original images ${originalAccuracy.toFixed(4)}`);
const classifierDir = join(mkdtempSync(join(tmpdir(), 'aekit-perceptual-demo-')), 'classifier');
classifier.save(classifierDir);

function mse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

// A small bottleneck (32 numbers per image), so reconstructions lose detail and the loss decides which detail.
const architecture = { inputShape: [1, 28, 28], encoder: { filters: [16, 16] }, latentDim: 32 } satisfies Partial<ConvAutoencoderConfig>;
const runs: { name: string; loss: ConvAutoencoderConfig['loss'] }[] = [
  { name: 'pixel loss only (bce)', loss: 'bce' },
  { name: 'perceptual (conv_0, conv_1) + 1 · bce', loss: { type: 'perceptual', classifier: classifierDir, layers: ['conv_0', 'conv_1'], weight: 1, pixelLoss: 'bce', pixelWeight: 1 } },
];
const rows: string[] = [];
for (const run of runs) {
  t0 = performance.now();
  const ae = new ConvAutoencoder({ ...architecture, loss: run.loss }).compile({ seed: 2 });
  await ae.fit({ x: train.x, shape: train.shape }, {
    epochs, batchSize: 64,
    onProgress: (e) => { if (e.type === 'epoch') console.log(`  ${run.name}, epoch ${e.epoch}: ${Object.entries(e.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')} (${e.seconds.toFixed(1)} s)`); },
  });
  const reconstructions = await ae.reconstruct(test.x);
  const accuracy = await classifier.accuracy(reconstructions, test.labels!);
  const line = `${run.name}: test accuracy on reconstructions ${accuracy.toFixed(4)} (originals ${originalAccuracy.toFixed(4)}), test pixel MSE ${mse(reconstructions, test.x).toFixed(5)}, ${seconds(t0)} s`;
  console.log(line);
  rows.push(line);
}
console.log(`\nSummary (${epochs} autoencoder epochs on ${train.shape[0]} images, code of 32 values):\n${rows.join('\n')}`);
