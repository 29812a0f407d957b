/**
 * A phase-aware speech denoiser: waveform in, waveform out, with the STFT and
 * its inverse inside the graph (src/layers/spectral.ts). A U-Net over the
 * noisy spectrum predicts a complex ratio mask M (Williamson et al. 2016),
 * Ŝ = M ⊙ Y as complex numbers, so the network can correct the phase as well
 * as the magnitude; the waveform comes back by overlap-add in the graph, and
 * the loss is the negative SI-SDR of that waveform against the clean one.
 *
 * Why not a magnitude mask: with the noisy phase even an oracle magnitude
 * mask stays below what the FSDD benchmark asks for at white noise
 * (docs/audio.md, "How far a perfect mask goes"); training on SI-SDR also
 * optimises the score itself rather than a spectral proxy.
 */
import { type Value } from '../graph/graph.js';
import { type GraphBuildContext } from '../layers/core.js';
import { graphIstft, graphStft } from '../layers/spectral.js';
import { siSdrGraph } from '../losses/si-sdr.js';
import { UNetAutoencoder } from '../models/unet.js';
import { Adam } from '../optim/optimizers.js';
import { type ModelPart, type TrainableModel } from '../train/model.js';
import { type ProgressEvent, Trainer } from '../train/trainer.js';
import { CheckpointError, openCheckpointDir, parseCheckpointMeta } from '../train/checkpoint.js';
import { type SessionOptions } from '../onnx/runtime.js';
import { cutSegments, joinSegments, rmsOf } from './segments.js';

/** Configuration of {@link ComplexMaskDenoiser}; the defaults are the FSDD benchmark's. */
export interface ComplexMaskDenoiserConfig {
  /** Samples per input segment (the graph's fixed length). Default 3968: 32 frames at hop 128, 0.5 s at 8 kHz. */
  segment?: number;
  /** STFT window. Default 256. */
  nFft?: number;
  /** STFT hop, at most nFft/2. Default 128. */
  hop?: number;
  /** The U-Net's filters per level. Default [8, 16, 32]. */
  filters?: number[];
  /** Power c of the compressed real and imaginary input features Y·|Y|^(c−1). Default 0.3. */
  compression?: number;
  /** RMS each noisy clip is scaled to before the network (the network then never sees the clip's level). Default 0.1. */
  rms?: number;
}

/** Options of {@link ComplexMaskDenoiser.train}. */
export interface ComplexMaskTrainOptions {
  epochs: number;
  /** Default 16. */
  batchSize?: number;
  /** Adam's learning rate, with a cosine decay to 1 % of it over the epochs. Default 2e-3. */
  learningRate?: number;
  seed?: number;
  session?: SessionOptions;
  /** After each epoch, with its mean loss (the negative SI-SDR in dB). */
  onEpoch?: (epoch: number, loss: number, seconds: number) => void;
  /** The trainer's progress events (per batch, throttled, and per epoch), e.g. for a run's progress.json. */
  onProgress?: (e: ProgressEvent) => void;
}

/**
 * The complex-ratio-mask denoiser. Input and output are waveforms of
 * `segment` samples; {@link denoise} handles clips of any length by
 * cross-fading half-overlapping segments.
 *
 * Features per time–frequency bin (nFft/2 bins, the Nyquist bin left out):
 * ln(|Y| + 10⁻³) and the compressed Re and Im parts Y·|Y|^(c−1). The U-Net's
 * three linear outputs: the first two are the mask's real and imaginary parts
 * through tanh (each in (−1, 1), so |M| < √2), the third is unused.
 */
export class ComplexMaskDenoiser implements TrainableModel {
  readonly inputShape: number[];
  readonly targetShape: number[];
  readonly net: UNetAutoencoder;
  readonly settings: Required<ComplexMaskDenoiserConfig>;
  private trainer?: Trainer;

  constructor(config: ComplexMaskDenoiserConfig = {}) {
    const nFft = config.nFft ?? 256;
    this.settings = { segment: config.segment ?? 3968, nFft, hop: config.hop ?? nFft / 2, filters: config.filters ?? [8, 16, 32], compression: config.compression ?? 0.3, rms: config.rms ?? 0.1 };
    const frames = 1 + Math.floor(this.settings.segment / this.settings.hop);
    const levels = 2 ** this.settings.filters.length;
    if (frames % levels !== 0 || (nFft / 2) % levels !== 0) {
      throw new Error(`ComplexMaskDenoiser: ${nFft / 2} bins × ${frames} frames must both divide by 2^${this.settings.filters.length} (one halving per U-Net level); pick segment = (k·${levels} − 1)·hop`);
    }
    this.inputShape = [this.settings.segment];
    this.targetShape = [this.settings.segment];
    this.net = new UNetAutoencoder({ inputShape: [3, nFft / 2, frames], encoder: { filters: this.settings.filters, activation: 'elu', convsPerLevel: 1 }, outputActivation: 'linear', loss: 'mse' });
  }

  /** The denoised waveforms [N, segment] of noisy ones [N, segment]. */
  enhance(ctx: GraphBuildContext, x: Value): Value {
    const g = ctx.g;
    const { nFft, hop, segment, compression } = this.settings;
    const stftOptions = { nFft, hop };
    const y = graphStft(g, x, stftOptions);
    const [n, , bins, frames] = y.shape;
    const re = g.slice(y, [0], [1], [1]);
    const im = g.slice(y, [1], [2], [1]);
    const mag = g.sqrt(g.add(g.add(g.square(re), g.square(im)), 1e-12));
    const squash = g.pow(mag, compression - 1);
    const features = g.concat([g.log(g.add(mag, 1e-3)), g.mul(re, squash), g.mul(im, squash)], 1);
    const out = this.net.parts().model!.build(ctx, features).reconstruction!;
    const mr = g.tanh(g.slice(out, [0], [1], [1]));
    const mi = g.tanh(g.slice(out, [1], [2], [1]));
    const sr = g.sub(g.mul(mr, re), g.mul(mi, im));
    const si = g.add(g.mul(mr, im), g.mul(mi, re));
    const spectrum = g.reshape(g.concat([sr, si], 1), [n!, 2, bins!, frames!]);
    return graphIstft(g, spectrum, segment, stftOptions);
  }

  buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value> } {
    const g = ctx.g;
    const score = g.reduceMean(siSdrGraph(this.enhance(ctx, x), target));
    return { loss: g.neg(score), metrics: { siSdr: g.identity(score) } };
  }

  parts(): Record<string, ModelPart> {
    return { model: { inputShape: this.inputShape, build: (ctx, x) => ({ reconstruction: this.enhance(ctx, x) }) } };
  }

  getConfig(): Record<string, unknown> {
    return { className: 'ComplexMaskDenoiser', ...this.settings };
  }

  /**
   * Trains on `epochData(epoch)`'s noisy and clean segments of `segment`
   * samples (fresh noise every epoch: no step sees a mixture twice). Each
   * pair is scaled by the gain that brings the noisy segment to `rms`.
   */
  async train(epochData: (epoch: number) => { noisy: Float32Array[]; clean: Float32Array[] }, options: ComplexMaskTrainOptions): Promise<void> {
    const { segment, rms } = this.settings;
    const seed = options.seed ?? 0;
    const lr = options.learningRate ?? 2e-3;
    this.trainer ??= Trainer.create(this, { optimizer: new Adam({ learningRate: lr }), seed, ...(options.session ? { session: options.session } : {}) });
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const t0 = performance.now();
      const { noisy, clean } = epochData(epoch);
      const x = new Float32Array(noisy.length * segment);
      const target = new Float32Array(noisy.length * segment);
      noisy.forEach((ny, i) => {
        if (ny.length !== segment || clean[i]!.length !== segment) throw new Error(`ComplexMaskDenoiser.train: pair ${i} has ${ny.length} noisy and ${clean[i]!.length} clean samples, expected ${segment}`);
        const gain = rms / (rmsOf(ny) || 1);
        for (let j = 0; j < segment; j++) {
          x[i * segment + j] = gain * ny[j]!;
          target[i * segment + j] = gain * clean[i]![j]!;
        }
      });
      const shape = [noisy.length, segment];
      const fit = await this.trainer.fit({ x, shape, target, targetShape: shape }, {
        epochs: epoch + 1, batchSize: options.batchSize ?? 16, seed: seed + epoch,
        schedule: { type: 'cosine', totalEpochs: options.epochs, minLr: lr / 100 },
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      options.onEpoch?.(epoch + 1, fit.history.at(-1)?.loss ?? NaN, (performance.now() - t0) / 1000);
    }
  }

  /** The trained model's trainer; `what` names the call that needs it. */
  private fitted(what: string): Trainer {
    if (!this.trainer) throw new Error(`ComplexMaskDenoiser.${what}: train the model first (or load a trained one)`);
    return this.trainer;
  }

  /** Epochs trained so far (those of a loaded checkpoint included). */
  get epochsTrained(): number {
    return this.trainer?.history.length ?? 0;
  }

  /** Saves config, weights and optimizer state as an aekit checkpoint folder (atomically). */
  save(dir: string): void {
    this.fitted('save').saveCheckpoint(dir);
  }

  /** Writes the denoiser (waveform segment in, waveform segment out, the STFT inside) as a standalone ONNX file. */
  exportOnnx(path: string): void {
    this.fitted('exportOnnx').exportOnnx(path, 'model');
  }

  /**
   * A denoiser saved by {@link save}: rebuilt from the checkpoint's config, with its weights.
   * @throws {CheckpointError} when the folder holds no checkpoint, a damaged one or another model.
   */
  static load(dir: string, options: { session?: SessionOptions } = {}): ComplexMaskDenoiser {
    const files = openCheckpointDir(dir);
    const file = files.path('checkpoint.json');
    const config = parseCheckpointMeta(files.read('checkpoint.json').toString('utf8'), file).model as ComplexMaskDenoiserConfig & { className?: unknown };
    if (config?.className !== 'ComplexMaskDenoiser') throw new CheckpointError(file, `holds a ${String(config?.className)}, not a ComplexMaskDenoiser`);
    const model = new ComplexMaskDenoiser(config);
    model.trainer = Trainer.resume(dir, model, options.session ? { session: options.session } : {});
    return model;
  }

  /**
   * Denoises whole clips of any length: each clip is scaled to `rms`, padded
   * by half a segment at both ends, cut into segments overlapping by half,
   * and the outputs are cross-faded with sin² weights (which sum to one).
   */
  async denoise(clips: readonly Float32Array[], batchSize = 64): Promise<Float32Array[]> {
    const trainer = this.fitted('denoise');
    const cut = cutSegments(clips, this.settings.segment, this.settings.rms);
    const y = (await trainer.predict(cut.x, { batchSize })).reconstruction!.data as Float32Array;
    return joinSegments(y, cut);
  }
}
