/**
 * The reconstructions `aekit train` redraws after every epoch for the
 * dashboard's Live view (`live/reconstructions.png`) and TensorBoard's image
 * tab: a fixed handful of samples, as images when they are images, else
 * (table rows, sequences) as line plots of input against reconstruction.
 */
import { type Dataset } from '../data/types.js';
import { type RunData } from '../runs/run-data.js';
import { imageShapeOf } from '../viz/image-shape.js';
import { reconstructionGridPng, reconstructionLinesPng } from '../viz/index.js';
import { head } from './figures.js';

/** The fixed samples to reconstruct each epoch (8 images or 4 rows/sequences); undefined when they cannot be drawn. */
export function liveProbe(data: RunData): Dataset | undefined {
  // Token ids drawn as lines mean nothing; the run's report shows decoded sentences instead.
  if (data.kind === 'text') return undefined;
  const set = data.test ?? data.train;
  if (imageShapeOf(data.sampleShape)) return head(set, 8);
  return lineShaped(data.sampleShape) ? head(set, 4) : undefined;
}

/** Table rows [d] and sequences [T, C] with more steps than channels: what a line plot shows well. */
function lineShaped(sampleShape: readonly number[]): boolean {
  return sampleShape.length === 1 || (sampleShape.length === 2 && sampleShape[0]! >= sampleShape[1]!);
}

/** The probe and its reconstruction as a PNG: an input/reconstruction grid for images, line plots otherwise. */
export async function liveReconstructionsPng(probe: Dataset, reconstruction: Float32Array, data: RunData, epoch: number): Promise<Uint8Array> {
  const imageShape = imageShapeOf(data.sampleShape);
  if (imageShape) return reconstructionGridPng(probe.x, reconstruction, { imageShape, rowTitles: [] });
  return reconstructionLinesPng(
    { inputs: probe.x, reconstructions: reconstruction, shape: probe.shape, ...(probe.labels ? { labels: probe.labels } : {}), ...(probe.labelNames ? { classNames: probe.labelNames } : {}) },
    { title: `Inputs and reconstructions after epoch ${epoch}` },
  );
}
