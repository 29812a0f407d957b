/**
 * Child process for the kill tests: saves a model to one directory again and
 * again, generation after generation, until it is killed. Every tensor of
 * generation g starts with the value g, so the parent can tell which save a
 * loaded checkpoint came from. Prints "saved <g>" after each save returns.
 */
import { Autoencoder } from '../../src/models/index.js';

const [dir, mode] = process.argv.slice(2) as [string, 'model' | 'trainer'];
const m = new Autoencoder({ inputShape: [8], encoder: { sizes: [6, 3] } });
m.compile({ seed: 1 });
const trainer = m.trainer;
process.stdout.write('ready\n');
for (let g = 1; ; g++) {
  for (const t of Object.values(trainer.tensors)) {
    const data = t.data as Float32Array;
    for (let i = 0; i < data.length; i++) data[i] = g + i / 1024;
  }
  if (mode === 'model') m.save(dir);
  else trainer.saveCheckpoint(dir);
  process.stdout.write(`saved ${g}\n`);
}
