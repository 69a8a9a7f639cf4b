#!/usr/bin/env node
// The `gmem-check` bin entry (and npm run check): runs the TypeScript command without a build
// step, its files loaded through the transpile cache the variants' processes use
// (properties/isolation/transpile.js), so a run starts in a fraction of a second.
const argv = process.argv.slice(2);
// the transpile cache the environment names is made before any file loads through it: a folder
// that cannot be made is refused at once, as main() refuses it, not after every file of the
// command has been transpiled without a cache (3 s of CPU), --help as much as a run
const cache = process.env.GMEM_JS_CACHE;
if (cache) {
  try {
    require('../isolation/make-folder').makeFolder(cache, `GMEM_JS_CACHE=${cache}`);
  } catch (e) {
    process.stderr.write(`${/** @type {Error} */ (e).message}\n`);
    process.exit(2);
  }
}
require('../isolation/transpile').install();
// --prove: the same files proved for every input within a bound (npm run prove)
if (argv.includes('--prove')) require('./prove.ts').proveMain(argv).then((/** @type {number} */ code) => { process.exitCode = code; });
else process.exitCode = require('./main.ts').main(argv);
