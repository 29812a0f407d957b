/** Learning-rate schedules, stepped once per epoch as PyTorch's schedulers are. */
export type ScheduleConfig =
  | { type: 'constant' }
  /** lr · γ^⌊epoch / stepSize⌋ */
  | { type: 'step'; stepSize: number; gamma: number }
  /** lr · γ^epoch */
  | { type: 'exponential'; gamma: number }
  /** minLr + (lr − minLr) · (1 + cos(π · epoch / totalEpochs)) / 2 */
  | { type: 'cosine'; totalEpochs: number; minLr?: number }
  /** Multiply by `factor` after `patience` epochs without improving the monitored metric by minDelta. */
  | { type: 'reduceOnPlateau'; factor?: number; patience?: number; minDelta?: number; minLr?: number; monitor?: string };

/** Serializable state of a schedule, kept in checkpoints. */
export interface ScheduleState {
  plateauLr?: number;
  best?: number;
  badEpochs?: number;
}

/** Computes each epoch's learning rate from a base rate and a schedule. */
export class LearningRateSchedule {
  private state: ScheduleState = {};

  constructor(
    readonly baseLr: number,
    readonly config: ScheduleConfig = { type: 'constant' },
  ) {
    const c = config as { type: string };
    if (!['constant', 'step', 'exponential', 'cosine', 'reduceOnPlateau'].includes(c.type)) {
      throw new Error(`schedule.type: unknown schedule '${c.type}'; expected constant, step, exponential, cosine or reduceOnPlateau`);
    }
  }

  /** The learning rate for a 0-based epoch. */
  lrForEpoch(epoch: number): number {
    const c = this.config;
    switch (c.type) {
      case 'constant': return this.baseLr;
      case 'step': return this.baseLr * c.gamma ** Math.floor(epoch / c.stepSize);
      case 'exponential': return this.baseLr * c.gamma ** epoch;
      case 'cosine': {
        const min = c.minLr ?? 0;
        const t = Math.min(epoch, c.totalEpochs) / c.totalEpochs;
        return min + ((this.baseLr - min) * (1 + Math.cos(Math.PI * t))) / 2;
      }
      case 'reduceOnPlateau': return this.state.plateauLr ?? this.baseLr;
    }
  }

  /** Feeds an epoch's metrics (only reduce-on-plateau reacts). */
  onEpochEnd(metrics: Record<string, number>): void {
    const c = this.config;
    if (c.type !== 'reduceOnPlateau') return;
    const value = metrics[c.monitor ?? 'valLoss'] ?? metrics.loss;
    if (value === undefined || !Number.isFinite(value)) return;
    const best = this.state.best ?? Infinity;
    if (value < best - (c.minDelta ?? 1e-4)) {
      this.state.best = value;
      this.state.badEpochs = 0;
      return;
    }
    this.state.badEpochs = (this.state.badEpochs ?? 0) + 1;
    if (this.state.badEpochs > (c.patience ?? 10)) {
      this.state.plateauLr = Math.max((this.state.plateauLr ?? this.baseLr) * (c.factor ?? 0.1), c.minLr ?? 0);
      this.state.badEpochs = 0;
    }
  }

  getState(): ScheduleState {
    return { ...this.state };
  }

  setState(state: ScheduleState): void {
    this.state = { ...state };
  }
}
