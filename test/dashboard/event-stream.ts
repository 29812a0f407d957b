/**
 * The dashboard's server-sent event stream as tests read it: every event
 * received so far, and a wait for the first that passes a check.
 */
import { request } from 'node:http';

/** One event of /api/events, its data parsed. */
export interface StreamedEvent<T = Record<string, unknown>> {
  event: string;
  data: T;
}

/** Opens /api/events of the dashboard on `port`; `close()` ends the stream. */
export function openEventStream<T = Record<string, unknown>>(port: number): {
  events: StreamedEvent<T>[];
  /** Resolves with the first event (already received or to come) for which `pred` holds; rejects after 10 s naming what came. */
  waitFor(pred: (e: StreamedEvent<T>) => boolean): Promise<StreamedEvent<T>>;
  close(): void;
} {
  const events: StreamedEvent<T>[] = [];
  const req = request({ host: '127.0.0.1', port, path: '/api/events', headers: { Host: `127.0.0.1:${port}` } });
  req.on('response', (res) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) as T });
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  const waitFor = (pred: (e: StreamedEvent<T>) => boolean) => new Promise<StreamedEvent<T>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out; got ${events.map((e) => e.event).join(', ')}`)), 10_000);
    const check = () => {
      const hit = events.find(pred);
      if (hit) {
        clearTimeout(timer);
        resolve(hit);
      } else setTimeout(check, 20);
    };
    check();
  });
  return { events, waitFor, close: () => req.destroy() };
}
