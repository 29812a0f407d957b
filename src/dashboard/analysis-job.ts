/**
 * Child-process entry of a run analysis: `node analysis-job.js <request.json>`
 * where the request names the runs folder, the run, what to compute (`kind`:
 * the run's analysis, analysis.ts, or a series run's per-step one,
 * series-analysis.ts), the options and the file to write the result to. The
 * answer is `{ ok: true, analysis }` or
 * `{ ok: false, error }` in that file; a file rather than stdout, since
 * ONNX Runtime may print its own lines there.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isUserError } from '../runs/errors.js';
// Registers the model classes, so a checkpoint's className can be rebuilt.
import '../models/index.js';
import { analyzeRun, type AnalysisOptions } from './analysis.js';
import { analyzeSeries } from './series-analysis.js';

/** What the server asks of a job. */
export interface JobRequest {
  runsDir: string;
  id: string;
  kind: 'run' | 'series';
  options: AnalysisOptions;
  out: string;
}

const request = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as JobRequest;
try {
  const analysis = request.kind === 'series' ? await analyzeSeries(request.runsDir, request.id, request.options) : await analyzeRun(request.runsDir, request.id, request.options);
  writeFileSync(request.out, JSON.stringify({ ok: true, analysis }));
} catch (e) {
  const err = e as Error;
  // A user's problem (no checkpoint yet, data file gone) is said in its own words; anything else is marked internal.
  writeFileSync(request.out, JSON.stringify({ ok: false, error: isUserError(e) ? err.message : `internal error: ${err?.message ?? String(e)}`, user: isUserError(e) }));
  process.exitCode = 1;
}
