/** The optimizers a config, `--optimizer` or a run config may name: the `name` of an OptimizerConfig. */
export const OPTIMIZER_NAMES = ['adam', 'adamw', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
