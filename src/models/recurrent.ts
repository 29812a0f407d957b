import { type Layer } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { GRU, LSTM } from '../layers/recurrent.js';
import { RepeatVector } from '../layers/reshaping.js';
import { Sequential, TimeDistributed } from '../layers/wrappers.js';
import {
  StackedAutoencoderModel, COMMON_FIELDS, type CommonConfig, fieldsOf, parseCommon, registerModel,
} from './base.js';
import { ConfigError, bool, objectOf, oneOf, opt, positiveInts, req } from './config.js';

/** Config of a sequence autoencoder (also its constructor's argument). */
export interface RecurrentAutoencoderConfig extends CommonConfig {
  /** [timesteps, features]. */
  inputShape: number[];
  /** Recurrent cell. Default 'lstm'. */
  cell?: 'lstm' | 'gru';
  encoder: {
    /** Units of each stacked recurrent layer; the last one's final hidden state is the code. */
    units: number[];
  };
  decoder?: {
    /** Units of each stacked decoder layer (all return sequences). Default: the encoder's units reversed. */
    units?: number[];
    /**
     * The first decoder layer starts from a state learned from the code
     * (`stateFromInput`), not from zero. Without it the decoder must grow every
     * oscillation out of a zero state, fed a constant input, and sine waves of
     * random phase stall at predicting their mean (docs/sequences.md). Default
     * false, which is the architecture of models saved before the option; the
     * `lstm` and `gru` presets set it.
     */
    stateFromCode?: boolean;
    /**
     * The decoder layers run from the last step back to the first (the output
     * stays in time order), so the decoder starts where the encoder ended and
     * its first steps are the ones the code remembers best (Srivastava et al.
     * 2015 reconstruct in reverse for this reason). Default false; the presets
     * set it.
     */
    reverse?: boolean;
  };
}

/**
 * Sequence-to-sequence autoencoder (LSTM or GRU): the encoder's stacked
 * recurrent layers read [T, F] and the last one's final hidden state h_T is the
 * code; RepeatVector copies it to every one of the T steps, the decoder's
 * recurrent layers return sequences (the first one starting from a state
 * learned from the code with `decoder.stateFromCode`; from the last step back
 * with `decoder.reverse`), and TimeDistributed(Dense(F)) maps each step back to
 * the features. Code shape: [units_last].
 */
export class RecurrentAutoencoder extends StackedAutoencoderModel {
  readonly className = 'RecurrentAutoencoder';
  readonly cell: 'lstm' | 'gru';
  readonly units: number[];
  readonly decoderUnits: number[];
  readonly stateFromCode: boolean;
  readonly reverse: boolean;
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly latentShape: number[];

  constructor(config: RecurrentAutoencoderConfig) {
    const c = fieldsOf(config, [...COMMON_FIELDS, 'cell', 'encoder', 'decoder']);
    const common = parseCommon(c, 'config');
    super(common);
    if (this.inputShape.length !== 2) throw new ConfigError('config.inputShape', `a recurrent autoencoder expects [timesteps, features], got [${this.inputShape}]`);
    const [steps, features] = this.inputShape as [number, number];
    const cell = opt(c, 'cell', 'config', (v, p) => oneOf(v, p, ['lstm', 'gru'] as const), 'lstm');
    const enc = objectOf(req(c, 'encoder', 'config', (v) => v), 'config.encoder', ['units']);
    const units = req(enc, 'units', 'config.encoder', positiveInts);
    const dec = c.decoder === undefined ? {} : objectOf(c.decoder, 'config.decoder', ['units', 'stateFromCode', 'reverse']);
    const decoderUnits = opt(dec, 'units', 'config.decoder', positiveInts, [...units].reverse());
    const stateFromCode = opt(dec, 'stateFromCode', 'config.decoder', bool, false);
    const reverse = opt(dec, 'reverse', 'config.decoder', bool, false);
    if (common.sparsity?.type === 'kl') throw new ConfigError('config.sparsity', "KL sparsity needs a code in (0, 1); a recurrent code is a tanh state in (-1, 1); use type 'l1'");
    this.cell = cell;
    this.units = units;
    this.decoderUnits = decoderUnits;
    this.stateFromCode = stateFromCode;
    this.reverse = reverse;
    const Cell = cell === 'lstm' ? LSTM : GRU;
    const encLayers: Layer[] = units.map((u, i) => new Cell({ name: `encoder_${cell}_${i}`, units: u, returnSequences: i < units.length - 1 }));
    const decLayers: Layer[] = [new RepeatVector({ name: 'decoder_repeat', n: steps })];
    decoderUnits.forEach((u, i) => decLayers.push(new Cell({ name: `decoder_${cell}_${i}`, units: u, returnSequences: true, stateFromInput: stateFromCode && i === 0, reverse })));
    decLayers.push(new TimeDistributed({ name: 'decoder_output', layer: new Dense({ name: 'decoder_output_dense', units: features }) }));
    this.encoder = new Sequential({ name: 'encoder', layers: encLayers });
    this.decoder = new Sequential({ name: 'decoder', layers: decLayers });
    this.latentShape = [units[units.length - 1]!];
  }

  protected ownConfig(): Record<string, unknown> {
    return { cell: this.cell, encoder: { units: [...this.units] }, decoder: { units: [...this.decoderUnits], ...(this.stateFromCode ? { stateFromCode: true } : {}), ...(this.reverse ? { reverse: true } : {}) } };
  }
}

/**
 * The config of the `lstm` / `gru` presets for [T, F] sequences: one encoder
 * layer of `code` units whose final state is the code, and a 64-unit decoder
 * started from the code and run in reverse, whatever the code size (the older
 * zero-start decoder of `code` units left sine waves at their mean,
 * docs/sequences.md).
 */
export function recurrentPresetConfig(cell: 'lstm' | 'gru', inputShape: number[], code: number, loss: string): { className: 'RecurrentAutoencoder'; [field: string]: unknown } {
  return { className: 'RecurrentAutoencoder', inputShape, cell, encoder: { units: [code] }, decoder: { units: [64], stateFromCode: true, reverse: true }, loss };
}

registerModel('RecurrentAutoencoder', (c) => new RecurrentAutoencoder(c as unknown as RecurrentAutoencoderConfig));
