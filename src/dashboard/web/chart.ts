/**
 * ECharts for the page, with only the chart types and components aekit's
 * specs use (src/viz/charts.ts), which keeps the bundle a third of the full
 * library.
 */
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { ChartSpec } from '../../viz/charts.js';

echarts.use([LineChart, ScatterChart, BarChart, GridComponent, TitleComponent, TooltipComponent, LegendComponent, MarkLineComponent, MarkAreaComponent, DataZoomComponent, CanvasRenderer]);

export type Chart = echarts.ECharts;

const charts = new Set<Chart>();
let resizeHooked = false;

/** A chart in `el`, resized with the window; dispose it with {@link disposeChart}. */
export function makeChart(el: HTMLElement): Chart {
  const chart = echarts.init(el, undefined, { renderer: 'canvas' });
  charts.add(chart);
  if (!resizeHooked) {
    resizeHooked = true;
    window.addEventListener('resize', () => charts.forEach((c) => c.resize()));
  }
  return chart;
}

export function disposeChart(chart: Chart | undefined): void {
  if (!chart) return;
  charts.delete(chart);
  chart.dispose();
}

/** Shows a spec; `replace` drops series the previous one had (a different set of runs). */
export function show(chart: Chart, spec: ChartSpec, replace = true): void {
  chart.setOption(spec as echarts.EChartsCoreOption, { notMerge: replace, lazyUpdate: true });
}

/** An empty chart that says why it is empty. */
export function showEmpty(chart: Chart, text: string): void {
  chart.setOption({ title: { text, left: 'center', top: 'middle', textStyle: { color: '#8a8f96', fontSize: 14, fontWeight: 'normal' } } }, { notMerge: true });
}
