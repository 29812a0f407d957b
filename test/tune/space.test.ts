/**
 * Search spaces in a run config (src/tune/space.ts) and the samplers
 * (src/tune/samplers.ts): errors naming the field, determinism by seed, and
 * TPE against random search on a cheap synthetic objective (no training).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/validate.js';
import { type Observation, RandomSampler, TpeSampler, makeSampler } from '../../src/tune/samplers.js';
import { parseSearchConfig, trialConfig } from '../../src/tune/space.js';

const base = () => ({
  model: 'dense',
  data: { source: 'mnist', samples: 100, validationSplit: 0.2 },
  training: { epochs: 2, batchSize: { choice: [32, 64] }, optimizer: { name: 'adam', learningRate: { logUniform: [1e-4, 1e-2] } } },
  preset: { latent: { int: [2, 16], log: true } },
});

function throwsAt(raw: unknown, path: string, detail: RegExp): void {
  assert.throws(() => parseSearchConfig(raw, 'search.yaml'), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.path, path);
    assert.match(e.detail, detail);
    return true;
  });
}

describe('search spaces', () => {
  it('finds every space by its field path, with the tune defaults', () => {
    const s = parseSearchConfig(base(), 'search.yaml');
    assert.deepEqual(s.params.map((p) => p.name).sort(), ['preset.latent', 'training.batchSize', 'training.optimizer.learningRate']);
    assert.deepEqual(s.params.find((p) => p.name === 'preset.latent')!.spec, { kind: 'int', low: 2, high: 16, log: true });
    assert.equal(s.tune.objective, 'valLoss');
    assert.equal(s.tune.direction, 'minimize');
    assert.equal(s.tune.sampler, 'tpe');
    assert.equal(s.tune.trials, 20);
    assert.equal(s.tune.pruner, 'median');
    const auc = parseSearchConfig({ ...base(), data: { ...base().data, source: 'x.npz' }, tune: { objective: 'rocAuc' } }, 'search.yaml').tune;
    assert.deepEqual([auc.direction, auc.pruner], ['maximize', 'none'], 'rocAuc is measured after training: maximized, not pruned by default');
    const c = trialConfig(s, { 'training.batchSize': 64, 'training.optimizer.learningRate': 0.003, 'preset.latent': 5 });
    assert.equal(c.training.batchSize, 64);
    assert.equal(c.training.optimizer.learningRate, 0.003);
    assert.equal(c.preset!.latent, 5);
  });

  it('names the field of a bad space and what was expected', () => {
    const withLr = (lr: unknown) => ({ ...base(), training: { ...base().training, optimizer: { name: 'adam', learningRate: lr } } });
    throwsAt(withLr({ logUniform: [0, 1] }), 'search.yaml.training.optimizer.learningRate.logUniform', /log-scaled space needs low > 0/);
    throwsAt(withLr({ uniform: [0.1, 0.01] }), 'search.yaml.training.optimizer.learningRate.uniform', /low < high/);
    throwsAt(withLr({ uniform: [0.1] }), 'search.yaml.training.optimizer.learningRate.uniform', /expected \[low, high\]/);
    throwsAt(withLr({ uniform: [0.1, 'x'] }), 'search.yaml.training.optimizer.learningRate.uniform[1]', /expected a number/);
    throwsAt(withLr({ uniform: [0.1, 1], step: 2 }), 'search.yaml.training.optimizer.learningRate.step', /unknown key of a search space/);
    throwsAt(withLr({ uniform: [0.1, 1], choice: [1] }), 'search.yaml.training.optimizer.learningRate', /one kind/);
    throwsAt({ ...base(), training: { batchSize: { int: [1.5, 8] } } }, 'search.yaml.training.batchSize.int[0]', /expected an integer/);
    throwsAt({ ...base(), training: { batchSize: { choice: [] } } }, 'search.yaml.training.batchSize.choice', /non-empty list/);
    // A space whose values aekit train would refuse is refused now, with the value named.
    throwsAt({ ...base(), training: { batchSize: { choice: [32, 0] } } }, 'search.yaml.training.batchSize', /positive integer.*batchSize = 0/);
    throwsAt({ ...base(), model: { choice: ['dense', 'nope'] } }, 'search.yaml.model', /expected one of.*model = "nope"/);
    throwsAt({ ...base(), tune: { sampler: 'grid' } }, 'search.yaml.tune.sampler', /'tpe', 'random'/);
    throwsAt({ ...base(), tune: { trails: 3 } }, 'search.yaml.tune.trails', /unknown field/);
    throwsAt({ model: 'dense', data: { source: 'mnist' }, training: { epochs: { int: [1, 3] } } }, 'search.yaml.data.validationSplit', /validation split/);
    throwsAt({ ...base(), tune: { objective: 'rocAuc' } }, 'search.yaml.data.labelColumn', /0\/1 labels/);
    throwsAt({ model: 'dense', data: { source: 'mnist', validationSplit: 0.1 } }, 'search.yaml', /no search space/);
  });
});

/** A cheap objective with a narrow optimum in log learning rate, a width, and one good category. */
function objective(p: Record<string, unknown>): number {
  const lr = Math.log10(p.lr as number);
  return (lr + 2.7) ** 2 + ((p.width as number) - 40) ** 2 / 400 + (p.act === 'relu' ? 0 : 0.5) + ((p.drop as number) - 0.1) ** 2;
}
const SPACE = parseSearchConfig({
  model: 'dense', data: { source: 'mnist', validationSplit: 0.2 },
  preset: { latent: { int: [4, 200] } },
  training: { optimizer: { name: 'adam', learningRate: { logUniform: [1e-5, 1] } }, clipNorm: { uniform: [0.01, 1] }, batchSize: { choice: [8, 16, 32, 64] } },
}).params;
const rename: Record<string, string> = { 'preset.latent': 'width', 'training.optimizer.learningRate': 'lr', 'training.clipNorm': 'drop', 'training.batchSize': 'act' };
const ACT = (v: unknown) => (v === 32 ? 'relu' : 'other');
const value = (p: Record<string, unknown>) => objective(Object.fromEntries(Object.entries(p).map(([k, v]) => [rename[k]!, k === 'training.batchSize' ? ACT(v) : v])));

function study(sampler: 'tpe' | 'random', seed: number, trials: number): number[] {
  const s = makeSampler(sampler, seed);
  const history: Observation[] = [];
  const best: number[] = [];
  for (let n = 0; n < trials; n++) {
    const params = s.sample(SPACE, history, n);
    const loss = value(params);
    history.push({ params, state: 'complete', loss });
    best.push(Math.min(loss, best.at(-1) ?? Infinity));
  }
  return best;
}

describe('samplers', () => {
  it('are deterministic by seed and trial number, and differ between seeds', () => {
    for (const S of [RandomSampler, TpeSampler]) {
      const h: Observation[] = Array.from({ length: 12 }, (_, n) => ({ params: new RandomSampler(9).sample(SPACE, [], n), state: 'complete' as const, loss: n }));
      const a = new S(3).sample(SPACE, h, 12);
      assert.deepEqual(new S(3).sample(SPACE, h, 12), a);
      assert.notDeepEqual(new S(4).sample(SPACE, h, 12), a);
      assert.notDeepEqual(new S(3).sample(SPACE, h, 13), a);
    }
  });

  it('keep values inside their spaces (ints are integers, choices are among the values)', () => {
    const h: Observation[] = [];
    for (let n = 0; n < 40; n++) {
      const p = new TpeSampler(1, { startupTrials: 5 }).sample(SPACE, h, n);
      const lr = p['training.optimizer.learningRate'] as number;
      const w = p['preset.latent'] as number;
      assert.ok(lr >= 1e-5 && lr <= 1, `lr ${lr}`);
      assert.ok(Number.isInteger(w) && w >= 4 && w <= 200, `width ${w}`);
      assert.ok([8, 16, 32, 64].includes(p['training.batchSize'] as number));
      h.push({ params: p, state: n % 7 === 6 ? 'pruned' : 'complete', loss: value(p) });
    }
  });

  it('TPE beats random search on the synthetic objective, averaged over 10 seeds (best after 40 trials, and trials to reach random\'s final best)', () => {
    const seeds = Array.from({ length: 10 }, (_, i) => i);
    const tpe = seeds.map((s) => study('tpe', s, 40));
    const rnd = seeds.map((s) => study('random', s, 40));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const tpeBest = mean(tpe.map((b) => b.at(-1)!));
    const rndBest = mean(rnd.map((b) => b.at(-1)!));
    assert.ok(tpeBest < 0.8 * rndBest, `TPE ${tpeBest.toFixed(3)} vs random ${rndBest.toFixed(3)}`);
  });
});
