/**
 * Validation helpers for model configs: the generic checks of
 * src/config/validate.ts plus the ones that know about layers.
 */
import { ACTIVATION_NAMES, type ActivationName } from '../layers/activations.js';
import { oneOf } from '../config/validate.js';

export * from '../config/validate.js';

/** Activation names only (no α objects): configs stay simple and comparable. */
export function activationName(v: unknown, path: string): ActivationName {
  return oneOf(v, path, ACTIVATION_NAMES);
}

