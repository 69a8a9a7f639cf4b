// @ts-check
// Type-checks variant files in a process of its own (node typecheck-child.js FILE...), so that
// the command never compiles a variant's code itself and a type that sends the checker into a
// loop costs a time limit, not the run. Prints [{ file, message }] for the files that fail.
'use strict';

require('./transpile').install();
const { typecheckVariants } = require('./typecheck.ts');

const out = [...typecheckVariants(process.argv.slice(2))].map(([file, e]) => ({ file, message: e.message }));
process.stdout.write(JSON.stringify(out));
