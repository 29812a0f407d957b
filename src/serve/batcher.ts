/**
 * Micro-batching: rows of requests that arrive close together are scored in
 * one ONNX Runtime call. One call on 64 rows costs little more than a call on
 * one (the per-call overhead, the weights fed as inputs and the k-NN scan over
 * the training codes are paid once), so under concurrent load the server does
 * far more rows per second than it would call by call, and each caller waits
 * at most the window for company.
 *
 * The rule: the queued requests go as one call (in arrival order, up to
 * `maxBatch` rows; a request larger than that goes alone) as soon as a turn
 * of the event loop brings no new request, i.e. the server has read every
 * request that had arrived, or when `maxBatch` rows are queued, and at the
 * latest `windowMs` after the first request into an empty queue. Waiting for
 * an idle turn rather than for a fixed time means a lone client is answered
 * at once, and under load the call takes everything that came in while the
 * last one ran, so no request waits a window for company that is not coming.
 * One call runs at a time: requests that become due while a call runs go
 * right after it. Each caller gets the slice of the output that belongs to
 * its rows.
 */

/** The function a batcher calls: `n` rows of `x` in, `n` equal slices of output out (any number of values per row). */
export type BatchFunction = (x: Float32Array, n: number) => Promise<Float32Array | Float64Array>;

/** Options of {@link MicroBatcher}. */
export interface MicroBatcherOptions {
  /** Values per row of the input. */
  width: number;
  /** The longest the first request of a batch waits for others while requests keep arriving, in milliseconds. */
  windowMs: number;
  /** Most rows in one call; a single request with more rows goes alone. */
  maxBatch: number;
  /** Called after each call with its rows and requests (for metrics). */
  onBatch?: (rows: number, requests: number) => void;
}

interface Pending {
  x: Float32Array;
  n: number;
  resolve: (out: Float32Array | Float64Array) => void;
  reject: (e: unknown) => void;
}

/**
 * Queues row batches for `fn` and runs them together; see the module comment.
 * When a call of several requests fails, each request is run again alone, so
 * that a row only one request sent (an input the model cannot take) fails that
 * request only.
 */
export class MicroBatcher {
  private queue: Pending[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The window of the oldest queued request has closed while a call ran. */
  private due = false;
  private running = false;
  private idleWaiters: Array<() => void> = [];
  /** Requests submitted so far, and the check for a turn of the event loop that brought none. */
  private submitted = 0;
  private idleCheck: NodeJS.Immediate | undefined;

  constructor(private readonly fn: BatchFunction, private readonly options: MicroBatcherOptions) {
    if (!(Number.isInteger(options.width) && options.width >= 1)) throw new RangeError(`MicroBatcher: width must be a positive integer, got ${options.width}`);
    if (!(Number.isFinite(options.windowMs) && options.windowMs >= 0)) throw new RangeError(`MicroBatcher: windowMs must be a number >= 0, got ${options.windowMs}`);
    if (!(Number.isInteger(options.maxBatch) && options.maxBatch >= 1)) throw new RangeError(`MicroBatcher: maxBatch must be a positive integer, got ${options.maxBatch}`);
  }

  /**
   * Queues `n` rows (`x` holds n · width values) and resolves with their
   * slice of the output, or rejects with the call's error.
   */
  submit(x: Float32Array, n: number): Promise<Float32Array | Float64Array> {
    if (x.length !== n * this.options.width || n < 1) return Promise.reject(new RangeError(`MicroBatcher.submit: ${x.length} values are not ${n} rows of ${this.options.width}`));
    return new Promise((resolve, reject) => {
      this.queue.push({ x, n, resolve, reject });
      this.queuedRows += n;
      if (this.queuedRows >= this.options.maxBatch) this.due = true;
      this.submitted++;
      if (this.due) this.kick();
      else {
        this.timer ??= setTimeout(() => this.makeDue(), this.options.windowMs);
        if (!this.idleCheck) this.checkIdleAfterTurn(this.submitted);
      }
    });
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * After this turn's I/O (setImmediate runs after the poll phase that reads
   * sockets): if no request came since `seen`, the queue is complete; if some
   * did, look again after the next turn.
   */
  private checkIdleAfterTurn(seen: number): void {
    this.idleCheck = setImmediate(() => {
      this.idleCheck = undefined;
      if (this.queue.length === 0) return;
      if (this.submitted === seen) this.makeDue();
      else this.checkIdleAfterTurn(this.submitted);
    });
  }

  private makeDue(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = true;
    this.kick();
  }

  private kick(): void {
    if (this.running || !this.due || this.queue.length === 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = false;
    const taken: Pending[] = [];
    let rows = 0;
    while (this.queue.length > 0 && (taken.length === 0 || rows + this.queue[0]!.n <= this.options.maxBatch)) {
      const p = this.queue.shift()!;
      taken.push(p);
      rows += p.n;
    }
    this.queuedRows -= rows;
    // What is left waited through this call: it goes right after.
    if (this.queue.length > 0) this.due = true;
    this.running = true;
    void this.run(taken, rows).finally(() => {
      this.running = false;
      if (this.queue.length > 0) this.kick();
      else for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  private async run(taken: Pending[], rows: number): Promise<void> {
    const width = this.options.width;
    let x: Float32Array;
    if (taken.length === 1) x = taken[0]!.x;
    else {
      x = new Float32Array(rows * width);
      let at = 0;
      for (const p of taken) {
        x.set(p.x, at);
        at += p.x.length;
      }
    }
    let out: Float32Array | Float64Array;
    try {
      out = await this.fn(x, rows);
      if (out.length % rows !== 0) throw new Error(`batch function returned ${out.length} values for ${rows} rows`);
    } catch (e) {
      this.options.onBatch?.(rows, taken.length);
      if (taken.length === 1) taken[0]!.reject(e);
      else for (const p of taken) await this.runAlone(p);
      return;
    }
    this.options.onBatch?.(rows, taken.length);
    const per = out.length / rows;
    let at = 0;
    for (const p of taken) {
      p.resolve(out.subarray(at * per, (at + p.n) * per));
      at += p.n;
    }
  }

  private async runAlone(p: Pending): Promise<void> {
    let out: Float32Array | Float64Array;
    try {
      out = await this.fn(p.x, p.n);
    } catch (e) {
      this.options.onBatch?.(p.n, 1);
      p.reject(e);
      return;
    }
    this.options.onBatch?.(p.n, 1);
    p.resolve(out);
  }
}
