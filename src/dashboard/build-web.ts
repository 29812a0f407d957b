/**
 * Builds the dashboard's front end into dist/web (`npm run build:web`, part of
 * `prepare`, so `npm ci` and `npm pack` produce it): src/dashboard/web/main.ts
 * bundled by esbuild with ECharts and ONNX Runtime Web, the page and its
 * style, and ONNX Runtime Web's WebAssembly binary, which the server serves
 * itself (no CDN).
 *
 *     node --import tsx src/dashboard/build-web.ts [outDir]
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { defaultAssetsDir } from './node-script.js';

const webDir = join(dirname(fileURLToPath(import.meta.url)), 'web');
/** The one wasm build the page uses: SIMD, no JSEP/WebGPU (the bundle imported is onnxruntime-web/wasm). */
const ORT_WASM = 'ort-wasm-simd-threaded.wasm';

/** Builds the assets into `outDir` (default: the package's dist/web), replacing what was there. */
export async function buildWebAssets(outDir = defaultAssetsDir(), options: { minify?: boolean } = {}): Promise<string> {
  const out = resolve(outDir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'ort'), { recursive: true });
  await build({
    entryPoints: [join(webDir, 'main.ts')],
    outfile: join(out, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome111', 'firefox112', 'safari16.4'],
    minify: options.minify ?? true,
    sourcemap: false,
    legalComments: 'linked',
    // wavefile's ES module has named exports only, its CommonJS build (what Node loads) the default one that audio-core.ts imports.
    alias: { wavefile: 'wavefile/dist/wavefile.js' },
    logLevel: 'warning',
  });
  copyFileSync(join(webDir, 'index.html'), join(out, 'index.html'));
  copyFileSync(join(webDir, 'style.css'), join(out, 'style.css'));
  const require = createRequire(import.meta.url);
  const ortDist = dirname(require.resolve(`onnxruntime-web/${ORT_WASM}`));
  copyFileSync(join(ortDist, ORT_WASM), join(out, 'ort', ORT_WASM));
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = await buildWebAssets(process.argv[2]);
  console.log(`dashboard front end built into ${out}`);
}
