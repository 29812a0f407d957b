import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import semver from 'semver';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };

test("npm reads the project's config without warnings (every npx aekit printed one for .npmrc's onnxruntime-node-install)", () => {
  // Empty user and global configs and no npm_config_* variables (an outer `npm test` exports its own),
  // so that only the project's own settings are judged.
  const dir = mkdtempSync(join(tmpdir(), 'aekit-npmrc-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'user'), '');
  writeFileSync(join(dir, 'global'), '');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));
  Object.assign(env, { npm_config_userconfig: join(dir, 'user'), npm_config_globalconfig: join(dir, 'global') });
  const r = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: root, env, encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '"aekit"');
  assert.doesNotMatch(r.stderr, /npm warn/i);
});

test("onnxruntime-node's CUDA download stays off: its install script is denied, and CI sets the variable it reads", () => {
  assert.equal(pkg.allowScripts?.['onnxruntime-node'], false);
  // Every dependency with an install script is decided, so npm 12 blocks nothing by surprise and npm 11 prints no advisory.
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  const withScripts = Object.entries(lock.packages).filter(([path, p]) => path !== '' && p.hasInstallScript).map(([path]) => path.split('node_modules/').pop()!);
  assert.ok(withScripts.includes('onnxruntime-node'));
  for (const name of withScripts) assert.equal(typeof pkg.allowScripts?.[name], 'boolean', `allowScripts decides ${name}'s install script`);
  assert.match(readFileSync(join(root, '.ci/run'), 'utf8'), /^export ONNXRUNTIME_NODE_INSTALL=skip$/m);
  assert.ok(!existsSync(join(root, '.npmrc')) || !/onnxruntime-node-install/.test(readFileSync(join(root, '.npmrc'), 'utf8')));
});

test('every installed package supports every Node version package.json claims, and this Node is one of them', () => {
  // npm ci warned EBADENGINE for cookie@2 (node >=22) under fastify while package.json claimed node >=20.
  const claimed = (pkg as { engines?: { node?: string } }).engines?.node;
  assert.ok(claimed && semver.validRange(claimed), `package.json engines.node is a version range, got ${claimed}`);
  assert.ok(semver.satisfies(process.version, claimed), `this Node (${process.version}) is within the claimed range ${claimed}`);
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }> };
  const narrower: string[] = [];
  for (const [path, p] of Object.entries(lock.packages)) {
    const needs = !Array.isArray(p.engines) ? p.engines?.node : undefined;
    // Platform packages for other systems (sharp's win32-ia32 binary...) are in the lockfile but never installed here.
    if (path === '' || !needs || !semver.validRange(needs) || !existsSync(join(root, path))) continue;
    if (!semver.subset(claimed, needs)) narrower.push(`${path.split('node_modules/').pop()} needs node ${needs}`);
  }
  assert.deepEqual(narrower, [], `dependencies narrower than engines.node ${claimed}`);
});
