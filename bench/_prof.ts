import { loadVariants } from '../properties/registry';
import { checkVariant } from '../properties/engine/engine';
const only = process.argv[2];
const vs = loadVariants().filter((v) => only ? v.name === only : v.name !== 'convert-batch-skip');
const t0 = performance.now();
for (const v of vs) { const r = checkVariant(v, { numRuns: 1000, seed: 5, xarray: 'faithful' }); if (only) console.log(r.map((x) => [x.property, x.actual, x.numShrinks])); }
console.log('total', (performance.now() - t0).toFixed(0));
