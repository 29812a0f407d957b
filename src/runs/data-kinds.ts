/**
 * What kind of data a run trains on (images, tables, sequences) and the
 * defaults each kind brings: reconstruction loss, output activation, scaling,
 * code size and hidden widths. `aekit train` prints the choice in one line,
 * and flags given by the user always win over it (docs/reference.md,
 * "Defaults per data kind").
 *
 * Why tables differ from images: a table's columns are not in [0, 1] and are
 * not probabilities, so BCE with a sigmoid output is the wrong model of them;
 * z-scored columns with MSE and a linear output are. And a ReLU code layer
 * loses units on tables: a unit whose pre-activation is negative for every
 * sample gets no gradient and never comes back. With min-max inputs (all
 * positive, not centred) about a quarter of a 5-unit ReLU code is dead at
 * initialisation already; with z-scored inputs none is, but training kills
 * some (more with a higher learning rate). A linear code layer has no such
 * units, so the table presets use one.
 */
import { SERIES_MODEL } from '../anomaly/series-model.js';
import { type ScaleKind } from './run-config.js';

/**
 * The kinds of data with their own defaults. 'series': windows cut from one
 * time series (`data.window`, src/runs/series-data.ts), as opposed to a set
 * of separate sequences.
 */
export type DataKind = 'image' | 'table' | 'sequence' | 'series' | 'audio' | 'text';

/** The defaults a kind of data brings to a preset model. */
export interface KindDefaults {
  kind: DataKind;
  loss: 'bce' | 'mse';
  outputActivation: 'sigmoid' | 'linear';
  /** Scaling of the samples (images already in [0, 1] keep theirs: 'none'). */
  scale: ScaleKind;
  /**
   * Code size of the dense presets; undefined keeps the preset's own (images,
   * and the recurrent presets' 64 units).
   */
  latent?: number;
  /** Activation of the dense presets' code layer; undefined keeps the preset's own. */
  codeActivation?: 'linear';
  /**
   * Factor on the dense presets' hidden widths (1 for images): a 20-column
   * table does not need 128 hidden units.
   */
  widthScale: number;
  /** Text: the run's vocabulary (tokens by id), which the text presets size their embedding and output by and keep. */
  vocabulary?: readonly string[];
  /** Text VAE: training steps over which the KL weight rises to 1 (about half the run). */
  klAnnealSteps?: number;
}

/**
 * The kind of samples of `sampleShape`: [channels, height, width] or any
 * 8-bit source (pixels divided by 255) is an image, [timesteps, features] a
 * sequence, a flat vector a table.
 */
export function dataKindOf(sampleShape: readonly number[], pixels = false): DataKind {
  if (pixels || sampleShape.length === 3) return 'image';
  return sampleShape.length === 2 ? 'sequence' : 'table';
}

/** The default code of a table of `features` columns: about a quarter of them, at least 2. */
export function tableCodeSize(features: number): number {
  return Math.max(2, Math.round(features / 4));
}

/**
 * The defaults of a kind for samples of `sampleShape`. `inUnitRange`: whether
 * image samples already lie in [0, 1] (then they are not rescaled).
 */
export function kindDefaults(kind: DataKind, sampleShape: readonly number[], inUnitRange = true): KindDefaults {
  if (kind === 'image') return { kind, loss: 'bce', outputActivation: 'sigmoid', scale: inUnitRange ? 'none' : 'minmax', widthScale: 1 };
  const features = sampleShape.reduce((a, b) => a * b, 1);
  const common = { loss: 'mse', outputActivation: 'linear', scale: 'zscore' } as const;
  if (kind === 'sequence') return { kind, ...common, widthScale: 1 };
  // Waveforms [samples, 1] in [-1, 1]: already centred and bounded, and a per-position scaling would distort them.
  if (kind === 'audio') return { kind, ...common, scale: 'none', widthScale: 1 };
  // Token ids: scaling would change which word an id names (the loss is the sentence model's own cross-entropy).
  if (kind === 'text') return { kind, ...common, scale: 'none', widthScale: 1 };
  // The benchmarked series model's code (bench:timeseries): the conv1d preset then is src/anomaly/series-model.ts's model.
  if (kind === 'series') return { kind, ...common, latent: SERIES_MODEL.code, widthScale: 1 };
  // Four hidden units per column up to the presets' own widths (128 for dense).
  return { kind, ...common, latent: tableCodeSize(features), codeActivation: 'linear', widthScale: Math.min(1, (4 * features) / 128) };
}

/** A hidden width of a preset (written for images) scaled to the kind, never narrower than twice the code. */
export function hiddenWidth(width: number, defaults: KindDefaults | undefined, code: number): number {
  if (!defaults || defaults.widthScale >= 1) return width;
  return Math.max(2 * code, Math.round(width * defaults.widthScale));
}

/** What was chosen for a run, for the one line `aekit train` prints. */
export interface ChosenDefaults {
  kind: DataKind;
  sampleShape: readonly number[];
  loss: string;
  outputActivation: string;
  scale: ScaleKind;
  /** Values in the code. */
  code: number;
}

/**
 * The line `aekit train` prints about its defaults, e.g. "table data (20
 * columns): loss mse, output linear, scale zscore, code 5 — set
 * --loss/--scale/--latent to change".
 */
export function describeDefaults(c: ChosenDefaults): string {
  const s = c.sampleShape;
  // A sentence model's loss is its token cross-entropy whatever `loss` says, and --scale does not apply to ids.
  if (c.kind === 'text') return `text data (sentences of up to ${s[0]! - 1} tokens): loss token cross-entropy, code ${c.code} — set --max-tokens/--vocabulary-size/--latent to change`;
  const what = c.kind === 'table' ? `${s[0]} column${s[0] === 1 ? '' : 's'}`
    : c.kind === 'sequence' ? `${s[0]} steps × ${s[1]} feature${s[1] === 1 ? '' : 's'}`
      : c.kind === 'series' ? `windows of ${s[0]} steps × ${s[1]} channel${s[1] === 1 ? '' : 's'}`
      : c.kind === 'audio' ? `clips of ${s[0]} samples`
      : `[${s.join(', ')}]`;
  return `${c.kind} data (${what}): loss ${c.loss}, output ${c.outputActivation}, scale ${c.scale}, code ${c.code} — set --loss/--scale/--latent to change`;
}

/**
 * {@link describeDefaults} of a run: its data, the model's loss and the
 * output activation its config names (undefined: the loss's default).
 */
export function defaultsLine(data: { kind: DataKind; sampleShape: readonly number[]; scale: ScaleKind }, loss: string, outputActivation: unknown, code: number): string {
  const output = typeof outputActivation === 'string' ? outputActivation : loss === 'bce' ? 'sigmoid' : 'linear';
  return describeDefaults({ kind: data.kind, sampleShape: data.sampleShape, loss, outputActivation: output, scale: data.scale, code });
}
