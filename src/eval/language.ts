/**
 * Metrics of sentence models: perplexity per token, token accuracy of a
 * reconstruction, and the KL and active units of a Gaussian code.
 */

/**
 * Perplexity per token: exp(Σ_s −log p(s) / Σ_s N_s), the negative
 * log-likelihoods in nats summed over the sentences, over the number of
 * tokens they predict (with `<eos>`, every real token counted once).
 */
export function perplexity(nll: ArrayLike<number> | number, tokens: number): number {
  if (!(tokens > 0)) throw new Error(`perplexity: tokens must be positive, got ${tokens}`);
  let total = 0;
  if (typeof nll === 'number') total = nll;
  else for (let i = 0; i < nll.length; i++) total += nll[i]!;
  return Math.exp(total / tokens);
}

/**
 * The fraction of real tokens (ids ≠ pad in `target`) that `predicted`
 * holds at the same position: rows of ids, same length. Target ids in
 * `ignore` are not scored either (e.g. `<unk>` and `<eos>`, to score words only).
 */
export function tokenAccuracy(predicted: ArrayLike<number>, target: ArrayLike<number>, pad = 0, ignore: readonly number[] = []): number {
  if (predicted.length !== target.length) throw new Error(`tokenAccuracy: ${predicted.length} predicted ids for ${target.length} targets`);
  let right = 0;
  let total = 0;
  for (let i = 0; i < target.length; i++) {
    if (target[i] === pad || ignore.includes(target[i]!)) continue;
    total += 1;
    if (predicted[i] === target[i]) right += 1;
  }
  if (total === 0) throw new Error('tokenAccuracy: the targets hold no real token');
  return right / total;
}

/**
 * Of Gaussian codes q(z|x) = N(μ, diag σ²), rows of d values each: the mean
 * over the rows of KL(q ‖ N(0, I)) = −½ Σ_j (1 + log σ²_j − μ_j² − σ²_j), and
 * the active units of Burda et al. (2016), the dimensions u whose posterior
 * mean varies over the data: Var_x(μ_u) > `threshold` (default 0.01).
 */
export function gaussianCodeStats(mu: ArrayLike<number>, logVar: ArrayLike<number>, d: number, threshold = 0.01): { kl: number; activeUnits: number } {
  if (mu.length !== logVar.length || mu.length === 0 || mu.length % d !== 0) throw new Error(`gaussianCodeStats: μ (${mu.length}) and log σ² (${logVar.length}) must be the same whole number of rows of ${d}`);
  const n = mu.length / d;
  let kl = 0;
  for (let i = 0; i < mu.length; i++) kl -= 0.5 * (1 + logVar[i]! - mu[i]! ** 2 - Math.exp(logVar[i]!));
  let active = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += mu[i * d + j]! / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (mu[i * d + j]! - mean) ** 2 / n;
    if (v > threshold) active += 1;
  }
  return { kl: kl / n, activeUnits: active };
}
