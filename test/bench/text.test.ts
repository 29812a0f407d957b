import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBrownBenchmark } from '../../bench/text/brown.js';

test('bench:text pipeline on a small slice of Brown: every reported number is there and in range', async () => {
  const lines: string[] = [];
  const r = await runBrownBenchmark({
    seeds: [1], trainLimit: 300, evalLimit: 24, vocabSize: 300, units: 16, embeddingDim: 8, latentDim: 4, aeEpochs: 1, vaeEpochs: 1, isSamples: 3, klAnnealSteps: 3, threads: 1,
  }, (l) => lines.push(l));
  assert.ok(r.baselines.kneserNeyTrigram > 1 && r.baselines.kneserNeyTrigram < 300, `KN perplexity ${r.baselines.kneserNeyTrigram}`);
  // An untrained-ish model over 300 ids: worse than the trigram, but not worse than uniform by much.
  assert.ok(r.perplexity > 1 && r.perplexity < 2 * 300, `VAE perplexity ${r.perplexity}`);
  assert.ok(r.perSeed[0]!.elboPerplexity >= r.perplexity * 0.9, 'the k-sample bound is not far above the k = 1 one');
  assert.ok(r.kl >= 0 && r.activeUnits >= 0 && r.activeUnits <= 4);
  assert.ok(r.tokenAccuracy >= 0 && r.tokenAccuracy <= 1);
  assert.equal(r.goal.met, r.perplexity < r.baselines.kneserNeyTrigram);
  assert.equal(r.examples.reconstructions.length, 5);
  assert.equal(r.examples.interpolation.length, 5);
  assert.equal((r.protocol.sentences as { evaluated: number }).evaluated, 24);
  assert.ok(lines.some((l) => l.startsWith('Kneser–Ney trigram')));
});
