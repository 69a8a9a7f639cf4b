#!/usr/bin/env node
// The `gmem-check` bin entry (and npm run check): runs the TypeScript command without a build
// step, its files loaded through the transpile cache the variants' processes use
// (properties/isolation/transpile.js), so a run starts in a fraction of a second.
const argv = process.argv.slice(2);
// A GMEM_JS_CACHE that cannot be made is main()'s to refuse, by its own rules (help first, 128
// under --bisect); the command's own files load through the default cache meanwhile, not
// transpiled one by one without a cache (3 s of CPU only to be refused).
const named = process.env.GMEM_JS_CACHE;
let unusable = false;
if (named) {
  try {
    require('../isolation/make-folder').makeFolder(named);
  } catch {
    unusable = true;
    delete process.env.GMEM_JS_CACHE;
  }
}
require('../isolation/transpile').install();
// --prove: the same files proved for every input within a bound (npm run prove)
const prove = argv.includes('--prove');
const command = prove ? require('./prove.ts') : require('./main.ts');
if (unusable) process.env.GMEM_JS_CACHE = named;
if (prove) command.proveMain(argv).then((/** @type {number} */ code) => { process.exitCode = code; });
else process.exitCode = command.main(argv);
