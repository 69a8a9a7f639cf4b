// screen(): one pass over fast-check's cases, judged by every property, stands in for each
// property's own pass only where it gives the same verdict, counterexample and replay path.

import * as arbitraries from '../properties/arbitraries';
import { checkProperty, checkVariant, screen } from '../properties/engine/engine';
import { PROPERTIES } from '../properties/properties';
import { loadVariants } from '../properties/registry';

const variants = loadVariants();
const named = (name: string) => variants.find((v) => v.name === name)!;

test.each(['buggy', 'upstream-2026', 'convert-zap-aligned', 'mike-index'])(
  '%s: checkVariant with the screen gives what each property checked alone gives', (name) => {
    const v = named(name);
    const opts = { seed: 3, numRuns: 200 };
    expect(checkVariant(v, opts)).toEqual(PROPERTIES.map((p) => checkProperty(v, p, opts)));
  });

test('the screen keeps the properties no case fails, and drops the ones a case fails', () => {
  const kept = screen(named('buggy'), PROPERTIES, { seed: 3, numRuns: 200 });
  expect(kept.has('no-stale-mapping')).toBe(false);
  expect(kept.has('no-collateral-unmap')).toBe(true);
});

test('a harness error in the screen keeps nothing: each property meets it on its own', () => {
  const opts = { seed: 3, numRuns: 50 as const };
  expect(screen(named('upstream'), PROPERTIES, opts).size).toBeGreaterThan(0);
  const breaks = { ...PROPERTIES[0], check: () => { throw new Error('the harness broke'); } };
  expect(screen(named('upstream'), [breaks, ...PROPERTIES.slice(1)], opts).size).toBe(0);
});

test('a generator that throws screens nothing: each property meets it on its own, as a harness error', () => {
  const real = arbitraries.caseArbFor;
  // a case the seed draws early (every pass draws the same ones) breaks the generator
  const spy = jest.spyOn(arbitraries, 'caseArbFor').mockImplementation((space) => real(space).map((c) => {
    if (c.layout.filePages % 7n === 3n) throw new Error('the generator broke');
    return c;
  }));
  try {
    const opts = { seed: 3, numRuns: 200 as const };
    const verdicts = checkVariant(named('upstream'), opts);
    expect(verdicts).toEqual(PROPERTIES.map((p) => checkProperty(named('upstream'), p, opts)));
    expect(verdicts.filter((v) => /the generator broke/.test(v.harnessError ?? '')).length).toBeGreaterThan(3);
  } finally {
    spy.mockRestore();
  }
});
