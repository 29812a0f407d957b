/**
 * The pictures of a run folder (`figures/*.png`), drawn with src/viz from a
 * trained model and its data: what a user opens first to see whether the
 * model learned something.
 */
import { shapeSize } from '../data/types.js';
import { AdversarialAutoencoder } from '../models/aae.js';
import { type AutoencoderModel } from '../models/base.js';
import { type Dataset } from '../data/types.js';
import {
  imageGridPng, latentGridTitles, latentScatterPng, lossAxisName, lossCurveFromHistory, lossCurvesPng, reconstructionGridPng, reconstructionLinesPng, worstReconstructionsPng,
} from '../viz/index.js';
import { imageShapeOf } from '../viz/image-shape.js';
import { type RunData } from '../runs/run-data.js';
import { type RunFolder } from '../runs/run-folder.js';

/** The first n samples of a set (a view, no copy). */
export function head(ds: Dataset, n: number): Dataset {
  const k = Math.min(n, ds.shape[0]!);
  const size = shapeSize(ds.shape.slice(1));
  return { ...ds, x: ds.x.subarray(0, k * size), shape: [k, ...ds.shape.slice(1)], ...(ds.labels ? { labels: ds.labels.subarray(0, k) } : {}) };
}

/** Points of a regular grid over [−r, r]² (row-major, top row first: z2 decreasing) for a 2-D latent space. */
export function latentGrid(side: number, radius: number): Float32Array {
  const z = new Float32Array(side * side * 2);
  for (let row = 0; row < side; row++) {
    for (let col = 0; col < side; col++) {
      const i = (row * side + col) * 2;
      z[i] = -radius + (2 * radius * col) / (side - 1);
      z[i + 1] = radius - (2 * radius * row) / (side - 1);
    }
  }
  return z;
}

/**
 * Writes the run's figures and returns their file names: loss curves; for
 * image data, reconstructions of the first test samples and the worst
 * reconstructed ones; the latent space coloured by label; for a VAE, samples
 * from the prior and (2-D latent) the decoded latent grid; for an adversarial
 * autoencoder, samples from its prior and, with a mixture prior, samples of
 * each class's component (one row per class).
 */
export async function writeRunFigures(run: RunFolder, model: AutoencoderModel, data: RunData, log: (line: string) => void): Promise<string[]> {
  const written: string[] = [];
  const save = (name: string, png: Uint8Array) => {
    run.write(`figures/${name}`, png);
    written.push(name);
  };
  try {
    const history = run.epochs;
    // The y axis names the loss and its reduction, with the penalty terms the history reports beside the reconstruction.
    const penalties = ['kl', 'sparsity', 'contractive', 'contrastive'].filter((k) => k in (history[0] ?? {})).map((k) => (k === 'kl' ? 'KL' : k));
    if (history.length > 0) save('loss.png', await lossCurvesPng(lossCurveFromHistory(history), { title: `${model.className} on ${data.name}`, yName: lossAxisName(model.loss, model.reduction, penalties) }));
    const set = data.test ?? data.train;
    const imageShape = imageShapeOf(data.sampleShape);
    if (imageShape) {
      const first = head(set, 10);
      const rec = await model.reconstruct(first.x);
      save('reconstructions.png', reconstructionGridPng(first.x, rec, { imageShape, title: `Reconstructions (${data.test ? 'test' : 'training'} samples)`, ...(first.labels ? { captions: labelsOf(first) } : {}) }));
      const many = head(set, 2000);
      const recMany = await model.reconstruct(many.x);
      save('worst.png', worstReconstructionsPng(many.x, recMany, { imageShape, k: 10, title: `Worst reconstructed of ${many.shape[0]} ${data.test ? 'test' : 'training'} samples`, ...(many.labels ? { labels: labelsOf(many) } : {}) }));
    } else if (data.kind !== 'text' && (data.sampleShape.length === 1 || (data.sampleShape.length === 2 && data.sampleShape[0]! >= data.sampleShape[1]!))) {
      // Table rows [d] and sequences [T, C] (more steps than channels): input and reconstruction as two lines per sample.
      const first = head(set, 4);
      save('reconstructions.png', await reconstructionLinesPng({ inputs: first.x, reconstructions: await model.reconstruct(first.x), shape: first.shape, ...(first.labels ? { labels: first.labels } : {}), ...(set.labelNames ? { classNames: set.labelNames } : {}) }, { title: `Reconstructions (${data.test ? 'test' : 'training'} samples)` }));
    }
    const sample = head(set, 3000);
    const codes = await model.encode(sample.x);
    const dim = shapeSize(model.latentShape);
    if (dim >= 2) {
      const input = { codes, dim, ...(sample.labels ? { labels: sample.labels } : {}), ...(set.labelNames ? { classNames: set.labelNames } : {}) };
      const title = `Latent space (${sample.shape[0]} ${data.test ? 'test' : 'training'} samples)`;
      // A 2-D code is drawn as it is; a wider one through PCA (linear, fast) and UMAP (neighbourhoods kept).
      save('latent.png', await latentScatterPng(input, { title, method: dim > 2 ? 'pca' : 'auto' }));
      if (dim > 2) save('latent-umap.png', await latentScatterPng({ ...input, codes: codes.subarray(0, Math.min(2000, sample.shape[0]!) * dim), ...(sample.labels ? { labels: sample.labels.subarray(0, 2000) } : {}) }, { title: `Latent space, UMAP (${Math.min(2000, sample.shape[0]!)} samples)`, method: 'umap', seed: 1 }));
    }
    if (model.className === 'VariationalAutoencoder' && imageShape) {
      save('samples.png', imageGridPng(await model.sample(64, 1), { imageShape, columns: 8, title: 'Samples from the prior N(0, I)' }));
      if (dim === 2) {
        const side = 15;
        const values = Array.from({ length: side }, (_, i) => -2.5 + (5 * i) / (side - 1));
        save('latent-grid.png', imageGridPng(await model.decode(latentGrid(side, 2.5)), { imageShape, columns: side, scale: 2, gap: 0, title: 'Decoded latent grid, z in [-2.5, 2.5]²', ...latentGridTitles(values) }));
      }
    }
    if (model instanceof AdversarialAutoencoder && imageShape) {
      const mixture = model.mixture;
      save('samples.png', imageGridPng(await model.sample(64, 1), { imageShape, columns: 8, title: mixture ? `Samples from the prior (a mixture of ${mixture.components} Gaussians)` : 'Samples from the prior N(0, I)' }));
      if (mixture) {
        const perClass = 10;
        const rows = await Promise.all(Array.from({ length: mixture.components }, (_, c) => model.sample(perClass, { seed: 1, label: c })));
        const images = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
        rows.forEach((r, c) => images.set(r, c * r.length));
        const rowTitles = Array.from({ length: mixture.components }, (_, c) => set.labelNames?.[c] ?? `class ${c}`);
        save('samples-by-class.png', imageGridPng(images, { imageShape, columns: perClass, rowTitles, title: `Samples of each class's prior component (one row per class, ${perClass} draws each)` }));
      }
    }
  } catch (e) {
    // A figure that cannot be drawn must not lose the trained run: say so and go on.
    log(`(figures: ${(e as Error).message})`);
  }
  return written;
}

/** Label captions of a set's samples. */
function labelsOf(ds: Dataset): string[] {
  return Array.from(ds.labels!, (l) => ds.labelNames?.[l] ?? String(l));
}
