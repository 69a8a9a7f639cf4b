// The engine's verdicts for C variants, run through its own `isolated` hook (properties/isolation/isolated.ts):
// a prefetch sends exactly the generated cases, upstream-c gets every verdict the TypeScript
// upstream gets, buggy-c fails as buggy does with the same shrunk report, and a C hang is one
// reported failure, not a stalled run.

import fc from 'fast-check';
import { resolve } from '../model/callers';
import { WORD64 } from '../model/word';
import { caseArb } from '../properties/arbitraries';
import { materialize } from '../properties/case';
import { caseKey } from '../properties/isolation/runner';
import { checkProperty } from '../properties/engine/engine';
import { formatFailure } from '../properties/format';
import { PROPERTIES, property } from '../properties/properties';
import { CVariant, loadCVariant } from '../native/cvariant';
import { IsolatedRunner } from '../properties/isolation/isolated';
import buggy from '../variants/buggy';
import upstream from '../variants/upstream';
import { seed } from './native-helpers';
import { verdictCell } from '../properties/command/table';
import { checkHere } from './command-helpers';

const opts = { seed, numRuns: 1000 as const, word: WORD64 };
/** The engine's isolated executor over a C variant's runner, with the variant at hand. */
const isolatedC = (variant: CVariant) => Object.assign(new IsolatedRunner(variant.runner), { variant });
const upstreamC = isolatedC(loadCVariant('variants/c/upstream.c'));
const buggyC = isolatedC(loadCVariant('variants/c/buggy.c'));
const hangC = isolatedC(loadCVariant('test/fixtures/c/hang.c', { timeoutMs: 250 }));
afterAll(() => [upstreamC, buggyC, hangC].forEach((i) => i.close()));

test('prefetch sends, in batches, exactly the cases fc.check then generates', () => {
  const runner = upstreamC.variant.runner;
  upstreamC.prefetch(seed, opts.numRuns);
  const v = checkProperty(upstreamC.variant, property('no-stale-mapping'), { ...opts, isolated: upstreamC });
  expect(v.actual).toBe('pass');
  // every case fc.check generated was in the plan, and went to C in a batch of up to 512, a batch ahead
  const invalidating = new Set(fc.sample(caseArb, { seed, numRuns: opts.numRuns })
    .filter((c) => resolve(materialize(c.layout), c.op, WORD64).kind === 'invalidate').map((c) => caseKey(c)));
  expect(runner.sent).toBe(invalidating.size);
  expect(runner.exchanges).toBe(Math.ceil(opts.numRuns / 512));
});

test.each(PROPERTIES.map((p) => [p.id, p] as const))(`upstream-c gets the TypeScript upstream's verdict on %s (FC_SEED=${seed})`, (_, prop) => {
  const c = checkProperty(upstreamC.variant, prop, { ...opts, isolated: upstreamC });
  const t = checkProperty(upstream, prop, opts);
  expect(c.harnessError).toBeUndefined();
  expect([c.actual, c.matches]).toEqual([t.actual, t.matches]);
  expect(c.matches).toBe(true);
});

test(`buggy-c fails no-stale-mapping with the shrunk report buggy gets (FC_SEED=${seed})`, () => {
  const c = checkProperty(buggyC.variant, property('no-stale-mapping'), { ...opts, isolated: buggyC });
  const t = checkProperty(buggy, property('no-stale-mapping'), opts);
  expect([c.actual, c.matches]).toEqual(['fail', true]);
  // the same engine on the same events: the same counterexample, shrunk the same way
  expect(c.counterexample!.case).toEqual(t.counterexample!.case);
  const text = formatFailure(c);
  expect(text).toMatch(/^buggy-c fails no-stale-mapping \(expected\)/);
  expect(text).toMatch(/still mapped/);
  expect(text).toMatch(/WARN\[WARN_ON_ONCE in the variant\]/);
  expect(text.replace(/^buggy-c/, 'buggy')).toBe(formatFailure(t));
});

test('a confirmed C hang fails its property once, unshrunk, and the variant runs nothing more', () => {
  const v = checkProperty(hangC.variant, property('no-warn'), { ...opts, numRuns: 300, isolated: hangC });
  expect(v.actual).toBe('fail');
  expect(v.confirmation).toBe('hang');
  expect(v.violations).toEqual([expect.stringMatching(/^invalidate_end did not return: hang, confirmed: /)]);
  // what it called before it hung; and the others are not run, as the table says, not failed
  const text = formatFailure(v);
  expect(text).toMatch(/^kvm calls: lock, unlock, lock$/m);
  expect(text).toMatch(/^hang-c fails no-warn \(UNEXPECTED: a hang is never the failure a variant is expected to have; nothing of the variant runs after it: its later properties are not-run\)$/m);
  const r = v.counterexample!.resolved;
  expect(r.kind === 'invalidate' && r.start % 2n).toBe(1n);
  // the next property is not run at all, and costs no second confirmation
  const next = checkProperty(hangC.variant, property('no-stale-mapping'), { ...opts, numRuns: 300, isolated: hangC });
  expect([next.notRun, next.matches]).toEqual([true, false]);
  expect(next.violations).toEqual([expect.stringMatching(/^not run: the variant hung on a case of an earlier property/)]);
  // an advisory property not run is no mismatch, as an advisory verdict never is
  const advisory = checkProperty(hangC.variant, property('no-redundant-unmap'), { ...opts, numRuns: 300, isolated: hangC });
  expect(advisory).toMatchObject({ notRun: true, matches: true });
  expect([verdictCell(next), verdictCell(advisory)]).toEqual(['not-run!', 'not-run']);
  // the exhaustive scope over the hang: a correctness property is a mismatch, an advisory one is
  // not (the hang spins to its limit and twice that to confirm: 250 ms, as the hostile folder's, not the command's 2 s)
  const scope = JSON.parse(checkHere(['test/fixtures/c/hang.c', '--exhaustive', '2', '--timeout', '250', '--json']).out) as { verdicts: Array<{ property: string; matches: boolean }> };
  expect(scope.verdicts.filter((x) => ['no-stale-mapping', 'no-redundant-unmap'].includes(x.property)).map((x) => [x.property, x.matches]))
    .toEqual([['no-stale-mapping', false], ['no-redundant-unmap', true]]);
  expect(hangC.runner.confirmations).toBe(1);
});
