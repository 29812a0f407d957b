/**
 * Tabular data for anomaly detection: a CSV file of numeric columns, with an
 * optional label column that is kept out of the features.
 */
import { type CsvDataset, type CsvOptions, readCsv } from '../data/csv.js';
import { DataFormatError } from '../data/errors.js';

/** Options of {@link readTabular}. */
export interface TabularOptions extends Pick<CsvOptions, 'delimiter' | 'header' | 'naValues' | 'impute' | 'columns'> {
  /** Column telling normal rows from anomalies (header name or 0-based index); never a feature. */
  labelColumn?: string | number;
  /**
   * The label value(s) that mean "anomaly" (compared as text, e.g. 'malignant'
   * or '1'); every other value is normal. Default '1'.
   */
  anomalyLabel?: string | string[];
}

/** A CSV read for a detector: numeric features, and 0/1 labels when a label column was named. */
export interface TabularData {
  x: Float32Array;
  /** [rows, features]. */
  shape: [number, number];
  /** Feature column names, in order. */
  columns: string[];
  /** 1 = anomaly, per row; present with `labelColumn`. */
  labels?: Uint8Array;
  /**
   * The distinct values of the label column (a file of normal rows holds no
   * anomaly label, so a misspelt `anomalyLabel` shows here, not as an error).
   */
  labelValues?: string[];
}

/**
 * Reads a CSV of numeric columns for an {@link AnomalyDetector} (use it with
 * `scaler: 'zscore'`, which is fitted on the training rows and saved with the
 * detector). Text columns (ids, dates) are dropped unless `columns` says
 * otherwise; missing cells are errors unless `impute` is set.
 * @throws {DataFormatError} naming the file, line and column.
 */
export async function readTabular(path: string, options: TabularOptions = {}): Promise<TabularData> {
  const { labelColumn, anomalyLabel, ...csv } = options;
  const anomalous = new Set((Array.isArray(anomalyLabel) ? anomalyLabel : [anomalyLabel ?? '1']).map(String));
  const ds: CsvDataset = await readCsv(path, { columns: 'numeric', ...csv, ...(labelColumn !== undefined ? { labelColumn } : {}) });
  const n = ds.shape[0]!;
  const d = ds.shape.slice(1).reduce((a, b) => a * b, 1);
  if (n === 0) throw new DataFormatError(path, {}, 'no data rows');
  if (d === 0) throw new DataFormatError(path, {}, 'no numeric feature columns');
  const out: TabularData = { x: ds.x, shape: [n, d], columns: ds.columns };
  if (labelColumn !== undefined) {
    const names = ds.labelNames;
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const idx = ds.labels![i]!;
      // Integer label columns come back as class indices; text ones through labelNames.
      const text = names ? names[idx]! : String(idx);
      labels[i] = anomalous.has(text) ? 1 : 0;
    }
    out.labelValues = names ?? [...new Set(Array.from(ds.labels!, String))].sort();
    out.labels = labels;
  }
  return out;
}
