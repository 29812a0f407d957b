/**
 * Child process for the kill tests: trains the tiny model with a checkpoint
 * after every epoch, resuming from the checkpoint when one exists, until it
 * has done `epochs` epochs or is killed. Prints "epoch <n>" as epochs end.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Trainer } from '../../src/train/trainer.js';
import { TinyAutoencoder, curveData } from '../train/tiny-model.js';

const [dir, epochs, worker] = process.argv.slice(2) as [string, string, string];
const trainer = existsSync(join(dir, 'checkpoint.json')) || existsSync(join(dir, '.aekit-commit'))
  ? Trainer.resume(dir, new TinyAutoencoder())
  : Trainer.create(new TinyAutoencoder(), { seed: 7 });
process.stdout.write('ready\n');
await trainer.fit(curveData(4096), {
  epochs: Number(epochs), batchSize: 8, worker: worker === 'worker', checkpointDir: dir,
  onProgress: (e) => { if (e.type === 'epoch') process.stdout.write(`epoch ${e.epoch}\n`); },
});
process.stdout.write('finished\n');
