/**
 * Whether samples of a shape can be drawn as pictures, and as which
 * `[channels, height, width]`: the `imageShape` the image figures of src/viz
 * take. The CLI's figures and the dashboard's views both ask it.
 */
import { shapeSize } from '../data/types.js';

/** The [C, H, W] to draw samples of this shape as: [C, H, W] with C 1 or 3, [H, W] (both ≥ 8), or a flat square (side ≥ 8); undefined when they are not images. */
export function imageShapeOf(sampleShape: readonly number[]): number[] | undefined {
  if (sampleShape.length === 3 && (sampleShape[0] === 1 || sampleShape[0] === 3)) return [...sampleShape];
  if (sampleShape.length === 2 && sampleShape[0]! >= 8 && sampleShape[1]! >= 8) return [1, ...sampleShape];
  const d = shapeSize(sampleShape);
  const side = Math.round(Math.sqrt(d));
  if (sampleShape.length === 1 && side * side === d && side >= 8) return [1, side, side];
  return undefined;
}
