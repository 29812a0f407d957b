/**
 * How the PCA peer of bench:text's spam part changes with its number of
 * components (the bench gives it aekit's code size, 16): writes the bench's
 * TF-IDF split once and runs bench/text/spam_peers.py for each count.
 *
 *   node --import tsx bench/experiments/spam-pca-components.ts 8,16,32,64
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpy } from '../../src/data/npy.js';
import { loadSpamSplit } from '../text/spam-data.js';

const peers = join(dirname(fileURLToPath(import.meta.url)), '..', 'text', 'spam_peers.py');
const split = loadSpamSplit();
const work = mkdtempSync(join(tmpdir(), 'aekit-spam-pca-'));
try {
  writeFileSync(join(work, 'train.npy'), encodeNpy({ shape: [split.trainRows, split.vocabulary], data: split.train }));
  writeFileSync(join(work, 'test.npy'), encodeNpy({ shape: [split.testRows, split.vocabulary], data: split.test }));
  writeFileSync(join(work, 'labels.npy'), encodeNpy({ shape: [split.testRows], data: Float32Array.from(split.labels) }));
  for (const components of (process.argv[2] ?? '8,16,32,64').split(',')) {
    const r = spawnSync('/usr/bin/python3', [peers, '--dir', work, '--components', components], { encoding: 'utf8' });
    const pca = (JSON.parse(r.stdout.trim().split('\n').pop()!) as { pca: number }).pca;
    console.log(`PCA with ${components} components: ROC-AUC ${pca.toFixed(2)} %`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
