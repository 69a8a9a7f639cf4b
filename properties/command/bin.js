#!/usr/bin/env node
// The `gmem-check` bin entry (and npm run check): runs the TypeScript command without a build
// step, its files loaded through the transpile cache the variants' processes use
// (properties/isolation/transpile.js), so a run starts in a fraction of a second.
require('../isolation/transpile').install();
// a reader that goes away (| head) ends the output, not the run: the exit status stays the run's
require('./closed-output.ts').outliveClosedReaders();
const argv = process.argv.slice(2);
// --prove: the same files proved for every input within a bound (npm run prove)
if (argv.includes('--prove')) require('./prove.ts').proveMain(argv).then((/** @type {number} */ code) => { process.exitCode = code; });
else process.exitCode = require('./main.ts').main(argv);
