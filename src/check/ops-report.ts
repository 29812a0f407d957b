import { opSpecs } from '../graph/ops.js';
import { opCases } from './cases.js';
import { type CaseResult, type OpReport, checkCase, summarize } from './gradcheck.js';

/** Composite ops built from primitives that `aekit ops` also reports. */
export const COMPOSITES = ['GaussianNoise', 'Dropout', 'BatchNormalization', 'SecondOrder'] as const;

export interface OpsReport {
  ops: OpReport[];
  total: number;
  gradientChecked: number;
  failed: number;
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
  const names = [...Object.keys(opSpecs), ...COMPOSITES].filter((op) => !filter || filter(op));
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
