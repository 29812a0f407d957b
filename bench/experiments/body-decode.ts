/**
 * How long decoding a 64-row JSON body of MNIST-like rows (about 270 kB)
 * into a string takes, by encoding, against JSON.parse on top: the string
 * is fresh memory the size of the body, whatever the encoding
 * (docs/serving.md, run 10). Best of 5 × 200 decodings, µs per body.
 *
 *   node --import tsx bench/experiments/body-decode.ts
 */
let seed = 1;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const body = Buffer.from(JSON.stringify({ rows: Array.from({ length: 64 }, () => Array.from({ length: 784 }, (_, j) => (j % 5 ? 0 : Math.fround(random())))) }));
const time = (fn: () => unknown) => {
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let k = 0; k < 200; k++) fn();
    best = Math.min(best, ((performance.now() - t0) * 1000) / 200);
  }
  return best.toFixed(0);
};
const copy = Buffer.allocUnsafe(body.length);
console.log(`${body.length} bytes; µs per body: copy into a kept buffer ${time(() => body.copy(copy))}, ` +
  `${(['utf8', 'latin1', 'ascii'] as const).map((e) => `toString('${e}') ${time(() => body.toString(e))}`).join(', ')}, ` +
  `JSON.parse(toString('utf8')) ${time(() => JSON.parse(body.toString('utf8')))}`);
