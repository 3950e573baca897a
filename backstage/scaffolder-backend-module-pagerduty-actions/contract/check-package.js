/**
 * The contract of the published package, checked on what `npm pack` produces (the tarball the
 * README tells admins to install):
 *
 * 1. it holds dist/ (code and types), config.d.ts, actions.json and README, and no sources,
 *    tests or build leftovers; its package.json points Node and TypeScript at dist/;
 * 2. its types compile for a consumer (`tsc --noEmit` on contract/consumer.ts, strict);
 * 3. Node loads it: the default export is a backend feature and the bundled manifest is there;
 * 4. Backstage's config loader picks up its config.d.ts: a bad value is refused with its path
 *    and the token is a secret.
 *
 * Run by `npm run check:package` (and so `make test`); the package is unpacked under
 * .pack-check/, inside this folder, so its peer dependencies resolve from node_modules/.
 * `--keep <dir>` copies the tarball there (make module-pack, e2e).
 */

/* eslint-disable no-console */

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');

const MODULE_DIR = path.resolve(__dirname, '..');
const WORK = path.join(MODULE_DIR, '.pack-check');
const PACKAGE_NAME = JSON.parse(fs.readFileSync(path.join(MODULE_DIR, 'package.json'), 'utf8')).name;
const INSTALLED = path.join(WORK, 'node_modules', ...PACKAGE_NAME.split('/'));

function run(command, args, options = {}) {
  return execFileSync(command, args, { cwd: MODULE_DIR, encoding: 'utf8', ...options });
}

function pack() {
  const destination = fs.mkdtempSync(path.join(os.tmpdir(), 'pagerduty-actions-pack-'));
  const [result] = JSON.parse(
    run('npm', ['pack', '--json', '--pack-destination', destination], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  return { tarball: path.join(destination, result.filename), files: result.files.map(f => f.path) };
}

function checkContents(files) {
  for (const needed of ['dist/index.cjs.js', 'dist/index.d.ts', 'config.d.ts', 'actions.json']) {
    assert.ok(files.includes(needed), `the package lacks ${needed}`);
  }
  const unwanted = files.filter(
    f => !/^(dist\/[\w.-]+\.(cjs\.js|cjs\.js\.map|d\.ts)|config\.d\.ts|actions\.json|README\.md|package\.json)$/.test(f),
  );
  assert.deepEqual(unwanted, [], 'only dist/, config.d.ts, actions.json and README are packed');
  const tests = files.filter(f => /\.test\.|__testUtils__|^src\//.test(f));
  assert.deepEqual(tests, [], 'no sources or tests are packed');
}

function unpack(tarball) {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(INSTALLED, { recursive: true });
  run('tar', ['xzf', tarball, '-C', INSTALLED, '--strip-components=1']);
  const manifest = JSON.parse(fs.readFileSync(path.join(INSTALLED, 'package.json'), 'utf8'));
  assert.equal(manifest.main, 'dist/index.cjs.js');
  assert.equal(manifest.types, 'dist/index.d.ts');
  assert.equal(manifest.configSchema, 'config.d.ts');
  assert.equal(manifest.backstage.role, 'backend-plugin-module');
  assert.equal(manifest.backstage.pluginId, 'scaffolder');
  assert.equal(manifest.dependencies, undefined, 'no runtime dependency of its own');
}

function checkTypes() {
  fs.copyFileSync(path.join(__dirname, 'consumer.ts'), path.join(WORK, 'consumer.ts'));
  fs.writeFileSync(
    path.join(WORK, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module: 'commonjs',
        moduleResolution: 'node',
        esModuleInterop: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [path.join(MODULE_DIR, 'node_modules', '@types')],
      },
      files: ['consumer.ts'],
    }),
  );
  run(path.join(MODULE_DIR, 'node_modules', '.bin', 'tsc'), ['-p', WORK], { stdio: 'inherit' });
}

function checkLoads() {
  const loaded = require(INSTALLED);
  assert.equal(loaded.default.$$type, '@backstage/BackendFeature');
  assert.equal(loaded.default, loaded.scaffolderModulePagerDutyActions);
  const shipped = JSON.parse(fs.readFileSync(path.join(INSTALLED, 'actions.json'), 'utf8'));
  assert.deepEqual(loaded.loadBundledManifest(), shipped);
}

async function checkConfigSchema() {
  const { loadConfigSchema } = require('@backstage/config-loader');
  const schema = await loadConfigSchema({
    dependencies: [PACKAGE_NAME],
    packagePaths: [path.join(INSTALLED, 'package.json')],
  });
  // What the other packages' schemas require (the loader reads the dev dependencies' too).
  const backstage = {
    app: { baseUrl: 'http://127.0.0.1:3000' },
    backend: { baseUrl: 'http://127.0.0.1:7007', database: { client: 'better-sqlite3', connection: ':memory:' } },
  };
  const ok = {
    ...backstage,
    pagerdutyActions: { baseUrl: 'http://x:7077', token: 'secret', timeoutSeconds: 5 },
  };
  const [processed] = schema.process([{ data: ok, context: 'app-config.yaml' }], {
    visibility: ['frontend'],
  });
  assert.equal(processed.data.pagerdutyActions, undefined, 'nothing of it reaches the frontend');
  const [secrets] = schema.process([{ data: ok, context: 'app-config.yaml' }], {
    visibility: ['secret'],
  });
  assert.deepEqual(secrets.data.pagerdutyActions, { token: 'secret' }, 'the token is a secret');
  const bad = { ...backstage, pagerdutyActions: { timeoutSeconds: 'soon' } };
  assert.throws(
    () => schema.process([{ data: bad, context: 'app-config.yaml' }]),
    error =>
      /must be number \{ type=number \} at \/pagerdutyActions\/timeoutSeconds/.test(error.message) &&
      /required property 'baseUrl'.* at \/pagerdutyActions/.test(error.message),
  );
}

async function main() {
  const keep = process.argv.indexOf('--keep');
  const { tarball, files } = pack();
  checkContents(files);
  unpack(tarball);
  checkTypes();
  checkLoads();
  await checkConfigSchema();
  if (keep !== -1) {
    const dir = path.resolve(process.argv[keep + 1]);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(tarball, path.join(dir, path.basename(tarball)));
  }
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
  console.log(`package contract: ${files.length} files packed, types compile, it loads, its config schema applies`);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
