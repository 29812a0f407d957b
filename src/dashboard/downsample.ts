/**
 * Largest-Triangle-Three-Buckets (Steinarsson, 2013): keeps `threshold`
 * points of a series that draw like the whole of it (peaks and dips survive,
 * unlike taking every k-th point). The dashboard thins long epoch histories
 * with it before they go over the wire. A series run's steps are thinned by
 * the minimum and maximum of each bucket instead (`thinIndices` in
 * src/viz/series-detection.ts, which the page and the PNG figure share): a
 * one-step spike among thousands is what that view is for.
 */

/** A point of a series: [x, y]; y may be null for a gap. */
export type SeriesPoint = [number, number | null];

/**
 * At most `threshold` points of `points` (x ascending), first and last kept.
 * Gaps (null y) are not candidates: thinning a series with gaps may close
 * short ones, which a long history's overview can afford.
 */
export function lttb(points: readonly SeriesPoint[], threshold: number): SeriesPoint[] {
  return lttbIndices(points, threshold).map((i) => [points[i]![0], points[i]![1]]);
}

/** The indices into `points` that {@link lttb} keeps, ascending (to thin parallel series the same way). */
export function lttbIndices(points: readonly SeriesPoint[], threshold: number): number[] {
  if (!(Number.isInteger(threshold) && threshold >= 3)) throw new RangeError(`lttb: threshold must be an integer >= 3, got ${threshold}`);
  if (points.length <= threshold) return points.map((_, i) => i);
  const kept: number[] = [];
  points.forEach((p, i) => {
    if (p[1] !== null && Number.isFinite(p[1])) kept.push(i);
  });
  if (kept.length <= threshold) return kept;
  const finite = kept.map((i) => points[i] as [number, number]);
  const out: number[] = [0];
  // The points between first and last fall into threshold − 2 buckets; each bucket gives the point
  // that makes the largest triangle with the previous pick and the next bucket's centroid.
  const every = (finite.length - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const nextStart = end;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, finite.length);
    let cx = 0;
    let cy = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      cx += finite[j]![0];
      cy += finite[j]![1];
    }
    const count = Math.max(1, nextEnd - nextStart);
    cx /= count;
    cy /= count;
    const [ax, ay] = finite[a]!;
    let best = -1;
    let pick = start;
    for (let j = start; j < end; j++) {
      const area = Math.abs((ax - cx) * (finite[j]![1] - ay) - (ax - finite[j]![0]) * (cy - ay));
      if (area > best) {
        best = area;
        pick = j;
      }
    }
    out.push(pick);
    a = pick;
  }
  out.push(finite.length - 1);
  return out.map((j) => kept[j]!);
}
