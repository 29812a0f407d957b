/**
 * Early stopping of unpromising trials on their per-epoch metric (the
 * objective when the trainer reports it every epoch, else `valLoss`).
 * Values are oriented so that lower is better.
 *
 * - `median` (the median stopping rule of Google Vizier, Golovin et al. 2017):
 *   after epoch e a trial stops when its value is worse than the median of
 *   the values at epoch e of the complete trials, once at least
 *   {@link MEDIAN_STARTUP_TRIALS} complete trials reached epoch e.
 * - `halving` (asynchronous successive halving, Li et al. 2020, "A System
 *   for Massively Parallel Hyperparameter Tuning"): rungs at epochs
 *   1, η, η², ... with η = {@link HALVING_ETA}; at a rung a trial goes on
 *   only when its value is among the best ⌊k/η⌋ of the k values recorded at
 *   that rung by every trial (itself included); with fewer than η values
 *   at the rung it goes on.
 */
import { type PrunerName } from './space.js';

/** Complete trials needed at an epoch before the median rule stops anyone. */
export const MEDIAN_STARTUP_TRIALS = 5;
/** Reduction factor of successive halving. */
export const HALVING_ETA = 3;

/** What a pruner sees of the other trials: their per-epoch values (lower is better), and whether they completed. */
export interface PeerCurve {
  complete: boolean;
  values: ReadonlyMap<number, number>;
}

/** Whether a trial with `value` at `epoch` should stop, and why (undefined: go on). */
export function pruneReason(pruner: PrunerName, epoch: number, value: number, peers: readonly PeerCurve[]): string | undefined {
  if (pruner === 'none') return undefined;
  if (!Number.isFinite(value)) return `pruned: non-finite value at epoch ${epoch}`;
  if (pruner === 'median') {
    const at = peers.filter((p) => p.complete && p.values.has(epoch)).map((p) => p.values.get(epoch)!).sort((a, b) => a - b);
    if (at.length < MEDIAN_STARTUP_TRIALS) return undefined;
    const m = at.length % 2 ? at[(at.length - 1) / 2]! : (at[at.length / 2 - 1]! + at[at.length / 2]!) / 2;
    return value > m ? `pruned by the median rule at epoch ${epoch} (${value.toPrecision(4)} worse than the median ${m.toPrecision(4)} of ${at.length} complete trials)` : undefined;
  }
  let rung = 1;
  while (rung < epoch) rung *= HALVING_ETA;
  if (rung !== epoch) return undefined;
  const at = [value, ...peers.filter((p) => p.values.has(epoch)).map((p) => p.values.get(epoch)!)].sort((a, b) => a - b);
  const keep = Math.floor(at.length / HALVING_ETA);
  if (at.length < HALVING_ETA || value <= at[keep - 1]!) return undefined;
  return `pruned by successive halving at epoch ${epoch} (not in the best ${keep} of ${at.length} at this rung)`;
}
