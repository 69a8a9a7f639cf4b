// @ts-check
// TypeScript for the variant child processes, without a TypeScript loader in each: a .ts file
// is transpiled once (typescript's transpileModule, as ts-node's transpile-only mode does) and
// kept in a cache keyed by the hash of its text, so a child starts in a tenth of a second.
// The command warms the cache for a variant's imports before starting its child (warm());
// a child that meets a file not in the cache transpiles it itself (install()).
// Plain JavaScript: it runs in the child before any TypeScript can.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { makeFolder } = require('./make-folder');

const ROOT = path.join(__dirname, '..', '..');

function typescriptVersion() {
  try {
    return JSON.parse(fs.readFileSync(require.resolve('typescript/package.json'), 'utf8')).version;
  } catch {
    return 'none';
  }
}

/** What decides the output besides the text: the compiler's version and these options. */
const OPTIONS = { module: 'commonjs', target: 'es2022', esModuleInterop: true, resolveJsonModule: true, inlineSourceMap: true };
const SALT = `${typescriptVersion()} ${JSON.stringify(OPTIONS)}`;

function cacheDir() {
  if (process.env.GMEM_JS_CACHE) return process.env.GMEM_JS_CACHE;
  return defaultCacheDir();
}

/** GMEM_JS_CACHE is unset, or names a folder that exists or can be made. */
function namedCacheUsable() {
  const named = process.env.GMEM_JS_CACHE;
  if (!named) return true;
  try {
    makeFolder(named);
    return true;
  } catch {
    return false;
  }
}

function defaultCacheDir() {
  const modules = path.join(ROOT, 'node_modules');
  if (fs.existsSync(modules)) return path.join(modules, '.cache', 'gmem-js');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `gmem-js-${uid}`);
}

// the file is part of the key: the inline source map names it
const keyOf = (/** @type {string} */ file, /** @type {string} */ text) => crypto.createHash('sha256').update(SALT).update('\0').update(path.resolve(file)).update('\0').update(text).digest('hex');

/** @type {typeof import('typescript') | undefined} */
let ts;

function transpile(/** @type {string} */ file, /** @type {string} */ text) {
  ts ??= require('typescript');
  const t = /** @type {typeof import('typescript')} */ (ts);
  return t.transpileModule(text, {
    fileName: file,
    // the source map lets a variant's child (node --enable-source-maps) name the .ts line a throw came from
    compilerOptions: { module: t.ModuleKind.CommonJS, target: t.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true, inlineSourceMap: true },
  }).outputText;
}

/** The JavaScript of a .ts file's text: from the cache, or transpiled and then cached (written whole, by rename). */
function compiled(/** @type {string} */ file, /** @type {string} */ text, dir = cacheDir()) {
  const at = path.join(dir, `${keyOf(file, text)}.js`);
  try {
    return fs.readFileSync(at, 'utf8');
  } catch {
    const js = transpile(file, text);
    try {
      makeFolder(dir);
      const tmp = `${at}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, js);
      fs.renameSync(tmp, at);
    } catch { /* a read-only cache only costs time */ }
    return js;
  }
}

/**
 * Makes require() load .ts files through the cache (in a variant's child, the command, the npm
 * scripts). A GMEM_JS_CACHE that cannot be made is the command's to refuse, by its own rules
 * (help first, 128 under --bisect): this process loads its own files through the default cache
 * meanwhile, not each transpiled again without a cache (3 s of CPU for the command).
 */
function install() {
  const dir = namedCacheUsable() ? cacheDir() : defaultCacheDir();
  // eslint-disable-next-line n/no-deprecated-api -- the one synchronous hook CommonJS has
  require.extensions['.ts'] = (m, filename) => {
    /** @type {any} */ (m)._compile(compiled(filename, fs.readFileSync(filename, 'utf8'), dir), filename);
  };
}

/**
 * The relative imports of a .ts file that are .ts files themselves, found by a plain scan of
 * `from '...'`, `require('...')` and `import('...')` (no compiler needed: a specifier in a comment
 * only warms one file more).
 */
function localImports(/** @type {string} */ file, /** @type {string} */ text) {
  const out = [];
  const specifier = /(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|^\s*import\s+)['"](\.[^'"]*)['"]/gm;
  for (let m = specifier.exec(text); m; m = specifier.exec(text)) {
    const base = path.resolve(path.dirname(file), m[1]);
    for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
      if (candidate.endsWith('.ts') && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) { out.push(candidate); break; }
    }
  }
  return out;
}

/** These files and every .ts file they import locally, with their text: [absolute path, text], sorted. */
function closure(/** @type {readonly string[]} */ files) {
  /** @type {Map<string, string>} */
  const seen = new Map();
  const todo = files.map((f) => path.resolve(f));
  while (todo.length) {
    const file = /** @type {string} */ (todo.pop());
    if (seen.has(file)) continue;
    let text;
    try { text = fs.readFileSync(file, 'utf8'); } catch { continue; }
    seen.set(file, text);
    todo.push(...localImports(file, text));
  }
  return [...seen].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Fills the cache for these files and everything they import locally (in the command, which has typescript loaded). */
function warm(/** @type {readonly string[]} */ files) {
  for (const [file, text] of closure(files)) compiled(file, text);
}

module.exports = { install, warm, closure, cacheDir, typescriptVersion };
