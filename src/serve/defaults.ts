/** Defaults of `aekit serve` (src/serve/server.ts), apart so the CLI's help shows them without loading Fastify. */
export const SERVE_DEFAULTS = {
  port: 8080,
  /** Short enough to vanish in a request's latency, long enough for the requests of concurrent clients to meet. */
  batchWindowMs: 2,
  /** The models' own inference batch (front-end.ts): a bigger call would be split anyway. */
  maxBatch: 256,
  bodyLimit: 16 * 1024 * 1024,
  drainTimeoutMs: 10_000,
} as const;
