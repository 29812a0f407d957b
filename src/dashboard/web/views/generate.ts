/**
 * Generation with a VAE's decoder, in the browser: one slider per latent
 * dimension decodes a single sample as it moves, and a grid over two chosen
 * dimensions shows how the decoded samples change across the latent plane.
 */
import { fill, fmt, h } from '../dom.js';
import { drawSample } from '../images.js';
import type { Ctx } from '../main.js';
import { inputShape, run, session } from '../ort-web.js';

/** Sliders shown at most (wider codes keep their other dimensions at 0). */
const MAX_SLIDERS = 16;
const GRID = 12;
const RADIUS = 2.5;

export function generateView(root: HTMLElement, ctx: Ctx): () => void {
  const id = ctx.id!;
  const summary = ctx.run(id)!;
  const imageShape = summary.imageShape;
  const status = h('p', { class: 'note', id: 'generate-status' }, 'Loading the decoder into the browser…');
  const sliders = h('div', { class: 'sliders', id: 'generate-sliders' });
  const single = h('canvas', { class: 'pixelated', id: 'generate-single', style: { width: '224px', height: '224px', background: '#000', border: '1px solid #d8dee4' } });
  const mosaic = h('canvas', { class: 'mosaic pixelated', id: 'generate-grid' });
  const dimX = h('select', { id: 'grid-x' });
  const dimY = h('select', { id: 'grid-y' });
  root.append(
    h('h1', {}, `Generate with ${id}`),
    h('p', { class: 'sub' }, 'The VAE\'s decoder runs in this browser: move a slider to walk along one latent dimension, or look at the decoded grid over two of them (the others at their slider values).'),
    status,
    h('div', { class: 'grid2' },
      h('div', { class: 'card' }, h('h2', {}, `Decoded latent grid, z in [−${RADIUS}, ${RADIUS}]²`),
        h('p', {}, 'across ', dimX, ' (left to right) and ', dimY, ' (top to bottom)'), mosaic),
      h('div', { class: 'card' }, h('h2', {}, 'Latent sliders'), h('div', { class: 'row' }, sliders, single))),
  );
  let k = 0;
  let z = new Float32Array(0);
  let pending = false;
  const decoder = session(id, 'decoder', summary.updated ?? '');

  const decodeSingle = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      void decoder.then(async (s) => {
        const out = (await run(s, z.slice(), 1))[s.outputNames[0]!]!;
        drawSample(single, out, imageShape, [0, 1]);
      }).finally(() => {
        pending = false;
      });
    });
  };

  const decodeGrid = async () => {
    const s = await decoder;
    const ix = Number(dimX.value);
    const iy = Number(dimY.value);
    const batch = new Float32Array(GRID * GRID * k);
    for (let row = 0; row < GRID; row++) for (let col = 0; col < GRID; col++) {
      const off = (row * GRID + col) * k;
      batch.set(z, off);
      batch[off + ix] = -RADIUS + (2 * RADIUS * col) / (GRID - 1);
      if (iy !== ix) batch[off + iy] = RADIUS - (2 * RADIUS * row) / (GRID - 1);
    }
    const out = (await run(s, batch, GRID * GRID))[s.outputNames[0]!]!;
    const d = out.length / (GRID * GRID);
    if (!imageShape) {
      status.textContent = 'This model\'s samples are not images: the sliders draw each decoded sample as a line.';
      return;
    }
    const [, hh, ww] = imageShape as [number, number, number];
    mosaic.width = GRID * ww;
    mosaic.height = GRID * hh;
    mosaic.style.width = `${Math.min(GRID * ww * 2, 560)}px`;
    const g = mosaic.getContext('2d')!;
    const tile = document.createElement('canvas');
    for (let i = 0; i < GRID * GRID; i++) {
      drawSample(tile, out.subarray(i * d, (i + 1) * d), imageShape, [0, 1]);
      g.drawImage(tile, (i % GRID) * ww, Math.floor(i / GRID) * hh);
    }
    mosaic.dataset.version = String(Number(mosaic.dataset.version ?? 0) + 1);
  };

  void decoder.then((s) => {
    k = inputShape(s)[1] ?? 1;
    z = new Float32Array(k);
    status.textContent = `Decoder loaded: a ${k}-D latent space.${k > MAX_SLIDERS ? ` Sliders for the first ${MAX_SLIDERS} dimensions.` : ''}`;
    const dims = Array.from({ length: k }, (_, i) => i);
    fill(dimX, ...dims.map((i) => h('option', { value: i, selected: i === 0 }, `z${i + 1}`)));
    fill(dimY, ...dims.map((i) => h('option', { value: i, selected: i === Math.min(1, k - 1) }, `z${i + 1}`)));
    fill(sliders, ...dims.slice(0, MAX_SLIDERS).flatMap((i) => {
      const out = h('output', {}, '0');
      const input = h('input', { type: 'range', min: '-3', max: '3', step: '0.05', value: '0', 'aria-label': `z${i + 1}` });
      input.addEventListener('input', () => {
        z[i] = Number(input.value);
        out.textContent = fmt(z[i]!, 2);
        decodeSingle();
      });
      input.addEventListener('change', () => void decodeGrid());
      return [h('span', {}, `z${i + 1}`), input, out];
    }));
    decodeSingle();
    void decodeGrid();
  }, (e: Error) => {
    status.className = 'error';
    status.textContent = `Cannot load the decoder: ${e.message}`;
  });
  dimX.addEventListener('change', () => void decodeGrid());
  dimY.addEventListener('change', () => void decodeGrid());
  return () => undefined;
}
