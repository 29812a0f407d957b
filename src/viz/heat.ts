/**
 * The colour map of spectrograms, shared by the PNG figures (audio.ts) and
 * the dashboard's page, which bundles this module (no Node imports).
 */

/** Dark purple to pale yellow through red and orange: perceptually ordered, readable in grey. */
const HEAT: readonly [number, number, number][] = [[0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21], [250, 193, 39], [252, 255, 164]];

/** The colour of v ∈ [0, 1] (clipped) on {@link HEAT}. */
export function heatColor(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (HEAT.length - 1);
  const i = Math.min(HEAT.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [HEAT[i]!, HEAT[i + 1]!];
  return [0, 1, 2].map((c) => Math.round(a[c]! + f * (b[c]! - a[c]!))) as [number, number, number];
}
