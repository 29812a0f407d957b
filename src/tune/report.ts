/**
 * What a study leaves in its folder once its trials are done: the best
 * trial's run config (`best-config.json`, ready for `aekit train --config`),
 * `trials.csv`, three figures (objective per trial with the running best,
 * each parameter against the objective, parameter importance) and
 * `report.html` showing them with the table of trials.
 *
 * Parameter importance is the correlation ratio η² of each parameter alone
 * (a first-order, surrogate-free reading of fANOVA): complete trials are
 * grouped by the parameter's value (a choice) or into up to 5 equal-count
 * bins of its rank (a numeric space), and η² = between-group sum of squares
 * of the objective ÷ its total sum of squares. The shares are scaled to sum
 * to 1. Interactions are not credited to anyone, and with few trials per
 * group η² overstates every parameter alike, so read it as a ranking.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../io/files.js';
import { type StudyParamAxis, type StudyTrialPoint, chartPng, studyImportanceSpec, studyObjectiveSpec, studyParamsSpec } from '../viz/index.js';
import { type StudyState } from './journal.js';
import { type SearchConfig, type SearchParam, trialConfig } from './space.js';
import { bestTrial, formatParam } from './study.js';

/** How the importance is computed, for figure subtitles and docs. */
export const IMPORTANCE_METHOD = 'η² of each parameter alone (fANOVA first order, 5 rank bins): a ranking';

/** The trials of a study as the charts take them, by number. */
export function studyPoints(state: StudyState): StudyTrialPoint[] {
  return [...state.trials.values()].sort((a, b) => a.number - b.number).map((t) => ({
    number: t.number, params: t.params, state: t.done?.state ?? 'running', ...(t.done?.value !== undefined ? { value: t.done.value } : {}),
  }));
}

/** The importance of each parameter (see the module comment); empty with fewer than 3 complete trials. */
export function paramImportance(points: readonly StudyTrialPoint[], params: readonly SearchParam[]): Array<{ name: string; importance: number }> {
  const done = points.filter((p) => p.state === 'complete' && p.value !== undefined && Number.isFinite(p.value));
  if (done.length < 3) return [];
  const y = done.map((p) => p.value!);
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const total = y.reduce((a, v) => a + (v - mean) ** 2, 0);
  const raw = params.map((param) => {
    const groups = new Map<string, number[]>();
    if (param.spec.kind === 'choice') {
      done.forEach((p, i) => {
        const k = JSON.stringify(p.params[param.name]);
        groups.set(k, [...(groups.get(k) ?? []), y[i]!]);
      });
    } else {
      const order = done.map((p, i) => ({ v: p.params[param.name] as number, i })).sort((a, b) => a.v - b.v);
      const bins = Math.min(5, Math.max(2, Math.floor(done.length / 3)));
      // Equal values share a bin, so ties do not split arbitrarily.
      let bin = 0;
      order.forEach((o, r) => {
        const want = Math.floor((r * bins) / order.length);
        if (want > bin && o.v !== order[r - 1]!.v) bin = want;
        groups.set(String(bin), [...(groups.get(String(bin)) ?? []), y[o.i]!]);
      });
    }
    let between = 0;
    for (const g of groups.values()) {
      const m = g.reduce((a, b) => a + b, 0) / g.length;
      between += g.length * (m - mean) ** 2;
    }
    return { name: param.name, eta2: total > 0 ? between / total : 0 };
  });
  const sum = raw.reduce((a, r) => a + r.eta2, 0);
  return raw.map((r) => ({ name: r.name, importance: sum > 0 ? r.eta2 / sum : 0 }));
}

/** How each parameter is drawn: log axes for log spaces, categories for choices. */
export function paramAxes(params: readonly SearchParam[]): StudyParamAxis[] {
  return params.map((p) => p.spec.kind === 'choice'
    ? { name: p.name, scale: 'category', categories: p.spec.values.map((v) => JSON.stringify(v)) }
    : { name: p.name, scale: p.spec.kind === 'logUniform' || (p.spec.kind === 'int' && p.spec.log) ? 'log' : 'linear', integer: p.spec.kind === 'int' });
}

/** The table of trials as text lines: number, state, objective, epochs, seconds, then each parameter. */
export function trialsTable(state: StudyState, search: SearchConfig): string[] {
  const best = bestTrial(state, search.tune);
  const head = ['trial', 'state', search.tune.objective, 'epochs', 'seconds', ...search.params.map((p) => p.name)];
  const rows = [...state.trials.values()].sort((a, b) => a.number - b.number).map((t) => [
    `${t.number}${t === best ? '*' : ''}`, t.done?.state ?? 'running', t.done?.value !== undefined ? t.done.value.toPrecision(5) : '-',
    t.done ? String(t.done.epochs) : '-', t.done ? t.done.seconds.toFixed(1) : '-', ...search.params.map((p) => formatParam(t.params[p.name])),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The trial folder's name for trial `number`. */
export const trialName = (number: number): string => `trial-${String(number).padStart(4, '0')}`;

/**
 * Writes the study's outputs into `dir` (see the module comment); figures
 * only with `figures` (default true) and at least one complete trial.
 * Returns the files written, relative to `dir`.
 */
export async function writeStudyReport(dir: string, state: StudyState, search: SearchConfig, options: { figures?: boolean } = {}): Promise<string[]> {
  const written: string[] = [];
  const best = bestTrial(state, search.tune);
  if (best) {
    const config = trialConfig(search, best.params);
    delete config.name;
    writeFileAtomic(join(dir, 'best-config.json'), `${JSON.stringify(config, null, 2)}\n`);
    written.push('best-config.json');
  }
  const csvCell = (v: unknown) => {
    const s = typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const trials = [...state.trials.values()].sort((a, b) => a.number - b.number);
  const csv = [['trial', 'state', search.tune.objective, 'epochs', 'seconds', 'claims', ...search.params.map((p) => p.name)].join(','),
    ...trials.map((t) => [t.number, t.done?.state ?? 'running', t.done?.value, t.done?.epochs, t.done?.seconds.toFixed(2), t.claims, ...search.params.map((p) => t.params[p.name])].map(csvCell).join(','))];
  writeFileAtomic(join(dir, 'trials.csv'), `${csv.join('\n')}\n`);
  written.push('trials.csv');
  const points = studyPoints(state);
  const importance = paramImportance(points, search.params);
  const figures: string[] = [];
  if (options.figures !== false && best) {
    const o = { objective: search.tune.objective, direction: search.tune.direction };
    writeFileAtomic(join(dir, 'figures', 'objective.png'), await chartPng(studyObjectiveSpec(points, o), { width: 800, height: 460 }));
    const rows = Math.ceil(search.params.length / 3);
    writeFileAtomic(join(dir, 'figures', 'params.png'), await chartPng(studyParamsSpec(points, paramAxes(search.params), o), { width: 1000, height: 120 + 300 * rows }));
    figures.push('objective.png', 'params.png');
    if (importance.length) {
      writeFileAtomic(join(dir, 'figures', 'importance.png'), await chartPng(studyImportanceSpec(importance, { method: IMPORTANCE_METHOD }), { width: 800, height: 140 + 44 * importance.length }));
      figures.push('importance.png');
    }
    written.push(...figures.map((f) => `figures/${f}`));
  }
  const table = trialsTable(state, search);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>aekit tune: ${esc(dir)}</title>
<style>body{font-family:DejaVu Sans,Verdana,sans-serif;margin:2em;color:#222}img{max-width:100%;display:block;margin:1em 0}pre{background:#f6f6f6;padding:1em;overflow:auto}</style></head><body>
<h1>Study ${esc(dir)}</h1>
<p>Objective <b>${esc(search.tune.objective)}</b> (${search.tune.direction}) · sampler ${search.tune.sampler} (seed ${search.tune.seed}) · pruner ${search.tune.pruner} · ${trials.length} trials (${trials.filter((t) => t.done?.state === 'complete').length} complete, ${trials.filter((t) => t.done?.state === 'pruned').length} pruned, ${trials.filter((t) => t.done?.state === 'failed').length} failed, ${trials.filter((t) => !t.done).length} unfinished).</p>
${best ? `<p>Best: trial ${best.number}, ${esc(search.tune.objective)} = ${best.done!.value!.toPrecision(5)}; its run folder <a href="trials/${trialName(best.number)}/">trials/${trialName(best.number)}</a>; its config <a href="best-config.json">best-config.json</a> (aekit train --config best-config.json).</p>` : '<p>No complete trial yet.</p>'}
${figures.map((f) => `<img src="figures/${f}" alt="${f}">`).join('\n')}
${importance.length ? `<p>Importance: ${esc(IMPORTANCE_METHOD)}.</p>` : ''}
<h2>Trials</h2><pre>${esc(table.join('\n'))}</pre>
<p>Each trial is a run folder under trials/: <code>aekit eval</code>, <code>aekit dashboard --runs ${esc(join(dir, 'trials'))}</code> and the run's own figures work on it.</p>
</body></html>
`;
  writeFileAtomic(join(dir, 'report.html'), html);
  written.push('report.html');
  return written;
}
