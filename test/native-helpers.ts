// Shared by the native suites: cases sampled from the generators with the run's seed, and a
// compact, readable form of an outcome for comparing a C variant with its TypeScript twin.

import fc from 'fast-check';
import { isDeepStrictEqual } from 'util';
import { Outcome } from '../properties/engine/execute';
import { CaseSpace, bindCaseArbFor, caseArbFor } from '../properties/arbitraries';
import { Case } from '../properties/case';
import { optionsFromEnv } from '../properties/engine/engine';

export const { seed } = optionsFromEnv();

/** Cases as a check generates them for a variant of this space (a default VM and one view, unless given). */
export const sampleCases = (numRuns: number, offset = 0, space: CaseSpace = {}): Case[] => fc.sample(caseArbFor(space), { seed: seed + offset, numRuns });

/** What a property can see of an outcome: the caller's result, every KVM event, the walks, a bind's answer, a fault. */
export const observable = (o: Outcome) => ({
  resolved: o.resolved,
  events: o.events,
  walks: o.walks.map((w) => ({ view: w.view, start: w.start, last: w.last, visits: w.visits.map((v) => [v.index, v.slot.id]) })),
  bound: o.bound,
  fault: o.fault,
});

/**
 * expect(got).toEqual(want), with Node's strict comparison first: outcomes it finds equal toEqual
 * finds equal too, and jest's own comparison costs about a millisecond an outcome (the native
 * suites compare thousands); any difference still goes to toEqual, for its verdict and its diff.
 */
export function expectSameOutcome(got: unknown, want: unknown): void {
  if (!isDeepStrictEqual(got, want)) expect(got).toEqual(want);
}

/** Bind requests as bind-within-file draws them for a variant of that bind era. */
export const sampleBinds = (numRuns: number, space: Pick<CaseSpace, 'bindEra'> = {}, offset = 0): Case[] => fc.sample(bindCaseArbFor(space), { seed: seed + offset, numRuns });

/** Collects a runner's stderr instead of printing it. */
export function stderrSink(): { text: string; write: (t: string) => void } {
  const sink = { text: '', write: (t: string) => { sink.text += t; } };
  return sink;
}
