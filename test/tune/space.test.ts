/**
 * Search spaces in a run config (src/tune/space.ts) and the samplers
 * (src/tune/samplers.ts): errors naming the field, determinism by seed, and
 * TPE against random search on a cheap synthetic objective (no training).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/validate.js';
import { type Observation, RandomSampler, type Sampler, TpeSampler, type TpeOptions, makeSampler } from '../../src/tune/samplers.js';
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

/** The objective values of one study, in trial order (lower is better). */
function study(sampler: Sampler, trials: number, space = SPACE, f = value): number[] {
  const history: Observation[] = [];
  const values: number[] = [];
  for (let n = 0; n < trials; n++) {
    const params = sampler.sample(space, history, n);
    const loss = f(params);
    history.push({ params, state: 'complete', loss });
    values.push(loss);
  }
  return values;
}

/**
 * bench:tune's search space, and an objective with a ridge no parameter
 * explains alone: the loss depends on learning rate × epochs / batch size
 * (a training budget), plus the code size and one good preset.
 */
const BENCH_SPACE = parseSearchConfig({
  model: { choice: ['dense', 'deep', 'denoising'] },
  preset: { latent: { int: [2, 64], log: true } },
  data: { source: 'mnist', validationSplit: 0.3 },
  training: { epochs: { int: [3, 20] }, batchSize: { choice: [32, 64, 128, 256] }, optimizer: { name: 'adam', learningRate: { logUniform: [1e-4, 1e-2] } } },
}).params;
function ridge(p: Record<string, unknown>): number {
  const budget = Math.log10((p['training.optimizer.learningRate'] as number) * (p['training.epochs'] as number) * 256 / (p['training.batchSize'] as number));
  return 0.04 * (budget - 1.3) ** 2 + 0.006 * (Math.log2(p['preset.latent'] as number) - 3) ** 2 + (p.model === 'deep' ? 0 : 0.03);
}
const runningBest = (values: number[]) => values.map((_, i) => Math.min(...values.slice(0, i + 1)));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** bench:tune's measure on `ridge`: trials a study took to reach random search's best of the same number of trials (trials + 1 when never). */
function trialsToRandomBest(options: TpeOptions, seeds: number, trials: number): { tpe: number; random: number } {
  const tpe: number[] = [];
  const random: number[] = [];
  for (let s = 0; s < seeds; s++) {
    const rnd = study(new RandomSampler(s), trials, BENCH_SPACE, ridge);
    const best = Math.min(...rnd);
    random.push(rnd.indexOf(best) + 1);
    const i = study(new TpeSampler(s, options), trials, BENCH_SPACE, ridge).findIndex((v) => v <= best);
    tpe.push(i < 0 ? trials + 1 : i + 1);
  }
  return { tpe: mean(tpe), random: mean(random) };
}

describe('samplers', () => {
  it('are deterministic by seed and trial number, and differ between seeds', () => {
    const makers: Array<(seed: number) => Sampler> = [(s) => new RandomSampler(s), (s) => new TpeSampler(s), (s) => new TpeSampler(s, { multivariate: false })];
    for (const make of makers) {
      const h: Observation[] = Array.from({ length: 12 }, (_, n) => ({ params: new RandomSampler(9).sample(SPACE, [], n), state: 'complete' as const, loss: n }));
      const a = make(3).sample(SPACE, h, 12);
      assert.deepEqual(make(3).sample(SPACE, h, 12), a);
      assert.notDeepEqual(make(4).sample(SPACE, h, 12), a);
      assert.notDeepEqual(make(3).sample(SPACE, h, 13), a);
    }
  });

  it('TPE rejects out-of-range settings, naming the option', () => {
    assert.throws(() => new TpeSampler(0, { gamma: 0 }), /options\.gamma: expected a fraction in \(0, 1\] or 'sqrt', got 0/);
    assert.throws(() => new TpeSampler(0, { candidates: 0 }), /options\.candidates: expected an integer >= 1/);
    assert.throws(() => new TpeSampler(0, { startupTrials: -1 }), /options\.startupTrials/);
    assert.throws(() => new TpeSampler(0, { priorWeight: 0 }), /options\.priorWeight/);
    assert.throws(() => new TpeSampler(0, { bandwidth: 'silverman' as 'scott' }), /options\.bandwidth: expected 'neighbour', 'scott' or 'range', got "silverman"/);
  });

  it('keep values inside their spaces (ints are integers, choices are among the values)', () => {
    for (const options of [{}, { multivariate: false }, { bandwidth: 'neighbour' as const }, { bandwidth: 'range' as const }]) {
      const h: Observation[] = [];
      for (let n = 0; n < 40; n++) {
        const p = new TpeSampler(1, { startupTrials: 5, ...options }).sample(SPACE, h, n);
        const lr = p['training.optimizer.learningRate'] as number;
        const w = p['preset.latent'] as number;
        assert.ok(lr >= 1e-5 && lr <= 1, `lr ${lr}`);
        assert.ok(Number.isInteger(w) && w >= 4 && w <= 200, `width ${w}`);
        assert.ok([8, 16, 32, 64].includes(p['training.batchSize'] as number));
        // Pruned and failed trials carry no loss; a trial of an older search may lack a parameter.
        const state = n % 7 === 6 ? 'pruned' : n % 11 === 10 ? 'failed' : 'complete';
        const params = n === 8 ? Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'training.clipNorm')) : p;
        h.push({ params, state, ...(state === 'complete' ? { loss: value(p) } : {}) });
      }
    }
  });

  it('TPE (joint and per-parameter) beats random search on the synthetic objective, averaged over 10 seeds (best after 40 trials)', () => {
    const seeds = Array.from({ length: 10 }, (_, i) => i);
    const final = (make: (seed: number) => Sampler) => mean(seeds.map((s) => runningBest(study(make(s), 40)).at(-1)!));
    const rnd = final((s) => new RandomSampler(s));
    for (const multivariate of [true, false]) {
      const tpe = final((s) => new TpeSampler(s, { multivariate }));
      assert.ok(tpe < 0.8 * rnd, `TPE (multivariate ${multivariate}) ${tpe.toFixed(3)} vs random ${rnd.toFixed(3)}`);
    }
  });

  it('the joint TPE reaches random search\'s best of 30 trials sooner than random search and than the per-parameter TPE, over 100 seeds, on an objective with a ridge', () => {
    const joint = trialsToRandomBest({}, 100, 30);
    const independent = trialsToRandomBest({ multivariate: false }, 100, 30);
    assert.ok(joint.tpe < joint.random - 1.5, `joint TPE ${joint.tpe.toFixed(2)} trials vs random ${joint.random.toFixed(2)}`);
    assert.ok(joint.tpe < independent.tpe - 1, `joint TPE ${joint.tpe.toFixed(2)} trials vs per-parameter ${independent.tpe.toFixed(2)}`);
  });
});
