/**
 * Packing: the training graph takes some tensors packed back to back into one
 * flat input (StepArtifacts.packed); these convert between the two forms.
 */
import { type TensorData, sizeOf } from '../graph/types.js';
import type { PackedGroup } from './step.js';

/** A deep copy of every tensor (the loop's buffers get reused). */
export function copyTensors(t: Record<string, TensorData>): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  for (const [k, v] of Object.entries(t)) out[k] = { dtype: v.dtype, shape: [...v.shape], data: (v.data as Float32Array).slice() };
  return out;
}

/**
 * Replaces each group's members by one flat float32 tensor holding them back to
 * back (a copy: the caller's arrays stay untouched).
 */
export function packTensors(tensors: Record<string, TensorData>, groups: readonly PackedGroup[]): Record<string, TensorData> {
  const out: Record<string, TensorData> = { ...tensors };
  for (const group of groups) {
    let total = 0;
    for (const m of group.members) {
      const t = tensors[m];
      if (!t) throw new Error(`packing ${group.name}: no tensor '${m}'`);
      total += t.data.length;
    }
    const flat = new Float32Array(total);
    let offset = 0;
    for (const m of group.members) {
      flat.set(tensors[m]!.data as Float32Array, offset);
      offset += tensors[m]!.data.length;
      delete out[m];
    }
    out[group.name] = { dtype: 'float32', shape: [total], data: flat };
  }
  return out;
}

/**
 * {@link packTensors} into arrays of their own: the packed groups are fresh
 * already, so only the other tensors are copied (on a machine where memory
 * touched for the first time is slow, a second copy of the parameters and
 * slots was a visible part of start-up: 34 MB for Hinton's autoencoder).
 */
export function packedCopy(tensors: Record<string, TensorData>, groups: readonly PackedGroup[]): Record<string, TensorData> {
  const packed = packTensors(tensors, groups);
  const fresh = new Set(groups.map((g) => g.name));
  const out: Record<string, TensorData> = {};
  for (const [k, v] of Object.entries(packed)) out[k] = fresh.has(k) ? v : { dtype: v.dtype, shape: [...v.shape], data: (v.data as Float32Array).slice() };
  return out;
}

/**
 * The inverse of {@link packTensors}; `shapes` gives each member's shape. With
 * `copy` false the members are views of the flat buffers (valid until the loop
 * writes them again).
 */
export function unpackTensors(tensors: Record<string, TensorData>, groups: readonly PackedGroup[], shapes: ReadonlyMap<string, readonly number[]>, copy: boolean): Record<string, TensorData> {
  const out: Record<string, TensorData> = { ...tensors };
  for (const group of groups) {
    const flat = tensors[group.name]!.data as Float32Array;
    let offset = 0;
    for (const m of group.members) {
      const shape = shapes.get(m)!;
      const size = sizeOf([...shape]);
      const view = flat.subarray(offset, offset + size);
      out[m] = { dtype: 'float32', shape: [...shape], data: copy ? view.slice() : view };
      offset += size;
    }
    delete out[group.name];
  }
  return out;
}
