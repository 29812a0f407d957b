/**
 * Figures and TensorBoard logs: chart specs (ECharts options, shared with the
 * dashboard) and their PNG renderings, image grids, 2-D projections of codes,
 * and a TensorBoard event writer. Heavy dependencies (ECharts, resvg, UMAP)
 * load on first use.
 */
export * from './charts.js';
export * from './figures.js';
export * from './images.js';
export * from './projection.js';
export { seriesDetectionSpec, thinIndices, type SeriesDetectionInput, type SeriesDetectionOptions } from './series-detection.js';
export { chartPng, chartSvg, svgToPng, bundledFontFiles, type ChartSize, type PngOptions } from './render.js';
export { TensorBoardWriter, tfRecord, type TensorBoardWriterOptions, type HistogramOptions } from './tensorboard.js';
export { crc32c, maskedCrc32c } from './crc32c.js';
