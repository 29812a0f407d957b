/**
 * Does the conv autoencoder of the speed benchmark collapse to blank outputs when
 * trained with MSE through a sigmoid? Trains it for one epoch on 12,000 MNIST
 * images with three seeds and prints the test MSE and the largest output.
 * `node --import tsx bench/experiments/mse-collapse.ts [mse|bce]`; the PyTorch
 * twin is bench/experiments/mse_collapse_torch.py. Findings: docs/quality.md.
 */
import { mnist } from '../../src/data/datasets.js';
import { convBenchModel } from '../lib/workloads.js';
import { reconstructionMetrics } from '../../src/eval/reconstruction.js';
import { Adam } from '../../src/optim/optimizers.js';
import { Trainer } from '../../src/train/trainer.js';

const loss = process.argv[2] === 'bce' ? 'bce' : 'mse';
const train = mnist({ split: 'train', shape: 'image', limit: 12000 });
const test = mnist({ split: 'test', shape: 'image', limit: 2000 });
for (const seed of [1, 2, 3]) {
  const trainer = Trainer.create(convBenchModel(loss), { optimizer: new Adam({ learningRate: 1e-3 }), seed, session: { threads: 1 } });
  const result = await trainer.fit(train, { epochs: 1, batchSize: 64, seed, worker: false });
  const rec = (await trainer.predict(test.x)).reconstruction!.data as Float32Array;
  let max = 0;
  for (const v of rec) max = Math.max(max, v);
  const m = reconstructionMetrics(test.x, rec);
  console.log(`loss ${loss}, seed ${seed}: train loss ${result.history[0]!.loss!.toFixed(5)}, test MSE ${m.mse.toFixed(5)}, largest output ${max.toFixed(3)}`);
}
let meanSquare = 0;
for (const v of test.x) meanSquare += v * v;
console.log(`test MSE of an all-zero output: ${(meanSquare / test.x.length).toFixed(5)}`);
