import { opSpecs } from '../graph/ops.js';
import { opCases } from './cases.js';
import { type CaseResult, type OpReport, checkCase, summarize } from './gradcheck.js';

/** Composite ops built from primitives that `aekit ops` also reports. */
export const COMPOSITES = ['GaussianNoise', 'Dropout', 'BatchNormalization', 'SecondOrder', 'Embedding', 'SequenceCrossEntropy', 'MaskedRecurrence'] as const;

export interface OpsReport {
  ops: OpReport[];
  total: number;
  gradientChecked: number;
  failed: number;
}

/** Every op name `aekit ops` reports (and `--only` accepts): the IR's ops, then the composites. */
export function checkableOps(): string[] {
  return [...Object.keys(opSpecs), ...COMPOSITES];
}

/**
 * Parses `--only`'s comma-separated op names (case-sensitive, as the report
 * prints them). A misspelt name would otherwise select nothing and the run
 * would pass with "0 ops".
 * @throws {Error} naming each unknown op and listing the valid names, or for a list with no names.
 */
export function parseOpList(list: string): string[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const valid = checkableOps();
  if (names.length === 0) throw new Error(`expected comma-separated op names, got ${JSON.stringify(list)}; valid names: ${valid.join(', ')}`);
  const unknown = names.filter((n) => !valid.includes(n));
  if (unknown.length > 0) {
    const hint = unknown.map((u) => valid.find((v) => v.toLowerCase() === u.toLowerCase())).filter((v) => v !== undefined);
    throw new Error(`unknown op${unknown.length === 1 ? '' : 's'} ${unknown.map((u) => `'${u}'`).join(', ')}` +
      `${hint.length ? ` (did you mean ${hint.map((h) => `'${h}'`).join(', ')}?)` : ''}; valid names: ${valid.join(', ')}`);
  }
  return [...new Set(names)];
}

/**
 * Runs every check case and groups the results by op. An op of the IR with no
 * case at all is reported as failed, so coverage cannot silently shrink.
 */
export async function runOpChecks(filter?: (op: string) => boolean, onResult?: (r: CaseResult) => void): Promise<OpsReport> {
  const results: CaseResult[] = [];
  for (const c of opCases()) {
    if (filter && !filter(c.op)) continue;
    let r: CaseResult;
    try {
      r = await checkCase(c);
    } catch (e) {
      r = { op: c.op, label: c.label, dtype: 'float32', forward: 'failed', forwardError: Infinity, gradient: 'failed', gradError: Infinity, checkedElements: 0, message: (e as Error).message };
    }
    results.push(r);
    onResult?.(r);
  }
  const reports = summarize(results);
  const names = checkableOps().filter((op) => !filter || filter(op));
  const ops = names.map(
    (op) =>
      reports.find((r) => r.op === op) ?? {
        op, cases: 0, dtypes: [], forward: 'failed' as const, gradient: 'failed' as const, maxGradError: Infinity, maxForwardError: Infinity, failures: ['no check case exists for this op'],
      },
  );
  const failed = ops.filter((r) => r.forward === 'failed' || r.gradient === 'failed').length;
  return { ops, total: ops.length, gradientChecked: ops.filter((r) => r.gradient !== 'none' && r.cases > 0).length, failed };
}

export function formatOpLine(r: OpReport): string {
  const status = r.forward === 'failed' || r.gradient === 'failed' ? 'FAIL' : 'ok  ';
  const err = Number.isFinite(r.maxGradError) ? r.maxGradError.toExponential(2) : 'n/a';
  const fwd = r.forward === 'unchecked' ? 'ran' : r.forward;
  return `${status} ${r.op.padEnd(20)} forward ${fwd.padEnd(7)} gradient ${r.gradient.padEnd(7)} max grad err ${err.padEnd(9)} ${r.dtypes.join('/').padEnd(15)} ${r.cases} case${r.cases === 1 ? '' : 's'}`;
}
