#!/usr/bin/env node
// The `gmem-check` bin entry: runs the TypeScript command without a build step.
require('ts-node').register({ transpileOnly: true });
process.exitCode = require('./main.ts').main(process.argv.slice(2));
