/**
 * A self-contained HTML report of a run (figures embedded as data URLs, no
 * scripts, no network): what `aekit demo` leaves to open in a browser. Every
 * figure of the run folders it covers is in it, the ones a section does not
 * place under "More figures", and the config reads as compact YAML.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Document, isScalar, isSeq, visit } from 'yaml';

/** One section of the report: a heading, a few sentences, a table and figures. */
export interface ReportSection {
  title: string;
  text?: string;
  /** Rows of cells; the first row is the header. */
  table?: (string | number)[][];
  /** PNG figures with their captions; a `wide` one spans the page (a long series). */
  figures?: { png: Uint8Array; caption: string; wide?: boolean }[];
}

/** A run folder whose `figures/*.png` the report includes in full. */
export interface ReportRun {
  /** How the report names the run ("the deep autoencoder"). */
  title: string;
  dir: string;
}

/** Options of {@link renderReport}. */
export interface ReportOptions {
  /** Run folders: their figures that no section shows go under "More figures", captioned by {@link figureCaption}. */
  runs?: readonly ReportRun[];
  /** Warnings of the runs (dead code units, a code not smaller than the input...), listed before the sections. */
  warnings?: readonly string[];
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const cell = (v: string | number) => escape(typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v);

/** What the figures `aekit train` and `aekit demo` write show, by file name. */
const FIGURE_CAPTIONS: Record<string, string> = {
  'loss.png': 'Training loss per epoch (dashed: validation)',
  'reconstructions.png': 'Samples and their reconstructions',
  'worst.png': 'The worst-reconstructed samples',
  'latent.png': 'The codes of the samples in two dimensions (PCA when the code is wider than 2), coloured by label',
  'latent-umap.png': 'The codes laid out by UMAP, coloured by label',
  'latent-grid.png': 'The 2-D latent plane decoded on a grid',
  'samples.png': 'Samples drawn from the prior N(0, I)',
  'pca-vs-autoencoder.png': 'Inputs, their PCA reconstructions and the autoencoder\'s, with the same code size',
  'anomaly-scores.png': 'Anomaly scores, with the threshold',
  'anomaly-top.png': 'The highest-scoring inputs',
  'anomaly-roc.png': 'ROC curve of the anomaly scores',
  'anomaly-pr.png': 'Precision–recall curve of the anomaly scores',
  'anomalies.png': 'The series, its anomaly score with the threshold and the flagged ranges (red; training steps grey)',
};

/** The caption of a figure file: a known one's description, else its name in words ("latent-grid.png" → "latent grid"). */
export function figureCaption(file: string): string {
  return FIGURE_CAPTIONS[file] ?? file.replace(/\.png$/i, '').replace(/[-_]+/g, ' ');
}

/** The PNG figures of a run folder (`figures/*.png`), sorted by name; none when it has no figures folder. */
export function runFigures(dir: string): { name: string; png: Uint8Array }[] {
  const folder = join(dir, 'figures');
  if (!existsSync(folder)) return [];
  return readdirSync(folder).filter((f) => f.toLowerCase().endsWith('.png')).sort()
    .map((name) => ({ name, png: new Uint8Array(readFileSync(join(folder, name))) }));
}

/**
 * A config as compact YAML: one key per line, arrays of plain values on one
 * line (`inputShape: [ 1, 28, 28 ]`), so a model config reads at a glance.
 */
export function compactYaml(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, node) {
      if (isSeq(node) && node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** The figures of `runs` that no section embeds (same bytes), as one section per run that has any. */
function moreFigures(sections: readonly ReportSection[], runs: readonly ReportRun[]): ReportSection[] {
  const shown = new Set(sections.flatMap((s) => (s.figures ?? []).map((f) => Buffer.from(f.png).toString('base64'))));
  return runs.flatMap((run) => {
    const figures = runFigures(run.dir).filter((f) => !shown.has(Buffer.from(f.png).toString('base64'))).map((f) => ({ png: f.png, caption: `${figureCaption(f.name)} (${f.name})` }));
    return figures.length ? [{ title: `More figures: ${run.title}`, text: `The figures of its run folder (${run.dir}) that the sections above do not show.`, figures }] : [];
  });
}

/** The config as YAML: one block per run side by side when it holds several (`{ autoencoder: …, vae: … }`). */
function configBlocks(config: unknown): string {
  const runs = config !== null && typeof config === 'object' && !Array.isArray(config) ? Object.entries(config) : [];
  const several = runs.length > 1 && runs.every(([, v]) => v !== null && typeof v === 'object' && 'model' in v);
  if (!several) return `<pre>${escape(compactYaml(config))}</pre>`;
  return `<div class="configs">${runs.map(([name, v]) => `<div><h3>${escape(name)}</h3><pre>${escape(compactYaml(v))}</pre></div>`).join('')}</div>`;
}

function renderSection(s: ReportSection): string {
  const table = s.table && s.table.length > 0
    ? `<table><thead><tr>${s.table[0]!.map((h) => `<th>${cell(h)}</th>`).join('')}</tr></thead><tbody>${s.table.slice(1).map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`
    : '';
  const figures = (s.figures ?? []).map((f) => `<figure${f.wide ? ' class="wide"' : ''}><img alt="${escape(f.caption)}" src="data:image/png;base64,${Buffer.from(f.png).toString('base64')}"><figcaption>${escape(f.caption)}</figcaption></figure>`).join('');
  return `<section><h2>${escape(s.title)}</h2>${s.text ? `<p>${escape(s.text)}</p>` : ''}${table}<div class="figures">${figures}</div></section>`;
}

/** Renders the report as one HTML document; `options.warnings` (a run's, see src/runs/run-warnings.ts) are listed first. */
export function renderReport(title: string, intro: string, sections: readonly ReportSection[], config: unknown, options: ReportOptions = {}): string {
  const warnings = options.warnings ?? [];
  const warned = warnings.length ? `<div class="warnings"><strong>Warnings</strong><ul>${warnings.map((w) => `<li>${escape(w)}</li>`).join('')}</ul></div>` : '';
  const body = [...sections, ...moreFigures(sections, options.runs ?? [])].map(renderSection).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
body { font-family: system-ui, -apple-system, "DejaVu Sans", sans-serif; margin: 1.5rem auto; max-width: 1560px; padding: 0 1.5rem; color: #222; background: #fafafa; }
h1 { font-size: 1.6rem; margin-bottom: .3rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .3rem; }
p { line-height: 1.5; max-width: 75em; } table { border-collapse: collapse; margin: .8rem 0; background: #fff; }
th, td { border: 1px solid #ddd; padding: .35rem .7rem; text-align: right; } th:first-child, td:first-child { text-align: left; } th { background: #f0f0f0; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 440px), 1fr)); gap: 1rem; align-items: start; }
figure { margin: 0; background: #fff; border: 1px solid #e3e3e3; padding: .5rem; } figure.wide { grid-column: 1 / -1; }
figure img { max-width: 100%; height: auto; display: block; margin: 0 auto; } figcaption { font-size: .85rem; color: #555; margin-top: .3rem; }
pre { background: #fff; border: 1px solid #e3e3e3; padding: .8rem 1rem; overflow-x: auto; font-size: .82rem; line-height: 1.45; margin: 0; }
.configs { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 420px), 1fr)); gap: 1rem; align-items: start; } .configs h3 { font-size: 1rem; margin: .4rem 0; }
.warnings { background: #fff4e5; border: 1px solid #f0b45a; padding: .6rem 1rem; margin: 1rem 0; } .warnings ul { margin: .3rem 0 0; }
</style></head>
<body><h1>${escape(title)}</h1><p>${escape(intro)}</p>${warned}
${body}
<section><h2>Configuration</h2>${configBlocks(config)}</section>
</body></html>
`;
}
