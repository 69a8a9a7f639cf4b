#!/usr/bin/env node
// The `gmem-check` bin entry (and npm run check): runs the TypeScript command without a build
// step, its files loaded through the transpile cache the variants' processes use
// (properties/isolation/transpile.js), so a run starts in a fraction of a second.
require('../isolation/transpile').install();
process.exitCode = require('./main.ts').main(process.argv.slice(2));
