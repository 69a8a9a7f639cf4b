// Measures how fast a C variant runs cases against its TypeScript twin: in batches (prefetch,
// as a whole fast-check run can be sent), one case at a time (as shrinking asks), and from the
// cache (as the second and later properties of one seed ask). Run:
//   node -r ./properties/isolation/register.js native/measure.ts [cases] [variants/c/upstream.c] [variants/upstream.ts]

import fc from 'fast-check';
import path from 'path';
import { caseArb } from '../properties/arbitraries';
import { execute } from '../properties/engine/execute';
import { loadVariantFile } from '../properties/registry';
import { loadCVariant } from './cvariant';

function rate(n: number, f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

function main(): void {
  const n = Number(process.argv[2] ?? 5000);
  const cFile = process.argv[3] ?? 'variants/c/upstream.c';
  const tsFile = process.argv[4] ?? path.join('variants', `${path.basename(cFile, '.c')}.ts`);
  const c = loadCVariant(cFile);
  const ts = loadVariantFile(tsFile);
  const sample = (seed: number) => fc.sample(caseArb, { seed, numRuns: n });
  c.runner.run(sample(0)[0]); // start the worker and the child
  const [a, b, d] = [sample(1), sample(2), sample(3)];
  const figures = {
    'TypeScript, in process': rate(n, () => a.forEach((k) => execute(ts, k))),
    'C, batches of 512 (prefetch)': rate(n, () => c.runner.prefetch(b)),
    'C, one case per round trip': rate(n, () => d.forEach((k) => c.runner.run(k))),
    'C, from the cache': rate(n, () => b.forEach((k) => c.runner.run(k))),
  };
  c.runner.close();
  console.log(`${n} generated cases each, ${c.name} against ${ts.name} (cases/s):`);
  for (const [what, r] of Object.entries(figures)) console.log(`  ${what.padEnd(30)} ${Math.round(r).toString().padStart(8)}`);
}

main();
