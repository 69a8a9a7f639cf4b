// The reference's range per slot equals the page-by-page oracle on small layouts.

import fc from 'fast-check';
import { expectedUnmaps, oracleGfns } from '../model/reference';
import { optionsFromEnv } from '../properties/engine/engine';
import { layoutOf, Triple } from './helpers';

const { seed, numRuns } = optionsFromEnv();

/** Up to 4 small bindings, placed left to right with gaps, gfn bases far apart. */
const smallLayout = fc
  .tuple(fc.array(fc.tuple(fc.bigInt(0n, 5n), fc.bigInt(1n, 12n)), { minLength: 1, maxLength: 4 }), fc.bigInt(0n, 4n))
  .map(([raw, tail]) => {
    let at = 0n;
    const triples: Triple[] = raw.map(([gap, n], i) => { at += gap; const t: Triple = [at, n, 1000n * BigInt(i + 1)]; at += n; return t; });
    return { filePages: at + tail, triples };
  });

test('expectedUnmaps agrees with the page-by-page oracle', () => {
  fc.assert(
    fc.property(smallLayout, fc.bigInt(0n, 80n), fc.bigInt(1n, 40n), ({ filePages, triples }, start, len) => {
      const layout = layoutOf(filePages, triples);
      const end = start + len;
      const fromRef = new Map(expectedUnmaps(layout, start, end).map((e) => {
        const gfns: bigint[] = [];
        for (let g = e.gfns.start; g < e.gfns.end; g++) gfns.push(g);
        return [e.slot.id, gfns];
      }));
      expect(fromRef).toEqual(oracleGfns(layout, start, end));
    }),
    { seed, numRuns },
  );
});

test('release covers every slot whole', () => {
  const layout = layoutOf(40n, [[0n, 4n, 100n], [10n, 3n, 7n]]);
  expect(expectedUnmaps(layout, 0n, (1n << 64n) - 1n).map((e) => e.gfns)).toEqual([{ start: 100n, end: 104n }, { start: 7n, end: 10n }]);
});
