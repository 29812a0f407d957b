/**
 * The model registry: every model class registers a factory under its
 * `className`, so a JSON config (or a saved model) can be rebuilt without
 * knowing its class in advance.
 */
import { type AutoencoderModel } from './base.js';
import { ConfigError, objectOf } from './config.js';

type ModelFactory = (config: Record<string, unknown>) => AutoencoderModel;
const registry = new Map<string, ModelFactory>();

/** Registers a model class so `modelFromConfig` and `load` can rebuild it by its `className`. */
export function registerModel(className: string, factory: ModelFactory): void {
  registry.set(className, factory);
}

/**
 * Rebuilds a model from its JSON config (`className` plus the same fields its
 * constructor takes). Unknown classes, unknown fields, wrong types and
 * inconsistent sizes throw a {@link ConfigError} naming the field.
 */
export function modelFromConfig(json: unknown): AutoencoderModel {
  const c = json as Record<string, unknown>;
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new ConfigError('config', `expected an object, got ${JSON.stringify(json)}`);
  const factory = typeof c.className === 'string' ? registry.get(c.className) : undefined;
  if (!factory) throw new ConfigError('config.className', `expected one of ${[...registry.keys()].sort().map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(c.className)}`);
  const { className: _, ...rest } = c;
  return factory(rest);
}

/** Rejects fields a model does not know, before any other check (so typos are reported as such). */
export function fieldsOf(config: unknown, allowed: readonly string[]): Record<string, unknown> {
  return objectOf(config, 'config', allowed);
}
