// Node 20 module hooks that let a test import a Backstage frontend package's dist as a
// browser bundler would: see ./register.mjs for why each one is needed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { compileFunction } from 'node:vm';

const NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT']);

/** Extensionless and directory imports: retry with `.js`, then `/index.js`. */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (!NOT_FOUND.has(error?.code) || /\.(?:m?js|cjs|json|svg)$/.test(specifier)) throw error;
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await nextResolve(specifier + suffix, context);
      } catch {
        // the next suffix, else the first error
      }
    }
    throw error;
  }
}

/** ESM files in packages without "type": "module" load as modules; `.svg` imports are their
 * URL as a string; CommonJS modules imported by ESM get every export as a named export. */
export async function load(url, context, nextLoad) {
  if (url.endsWith('.svg')) {
    return { format: 'module', source: `export default ${JSON.stringify(url)};`, shortCircuit: true };
  }
  const loaded = await nextLoad(url, context);
  if (loaded.format !== 'commonjs' || !url.startsWith('file:')) return loaded;
  const path = fileURLToPath(url);
  const source = readFileSync(path, 'utf8');
  if (isModuleSyntax(source)) {
    return { format: 'module', source, shortCircuit: true };
  }
  return { format: 'module', source: commonJsWrapper(path), shortCircuit: true };
}

/** What Node 22 does by default (--experimental-detect-module): a file that does not compile
 * as CommonJS because of import/export statements is an ES module. */
function isModuleSyntax(source) {
  try {
    compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname']);
    return false;
  } catch (error) {
    return error instanceof SyntaxError && /\b(import|export)\b/.test(error.message);
  }
}

function commonJsWrapper(path) {
  let names = [];
  try {
    const exported = createRequire(path)(path);
    if (exported && (typeof exported === 'object' || typeof exported === 'function')) {
      names = Object.keys(exported).filter(n => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
    }
  } catch {
    // needs a browser global to load here: default export only
  }
  const lines = [
    `import { createRequire } from 'node:module';`,
    `const exported = createRequire(${JSON.stringify(path)})(${JSON.stringify(path)});`,
    // A bundler's interop: a transpiled module's default is its `default` export.
    `export default exported && exported.__esModule && 'default' in exported ? exported.default : exported;`,
    ...names.map(n => `export const ${n} = exported[${JSON.stringify(n)}];`),
  ];
  return lines.join('\n');
}
