/**
 * Chart specs to SVG (ECharts' server-side SVG renderer: no browser, no
 * canvas) and SVG to PNG (resvg, a Rust rasterizer shipped as prebuilt npm
 * binaries).
 *
 * resvg draws text only with fonts it is given. aekit depends on the
 * `dejavu-fonts-ttf` package and hands resvg DejaVu Sans, so text renders the
 * same on every machine; if that package cannot be found, resvg falls back to
 * the system's fonts. ECharts and resvg are loaded on first use, so importing
 * this module costs nothing until a figure is drawn.
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import type { ChartSpec } from './charts.js';

const require = createRequire(import.meta.url);

/** Size of a rendered chart. */
export interface ChartSize {
  /** Width in CSS pixels (default 800). */
  width?: number;
  /** Height in CSS pixels (default 500). */
  height?: number;
}

/** Options of {@link svgToPng} and {@link chartPng}. */
export interface PngOptions {
  /** Output pixels per CSS pixel (default 1; 2 for high-density screens). */
  pixelRatio?: number;
  /** Background colour behind transparent parts (default white; 'transparent' keeps them). */
  background?: string;
}

let fontFiles: string[] | undefined;

/**
 * The bundled font files resvg is given: DejaVu Sans regular and bold from the
 * `dejavu-fonts-ttf` package, or an empty list when it is not installed.
 */
export function bundledFontFiles(): string[] {
  if (fontFiles) return fontFiles;
  try {
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fontFiles = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => join(dir, f)).filter((f) => existsSync(f));
  } catch {
    fontFiles = [];
  }
  return fontFiles;
}

/** resvg options: the bundled font when there is one, else the system's fonts. */
export function resvgOptions(options: PngOptions = {}): ResvgRenderOptions {
  const files = bundledFontFiles();
  const ratio = options.pixelRatio ?? 1;
  if (!(typeof ratio === 'number' && ratio > 0 && ratio <= 8)) throw new RangeError(`pixelRatio must be a number in (0, 8], got ${String(ratio)}`);
  const background = options.background ?? '#ffffff';
  return {
    font: files.length
      ? { loadSystemFonts: false, fontFiles: files, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' }
      : { loadSystemFonts: true },
    fitTo: ratio === 1 ? { mode: 'original' } : { mode: 'zoom', value: ratio },
    ...(background === 'transparent' ? {} : { background }),
    logLevel: 'off',
  };
}

/** Rasterizes an SVG document to PNG bytes. */
export function svgToPng(svg: string, options: PngOptions = {}): Uint8Array {
  if (typeof svg !== 'string' || !svg.includes('<svg')) throw new TypeError('svgToPng: expected the text of an SVG document');
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const png = new Resvg(svg, resvgOptions(options)).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

type ECharts = typeof import('echarts/core');
let echartsReady: Promise<ECharts> | undefined;

/** ECharts with the charts and components aekit's specs use (not the whole bundle: faster to load). */
function loadECharts(): Promise<ECharts> {
  echartsReady ??= (async () => {
    const [core, charts, components, renderers] = await Promise.all([import('echarts/core'), import('echarts/charts'), import('echarts/components'), import('echarts/renderers')]);
    core.use([
      charts.LineChart, charts.ScatterChart, charts.BarChart,
      components.GridComponent, components.LegendComponent, components.TitleComponent, components.MarkLineComponent, components.MarkAreaComponent, components.TooltipComponent,
      renderers.SVGRenderer,
    ]);
    return core;
  })();
  return echartsReady;
}

function checkSize(size: ChartSize): { width: number; height: number } {
  const width = size.width ?? 800;
  const height = size.height ?? 500;
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!(Number.isInteger(v) && v >= 50 && v <= 10000)) throw new RangeError(`chart ${name} must be an integer number of pixels in [50, 10000], got ${String(v)}`);
  }
  return { width, height };
}

/** Renders a chart spec to an SVG document (animations off: the first frame is the final one). */
export async function chartSvg(spec: ChartSpec, size: ChartSize = {}): Promise<string> {
  const { width, height } = checkSize(size);
  const echarts = await loadECharts();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ ...spec, animation: false });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Renders a chart spec to PNG bytes. */
export async function chartPng(spec: ChartSpec, options: ChartSize & PngOptions = {}): Promise<Uint8Array> {
  return svgToPng(await chartSvg(spec, options), options);
}
