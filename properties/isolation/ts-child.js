// @ts-check
// The entry point of a TypeScript variant's child process (node ts-child.js VARIANT.ts): .ts
// files load through the transpile cache, then ts-child-main.ts loads the variant and serves
// cases. Plain JavaScript, so that nothing but Node is needed to start it.
'use strict';

require('./transpile').install();
require('./ts-child-main.ts');
