// The generators keep producing what the properties need: several slots, punches that span
// slots and land on slot edges (+-1), multi-chunk bindings, every caller. A decayed generator
// makes the property suite pass for the wrong reason, so its shares are asserted here.

import fc from 'fast-check';
import { caseArb } from '../properties/arbitraries';
import { materialize } from '../properties/case';
import { optionsFromEnv } from '../properties/engine/engine';
import { Feature, featureShares } from '../properties/statistics';

const { seed } = optionsFromEnv();
const shares = featureShares(2000, seed);

const FLOORS: Array<[Feature, number]> = [
  // floors at about half the smallest share measured over 40 seeds at 2000 cases (24 Nov 2026)
  ['several slots', 0.4],
  ['punch spans slots', 0.1],
  ['starts on a slot edge', 0.09],
  ['ends on a slot edge', 0.03],
  ['starts or ends one page off an edge', 0.13],
  ['multi-chunk binding', 0.45],
  ['overlaps no binding', 0.13],
  ['refused by fallocate', 0.03],
  ['release', 0.03],
  ['memory failure', 0.03],
  ['gfns above 2^32', 0.35],
  ['pgoff above 2^32', 0.13],
];

test.each(FLOORS)(`at least a share of cases has the feature "%s" (FC_SEED=${seed})`, (feature, floor) => {
  expect([feature, shares[feature] >= floor ? 'ok' : shares[feature]]).toEqual([feature, 'ok']);
});

test('every generated layout is one the kernel accepts, with 1 to 6 slots', () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const layout = materialize(c.layout); // throws the kernel's errno otherwise
      return layout.slots.length >= 1 && layout.slots.length <= 6;
    }),
    { seed, numRuns: 2000 },
  );
});
