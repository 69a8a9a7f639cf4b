// @ts-check
// `node -r ./properties/isolation/register.js file.ts`: load TypeScript through the transpile
// cache (transpile.js), as ts-node's transpile-only mode would, for the scripts of package.json.
'use strict';

require('./transpile').install();
