// screen(): one pass over fast-check's cases, judged by every property, stands in for each
// property's own pass only where it gives the same verdict, counterexample and replay path.

import fc from 'fast-check';
import * as arbitraries from '../properties/arbitraries';
import { checkProperty, checkVariant, screen } from '../properties/engine/engine';
import { Outcome } from '../properties/engine/execute';
import { formatFailure } from '../properties/format';
import { PROPERTIES, property } from '../properties/properties';
import { loadVariants } from '../properties/registry';

const variants = loadVariants();
const named = (name: string) => variants.find((v) => v.name === name)!;

test.each(['buggy', 'upstream-2026', 'convert-zap-aligned', 'mike-index'])(
  '%s: checkVariant with the screen gives what each property checked alone gives', (name) => {
    const v = named(name);
    const opts = { seed: 3, numRuns: 200 };
    expect(checkVariant(v, opts)).toEqual(PROPERTIES.map((p) => checkProperty(v, p, opts)));
  });

test('a check keeps the outcomes of its first 2000 cases for the properties it runs again, and no more', () => {
  // the ones a failing property's own check meets first; keeping the last 20 000 instead cost every
  // case of a long run collection work, and dropped exactly these
  const v = named('upstream-2026');
  const outcomes = new Map<string, Outcome>();
  checkVariant(v, { seed: 3, numRuns: 2500, outcomes });
  expect(outcomes.size).toBe(2000);
  const [first] = fc.sample(arbitraries.caseArbFor(v), { seed: 3, numRuns: 1 });
  expect([...outcomes.values()][0].case).toEqual(first);
});

test('the screen keeps the properties no case fails, and drops the ones a case fails', () => {
  const kept = screen(named('buggy'), PROPERTIES, { seed: 3, numRuns: 200 });
  expect(kept.passes.has('no-stale-mapping')).toBe(false);
  expect(kept.failedOn.get('no-stale-mapping')?.found.length).toBeGreaterThan(0);
  expect(kept.passes.has('no-collateral-unmap')).toBe(true);
  expect(kept.failedOn.has('no-collateral-unmap')).toBe(false);
});

test('a harness error in the screen passes nothing: each property meets it on its own; what failed before it is kept', () => {
  const opts = { seed: 3, numRuns: 50 as const };
  expect(screen(named('upstream'), PROPERTIES, opts).passes.size).toBeGreaterThan(0);
  const breaks = { ...PROPERTIES[0], check: () => { throw new Error('the harness broke'); } };
  expect(screen(named('upstream'), [breaks, ...PROPERTIES.slice(1)], opts).passes.size).toBe(0);
  // buggy fails no-stale-mapping early; the harness breaks later, on the screen's 100th case
  let judged = 0;
  const breaksLate = { ...PROPERTIES[1], check: () => { if (++judged === 100) throw new Error('the harness broke'); return []; } };
  const late = screen(named('buggy'), [PROPERTIES[0], breaksLate], { seed: 3, numRuns: 200 });
  expect(late.passes.size).toBe(0);
  expect(late.failedOn.get('no-stale-mapping')?.index).toBeLessThan(99);
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

/** Upstream, but its invalidate_begin does nothing when `skips` says so, on its call number `call` (from 1): a variant with state. */
function upstreamThat(skips: (call: number, start: bigint, end: bigint) => boolean) {
  const up = named('upstream');
  const state = { calls: 0 };
  const variant = {
    ...up, name: 'upstream-with-state',
    invalidate_begin: (...a: Parameters<NonNullable<typeof up.invalidate_begin>>) => {
      if (skips(++state.calls, a[1], a[2])) return;
      up.invalidate_begin!(...a);
    },
  };
  return { variant, state };
}

/**
 * Upstream that does nothing on its calls in the windows (first, last] given. Past the 2000
 * outcomes a check keeps, a property's own check runs the screen's cases again; checked with an
 * outcome map that keeps nothing, which stands for that (or, `keeps`, with one that keeps every
 * outcome, as below 2000 cases).
 */
function forgetting(windows: ReadonlyArray<readonly [number, number]>, keeps = false) {
  const { variant, state } = upstreamThat((call) => windows.some(([first, last]) => call > first && call <= last));
  const outcomes = keeps ? new Map() : new (class extends Map<string, never> { override set() { return this; } })();
  const staleVerdict = () => checkVariant(variant, { seed: 3, numRuns: 1000, outcomes }).find((v) => v.property === 'no-stale-mapping')!;
  return { state, staleVerdict };
}

test('a property the screen saw fail and its own check passes is not a pass: the variant keeps state', () => {
  // only the screen's pass meets calls 200 to 399
  const { state, staleVerdict } = forgetting([[200, 400]]);
  const stale = staleVerdict();
  expect(state.calls).toBeGreaterThan(400);
  expect(stale).toMatchObject({ actual: 'fail', matches: false, confirmation: 'not-reproduced' });
  expect(stale.counterexample).toBeDefined();
  expect(stale.violations!.at(-1)).toMatch(/^not reproduced: .* passes .* keeps state/);
  // no path leads to it: the replay line runs the same cases isolated, where the history is found
  expect(formatFailure(stale, { variant: 'v.ts' }).split('\n').at(-1))
    .toBe('no path replays it (not reproduced in this process); to run the cases up to it isolated: npm run check -- --seed=3 --runs 1000 --property no-stale-mapping v.ts');
  // the same variant without its state fails no property here
  expect(checkVariant(named('upstream'), { seed: 3, numRuns: 1000 }).every((v) => v.actual === 'pass' || v.expected !== 'pass')).toBe(true);
});

test('a property whose own check first fails on another case than the screen saw is not reproduced either', () => {
  // the screen meets calls 200 to 399; the properties' own checks, running the cases again, 1000 to 1199
  const stale = forgetting([[200, 400], [1000, 1200]]).staleVerdict();
  expect(stale).toMatchObject({ actual: 'fail', matches: false, confirmation: 'not-reproduced', numRuns: 1000, numShrinks: 0 });
  expect(stale.path).toBeUndefined();
  expect(stale.violations!.at(-1)).toMatch(/^not reproduced: the first pass over the cases saw case (\d+) fail, and .* first fails at case (?!\1\b)\d+ .*keeps state/);
});

test('a failure met among the kept outcomes is run once more before it is saved: a variant with state is not reproduced', () => {
  // the screen and the own check both see calls 200 to 399 (the own check through the kept
  // outcomes); the shrunk case, run once more in this process, passes
  const stale = forgetting([[200, 400]], true).staleVerdict();
  expect(stale).toMatchObject({ actual: 'fail', matches: false, confirmation: 'not-reproduced' });
  expect(stale.violations!.at(-1)).toMatch(/^not reproduced: judged again in this process, or run once more without the outcomes kept, its case passes .*keeps state/);
  // what the failing judgement saw, and a replay of the cases up to it, not a path
  expect(stale.violations!.length).toBeGreaterThan(1);
  expect(stale.path).toBeUndefined();
  expect(formatFailure(stale, { variant: 'v.ts' }).split('\n').at(-1)).toMatch(/to run the cases up to it isolated: npm run check -- --seed=3 --runs \d+ --property no-stale-mapping v\.ts$/);
});

test('a harness error first met in a property\'s own check is a harness error, not the variant\'s state', () => {
  let own = false;
  const real = PROPERTIES[0];
  const breaksLater = { ...real, check: (o: Parameters<typeof real.check>[0]) => { if (own) throw new Error('the harness broke'); return real.check(o); } };
  const opts = { seed: 3, numRuns: 200 };
  const screened = screen(named('buggy'), [breaksLater], opts);
  expect(screened.failedOn.has(real.id)).toBe(true);
  own = true;
  const v = checkProperty(named('buggy'), breaksLater, { ...opts, screened });
  expect(v).toMatchObject({ actual: 'fail', matches: false, harnessError: 'Error: the harness broke' });
  expect(v.confirmation).not.toBe('not-reproduced');
});

test('a shrunk failure that passes when judged again is not saved with no reason: it is not reproduced', () => {
  // upstream, but its invalidate_begin does nothing the first time it is asked for a range: every
  // failure passes when its case is judged again (no outcome is kept to hide that)
  const asked = new Set<string>();
  const { variant: once } = upstreamThat((_, start, end) => {
    const key = `${start}:${end}`;
    if (asked.has(key)) return false;
    asked.add(key);
    return true;
  });
  const v = checkProperty(once, property('no-stale-mapping'), { seed: 3, numRuns: 300 });
  expect(v).toMatchObject({ actual: 'fail', matches: false, confirmation: 'not-reproduced' });
  expect(v.violations!.length).toBeGreaterThan(1); // what it was seen to do, then why it is not saved
  expect(v.violations!.at(-1)).toMatch(/^not reproduced: judged again in this process/);
});
