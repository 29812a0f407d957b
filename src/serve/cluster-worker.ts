/** The entry of an `aekit serve --workers N` worker process (cluster.ts forks it). */
import { runClusterWorker } from './cluster.js';

await runClusterWorker();
