// Development only: registers tsx in a worker so it can run the TypeScript worker entry.
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.entry);
