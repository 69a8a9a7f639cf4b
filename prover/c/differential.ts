// Why a translation can be trusted: its TypeScript, run by the ordinary engine (execute()), and the
// gcc-compiled C it came from (native/cvariant.ts), run on the same generated cases, must make the
// same KVM calls with the same values, walk the same xarray ranges, and fault in the same phase.
// npm test runs a few hundred cases per file; npm run c-diff thousands.

import fc from 'fast-check';
import { Variant } from '../../model/variant';
import { caseArbFor } from '../../properties/arbitraries';
import { Case } from '../../properties/case';
import { Outcome, execute } from '../../properties/engine/execute';

/** What a property can see of an outcome: the caller's result, every KVM event, the walks, whether and where it faulted. */
export const seen = (o: Outcome) => ({
  resolved: o.resolved,
  events: o.events,
  walks: o.walks.map((w) => ({ view: w.view, start: w.start, last: w.last, visits: w.visits.map((v) => [v.index, v.slot.id]) })),
  fault: o.fault ? o.fault.phase : null,
});

const text = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));

/**
 * Cases of the space a C variant of this era runs in (no conversions: C variants are given none),
 * and for a variant that takes the inode a release of a later view for each case with views.
 */
export function casesFor(v: Pick<Variant, 'vmTypes' | 'takes' | 'zap'>, count: number, seed: number): Case[] {
  const drawn = fc.sample(caseArbFor({ vmTypes: v.vmTypes, takes: v.takes, zap: v.zap }), { seed, numRuns: count });
  if (!v.takes) return drawn;
  const releases = drawn.flatMap((c): Case[] => (c.layout.otherViews?.length ? [{ ...c, op: { kind: 'release', view: c.layout.otherViews.length } }] : []));
  return [...drawn, ...releases.slice(0, Math.ceil(count / 8))];
}

export interface Difference { readonly case: Case; readonly c: string; readonly translated: string }
export interface DiffResult { readonly compared: number; readonly invalidations: number; readonly differences: readonly Difference[] }

/** The translation against the compiled C on `cases`; `runC` runs them in batches (CRunner.runMany). */
export function differential(translated: Variant, runC: (cases: readonly Case[]) => Outcome[], cases: readonly Case[]): DiffResult {
  const fromC = runC(cases);
  const differences: Difference[] = [];
  let invalidations = 0;
  cases.forEach((c, i) => {
    const want = text(seen(fromC[i]));
    const got = text(seen(execute(translated, c)));
    if (fromC[i].resolved.kind === 'invalidate') invalidations++;
    if (want !== got) differences.push({ case: c, c: want, translated: got });
  });
  return { compared: cases.length, invalidations, differences };
}
