/**
 * The metrics of `aekit serve` (GET /metrics, Prometheus text format, through
 * prom-client): requests by endpoint and status, request latency, and the
 * size of each ONNX Runtime call the batcher made, in rows and in requests.
 * Each server has its own registry, so two servers in one process (tests)
 * count apart. Process metrics (CPU, memory, event-loop lag) come with them,
 * prefixed `aekit_serve_`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Powers of two up to the largest batch a server allows. */
function batchBuckets(maxBatch: number): number[] {
  const out: number[] = [];
  for (let b = 1; b < maxBatch; b *= 2) out.push(b);
  out.push(maxBatch);
  return out;
}

/** The counters and histograms one server keeps. */
export class ServeMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'endpoint' | 'status'>;
  readonly latency: Histogram<'endpoint'>;
  readonly inFlight: Gauge;
  readonly batchRows: Histogram<'endpoint'>;
  readonly batchRequests: Histogram<'endpoint'>;

  constructor(maxBatch: number) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'aekit_serve_' });
    this.requests = new Counter({ name: 'aekit_serve_requests_total', help: 'HTTP requests answered, by endpoint and status code', labelNames: ['endpoint', 'status'], registers });
    this.latency = new Histogram({
      name: 'aekit_serve_request_duration_seconds', help: 'Time from a request\'s arrival to its answer, by endpoint',
      labelNames: ['endpoint'], buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers,
    });
    this.inFlight = new Gauge({ name: 'aekit_serve_requests_in_flight', help: 'Requests received and not yet answered', registers });
    this.batchRows = new Histogram({ name: 'aekit_serve_batch_rows', help: 'Rows in each ONNX Runtime call (micro-batch), by endpoint', labelNames: ['endpoint'], buckets: batchBuckets(maxBatch), registers });
    this.batchRequests = new Histogram({ name: 'aekit_serve_batch_requests', help: 'Requests sharing each ONNX Runtime call (micro-batch), by endpoint', labelNames: ['endpoint'], buckets: batchBuckets(maxBatch), registers });
  }
}
