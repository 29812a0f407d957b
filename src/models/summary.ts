/**
 * A model's summary, Keras style: one row per layer with its output shape and
 * parameter count, printed as a table.
 */
import { Graph } from '../graph/graph.js';
import { type Shape, formatShape, sizeOf } from '../graph/types.js';
import { GraphBuildContext, type Layer } from '../layers/core.js';

/** One line of a model's summary. */
export interface SummaryRow {
  section: string;
  layer: string;
  className: string;
  outputShape: Shape;
  params: number;
}

/** A group of layers applied in sequence, for the summary. */
export interface SummarySection {
  title: string;
  inputShape: Shape;
  layers: Layer[];
}

/** One row per layer of the sections, with its output shape and parameter count (running statistics included). */
export function summaryRows(sections: readonly SummarySection[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const section of sections) {
    let shape = section.inputShape;
    for (const layer of section.layers) {
      const g = new Graph();
      const ctx = new GraphBuildContext(g, false);
      // Building the layer alone in a scratch graph counts exactly the tensors it declares, nested layers included.
      layer.call(ctx, g.input('x', shape));
      shape = layer.computeOutputShape(shape);
      rows.push({ section: section.title, layer: layer.name, className: layer.className, outputShape: shape, params: ctx.specs.reduce((s, p) => s + sizeOf(p.shape), 0) });
    }
  }
  return rows;
}

/** A count as people read it, with thousands separated: 472,608 (the summary and `aekit train` both print counts so). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** The printable table: a header line, the rows, the total, then one line per extra (options worth noting). */
export function formatSummary(header: string, rows: readonly SummaryRow[], extras: readonly string[] = []): string {
  const table = [['Layer (type)', 'Output shape', 'Params'], ...rows.map((r) => [`${r.section}/${r.layer} (${r.className})`, formatShape(r.outputShape), formatCount(r.params)])];
  const widths = [0, 1, 2].map((i) => Math.max(...table.map((r) => r[i]!.length)));
  const line = (r: string[]) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padStart(widths[2]!)}`;
  const rule = '-'.repeat(widths[0]! + widths[1]! + widths[2]! + 4);
  return [
    header,
    rule, line(table[0]!), rule, ...table.slice(1).map(line), rule,
    `Total params: ${formatCount(rows.reduce((s, r) => s + r.params, 0))}`,
    ...extras,
  ].join('\n');
}
