/**
 * A self-contained HTML report of a run (figures embedded as data URLs, no
 * scripts, no network): what `aekit demo` leaves to open in a browser.
 */

/** One section of the report: a heading, a few sentences, a table and figures. */
export interface ReportSection {
  title: string;
  text?: string;
  /** Rows of cells; the first row is the header. */
  table?: (string | number)[][];
  /** PNG figures with their captions. */
  figures?: { png: Uint8Array; caption: string }[];
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const cell = (v: string | number) => escape(typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v);

/** Renders the report as one HTML document; `warnings` (a run's, see src/runs/run-warnings.ts) are listed first. */
export function renderReport(title: string, intro: string, sections: readonly ReportSection[], config: unknown, warnings: readonly string[] = []): string {
  const warned = warnings.length ? `<div class="warnings"><strong>Warnings</strong><ul>${warnings.map((w) => `<li>${escape(w)}</li>`).join('')}</ul></div>` : '';
  const body = sections.map((s) => {
    const table = s.table && s.table.length > 0
      ? `<table><thead><tr>${s.table[0]!.map((h) => `<th>${cell(h)}</th>`).join('')}</tr></thead><tbody>${s.table.slice(1).map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`
      : '';
    const figures = (s.figures ?? []).map((f) => `<figure><img alt="${escape(f.caption)}" src="data:image/png;base64,${Buffer.from(f.png).toString('base64')}"><figcaption>${escape(f.caption)}</figcaption></figure>`).join('');
    return `<section><h2>${escape(s.title)}</h2>${s.text ? `<p>${escape(s.text)}</p>` : ''}${table}<div class="figures">${figures}</div></section>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
body { font-family: system-ui, -apple-system, "DejaVu Sans", sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; background: #fafafa; }
h1 { font-size: 1.6rem; margin-bottom: .3rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .3rem; }
p { line-height: 1.5; } table { border-collapse: collapse; margin: .8rem 0; background: #fff; }
th, td { border: 1px solid #ddd; padding: .35rem .7rem; text-align: right; } th:first-child, td:first-child { text-align: left; } th { background: #f0f0f0; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; } figure { margin: 0; background: #fff; border: 1px solid #e3e3e3; padding: .5rem; }
figure img { max-width: 100%; height: auto; display: block; } figcaption { font-size: .85rem; color: #555; margin-top: .3rem; }
.warnings { background: #fff4e5; border: 1px solid #f0b45a; padding: .6rem 1rem; margin: 1rem 0; } .warnings ul { margin: .3rem 0 0; }
pre { background: #fff; border: 1px solid #e3e3e3; padding: .8rem; overflow-x: auto; font-size: .8rem; }
</style></head>
<body><h1>${escape(title)}</h1><p>${escape(intro)}</p>${warned}
${body}
<section><h2>Configuration</h2><pre>${escape(JSON.stringify(config, null, 2))}</pre></section>
</body></html>
`;
}
