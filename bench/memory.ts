/**
 * Memory soak (issue #3): trains a small dense autoencoder for 20,000 steps and
 * samples the process's resident set size, to show that it does not grow after
 * warm-up. `node --import tsx bench/memory.ts [--steps 20000]`
 * Prints RSS at checkpoints and the growth from the first sample after warm-up.
 */
import { Dense } from '../src/layers/index.js';
import { mnist } from '../src/data/datasets.js';
import { LayerAutoencoder } from '../src/models/layer-autoencoder.js';
import { Trainer } from '../src/train/trainer.js';

const stepsArg = process.argv.indexOf('--steps');
const steps = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : 20000;
const batch = 32;
const data = mnist({ split: 'train', limit: 4096 });
const model = new LayerAutoencoder({
  inputShape: [784],
  encoder: [new Dense({ units: 64, activation: 'relu' }), new Dense({ units: 16, activation: 'relu' })],
  decoder: [new Dense({ units: 64, activation: 'relu' }), new Dense({ units: 784, activation: 'sigmoid' })],
});
const trainer = Trainer.create(model, { seed: 1, session: { threads: 1 } });
const perEpoch = Math.ceil(4096 / batch);
const epochs = Math.ceil(steps / perEpoch);
const samples: { step: number; rssMiB: number }[] = [];
const mib = () => process.memoryUsage().rss / 2 ** 20;
const started = performance.now();
await trainer.fit(data, {
  epochs,
  batchSize: batch,
  onProgress: (e) => {
    if (e.type === 'epoch') samples.push({ step: e.step, rssMiB: mib() });
  },
});
const afterWarmup = samples.find((s) => s.step >= 1000) ?? samples[0]!;
const last = samples.at(-1)!;
const peak = Math.max(...samples.map((s) => s.rssMiB));
for (const s of samples.filter((_, i) => i % Math.ceil(samples.length / 10) === 0 || i === samples.length - 1)) {
  console.log(`step ${String(s.step).padStart(6)}  rss ${s.rssMiB.toFixed(1)} MiB`);
}
console.log(`${last.step} steps in ${((performance.now() - started) / 1000).toFixed(1)} s; rss after warm-up (step ${afterWarmup.step}) ${afterWarmup.rssMiB.toFixed(1)} MiB, at the end ${last.rssMiB.toFixed(1)} MiB, peak ${peak.toFixed(1)} MiB, growth ${(last.rssMiB - afterWarmup.rssMiB).toFixed(1)} MiB`);
